/**
 * The web shop's recurring background work, as task definitions on the durable-task engine: per seller,
 * keep in step with Sonlet (every sync period) and poll the shop's orders (every poll period). A run
 * that cannot reach Plugboard or Sonlet notes why and comes round again next period: a recurring task
 * never ends in "failed", so an hour without Plugboard costs nothing but the delay.
 */
import type { PrismaClient } from '../generated/prisma/client.js';
import { defineTask, type TaskDefinition, type TaskEngine } from '../jobs/engine.js';
import { DomainError } from '../errors.js';
import { PlugboardNotSetUpError } from './connection-store.js';
import { PlugboardError, sellerErrorOf } from './errors.js';
import type { KeepInStep } from './keep-in-step.js';
import type { ShopOrders } from './shop-orders.js';

export const SYNC_TASK = 'shop-sync';
export const ORDERS_TASK = 'shop-orders';

export interface ShopTaskOptions {
  prisma: PrismaClient;
  keepInStep: KeepInStep;
  orders: ShopOrders;
  syncPeriodMs: number;
  ordersPeriodMs: number;
}

interface SellerTask {
  userId: string;
}

/** What went wrong, in the seller's words; a bug is rethrown so the engine records it. */
function troubleOf(err: unknown): string {
  if (err instanceof PlugboardError) return sellerErrorOf(err).message;
  if (err instanceof DomainError) return err.message;
  throw err;
}

export function shopTasks(opts: ShopTaskOptions): Array<TaskDefinition<SellerTask>> {
  const { prisma } = opts;
  const note = (userId: string, data: { lastSyncError?: string | null; lastOrdersError?: string | null; syncedAt?: Date; ordersPolledAt?: Date }) =>
    prisma.plugboardConnection.updateMany({ where: { userId }, data });

  const sync = defineTask<SellerTask>({
    name: SYNC_TASK,
    async run(task, ctx) {
      const { userId } = task.data;
      try {
        const report = await opts.keepInStep.run(userId);
        await note(userId, { syncedAt: new Date(ctx.clock.now()), lastSyncError: report.failed ? `${report.failed} items could not be sent; they are tried again next time.` : null });
      } catch (err) {
        if (err instanceof PlugboardNotSetUpError) return;
        await note(userId, { syncedAt: new Date(ctx.clock.now()), lastSyncError: troubleOf(err).slice(0, 500) });
      }
      return { runAgainInMs: opts.syncPeriodMs };
    },
  });

  const orders = defineTask<SellerTask>({
    name: ORDERS_TASK,
    async run(task, ctx) {
      const { userId } = task.data;
      try {
        await opts.orders.poll(userId);
      } catch (err) {
        if (err instanceof PlugboardNotSetUpError) return;
        troubleOf(err);
      }
      await note(userId, { ordersPolledAt: new Date(ctx.clock.now()) });
      return { runAgainInMs: opts.ordersPeriodMs };
    },
  });
  return [sync, orders];
}

/** Makes sure each seller with Plugboard set up has both recurring tasks (queuing twice is harmless). */
export async function scheduleShopTasks(jobs: TaskEngine, userIds: string[]): Promise<void> {
  for (const userId of userIds) {
    for (const name of [SYNC_TASK, ORDERS_TASK]) await jobs.enqueue(name, userId, { userId }, { userId });
  }
}

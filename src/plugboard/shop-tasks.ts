/**
 * The web shop's recurring background work, as task definitions on the durable-task engine: per seller,
 * keep in step with Sonlet (every sync period) and poll the shop's orders (every poll period). A run
 * that cannot reach Plugboard or Sonlet notes why and comes round again next period: a recurring task
 * never ends in "failed", so an hour without Plugboard costs nothing but the delay.
 */
import type { PrismaClient } from '../generated/prisma/client.js';
import { defineTask, type TaskContext, type TaskDefinition, type TaskEngine } from '../jobs/engine.js';
import { DomainError } from '../errors.js';
import { PlugboardNotSetUpError } from './connection-store.js';
import { PlugboardError, sellerErrorOf } from './errors.js';
import type { KeepInStep } from './keep-in-step.js';
import { storableText } from '../storable-text.js';
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

/**
 * What went wrong, in the seller's words. Not only Plugboard's or Sonlet's trouble: an item that does not
 * map, a message Postgres refuses or a database away longer than any retry are noted too, because a run
 * that throws would end the recurring task as failed, and then no sync or poll runs until a restart.
 */
function troubleOf(err: unknown): string {
  if (err instanceof PlugboardError) return sellerErrorOf(err).message;
  if (err instanceof DomainError) return err.message;
  return 'The console hit an unexpected problem; it tries again next time.';
}

/** Expected trouble (a provider away) is a warning; anything else is the console's own problem. */
function logTrouble(ctx: TaskContext, err: unknown, fields: { task: string; userId: string }, msg: string): void {
  if (err instanceof PlugboardError || err instanceof DomainError) ctx.log.warn({ err, ...fields }, msg);
  else ctx.log.error({ err, ...fields }, msg);
}

type ConnectionNote = { lastSyncError?: string | null; lastOrdersError?: string | null; syncedAt?: Date; ordersPolledAt?: Date };

export function shopTasks(opts: ShopTaskOptions): Array<TaskDefinition<SellerTask>> {
  const { prisma } = opts;
  /** Never throws: a note that cannot be written (the database away) must not end the task either. */
  const note = async (ctx: TaskContext, task: string, userId: string, data: ConnectionNote): Promise<void> => {
    try {
      await prisma.plugboardConnection.updateMany({ where: { userId }, data });
    } catch (err) {
      ctx.log.error({ err, task, userId }, 'could not note how a web-shop run went');
    }
  };

  const sync = defineTask<SellerTask>({
    name: SYNC_TASK,
    async run(task, ctx) {
      const { userId } = task.data;
      let trouble: string | null;
      try {
        const report = await opts.keepInStep.run(userId);
        trouble = report.failed ? `${report.failed} items could not be sent; they are tried again next time.` : null;
      } catch (err) {
        if (err instanceof PlugboardNotSetUpError) return;
        logTrouble(ctx, err, { task: SYNC_TASK, userId }, 'the web-shop sync did not get through');
        trouble = troubleOf(err);
      }
      await note(ctx, SYNC_TASK, userId, { syncedAt: new Date(ctx.clock.now()), lastSyncError: trouble === null ? null : storableText(trouble, 500) });
      return { runAgainInMs: opts.syncPeriodMs };
    },
  });

  const orders = defineTask<SellerTask>({
    name: ORDERS_TASK,
    async run(task, ctx) {
      const { userId } = task.data;
      const polled: ConnectionNote = {};
      try {
        await opts.orders.poll(userId);
      } catch (err) {
        if (err instanceof PlugboardNotSetUpError) return;
        logTrouble(ctx, err, { task: ORDERS_TASK, userId }, 'the web-shop order poll did not get through');
        // The poll notes Plugboard's own refusals itself; this covers whatever stopped it before or after.
        polled.lastOrdersError = storableText(troubleOf(err), 500);
      }
      await note(ctx, ORDERS_TASK, userId, { ...polled, ordersPolledAt: new Date(ctx.clock.now()) });
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

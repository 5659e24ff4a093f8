/**
 * Keep in step: compares a seller's published items with Sonlet (one walk of their inventory) and
 * re-sends only the exports whose content changed since their last successful send (a content hash per
 * export), so a price, quantity, attribute or photo change reaches the shop, a sold-out item stops
 * being purchasable, and an item gone from Sonlet is hidden (never deleted). Exports that failed, or
 * whose unpublishing did not get through, are sent again too: nothing a seller asked for is lost
 * while Plugboard is away. What Plugboard refused for good (a 4xx about the content) is the
 * exception: it is tried again only once the item (or the shop settings) change, or the seller asks.
 */
import type { PrismaClient, PlugboardExport } from '../generated/prisma/client.js';
import { tasksByKey, type TaskEngine } from '../jobs/engine.js';
import type { SonletApi } from '../sonlet/api-client.js';
import type { SonletItem } from '../sonlet/types.js';
import { DomainError, NotFoundError } from '../errors.js';
import { systemClock, type Clock } from '../clock.js';
import { isStalled } from '../jobs/task-state.js';
import type { PlugboardClient } from './client.js';
import type { PlugboardConnectionStore } from './connection-store.js';
import { PlugboardError, sellerErrorOf } from './errors.js';
import { contentHashOf } from './export-item.js';
import type { ShopSettings } from './product-mapping.js';
import type { ShopExports } from './shop-exports.js';
import { PUBLISH_TASK } from './publish-task.js';
import { storableText } from '../storable-text.js';

export interface KeepInStepDeps {
  prisma: PrismaClient;
  connections: PlugboardConnectionStore;
  shopExports: ShopExports;
  sonletApiFor: (userId: string) => SonletApi;
  /** Re-queues publish tasks that failed (so their result pages follow); null: no workers here. */
  jobs: TaskEngine | null;
}

/** Where an export's publish task is: still on its way, done, failed (or stalled), or never queued. */
export type SendState = 'pending' | 'done' | 'failed' | null;

export interface SyncReport {
  checked: number;
  sent: number;
  hidden: number;
  failed: number;
}

const CONCURRENCY = 4;

/**
 * True when the shop does not show what the seller wants for this item, and sending again could change
 * that: content Plugboard refused for good is not sent again until it changes (or the seller retries),
 * and an item gone from Sonlet that never reached the shop has nothing to take out of it.
 */
export function isOutOfSync(row: Pick<PlugboardExport, 'listed' | 'contentHash' | 'shopState' | 'localId' | 'refusedHash'>, sending: SendState, item: SonletItem | undefined, shop: ShopSettings): boolean {
  if (sending === 'pending') return false;
  if (!row.listed) return row.localId !== null && row.shopState !== 'hidden' && row.shopState !== 'gone';
  if (!item) return row.localId !== null && row.shopState !== 'gone';
  const hash = contentHashOf(item, shop, true);
  if (row.refusedHash === hash) return false;
  return sending === 'failed' || row.contentHash !== hash;
}

/**
 * {@link isOutOfSync} for an item that may not map: an item the console cannot turn into a product (a price
 * no shop takes, no style and no size) throws from the hash, and counts as out of sync, since the shop cannot
 * show what the seller wants for it. Null `problem` means it mapped.
 */
export function syncStateOf(row: Parameters<typeof isOutOfSync>[0], sending: SendState, item: SonletItem | undefined, shop: ShopSettings): { outOfSync: boolean; problem: unknown } {
  try {
    return { outOfSync: isOutOfSync(row, sending, item, shop), problem: null };
  } catch (err) {
    return { outOfSync: true, problem: err };
  }
}

/** The publish task of each export, as a {@link SendState}. */
export async function sendStates(prisma: PrismaClient, rows: PlugboardExport[], now: number): Promise<Map<string, SendState>> {
  const tasks = await tasksByKey(prisma, PUBLISH_TASK, rows.map((r) => r.id));
  const states = new Map<string, SendState>();
  for (const row of rows) {
    const task = tasks.get(row.id);
    const stalled = task && (task.status === 'waiting' || task.status === 'running') && isStalled(task, now);
    states.set(row.id, !task ? null : stalled || task.status === 'failed' ? 'failed' : task.status === 'done' ? 'done' : 'pending');
  }
  return states;
}

export class KeepInStep {
  constructor(
    private readonly deps: KeepInStepDeps,
    private readonly clock: Clock = systemClock,
  ) {}

  async run(userId: string): Promise<SyncReport> {
    const report: SyncReport = { checked: 0, sent: 0, hidden: 0, failed: 0 };
    const { client, shop } = await this.deps.connections.connectionFor(userId);
    const rows = await this.deps.prisma.plugboardExport.findMany({ where: { userId, connectionId: shop.connectionId } });
    if (rows.length === 0) return report;
    const api = this.deps.sonletApiFor(userId);
    // A walk that fails ends the run before anything is decided: no item is taken for gone on half an inventory.
    const items = new Map<number, SonletItem>();
    for await (const page of api.walkItems({})) for (const item of page) items.set(item.pk, item);
    const sending = await sendStates(this.deps.prisma, rows, this.clock.now());
    report.checked = rows.length;
    const queue: PlugboardExport[] = [];
    for (const row of rows) {
      const { outOfSync, problem } = syncStateOf(row, sending.get(row.id) ?? null, items.get(row.sonletItemId), shop);
      if (problem === null) {
        if (outOfSync) queue.push(row);
        continue;
      }
      // Sending it could only fail the same way: it waits, said on its row, until Sonlet sends it otherwise.
      report.failed++;
      await this.noteSyncError(row, `This item cannot go to the web shop as Sonlet has it (${problem instanceof Error ? problem.message : 'its data does not map'}); change it in Sonlet.`);
    }
    const worker = async () => {
      for (let row = queue.shift(); row; row = queue.shift()) {
        // A publish that failed goes through its task again, so its result page follows what happens.
        if (sending.get(row.id) === 'failed' && this.deps.jobs) {
          await this.deps.jobs.retry(PUBLISH_TASK, row.id, { exportId: row.id }, { userId });
          report.sent++;
        } else await this.bringInStep(client, shop, api, row, items.get(row.sonletItemId), report);
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, queue.length) }, worker));
    return report;
  }

  private async bringInStep(client: PlugboardClient, shop: ShopSettings, api: SonletApi, row: PlugboardExport, item: SonletItem | undefined, report: SyncReport): Promise<void> {
    try {
      if (!row.listed) {
        await this.deps.shopExports.hide(client, row, 'hidden');
        report.hidden++;
      } else if (!item) {
        if (!(await this.isGone(api, row.sonletItemId))) return;
        await this.deps.shopExports.hide(client, row, 'gone');
        report.hidden++;
      } else {
        await this.deps.shopExports.sendItem(client, shop, row, item);
        report.sent++;
      }
    } catch (err) {
      report.failed++;
      const message = err instanceof PlugboardError ? sellerErrorOf(err).message : err instanceof DomainError ? err.message : 'The console hit an unexpected problem.';
      await this.noteSyncError(row, message);
    }
  }

  private async noteSyncError(row: PlugboardExport, message: string): Promise<void> {
    const syncError = storableText(message, 1000);
    // Unchanged since the last period: no write, so an item that waits costs nothing each time round.
    if (row.syncError === syncError) return;
    await this.deps.prisma.plugboardExport.update({ where: { id: row.id }, data: { syncError } });
  }

  /** Missing from the walk is confirmed by Sonlet itself before the product leaves the shop. */
  private async isGone(api: SonletApi, pk: number): Promise<boolean> {
    try {
      await api.getItem(pk);
      return false;
    } catch (err) {
      if (err instanceof NotFoundError) return true;
      throw err;
    }
  }
}

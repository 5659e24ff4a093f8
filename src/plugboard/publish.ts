/**
 * publishToPlugboard: the seller's side of sending Sonlet items to their web shop (or taking them out
 * again). Each item has one PlugboardExport row per seller and Plugboard connection, written before
 * anything is sent, holding the seller's wish (`listed`) and what the shop last got; and one "publish"
 * task (src/plugboard/publish-task.ts) that brings the product in line with it:
 *
 *   publish / unpublish ──▶ pending (task waiting or running) ──▶ done (localId, shopState)
 *                              │   ▲
 *                              ▼   │ Retry, Retry all failed, or publish again
 *                            failed / stalled
 *
 * Publishing never creates a second product: every send is an upsert by the product's stable
 * remoteId `sonlet-item-<pk>` (src/plugboard/shop-exports.ts), so a send whose answer was lost, or two
 * runs for one item, end on the same product, brought up to date. Publishing again sends again.
 */
import { randomUUID } from 'node:crypto';
import type { PlugboardExport, PrismaClient } from '../generated/prisma/client.js';
import { tasksByKey, type TaskEngine, type TaskRow } from '../jobs/engine.js';
import { viewOfTask } from '../jobs/task-state.js';
import { systemClock, type Clock } from '../clock.js';
import { DomainError, NotFoundError } from '../errors.js';
import type { PlugboardConnectionStore } from './connection-store.js';
import type { ShopState } from './product-mapping.js';
import { PUBLISH_TASK } from './publish-task.js';

export const MAX_ITEMS_PER_PUBLISH = 100;

export type ExportState = 'pending' | 'done' | 'failed' | 'stalled';

export interface ExportView {
  id: string;
  pk: number;
  title: string | null;
  style: string | null;
  size: string | null;
  thumbnailUrl: string | null;
  state: ExportState;
  /** What the shop shows since the last successful send (null: never reached the shop). */
  shopState: ShopState | null;
  /** The seller wants it in the shop (false once unpublished). */
  listed: boolean;
  localId: string | null;
  message: string | null;
  /** The last keep-in-step send failed with this. */
  syncError: string | null;
  /** Plugboard refused the item's current content for good: it is not sent again until it changes or the seller asks. */
  refused: boolean;
  canRetry: boolean;
}

export interface BatchView {
  batchId: string;
  exports: ExportView[];
  counts: Record<ExportState, number>;
  /** Something is still on its way: the page keeps refreshing. */
  inProgress: boolean;
}

export class PublishUnavailableError extends DomainError {
  constructor() {
    super('unavailable', 'Publishing runs in the background, and the background workers are not running on this server. Nothing was sent.');
  }
}

export interface PublisherDeps {
  prisma: PrismaClient;
  connections: PlugboardConnectionStore;
  jobs: TaskEngine | null;
  clock?: Clock;
}

export class Publisher {
  private readonly clock: Clock;

  constructor(private readonly deps: PublisherDeps) {
    this.clock = deps.clock ?? systemClock;
  }

  /** Puts the items in the shop (or brings their products up to date). Answers the batch id for the result page. */
  async publish(userId: string, pks: number[]): Promise<string> {
    return this.request(userId, pks, true);
  }

  /** Takes the items out of the shop (hidden, not purchasable; never deleted). */
  async unpublish(userId: string, pks: number[]): Promise<string> {
    return this.request(userId, pks, false);
  }

  /**
   * The upload task's hook: a new item goes to the shop at once when the seller chose "publish new
   * items automatically". Never throws; a failure shows on the item like any publish.
   */
  async autoPublish(userId: string, pk: number): Promise<void> {
    try {
      const settings = await this.deps.connections.get(userId);
      if (settings?.autoPublish) await this.publish(userId, [pk]);
    } catch {
      // Not set up, or no workers here: the item simply stays unpublished, as without the setting.
    }
  }

  /**
   * Records the seller's wish on each item's export of their current connection and queues a send for
   * each (queuing again is harmless: a waiting or running task is left alone).
   */
  private async request(userId: string, pks: number[], listed: boolean): Promise<string> {
    const jobs = this.requireJobs();
    const { prisma } = this.deps;
    const { settings } = await this.deps.connections.connectionFor(userId);
    const items = [...new Set(pks)].slice(0, MAX_ITEMS_PER_PUBLISH);
    const batchId = randomUUID();
    const where = { userId, connectionId: settings.connectionId, sonletItemId: { in: items } };
    await prisma.$transaction([
      // Unpublishing an item that was never published records nothing to send.
      prisma.plugboardExport.createMany({ data: listed ? items.map((pk) => ({ userId, connectionId: settings.connectionId, sonletItemId: pk })) : [], skipDuplicates: true }),
      prisma.plugboardExport.updateMany({ where, data: { batchIds: { push: batchId }, listed } }),
    ]);
    const rows = await prisma.plugboardExport.findMany({ where: { ...where, batchIds: { has: batchId } } });
    if (rows.length === 0) throw new NotFoundError('A published item among those');
    for (const row of rows) await jobs.enqueue(PUBLISH_TASK, row.id, { exportId: row.id }, { userId });
    return batchId;
  }

  /**
   * Sends a failed (or stalled) export again; 404 for rows that are not the seller's. Answers the
   * batch to show: `fromBatch` when the row belongs to it, else the row's latest.
   */
  async retry(userId: string, exportId: string, fromBatch?: string): Promise<string> {
    const row = await this.deps.prisma.plugboardExport.findFirst({ where: { id: exportId, userId } });
    if (!row) throw new NotFoundError('That publish result');
    const jobs = this.requireJobs();
    let batchId = fromBatch && row.batchIds.includes(fromBatch) ? fromBatch : row.batchIds.at(-1);
    if (!batchId) {
      batchId = randomUUID();
      await this.deps.prisma.plugboardExport.update({ where: { id: row.id }, data: { batchIds: { push: batchId } } });
    }
    const [view] = await this.views([row]);
    if (view!.canRetry) await jobs.retry(PUBLISH_TASK, row.id, { exportId: row.id }, { userId });
    return batchId;
  }

  /** Sends every failed (or stalled) export of this batch again, in one step. */
  async retryFailed(userId: string, batchId: string): Promise<string> {
    const rows = await this.deps.prisma.plugboardExport.findMany({ where: { userId, batchIds: { has: batchId } } });
    if (rows.length === 0) throw new NotFoundError('That publish batch');
    const jobs = this.requireJobs();
    for (const view of await this.views(rows)) if (view.canRetry) await jobs.retry(PUBLISH_TASK, view.id, { exportId: view.id }, { userId });
    return batchId;
  }

  /** One publish request's items, the seller's own only (404 otherwise). */
  async batch(userId: string, batchId: string): Promise<BatchView> {
    const rows = await this.deps.prisma.plugboardExport.findMany({ where: { userId, batchIds: { has: batchId } }, orderBy: { sonletItemId: 'asc' } });
    if (rows.length === 0) throw new NotFoundError('That publish batch');
    const exports = await this.views(rows);
    const counts: Record<ExportState, number> = { pending: 0, done: 0, failed: 0, stalled: 0 };
    for (const e of exports) counts[e.state]++;
    return { batchId, exports, counts, inProgress: counts.pending > 0 };
  }

  /** Export state of these items for the seller's current connection, for the items pages. */
  async statusOf(userId: string, pks: number[]): Promise<{ plugboardReady: boolean; exports: Record<number, ExportView> }> {
    const exports: Record<number, ExportView> = {};
    const settings = await this.deps.connections.forDisplay(userId);
    if (!settings) return { plugboardReady: false, exports };
    if (pks.length === 0) return { plugboardReady: true, exports };
    const rows = await this.deps.prisma.plugboardExport.findMany({ where: { userId, connectionId: settings.connectionId, sonletItemId: { in: pks } } });
    for (const view of await this.views(rows)) exports[view.pk] = view;
    return { plugboardReady: true, exports };
  }

  private requireJobs(): TaskEngine {
    if (!this.deps.jobs) throw new PublishUnavailableError();
    return this.deps.jobs;
  }

  private async views(rows: PlugboardExport[]): Promise<ExportView[]> {
    const tasks = await tasksByKey(this.deps.prisma, PUBLISH_TASK, rows.map((r) => r.id));
    const now = this.clock.now();
    return rows.map((row) => toExportView(row, tasks.get(row.id) ?? null, now));
  }
}

function toExportView(row: PlugboardExport, task: TaskRow | null, now: number): ExportView {
  const work = viewOfTask(task, now);
  const state: ExportState = work.state === 'waiting' || work.state === 'running' ? 'pending' : work.state;
  return {
    id: row.id,
    pk: row.sonletItemId,
    title: row.title,
    style: row.style,
    size: row.size,
    thumbnailUrl: row.thumbnailUrl,
    state,
    shopState: row.shopState as ShopState | null,
    listed: row.listed,
    localId: row.localId,
    message: work.message,
    syncError: row.syncError,
    refused: row.refusedHash !== null,
    canRetry: work.canRetry,
  };
}

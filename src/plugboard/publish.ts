/**
 * publishToPlugboard: the seller's side of sending Sonlet items to their web shop. Each item has one
 * PlugboardExport row per seller and Plugboard connection, written before anything is sent, and one
 * "publish" task (src/plugboard/publish-task.ts) that sends it:
 *
 *   publish ──▶ pending (task waiting or running) ──▶ done (localId)
 *                  │   ▲
 *                  ▼   │ Retry, or publish again
 *                failed / stalled
 *
 * Publishing never creates a second product: a done export is not sent again, and every send goes
 * through the product's stable remoteId `sonlet-item-<pk>`, so a send whose answer was lost, or two
 * runs for one item, end on the same product.
 */
import { randomUUID } from 'node:crypto';
import type { PlugboardExport, PrismaClient } from '../generated/prisma/client.js';
import { tasksByKey, type TaskEngine, type TaskRow } from '../jobs/engine.js';
import { viewOfTask } from '../jobs/task-state.js';
import { systemClock, type Clock } from '../clock.js';
import { DomainError, NotFoundError } from '../errors.js';
import type { PlugboardConnectionStore } from './connection-store.js';
import { PUBLISH_TASK } from './publish-task.js';

export const MAX_ITEMS_PER_PUBLISH = 100;

export type ExportState = 'pending' | 'done' | 'failed' | 'stalled';

export interface ExportView {
  id: string;
  pk: number;
  title: string | null;
  state: ExportState;
  localId: string | null;
  message: string | null;
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

  /**
   * Records the items as exports of the seller's current Plugboard connection and queues the ones
   * not yet published. Answers the batch id for the result page.
   */
  async publish(userId: string, pks: number[]): Promise<string> {
    const jobs = this.requireJobs();
    const { prisma } = this.deps;
    const { settings } = await this.deps.connections.connectionFor(userId);
    const items = [...new Set(pks)].slice(0, MAX_ITEMS_PER_PUBLISH);
    const batchId = randomUUID();
    const where = { userId, connectionId: settings.connectionId, sonletItemId: { in: items } };
    await prisma.$transaction([
      prisma.plugboardExport.createMany({ data: items.map((pk) => ({ userId, connectionId: settings.connectionId, sonletItemId: pk })), skipDuplicates: true }),
      // Published ones only join the batch, so the result page lists them as published.
      prisma.plugboardExport.updateMany({ where, data: { batchIds: { push: batchId } } }),
    ]);
    const rows = await prisma.plugboardExport.findMany({ where: { ...where, batchIds: { has: batchId } } });
    const tasks = await tasksByKey(prisma, PUBLISH_TASK, rows.map((r) => r.id));
    for (const row of rows) {
      if (tasks.get(row.id)?.status === 'done') continue;
      // A waiting or running task is left alone; a failed one is queued afresh.
      await jobs.enqueue(PUBLISH_TASK, row.id, { exportId: row.id }, { userId });
    }
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
  return { id: row.id, pk: row.sonletItemId, title: row.title, state, localId: row.localId, message: work.message, canRetry: work.canRetry };
}

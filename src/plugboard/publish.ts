/**
 * publishToPlugboard: Sonlet items become Plugboard products (or leave the shop), one background job
 * per item.
 *
 * Each item has one PlugboardExport row per seller and Plugboard connection, written before anything
 * is sent, holding the seller's wish (`listed`) and what the shop last got. Its status moves
 *
 *   (none) ──publish / unpublish──▶ pending ──job succeeds──▶ done (localId, shopState)
 *                                     │  ▲
 *          permanent error,           │  │ retry / publish or unpublish again
 *          or last attempt            ▼  │
 *                                    failed (lastError)
 *
 * A transient failure (Plugboard or Sonlet unreachable, 5xx, 429) keeps the row pending and lets the
 * queue retry with backoff; lastError says so meanwhile. A pending row untouched for STALLED_AFTER_MS
 * (a worker died mid-job) is shown as stalled and may be retried.
 *
 * Publishing never creates a second product: every send is an upsert by the stable remoteId
 * `sonlet-item-<pk>` (see ShopExports), so a send whose answer was lost, or two jobs for one item
 * racing, end on the same product, brought up to date.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { PrismaClient, PlugboardExport } from '../generated/prisma/client.js';
import type { JobQueue, QueuedJob } from '../jobs/queue.js';
import type { SonletApi } from '../sonlet/api-client.js';
import { DomainError, isTransient, NotFoundError } from '../errors.js';
import { isTransientPlugboardError, PlugboardError, sellerErrorOf } from './errors.js';
import { PlugboardFormatError } from './format.js';
import type { PlugboardConnectionStore } from './connection-store.js';
import type { ShopState } from './product-mapping.js';
import { ConnectionChangedError, type ShopExports } from './shop-exports.js';

export const PUBLISH_QUEUE = 'plugboard-publish';
export const PUBLISH_CONCURRENCY = 4;
export const MAX_ITEMS_PER_PUBLISH = 100;
const STALLED_AFTER_MS = 10 * 60 * 1000;

interface PublishJobData {
  exportId: string;
}

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
  contentHash: string | null;
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
  sonletApiFor: (userId: string) => SonletApi;
  shopExports: ShopExports;
  jobs: JobQueue | null;
}

export class Publisher {
  private log: FastifyBaseLogger | null = null;

  constructor(private readonly deps: PublisherDeps) {}

  /** Starts this process's publish workers (when it has a job queue). */
  async work(log: FastifyBaseLogger): Promise<void> {
    this.log = log;
    if (!this.deps.jobs) return;
    await this.deps.jobs.work<PublishJobData>(PUBLISH_QUEUE, { concurrency: PUBLISH_CONCURRENCY }, (job) => this.runJob(job));
  }

  /**
   * Records the items as pending exports of the seller's current Plugboard connection and
   * queues one job per item not yet published. Answers the batch id for the result page.
   */
  async publish(userId: string, pks: number[]): Promise<string> {
    return this.request(userId, pks, true);
  }

  /**
   * The upload task's hook: a new item goes to the shop at once when the seller chose "publish new
   * items automatically". Never throws; a failure shows on the item like any publish.
   */
  async autoPublish(userId: string, pk: number): Promise<void> {
    try {
      const settings = await this.deps.connections.get(userId);
      if (settings?.autoPublish) await this.publish(userId, [pk]);
    } catch (err) {
      this.log?.warn({ pk, err: { message: (err as Error).message } }, 'automatic publish not queued');
    }
  }

  /** Takes the items out of the shop (hidden, not purchasable; never deleted) in the background. */
  async unpublish(userId: string, pks: number[]): Promise<string> {
    return this.request(userId, pks, false);
  }

  /**
   * Records the seller's wish (listed or not) on each item's export of their current connection and
   * queues a send for each. Every send is an upsert, so publishing again brings the product up to date.
   */
  private async request(userId: string, pks: number[], listed: boolean): Promise<string> {
    const jobs = this.requireJobs();
    const { settings } = await this.deps.connections.connectionFor(userId);
    const items = [...new Set(pks)].slice(0, MAX_ITEMS_PER_PUBLISH);
    const batchId = randomUUID();
    const where = { userId, connectionId: settings.connectionId, sonletItemId: { in: items } };
    await this.deps.prisma.$transaction([
      this.deps.prisma.plugboardExport.createMany({
        // Unpublishing an item that was never published records nothing to send.
        data: listed ? items.map((pk) => ({ userId, connectionId: settings.connectionId, sonletItemId: pk })) : [],
        skipDuplicates: true,
      }),
      this.deps.prisma.plugboardExport.updateMany({
        where,
        data: { batchIds: { push: batchId }, status: 'pending', lastError: null, listed },
      }),
    ]);
    if (!listed && (await this.deps.prisma.plugboardExport.count({ where: { ...where, batchIds: { has: batchId } } })) === 0) {
      throw new NotFoundError('A published item among those');
    }
    const toSend = await this.deps.prisma.plugboardExport.findMany({ where: { ...where, status: 'pending', batchIds: { has: batchId } } });
    for (const row of toSend) await this.enqueue(jobs, row);
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
    if (row.status === 'done' || (row.status === 'pending' && !isStalled(row))) return batchId;
    const updated = await this.deps.prisma.plugboardExport.update({
      where: { id: row.id },
      data: { status: 'pending', lastError: null },
    });
    await this.enqueue(jobs, updated);
    return batchId;
  }

  /** Sends every failed (or stalled) export of this batch again in one step. */
  async retryFailed(userId: string, batchId: string): Promise<string> {
    const rows = await this.deps.prisma.plugboardExport.findMany({ where: { userId, batchIds: { has: batchId } } });
    if (rows.length === 0) throw new NotFoundError('That publish batch');
    const jobs = this.requireJobs();
    for (const row of rows) {
      if (!toExportView(row).canRetry) continue;
      await this.enqueue(jobs, await this.deps.prisma.plugboardExport.update({ where: { id: row.id }, data: { status: 'pending', lastError: null } }));
    }
    return batchId;
  }

  /** One publish request's items, the seller's own only (404 otherwise). */
  async batch(userId: string, batchId: string): Promise<BatchView> {
    const rows = await this.deps.prisma.plugboardExport.findMany({ where: { userId, batchIds: { has: batchId } }, orderBy: { sonletItemId: 'asc' } });
    if (rows.length === 0) throw new NotFoundError('That publish batch');
    const exports = rows.map(toExportView);
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
    const rows = await this.deps.prisma.plugboardExport.findMany({
      where: { userId, connectionId: settings.connectionId, sonletItemId: { in: pks } },
    });
    for (const row of rows) exports[row.sonletItemId] = toExportView(row);
    return { plugboardReady: true, exports };
  }

  /** One item: bring its product in line with the seller's wish (ShopExports does the sending). */
  async runJob(job: QueuedJob<PublishJobData>): Promise<void> {
    const { prisma } = this.deps;
    const row = await prisma.plugboardExport.findUnique({ where: { id: job.data.exportId } });
    if (!row || row.status === 'done') return;
    try {
      await this.deps.shopExports.send(row);
    } catch (err) {
      const { message, transient } = describeFailure(err);
      if (!transient) this.log?.warn({ exportId: row.id, err: { message } }, 'publish failed');
      else this.log?.warn({ exportId: row.id, attempt: job.attempt, err: { message } }, 'publish attempt failed');
      if (transient && !job.isLastAttempt) {
        await prisma.plugboardExport.update({ where: { id: row.id }, data: { lastError: `${message} Trying again shortly (attempt ${job.attempt}).` } });
        throw err;
      }
      await this.fail(row.id, message);
    }
  }

  private async fail(exportId: string, message: string) {
    await this.deps.prisma.plugboardExport.update({ where: { id: exportId }, data: { status: 'failed', lastError: message.slice(0, 1000) } });
  }

  private requireJobs(): JobQueue {
    if (!this.deps.jobs) throw new PublishUnavailableError();
    return this.deps.jobs;
  }

  private async enqueue(jobs: JobQueue, row: PlugboardExport) {
    try {
      // A second publish of an item whose job is still waiting adds nothing.
      await jobs.send<PublishJobData>(PUBLISH_QUEUE, { exportId: row.id }, { singletonKey: `${row.userId}:${row.sonletItemId}`, retryLimit: 3, retryDelaySeconds: 2, retryBackoff: true });
    } catch (err) {
      this.log?.error({ err }, 'could not queue a publish job');
      await this.fail(row.id, 'The console could not queue this item. Try again in a moment.');
    }
  }

}

function describeFailure(err: unknown): { message: string; transient: boolean } {
  if (err instanceof PlugboardError) return { message: sellerErrorOf(err).message, transient: isTransientPlugboardError(err) };
  if (err instanceof ConnectionChangedError) return { message: err.message, transient: false };
  if (isTransient(err)) return { message: (err as Error).message, transient: true };
  if (err instanceof DomainError) return { message: err.message, transient: false };
  if (err instanceof PlugboardFormatError) return { message: `This item cannot be sent to Plugboard: ${err.message}.`, transient: false };
  return { message: 'The console hit an unexpected problem while publishing this item.', transient: true };
}

function isStalled(row: PlugboardExport): boolean {
  return row.status === 'pending' && Date.now() - row.updatedAt.getTime() > STALLED_AFTER_MS;
}

function toExportView(row: PlugboardExport): ExportView {
  const state: ExportState = isStalled(row) ? 'stalled' : row.status;
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
    message: row.lastError,
    syncError: row.syncError,
    contentHash: row.contentHash,
    canRetry: state === 'failed' || state === 'stalled',
  };
}

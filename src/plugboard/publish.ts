/**
 * publishToPlugboard: Sonlet items become Plugboard products, one background job per item.
 *
 * Each item has one PlugboardExport row per seller and Plugboard connection, written before
 * anything is sent. Its status moves
 *
 *   (none) ──publish──▶ pending ──job succeeds──▶ done (localId)
 *                          │  ▲                       │
 *        permanent error,  │  │ retry / publish again │ publish again: stays done, nothing sent
 *        or last attempt   ▼  │                       ▼
 *                         failed (lastError)
 *
 * A transient failure (Plugboard or Sonlet unreachable, 5xx, 429) keeps the row pending and lets
 * the queue retry with backoff; lastError says so meanwhile. A pending row untouched for
 * STALLED_AFTER_MS (a worker died mid-job) is shown as stalled and may be retried.
 *
 * Publishing never creates a second product: a done row is skipped, and every create goes
 * through createOrRecoverProduct with the stable remoteId `sonlet-item-<pk>`, so a create whose
 * answer was lost, or two jobs for one item racing, end on the same product.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { PrismaClient, PlugboardExport } from '../generated/prisma/client.js';
import type { JobQueue, QueuedJob } from '../jobs/queue.js';
import type { SonletApi } from '../sonlet/api-client.js';
import { DomainError, isTransient, NotFoundError } from '../errors.js';
import { PlugboardError } from './errors.js';
import { PlugboardFormatError } from './format.js';
import { itemToProduct } from './product-mapping.js';
import type { PlugboardConnectionStore } from './connection-store.js';
import type { PlugboardClient } from './client.js';

export const PUBLISH_QUEUE = 'plugboard-publish';
export const PUBLISH_CONCURRENCY = 4;
export const MAX_ITEMS_PER_PUBLISH = 100;
const STALLED_AFTER_MS = 10 * 60 * 1000;
const LANGUAGE_CACHE_MS = 5 * 60 * 1000;

interface PublishJobData {
  exportId: string;
}

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
  sonletApiFor: (userId: string) => SonletApi;
  jobs: JobQueue | null;
}

export class Publisher {
  private readonly languages = new Map<string, { language: string; until: number }>();
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
    const jobs = this.requireJobs();
    const { settings } = await this.deps.connections.connectionFor(userId);
    const items = [...new Set(pks)].slice(0, MAX_ITEMS_PER_PUBLISH);
    const batchId = randomUUID();
    const where = { userId, connectionId: settings.connectionId, sonletItemId: { in: items } };
    await this.deps.prisma.$transaction([
      this.deps.prisma.plugboardExport.createMany({
        data: items.map((pk) => ({ userId, connectionId: settings.connectionId, sonletItemId: pk })),
        skipDuplicates: true,
      }),
      // Published ones only join the batch, so the result page lists them as published.
      this.deps.prisma.plugboardExport.updateMany({ where: { ...where, status: 'done' }, data: { batchIds: { push: batchId } } }),
      this.deps.prisma.plugboardExport.updateMany({
        where: { ...where, status: { not: 'done' } },
        data: { batchIds: { push: batchId }, status: 'pending', lastError: null },
      }),
    ]);
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

  /** One item: fetch it from Sonlet with the seller's token, create or recover the product. */
  async runJob(job: QueuedJob<PublishJobData>): Promise<void> {
    const { prisma } = this.deps;
    const row = await prisma.plugboardExport.findUnique({ where: { id: job.data.exportId } });
    if (!row || row.status === 'done') return;
    try {
      const { client, settings } = await this.deps.connections.connectionFor(row.userId);
      if (settings.connectionId !== row.connectionId) {
        await this.fail(row.id, 'The Plugboard connection was changed after this item was queued. Publish it again to send it to the new connection.');
        return;
      }
      const language3 = settings.language ?? (await this.defaultLanguage(row.userId, settings.updatedAt, client));
      const item = await this.deps.sonletApiFor(row.userId).getItem(row.sonletItemId);
      const input = itemToProduct(item, {
        connectionId: settings.connectionId,
        language3,
        vatRatePercent: settings.vatRatePercent,
        currency: settings.currency,
      });
      await prisma.plugboardExport.update({ where: { id: row.id }, data: { title: input.title ?? null } });
      // An earlier attempt may have created the product even though its answer never came (a timeout,
      // a 5xx after the commit): look for it first, so a retry never makes a second one.
      const earlierAttempt = job.attempt > 1 || row.lastError !== null;
      const existing = earlierAttempt && input.remoteId ? await client.findProductByRemoteId(input.remoteId) : null;
      const localId = existing ? existing.localId : (await client.createOrRecoverProduct(input)).product.localId;
      await prisma.plugboardExport.update({ where: { id: row.id }, data: { status: 'done', localId, lastError: null } });
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

  private async defaultLanguage(userId: string, settingsUpdatedAt: Date, client: PlugboardClient): Promise<string> {
    const key = `${userId}:${settingsUpdatedAt.getTime()}`;
    const cached = this.languages.get(key);
    if (cached && cached.until > Date.now()) return cached.language;
    const root = await client.apiRoot();
    this.languages.set(key, { language: root.defaultLanguage, until: Date.now() + LANGUAGE_CACHE_MS });
    return root.defaultLanguage;
  }
}

function describeFailure(err: unknown): { message: string; transient: boolean } {
  if (err instanceof PlugboardError) {
    const transient = err.outcomeUnknown || err.status >= 500 || err.status === 408 || err.status === 429;
    return { message: err.kind === 'http' ? `Plugboard answered: ${err.message}` : `${err.message}.`, transient };
  }
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
    state,
    localId: row.localId,
    message: row.lastError,
    canRetry: state === 'failed' || state === 'stalled',
  };
}

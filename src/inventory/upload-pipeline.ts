/**
 * UploadPipeline: photos become Sonlet items, one background job per photo.
 *
 * Every photo is on disk and recorded as an Upload row before anything is sent to Sonlet. A job
 * then moves the row
 *
 *   pending ──▶ creating_image ──▶ creating_item ──▶ done (item pk; photo file removed)
 *                     │                  │
 *                     └──── failed ◀─────┘   (permanent error, or the queue's last retry;
 *                       (lastError, Retry)    the photo stays on disk, Retry resumes the step)
 *
 * Each step has its own X-Idempotency-Key, stored on the row and reused by every retry, so a
 * request whose answer was lost cannot create a second image or item. Sonlet answers a repeated
 * key with 403 "Duplicate request detected.", which only says an earlier attempt *reached* it: the
 * pipeline then looks for what that attempt would have created (the newest images with the same
 * bytes, not claimed by another upload; the newest items of that style and size on our image) and
 * records it. Only when it is not there is the step sent again, with a fresh key.
 *
 * One worker at a time: pg-boss hands a job to one claimer, and the row carries a lease (owner and
 * expiry, renewed while working) taken with a conditional update, so a duplicate job for the same
 * row (re-enqueued at start-up, Retry pressed twice, a second console process) does nothing.
 */
import { randomUUID } from 'node:crypto';
import { access } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import type { FastifyBaseLogger } from 'fastify';
import { Prisma, type PrismaClient, type Upload } from '../generated/prisma/client.js';
import type { JobQueue, QueuedJob } from '../jobs/queue.js';
import { DuplicateRequestError, SonletRejectedError, type SonletApi } from '../sonlet/api-client.js';
import { DomainError, isTransient, NeedsReconnectError, NotConnectedError, NotFoundError, ProviderUnavailableError } from '../errors.js';
import type { InventorySummaries } from './summary.js';
import type { PhotoStore, SavedPhoto } from './upload-store.js';

export const UPLOAD_QUEUE = 'sonlet-upload';

/** A worker's hold on a row; renewed every third of it while the worker is busy. */
const LEASE_MS = 60_000;
/** Sonlet's clock and ours may disagree a little when matching "created after we started". */
const CLOCK_SKEW_MS = 2 * 60_000;
/** Quick retries inside one job run, before the queue's slower backoff takes over. */
const QUICK_RETRY_DELAYS_MS = [200, 600, 1500];
/** After a 403 Duplicate: looks for the object an earlier attempt may have created. */
const RECONCILE_DELAYS_MS = [150, 1000];
const RECONCILE_PAGES = 5;
/** How many times one run may start a step over with a fresh key. */
const MAX_FRESH_KEYS = 3;
/**
 * A create whose answer was lost may still be committing at Sonlet (its server goes on after our
 * timeout). Until this long after such a send, "Duplicate, and nothing found" means "look again
 * later", never "send again with a fresh key".
 */
const IN_FLIGHT_WINDOW_MS = 90_000;
/** A row not done whose worker went quiet this long ago may be retried by the seller. */
const STALLED_AFTER_MS = 10 * 60_000;
export const UPLOADS_PAGE_SIZE = 25;
/** An unfinished row untouched this long has probably lost its job (see resume()). */
const RESUME_AFTER_MS = 2 * 60_000;
const SWEEP_EVERY_MS = 60_000;

export interface PhotoSettings {
  itemchoiceId: number;
  sizeId: number;
  quantity: number;
  /** null: the style's default price. */
  price: string | null;
  attributes: Record<string, string>;
}

export interface ReceivedPhoto {
  saved: SavedPhoto;
  originalName: string;
  settings: PhotoSettings;
}

export type UploadState = 'pending' | 'creating_image' | 'creating_item' | 'done' | 'failed' | 'stalled';

export interface UploadView {
  id: string;
  batchId: string;
  state: UploadState;
  /** The seller's words for the state. */
  label: string;
  originalName: string;
  byteSize: number;
  itemchoiceId: number;
  sizeId: number;
  quantity: number;
  price: string | null;
  attributes: Record<string, string>;
  itemPk: number | null;
  imagePk: number | null;
  message: string | null;
  attempts: number;
  canRetry: boolean;
  /** The photo can still be shown from the console's disk (or from Sonlet once done). */
  hasPhoto: boolean;
  createdAt: string;
  /** Nothing more will happen without the seller. */
  settled: boolean;
}

export interface UploadBatchView {
  batchId: string;
  uploads: UploadView[];
  counts: Record<'done' | 'failed' | 'working', number>;
  inProgress: boolean;
}

export class UploadsUnavailableError extends DomainError {
  constructor() {
    super('unavailable', 'Photos are turned into items in the background, and the background workers are not running on this server. Nothing was uploaded.');
  }
}

/** Another worker holds the row; the queue tries again later (by then it is usually done). */
class RowBusyError extends Error {}
/** Our lease was taken over (we were too slow); stop without touching the row. */
class LeaseLostError extends Error {}
/** The photo is gone from disk before its image was created: only a new upload helps. */
class PhotoMissingError extends DomainError {
  constructor() {
    super('gone', 'The photo is no longer on the server. Upload it again.');
  }
}

interface UploadJobData {
  uploadId: string;
}

export interface UploadPipelineDeps {
  prisma: PrismaClient;
  photos: PhotoStore;
  sonletApiFor: (userId: string) => SonletApi;
  summaries: InventorySummaries;
  jobs: JobQueue | null;
  settings: { concurrency: number; retryLimit: number; retryDelaySeconds: number };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class UploadPipeline {
  private log: FastifyBaseLogger | null = null;
  private sweeper: NodeJS.Timeout | null = null;
  /** Images never change, so digests of Sonlet's images are worth remembering across reconciliations. */
  private readonly digests = new Map<number, string>();

  constructor(private readonly deps: UploadPipelineDeps) {}

  /**
   * Starts this process's upload workers, picks up rows a stopped process left unfinished, and
   * looks for such rows again every minute (a row can lose its job, e.g. when queuing failed).
   */
  async work(log: FastifyBaseLogger): Promise<void> {
    this.log = log;
    const { jobs, settings } = this.deps;
    if (!jobs) return;
    await jobs.work<UploadJobData>(UPLOAD_QUEUE, { concurrency: settings.concurrency }, (job) => this.runJob(job));
    await this.resume();
    this.sweeper = setInterval(() => void this.resume(), SWEEP_EVERY_MS);
    this.sweeper.unref();
  }

  stop(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = null;
  }

  /**
   * Re-enqueues unfinished rows nobody has touched for a while (a waiting job with the same
   * singletonKey makes the send a no-op; a running one is harmless thanks to the lease) and removes
   * photos of done rows that a crash left behind. Rows touched recently have a live worker or a
   * queued retry, so they are left alone.
   */
  async resume(staleAfterMs = RESUME_AFTER_MS): Promise<number> {
    const { prisma, jobs } = this.deps;
    if (!jobs) return 0;
    try {
      const now = Date.now();
      const unfinished = await prisma.upload.findMany({
        where: {
          status: { in: ['pending', 'creating_image', 'creating_item'] },
          updatedAt: { lt: new Date(now - staleAfterMs) },
          OR: [{ leaseUntil: null }, { leaseUntil: { lt: new Date(now) } }],
        },
        select: { id: true },
        orderBy: { createdAt: 'asc' },
        take: 1000,
      });
      for (const row of unfinished) await this.enqueue(row.id, { failRowIfRefused: false });
      const leftovers = await prisma.upload.findMany({ where: { status: 'done', filePath: { not: null } }, select: { id: true, filePath: true } });
      for (const row of leftovers) {
        await this.deps.photos.remove(row.filePath);
        await prisma.upload.update({ where: { id: row.id }, data: { filePath: null } });
      }
      if (unfinished.length) this.log?.info({ uploads: unfinished.length }, 'resumed unfinished uploads');
      return unfinished.length;
    } catch (err) {
      this.log?.error({ err }, 'could not resume unfinished uploads');
      return 0;
    }
  }

  /** Refuses early (before the photos are read) when nothing could process them. */
  assertAvailable(): void {
    if (!this.deps.jobs) throw new UploadsUnavailableError();
  }

  /** Records the photos (already on disk) as pending uploads of one batch and queues one job each. */
  async submit(userId: string, batchId: string, photos: ReceivedPhoto[]): Promise<UploadView[]> {
    this.assertAvailable();
    const rows = await this.deps.prisma.$transaction(
      photos.map((photo) =>
        this.deps.prisma.upload.create({
          data: {
            userId,
            batchId,
            originalName: photo.originalName.slice(0, 255) || 'photo',
            contentType: photo.saved.contentType,
            byteSize: photo.saved.bytes,
            filePath: photo.saved.path,
            sha256: photo.saved.sha256,
            itemchoiceId: photo.settings.itemchoiceId,
            sizeId: photo.settings.sizeId,
            quantity: photo.settings.quantity,
            price: photo.settings.price,
            attributes: photo.settings.attributes,
            imageKey: randomUUID(),
            itemKey: randomUUID(),
          },
        }),
      ),
    );
    for (const row of rows) await this.enqueue(row.id);
    return rows.map(toView);
  }

  /** Sends a failed (or stalled) upload again, from the step it stopped at. 404 for others' rows. */
  async retry(userId: string, uploadId: string): Promise<UploadView> {
    this.assertAvailable();
    const row = await this.deps.prisma.upload.findFirst({ where: { id: uploadId, userId } });
    if (!row) throw new NotFoundError('That upload');
    if (!canRetry(row)) return toView(row);
    const status = row.sonletItemId !== null ? 'done' : row.sonletImageId !== null ? 'creating_item' : 'pending';
    const updated = await this.deps.prisma.upload.update({ where: { id: row.id }, data: { status, lastError: null, leaseOwner: null, leaseUntil: null } });
    if (status !== 'done') await this.enqueue(row.id);
    return toView(updated);
  }

  async get(userId: string, uploadId: string): Promise<UploadView> {
    const row = await this.deps.prisma.upload.findFirst({ where: { id: uploadId, userId } });
    if (!row) throw new NotFoundError('That upload');
    return toView(row);
  }

  async batch(userId: string, batchId: string): Promise<UploadBatchView> {
    const rows = await this.deps.prisma.upload.findMany({ where: { userId, batchId }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
    if (rows.length === 0) throw new NotFoundError('That upload batch');
    const uploads = rows.map(toView);
    const counts = { done: 0, failed: 0, working: 0 };
    for (const u of uploads) counts[u.state === 'done' ? 'done' : u.settled ? 'failed' : 'working']++;
    return { batchId, uploads, counts, inProgress: counts.working > 0 };
  }

  /** The seller's uploads, newest first. */
  async list(userId: string, page: number): Promise<{ uploads: UploadView[]; page: number; lastPage: number; count: number }> {
    const { prisma } = this.deps;
    const [count, rows] = await Promise.all([
      prisma.upload.count({ where: { userId } }),
      prisma.upload.findMany({ where: { userId }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], skip: (page - 1) * UPLOADS_PAGE_SIZE, take: UPLOADS_PAGE_SIZE }),
    ]);
    return { uploads: rows.map(toView), page, lastPage: Math.max(1, Math.ceil(count / UPLOADS_PAGE_SIZE)), count };
  }

  /** Where the photo of the seller's upload can be read: the file on disk, or Sonlet's copy once done. */
  async photoOf(userId: string, uploadId: string): Promise<{ file: string; contentType: string } | { url: string }> {
    const row = await this.deps.prisma.upload.findFirst({ where: { id: uploadId, userId } });
    if (!row) throw new NotFoundError('That photo');
    if (row.filePath && (await exists(row.filePath))) return { file: row.filePath, contentType: row.contentType };
    if (row.sonletImageId !== null) {
      const image = await this.deps.sonletApiFor(userId).getImage(row.sonletImageId);
      return { url: image.image_full };
    }
    throw new NotFoundError('That photo');
  }

  openPhoto(file: string) {
    return this.deps.photos.open(file);
  }

  /** One photo: claim the row, create what is missing (image, then item), record, tidy up. */
  async runJob(job: QueuedJob<UploadJobData>): Promise<void> {
    const owner = randomUUID();
    const claimed = await this.claim(job.data.uploadId, owner);
    if (claimed === 'busy') {
      if (job.isLastAttempt) return;
      throw new RowBusyError('another worker holds this upload');
    }
    if (!claimed) return;
    const row = claimed;
    const heartbeat = setInterval(() => {
      this.deps.prisma.upload
        .updateMany({ where: { id: row.id, leaseOwner: owner }, data: { leaseUntil: new Date(Date.now() + LEASE_MS) } })
        .catch(() => undefined);
    }, LEASE_MS / 3);
    heartbeat.unref();
    try {
      await this.process(row, owner);
    } catch (err) {
      if (err instanceof LeaseLostError) return;
      const { message, transient } = describeFailure(err);
      this.log?.warn({ uploadId: row.id, attempt: job.attempt, transient, err: { message } }, 'upload attempt failed');
      if (transient && !job.isLastAttempt) {
        await this.write(row.id, owner, { lastError: `${message} Trying again shortly (attempt ${job.attempt}).`, leaseOwner: null, leaseUntil: null }).catch(() => undefined);
        throw err;
      }
      await this.write(row.id, owner, { status: 'failed', lastError: message.slice(0, 1000), leaseOwner: null, leaseUntil: null }).catch(() => undefined);
    } finally {
      clearInterval(heartbeat);
    }
  }

  private async claim(uploadId: string, owner: string): Promise<Upload | 'busy' | null> {
    const { prisma } = this.deps;
    const now = new Date();
    const { count } = await prisma.upload.updateMany({
      where: {
        id: uploadId,
        status: { in: ['pending', 'creating_image', 'creating_item'] },
        OR: [{ leaseUntil: null }, { leaseUntil: { lt: now } }],
      },
      data: { leaseOwner: owner, leaseUntil: new Date(now.getTime() + LEASE_MS), attempts: { increment: 1 } },
    });
    if (count === 1) return prisma.upload.findUnique({ where: { id: uploadId } });
    const row = await prisma.upload.findUnique({ where: { id: uploadId }, select: { status: true } });
    return row && (row.status === 'pending' || row.status === 'creating_image' || row.status === 'creating_item') ? 'busy' : null;
  }

  /** Writes to a row we hold; fails with LeaseLostError when another worker has taken it over. */
  private async write(uploadId: string, owner: string, data: Prisma.UploadUpdateManyMutationInput): Promise<void> {
    const { count } = await this.deps.prisma.upload.updateMany({ where: { id: uploadId, leaseOwner: owner }, data });
    if (count !== 1) throw new LeaseLostError();
  }

  private async process(row: Upload, owner: string): Promise<void> {
    const api = this.deps.sonletApiFor(row.userId);
    let imageId = row.sonletImageId;
    if (imageId === null) {
      await this.write(row.id, owner, { status: 'creating_image' });
      imageId = await this.ensureImage(api, row, owner);
    }
    await this.write(row.id, owner, { status: 'creating_item', lastError: null });
    const itemId = row.sonletItemId ?? (await this.ensureItem(api, row, imageId, owner));
    await this.write(row.id, owner, { status: 'done', sonletItemId: itemId, lastError: null, leaseOwner: null, leaseUntil: null });
    // The item exists: the photo has done its job. (A crash right here is tidied up by resume().)
    await this.deps.photos.remove(row.filePath);
    await this.deps.prisma.upload.update({ where: { id: row.id }, data: { filePath: null } });
    await this.deps.summaries.forget(row.userId).catch(() => undefined);
  }

  private async ensureImage(api: SonletApi, row: Upload, owner: string): Promise<number> {
    if (!row.filePath || !(await exists(row.filePath))) throw new PhotoMissingError();
    const filePath = row.filePath;
    let key = row.imageKey;
    const imageId = await this.createOnce(
      row,
      owner,
      () => api.createImage({ bytes: row.byteSize, contentType: row.contentType, filename: uploadName(row), open: () => createReadStream(filePath) }, key).then((image) => image.pk),
      () => this.findImage(api, row),
      async () => {
        key = randomUUID();
        await this.write(row.id, owner, { imageKey: key, keyInFlightSince: null });
      },
    );
    await this.record(row.id, owner, { sonletImageId: imageId, keyInFlightSince: null }, 'image');
    return imageId;
  }

  private async ensureItem(api: SonletApi, row: Upload, imageId: number, owner: string): Promise<number> {
    let key = row.itemKey;
    const fields = {
      itemchoiceId: row.itemchoiceId,
      sizeId: row.sizeId,
      imageId,
      quantity: row.quantity,
      price: row.price,
      attributes: (row.attributes ?? {}) as Record<string, string>,
    };
    const itemId = await this.createOnce(
      row,
      owner,
      () => api.createItem(fields, key).then((item) => item.pk),
      () => this.findItem(api, row, imageId),
      async () => {
        key = randomUUID();
        await this.write(row.id, owner, { itemKey: key, keyInFlightSince: null });
      },
    );
    await this.record(row.id, owner, { sonletItemId: itemId, keyInFlightSince: null }, 'item');
    return itemId;
  }

  /**
   * Sends a create with the row's key, retrying quickly on transient failures with the same key.
   * A 403 Duplicate means an earlier attempt got there: find its object, or (only when it is not
   * there) start over with a fresh key.
   */
  private async createOnce(
    row: Upload,
    owner: string,
    create: () => Promise<number>,
    find: () => Promise<number | null>,
    freshKey: () => Promise<void>,
  ): Promise<number> {
    let quick = 0;
    let fresh = 0;
    // Carried across job runs in the row: when a send with this key last had an unknown outcome.
    let inFlightSince = row.keyInFlightSince;
    for (;;) {
      try {
        return await create();
      } catch (err) {
        if (err instanceof DuplicateRequestError) {
          const found = await find();
          if (found !== null) return found;
          if (inFlightSince && Date.now() - inFlightSince.getTime() < IN_FLIGHT_WINDOW_MS) {
            throw new ProviderUnavailableError('Sonlet', 'has not finished an earlier attempt at this upload yet; the console will look again shortly');
          }
          if (++fresh > MAX_FRESH_KEYS) throw new ProviderUnavailableError('Sonlet', 'keeps refusing this upload as a duplicate');
          await freshKey();
          inFlightSince = null;
          continue;
        }
        if (!isTransient(err)) throw err;
        // No answer, or a 5xx: Sonlet may have committed it anyway.
        if (!inFlightSince) {
          inFlightSince = new Date();
          await this.write(row.id, owner, { keyInFlightSince: inFlightSince });
        }
        if (quick >= QUICK_RETRY_DELAYS_MS.length) throw err;
        await sleep(QUICK_RETRY_DELAYS_MS[quick++]);
      }
    }
  }

  /** Stores a found or created Sonlet pk; the unique index refuses a pk another upload already has. */
  private async record(uploadId: string, owner: string, data: Prisma.UploadUpdateManyMutationInput, what: string): Promise<void> {
    try {
      await this.write(uploadId, owner, data);
    } catch (err) {
      if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002') {
        throw new ProviderUnavailableError('Sonlet', `gave an ${what} that another upload already has; the console will look again`);
      }
      throw err;
    }
  }

  /** The image an earlier attempt created: same bytes, created since the row, claimed by no other upload. */
  private async findImage(api: SonletApi, row: Upload): Promise<number | null> {
    if (!row.sha256) return null;
    const since = row.createdAt.getTime() - CLOCK_SKEW_MS;
    for (const delay of RECONCILE_DELAYS_MS) {
      await sleep(delay);
      const candidates: Array<{ pk: number; url: string }> = [];
      for await (const images of recentPages((page) => api.listImages(page), since)) {
        const recent = images.filter((img) => Date.parse(img.created) >= since);
        candidates.push(...recent.map((img) => ({ pk: img.pk, url: img.image_full })));
      }
      if (!candidates.length) continue;
      const claimed = await this.deps.prisma.upload.findMany({
        where: { userId: row.userId, id: { not: row.id }, sonletImageId: { in: candidates.map((c) => c.pk) } },
        select: { sonletImageId: true },
      });
      const taken = new Set(claimed.map((c) => c.sonletImageId));
      // Oldest first: with two identical photos, each upload takes the earlier free copy.
      for (const candidate of candidates.filter((c) => !taken.has(c.pk)).sort((a, b) => a.pk - b.pk)) {
        if ((await this.digestOf(api, candidate, row.byteSize)) === row.sha256) return candidate.pk;
      }
    }
    return null;
  }

  private async digestOf(api: SonletApi, image: { pk: number; url: string }, bytes: number): Promise<string | null> {
    const known = this.digests.get(image.pk);
    if (known) return known;
    const digest = await api.mediaDigest(image.url, bytes);
    if (digest) {
      this.digests.set(image.pk, digest);
      if (this.digests.size > 5000) this.digests.delete(this.digests.keys().next().value!);
    }
    return digest;
  }

  /** The item an earlier attempt created: on our image, with our style and size. */
  private async findItem(api: SonletApi, row: Upload, imageId: number): Promise<number | null> {
    const since = row.createdAt.getTime() - CLOCK_SKEW_MS;
    for (const delay of RECONCILE_DELAYS_MS) {
      await sleep(delay);
      for await (const items of recentPages((page) => api.listItems({ page, itemchoiceId: row.itemchoiceId, sizeId: row.sizeId }), since)) {
        // Our image is ours alone, so an item on it (of our style and size) is the one we sent.
        const match = items.find((item) => item.image?.pk === imageId);
        if (match) {
          const other = await this.deps.prisma.upload.findFirst({ where: { userId: row.userId, sonletItemId: match.pk, id: { not: row.id } }, select: { id: true } });
          if (!other) return match.pk;
        }
      }
    }
    return null;
  }

  private async enqueue(uploadId: string, { failRowIfRefused = true } = {}): Promise<void> {
    const { jobs, settings } = this.deps;
    if (!jobs) return;
    try {
      await jobs.send<UploadJobData>(
        UPLOAD_QUEUE,
        { uploadId },
        { singletonKey: uploadId, retryLimit: settings.retryLimit, retryDelaySeconds: settings.retryDelaySeconds, retryBackoff: true, expireInSeconds: 15 * 60 },
      );
    } catch (err) {
      this.log?.error({ err, uploadId }, 'could not queue an upload job');
      if (!failRowIfRefused) return;
      await this.deps.prisma.upload
        .updateMany({ where: { id: uploadId, status: { not: 'done' } }, data: { status: 'failed', lastError: 'The console could not queue this photo. Press Retry in a moment.' } })
        .catch(() => undefined);
    }
  }
}

function uploadName(row: Upload): string {
  const ext = row.contentType === 'image/jpeg' ? 'jpg' : (row.contentType.split('/')[1] ?? 'bin');
  const base = row.originalName.replace(/\.[^.]*$/, '').replace(/[^\w.-]+/g, '_').slice(0, 80) || 'photo';
  return `${base}.${ext}`;
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}

function isStalled(row: Upload): boolean {
  const working = row.status === 'pending' || row.status === 'creating_image' || row.status === 'creating_item';
  const leaseOver = !row.leaseUntil || row.leaseUntil.getTime() < Date.now();
  return working && leaseOver && Date.now() - row.updatedAt.getTime() > STALLED_AFTER_MS;
}

function canRetry(row: Upload): boolean {
  return row.status === 'failed' || isStalled(row);
}

const LABELS: Record<UploadState, string> = {
  pending: 'Waiting',
  creating_image: 'Uploading photo to Sonlet',
  creating_item: 'Creating item',
  done: 'Done',
  failed: 'Failed',
  stalled: 'Stalled',
};

export function toView(row: Upload): UploadView {
  const state: UploadState = isStalled(row) ? 'stalled' : row.status;
  const settled = state === 'done' || state === 'failed' || state === 'stalled';
  return {
    id: row.id,
    batchId: row.batchId,
    state,
    label: LABELS[state],
    originalName: row.originalName,
    byteSize: row.byteSize,
    itemchoiceId: row.itemchoiceId,
    sizeId: row.sizeId,
    quantity: row.quantity,
    price: row.price,
    attributes: (row.attributes ?? {}) as Record<string, string>,
    itemPk: row.sonletItemId,
    imagePk: row.sonletImageId,
    message: state === 'done' ? null : row.lastError,
    attempts: row.attempts,
    canRetry: canRetry(row),
    hasPhoto: row.filePath !== null || row.sonletImageId !== null,
    createdAt: row.createdAt.toISOString(),
    settled,
  };
}

function describeFailure(err: unknown): { message: string; transient: boolean } {
  if (err instanceof RowBusyError) return { message: err.message, transient: true };
  if (err instanceof SonletRejectedError) return { message: `Sonlet refused it: ${err.detail}`, transient: false };
  if (err instanceof NeedsReconnectError || err instanceof NotConnectedError) return { message: `${err.message} Then press Retry.`, transient: false };
  if (isTransient(err)) return { message: (err as Error).message, transient: true };
  if (err instanceof DomainError) return { message: err.message, transient: false };
  if (err instanceof Prisma.PrismaClientKnownRequestError || err instanceof Prisma.PrismaClientUnknownRequestError) {
    return { message: 'The console could not save the progress of this photo.', transient: true };
  }
  return { message: 'The console hit an unexpected problem with this photo.', transient: true };
}

function newestFirst(results: Array<{ created: string }>): boolean {
  return results.length < 2 || Date.parse(results[0].created) >= Date.parse(results[results.length - 1].created);
}

/**
 * The pages of a seller's list most likely to hold what was created since `since`, most recent
 * first, at most RECONCILE_PAGES of them. Sonlet's docs do not say how lists are ordered: newest
 * first is walked from page 1 until pages get older than `since`; oldest first from the last page back.
 */
async function* recentPages<T extends { created: string }>(
  fetchPage: (page: number) => Promise<{ count: number; next: string | null; results: T[] }>,
  since: number,
): AsyncGenerator<T[]> {
  const read = (page: number) =>
    fetchPage(page).catch((err) => {
      if (err instanceof DomainError && (err.kind === 'not-found' || err.kind === 'invalid-page')) return null;
      throw err;
    });
  const first = await read(1);
  if (!first) return;
  const descending = newestFirst(first.results);
  const pageSize = first.results.length || 1;
  const lastPage = Math.max(1, Math.ceil(first.count / pageSize));
  let page = descending ? 1 : lastPage;
  let current: typeof first | null = page === 1 ? first : await read(page);
  for (let seen = 0; current && seen < RECONCILE_PAGES; seen++) {
    yield current.results;
    const older = current.results.some((r) => Date.parse(r.created) < since);
    page += descending ? 1 : -1;
    if (older || page < 1 || page > lastPage || (descending && !current.next)) return;
    current = await read(page);
  }
}

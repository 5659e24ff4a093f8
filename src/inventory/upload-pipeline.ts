/**
 * UploadPipeline: the seller's side of turning photos into Sonlet items. Photos arrive already
 * stored (src/inventory/upload-store.ts); each is recorded as an Upload row together with its
 * "upload" task (src/inventory/upload-task.ts) in one transaction, so a photo is never recorded
 * without the work that finishes it. A photo the page sends twice (same photoKey) is one upload.
 */
import { randomUUID } from 'node:crypto';
import { loadSharp } from '../lazy-sharp.js';
import { QueueFullError, Semaphore } from '../semaphore.js';
import { MAX_PHOTO_PIXELS } from './photo-size.js';
import type { Readable } from 'node:stream';
import { Prisma, type PrismaClient, type Upload } from '../generated/prisma/client.js';
import { tasksByKey, type TaskEngine } from '../jobs/engine.js';
import { systemClock, type Clock } from '../clock.js';
import { DomainError, NotFoundError } from '../errors.js';
import type { SonletApi } from '../sonlet/api-client.js';
import type { PhotoStore, SavedPhoto } from './upload-store.js';
import { UPLOAD_TASK } from './upload-task.js';
import { lastPageOf } from './page-maths.js';
import { toBatchView, toUploadView, type UploadBatchView, type UploadView } from './upload-view.js';

export const UPLOADS_PAGE_SIZE = 25;
/** The uploads lists' thumbnails, twice the size they are shown at. */
const THUMB = { width: 160, height: 200 };
/** Two shrinks at a time per process; two lists' worth may wait, more are told to come back in a moment (503). */
const THUMBNAIL_SLOTS = new Semaphore(2, 2 * UPLOADS_PAGE_SIZE);

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
  /** The page's own key for this photo; null from clients that send none. */
  photoKey: string | null;
}

export class UploadsUnavailableError extends DomainError {
  constructor() {
    super('unavailable', 'Photos are turned into items in the background, and the background workers are not running on this server. Nothing was uploaded.');
  }
}

export interface UploadPipelineDeps {
  prisma: PrismaClient;
  photos: PhotoStore;
  sonletApiFor: (userId: string) => SonletApi;
  jobs: TaskEngine | null;
  clock?: Clock;
}

export class UploadPipeline {
  private readonly clock: Clock;

  constructor(private readonly deps: UploadPipelineDeps) {
    this.clock = deps.clock ?? systemClock;
  }

  /** Refuses early (before the photos are read) when nothing could process them. */
  assertAvailable(): TaskEngine {
    if (!this.deps.jobs) throw new UploadsUnavailableError();
    return this.deps.jobs;
  }

  /** The upload an earlier request made from the photo with this key, if any. */
  async byPhotoKey(userId: string, photoKey: string): Promise<UploadView | null> {
    const row = await this.deps.prisma.upload.findUnique({ where: { userId_photoKey: { userId, photoKey } } });
    return row ? (await this.views([row]))[0]! : null;
  }

  /**
   * Records the photos (already stored) as uploads of one batch and queues their work. A photo whose
   * key another request recorded meanwhile is answered with that upload, and its copy removed.
   */
  async submit(userId: string, batchId: string, photos: ReceivedPhoto[]): Promise<UploadView[]> {
    const jobs = this.assertAvailable();
    const answers = new Map<ReceivedPhoto, UploadView>();
    for (let round = 0; ; round++) {
      const fresh = photos.filter((p) => !answers.has(p));
      try {
        const rows = await this.record(jobs, userId, batchId, fresh);
        for (const [i, view] of (await this.views(rows)).entries()) answers.set(fresh[i]!, view);
        jobs.wake(UPLOAD_TASK);
        return photos.map((p) => answers.get(p)!);
      } catch (err) {
        if (round > 0 || !(err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002')) throw err;
        // Two requests with the same photo at once: the other one recorded it first.
        for (const photo of fresh) {
          const earlier = photo.photoKey ? await this.byPhotoKey(userId, photo.photoKey) : null;
          if (!earlier) continue;
          answers.set(photo, earlier);
          await this.deps.photos.remove(photo.saved.id);
        }
      }
    }
  }

  private record(jobs: TaskEngine, userId: string, batchId: string, photos: ReceivedPhoto[]): Promise<Upload[]> {
    const { prisma } = this.deps;
    return prisma.$transaction(
      async (tx) => {
        const rows: Upload[] = [];
        for (const photo of photos) {
          const row = await tx.upload.create({
            data: {
              userId,
              batchId,
              photoKey: photo.photoKey,
              originalName: photo.originalName.slice(0, 255) || 'photo',
              contentType: photo.saved.contentType,
              byteSize: photo.saved.bytes,
              photoId: photo.saved.id,
              sha256: photo.saved.sha256,
              itemchoiceId: photo.settings.itemchoiceId,
              sizeId: photo.settings.sizeId,
              quantity: photo.settings.quantity,
              price: photo.settings.price,
              attributes: photo.settings.attributes,
              imageKey: randomUUID(),
              itemKey: randomUUID(),
            },
          });
          await jobs.enqueue(UPLOAD_TASK, row.id, { uploadId: row.id }, { userId, db: tx });
          rows.push(row);
        }
        return rows;
      },
      { timeout: 60_000 },
    );
  }

  /** Sends a failed (or stalled) upload again, from the step it stopped at. 404 for others' rows. */
  async retry(userId: string, uploadId: string): Promise<UploadView> {
    const jobs = this.assertAvailable();
    const row = await this.own(userId, uploadId, 'That upload');
    const [view] = await this.views([row]);
    if (!view!.canRetry) return view!;
    await jobs.retry(UPLOAD_TASK, row.id, { uploadId: row.id }, { userId });
    return (await this.views([row]))[0]!;
  }

  async get(userId: string, uploadId: string): Promise<UploadView> {
    return (await this.views([await this.own(userId, uploadId, 'That upload')]))[0]!;
  }

  async batch(userId: string, batchId: string): Promise<UploadBatchView> {
    const rows = await this.deps.prisma.upload.findMany({ where: { userId, batchId }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
    if (rows.length === 0) throw new NotFoundError('That upload batch');
    return toBatchView(batchId, await this.views(rows));
  }

  /** The seller's uploads, newest first. */
  async list(userId: string, page: number): Promise<{ uploads: UploadView[]; page: number; lastPage: number; count: number }> {
    const { prisma } = this.deps;
    const [count, rows] = await Promise.all([
      prisma.upload.count({ where: { userId } }),
      prisma.upload.findMany({ where: { userId }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], skip: (page - 1) * UPLOADS_PAGE_SIZE, take: UPLOADS_PAGE_SIZE }),
    ]);
    return { uploads: await this.views(rows), page, lastPage: lastPageOf(count, UPLOADS_PAGE_SIZE), count };
  }

  /** The photo of the seller's upload: its bytes from Postgres, or Sonlet's copy once done. */
  async photoOf(userId: string, uploadId: string): Promise<{ stream: Readable; contentType: string; bytes: number } | { url: string }> {
    const row = await this.own(userId, uploadId, 'That photo');
    if (await this.deps.photos.exists(row.photoId)) return { stream: this.deps.photos.open(row.photoId!), contentType: row.contentType, bytes: row.byteSize };
    if (row.sonletImageId !== null) {
      const image = await this.deps.sonletApiFor(userId).getImage(row.sonletImageId);
      return { url: image.image_full };
    }
    throw new NotFoundError('That photo');
  }

  /**
   * A small picture of the upload for the lists: Sonlet's thumbnail once its image exists (its address is
   * kept on the row after the first look), else the photo still waiting here, shrunk.
   */
  async thumbnailOf(userId: string, uploadId: string): Promise<{ jpeg: Buffer } | { url: string }> {
    const row = await this.own(userId, uploadId, 'That photo');
    if (row.thumbnailUrl) return { url: row.thumbnailUrl };
    if (await this.deps.photos.exists(row.photoId)) return { jpeg: await this.shrink(row.photoId!) };
    if (row.sonletImageId !== null) {
      const image = await this.deps.sonletApiFor(userId).getImage(row.sonletImageId);
      await this.deps.prisma.upload.update({ where: { id: row.id }, data: { thumbnailUrl: image.image_thumbnail } });
      return { url: image.image_thumbnail };
    }
    throw new NotFoundError('That photo');
  }

  /**
   * A few shrinks at a time per process, each refusing more pixels than a photo may have: a list full of
   * waiting photos must not take every core, nor a photo the header check could not size all the memory.
   */
  private async shrink(photoId: string): Promise<Buffer> {
    const sharp = await loadSharp();
    const made = THUMBNAIL_SLOTS.run(async () => {
      // Read whole first (at most UPLOAD_MAX_BYTES): a read that fails half-way then fails here, whereas
      // sharp fed from a stream waits for ever on a source that errors, holding its slot.
      const photo = await this.deps.photos.readAll(photoId);
      try {
        return await sharp(photo, { failOn: 'none', limitInputPixels: MAX_PHOTO_PIXELS }).rotate().resize(THUMB.width, THUMB.height, { fit: 'cover' }).jpeg({ quality: 70 }).toBuffer();
      } catch {
        // Too many pixels, or not a picture sharp can read: the list shows the photo's name instead.
        throw new NotFoundError('A picture of that photo');
      }
    });
    return made.catch((err: unknown) => {
      if (err instanceof QueueFullError) throw new DomainError('unavailable', 'The console is busy making pictures of waiting photos; this one comes in a moment.');
      throw err;
    });
  }

  private async own(userId: string, uploadId: string, what: string): Promise<Upload> {
    const row = await this.deps.prisma.upload.findFirst({ where: { id: uploadId, userId } });
    if (!row) throw new NotFoundError(what);
    return row;
  }

  private async views(rows: Upload[]): Promise<UploadView[]> {
    const byKey = await tasksByKey(this.deps.prisma, UPLOAD_TASK, rows.map((r) => r.id));
    // A task that finished between the read of its upload and the read of the task: the upload was read
    // before its last step was written (the step is written before the task is marked done). Shown as
    // it was read, the page would take a step already passed for the last word and stop looking.
    const behind = rows.filter((r) => r.step !== 'done' && byKey.get(r.id)?.status === 'done').map((r) => r.id);
    const fresh = behind.length ? new Map((await this.deps.prisma.upload.findMany({ where: { id: { in: behind } } })).map((r) => [r.id, r])) : null;
    const now = this.clock.now();
    return rows.map((row) => toUploadView(fresh?.get(row.id) ?? row, byKey.get(row.id) ?? null, now));
  }
}

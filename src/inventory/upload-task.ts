/**
 * The "upload" task: one photo becomes one Sonlet item.
 *
 *   step image ──image made──▶ step item ──item made──▶ done (photo removed from Postgres)
 *
 * Each step creates its object through Sonlet's create-once rules (src/sonlet/create-once.ts) with
 * the step's key kept on the row, so a retry, a second process or a lost answer never makes a second
 * image or item; this file never sees a 403. Every write to the row happens while the task's lease
 * is held, so a process that lost the task (it was too slow) cannot overwrite the one that took it.
 */
import { Prisma, type PrismaClient, type Upload } from '../generated/prisma/client.js';
import { defineTask, type TaskContext, type TaskDefinition } from '../jobs/engine.js';
import { permanent, type Failure } from '../jobs/failure.js';
import { DomainError, ProviderUnavailableError } from '../errors.js';
import { SonletRejectedError, type SonletApi } from '../sonlet/api-client.js';
import { CLOCK_SKEW_MS, createOnce, findImageByContent, findItemOnImage, type CreateKey, type ImageDigests } from '../sonlet/create-once.js';
import type { PhotoStore } from './upload-store.js';

export const UPLOAD_TASK = 'upload';

export interface UploadTaskData {
  uploadId: string;
}

export interface UploadTaskDeps {
  prisma: PrismaClient;
  photos: PhotoStore;
  sonletApiFor: (userId: string) => SonletApi;
  digests: ImageDigests;
  /** Called once an item exists (the seller's cached inventory summary is out of date). */
  onItemCreated: (userId: string, itemPk: number) => Promise<void>;
  settings: { concurrency: number; retryLimit: number; retryDelaySeconds: number };
}

/** The photo is gone before its image was made: only a new upload helps. */
export class PhotoMissingError extends DomainError {
  constructor() {
    super('gone', 'The photo is no longer on the server. Upload it again.');
  }
}

export function uploadTask(deps: UploadTaskDeps): TaskDefinition<UploadTaskData> {
  return defineTask<UploadTaskData>({
    name: UPLOAD_TASK,
    concurrency: deps.settings.concurrency,
    maxAttempts: deps.settings.retryLimit + 1,
    backoff: { firstDelayMs: deps.settings.retryDelaySeconds * 1000 },
    classify: classifyUploadFailure,
    run: (task, ctx) => new UploadRun(deps, ctx).run(task.data.uploadId),
  });
}

export function classifyUploadFailure(err: unknown): Failure | null {
  if (err instanceof SonletRejectedError) return permanent(`Sonlet refused it: ${err.detail}`);
  return null;
}

/** The key state of the row's current step, as create-once wants it. */
function keyOf(row: Upload, key: string): CreateKey {
  return { key, issuedAt: row.keySentAt ?? row.createdAt, inFlightSince: row.keyInFlightSince };
}

class UploadRun {
  constructor(
    private readonly deps: UploadTaskDeps,
    private readonly ctx: TaskContext,
  ) {}

  async run(uploadId: string): Promise<void> {
    let row = await this.deps.prisma.upload.findUnique({ where: { id: uploadId } });
    if (!row || row.step === 'done') return;
    const api = this.deps.sonletApiFor(row.userId);
    if (row.sonletImageId === null) row = await this.makeImage(api, row);
    const itemId = row.sonletItemId ?? (await this.makeItem(api, row, row.sonletImageId!));
    await this.record(row.id, { sonletItemId: itemId, step: 'done', keyInFlightSince: null }, 'item');
    // The item exists: the photo has done its job. (A crash right here is tidied up by the photo sweep.)
    await this.deps.photos.remove(row.photoId);
    await this.deps.onItemCreated(row.userId, itemId).catch(() => undefined);
  }

  private async makeImage(api: SonletApi, row: Upload): Promise<Upload> {
    if (!(await this.deps.photos.exists(row.photoId))) throw new PhotoMissingError();
    const source = this.deps.photos.source(row.photoId!, { bytes: row.byteSize, contentType: row.contentType, filename: uploadName(row) });
    const imageId = await createOnce({
      key: keyOf(row, row.imageKey),
      create: (key) => api.createImage(source, key).then((image) => image.pk),
      find: () =>
        row.sha256
          ? findImageByContent(api, this.deps.digests, { sha256: row.sha256, bytes: row.byteSize, since: this.since(row), taken: (pks) => this.imagesTaken(row, pks) })
          : Promise.resolve(null),
      remember: (k) => this.write(row.id, { imageKey: k.key, keySentAt: k.issuedAt, keyInFlightSince: k.inFlightSince }).then(() => undefined),
      clock: this.ctx.clock,
    });
    // The item's key is first sent now: Sonlet's 24 hours start here.
    return this.record(row.id, { sonletImageId: imageId, step: 'item', keySentAt: new Date(this.ctx.clock.now()), keyInFlightSince: null }, 'image');
  }

  private makeItem(api: SonletApi, row: Upload, imageId: number): Promise<number> {
    const fields = {
      itemchoiceId: row.itemchoiceId,
      sizeId: row.sizeId,
      imageId,
      quantity: row.quantity,
      price: row.price,
      attributes: (row.attributes ?? {}) as Record<string, string>,
    };
    return createOnce({
      key: keyOf(row, row.itemKey),
      create: (key) => api.createItem(fields, key).then((item) => item.pk),
      find: () =>
        findItemOnImage(api, { imageId, itemchoiceId: row.itemchoiceId, sizeId: row.sizeId, since: this.since(row), taken: (pk) => this.itemTaken(row, pk) }),
      remember: (k) => this.write(row.id, { itemKey: k.key, keySentAt: k.issuedAt, keyInFlightSince: k.inFlightSince }).then(() => undefined),
      clock: this.ctx.clock,
    });
  }

  /** Objects created before the upload was recorded are not ours (Sonlet's clock may be a little off). */
  private since(row: Upload): number {
    return row.createdAt.getTime() - CLOCK_SKEW_MS;
  }

  private async imagesTaken(row: Upload, pks: number[]): Promise<Set<number>> {
    const claimed = await this.deps.prisma.upload.findMany({
      where: { userId: row.userId, id: { not: row.id }, sonletImageId: { in: pks } },
      select: { sonletImageId: true },
    });
    return new Set(claimed.map((c) => c.sonletImageId!));
  }

  private async itemTaken(row: Upload, pk: number): Promise<boolean> {
    return (await this.deps.prisma.upload.count({ where: { userId: row.userId, sonletItemId: pk, id: { not: row.id } } })) > 0;
  }

  private write(uploadId: string, data: Prisma.UploadUpdateInput): Promise<Upload> {
    return this.ctx.whileHeld((tx) => tx.upload.update({ where: { id: uploadId }, data }));
  }

  /** Stores a found or created Sonlet pk; the unique index refuses a pk another upload already has. */
  private async record(uploadId: string, data: Prisma.UploadUpdateInput, what: string): Promise<Upload> {
    try {
      return await this.write(uploadId, data);
    } catch (err) {
      if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002') {
        throw new ProviderUnavailableError('Sonlet', `gave an ${what} that another upload already has; the console will look again`);
      }
      throw err;
    }
  }
}

function uploadName(row: Upload): string {
  const ext = row.contentType === 'image/jpeg' ? 'jpg' : (row.contentType.split('/')[1] ?? 'bin');
  const base = row.originalName.replace(/\.[^.]*$/, '').replace(/[^\w.-]+/g, '_').slice(0, 80) || 'photo';
  return `${base}.${ext}`;
}

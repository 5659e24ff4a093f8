/**
 * Photos on their way to Sonlet, kept in Postgres (UploadPhoto + 256 KB chunks) until their item
 * exists, so any console process can send any photo and one pg_dump is a complete backup. A photo is
 * streamed in while its bytes are counted, hashed and its first bytes sniffed, and streamed out chunk
 * by chunk: a 50 MB photo never sits in memory. A wrong, oversized or aborted one leaves nothing.
 *
 * Chunks go through node-postgres directly (the pool under Prisma): Prisma copies bytes several
 * times over on their way, node-postgres sends a Buffer as it is.
 */
import { createHash } from 'node:crypto';
import { Readable, Transform, Writable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Pool } from 'pg';
import type { PrismaClient } from '../generated/prisma/client.js';
import { poolOf } from '../db/client.js';
import { systemClock, type Clock } from '../clock.js';
import { DomainError } from '../errors.js';
import type { PhotoSource } from '../sonlet/photo-body.js';
import { SNIFF_BYTES, sniffPhotoType, type PhotoType } from './file-type.js';
import { MAX_PHOTO_PIXELS, SIZE_HEAD_BYTES, pixelSizeOf, type PixelSize } from './photo-size.js';
import { loadSharp } from '../lazy-sharp.js';

/** Types whose header states their size (HEIC's decoder checks its own). */
const HEADER_SIZED = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);

export interface SavedPhoto extends PhotoType {
  /** The UploadPhoto row holding it. */
  id: string;
  bytes: number;
  sha256: string;
}


/**
 * Chunk size: node-postgres reads bytea as hex text, and a 60 KB chunk's text (120 KB) stays below
 * V8's large-object size, so it is young garbage, collected at once; with 256 KB chunks a 50 MB photo
 * left tens of MB of large strings waiting for a full collection.
 */
export const CHUNK_BYTES = 60 * 1024;
/** Chunks fetched per query when reading a photo back. */
const CHUNKS_PER_READ = 4;
/** A photo no upload points at is given this long (its upload row may be on its way) before it is swept. */
export const ORPHAN_GRACE_MS = 3600_000;

/** Refuses one photo for what it is: the upload form comes back saying which and why, nothing is kept. */
export class PhotoRefusal extends DomainError {}

export class PhotoTooLargeError extends PhotoRefusal {
  constructor(maxBytes: number, name: string) {
    super('too-large', `The photo “${name}” is larger than ${formatBytes(maxBytes)}, the most the console accepts. Nothing was uploaded; choose a smaller photo (or export it at a lower quality).`, { field: 'photos' });
  }
}

export class PhotoTooManyPixelsError extends PhotoRefusal {
  constructor(name: string, size: PixelSize) {
    const megapixels = (n: number) => `${Math.round(n / 1_000_000)} megapixels`;
    super(
      'too-large',
      `The photo “${name}” is ${size.width} × ${size.height} pixels (${megapixels(size.width * size.height)}); the console takes photos of up to ${megapixels(MAX_PHOTO_PIXELS)}. Nothing was uploaded; export it at a smaller size.`,
      { field: 'photos' },
    );
  }
}

export class UnsupportedPhotoError extends PhotoRefusal {
  constructor(name: string, empty = false) {
    super(
      'unsupported-media',
      empty
        ? `The file “${name}” is empty. Nothing was uploaded.`
        : `The file “${name}” is not a JPEG, PNG, WebP, GIF or HEIC photo. Nothing was uploaded.`,
      { field: 'photos' },
    );
  }
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${+(bytes / (1024 * 1024)).toFixed(1)} MB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${bytes} bytes`;
}

/** Counts, hashes and checks the photo as it flows through; fails the pipeline on a bad one. */
class PhotoInspector extends Transform {
  bytes = 0;
  type: PhotoType | null = null;
  private readonly hash = createHash('sha256');
  private head: Buffer[] = [];
  private headBytes = 0;
  /** The first SIZE_HEAD_BYTES, where the photo says how many pixels it has. */
  private sizeHead: Buffer[] = [];
  private sizeHeadBytes = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly name: string,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback) {
    this.bytes += chunk.length;
    if (this.bytes > this.maxBytes) return done(new PhotoTooLargeError(this.maxBytes, this.name));
    this.hash.update(chunk);
    if (this.sizeHeadBytes < SIZE_HEAD_BYTES) {
      this.sizeHead.push(chunk.subarray(0, SIZE_HEAD_BYTES - this.sizeHeadBytes));
      this.sizeHeadBytes += Math.min(chunk.length, SIZE_HEAD_BYTES - this.sizeHeadBytes);
    }
    if (!this.type) {
      this.head.push(chunk);
      this.headBytes += chunk.length;
      if (this.headBytes < SNIFF_BYTES) return done();
      const checked = this.checkHead();
      if (checked) return done(checked);
      const held = Buffer.concat(this.head);
      this.head = [];
      return done(null, held);
    }
    done(null, chunk);
  }

  override _flush(done: TransformCallback) {
    if (!this.type) {
      if (this.bytes === 0) return done(new UnsupportedPhotoError(this.name, true));
      const checked = this.checkHead();
      if (checked) return done(checked);
      this.push(Buffer.concat(this.head));
      this.head = [];
    }
    done();
  }

  /** Width and height as the header states them; null when they cannot be read from the first bytes. */
  pixelSize(): PixelSize | null {
    return this.type ? pixelSizeOf(Buffer.concat(this.sizeHead), this.type.contentType) : null;
  }

  digest(): string {
    return this.hash.digest('hex');
  }

  private checkHead(): Error | null {
    this.type = sniffPhotoType(Buffer.concat(this.head).subarray(0, SNIFF_BYTES));
    return this.type ? null : new UnsupportedPhotoError(this.name);
  }
}

/** Cuts the stream into CHUNK_BYTES pieces and inserts each; the next bytes wait for the insert. */
class ChunkWriter extends Writable {
  private held: Buffer[] = [];
  private heldBytes = 0;
  private seq = 0;

  constructor(
    private readonly pool: Pool,
    private readonly photoId: string,
  ) {
    super();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null) => void) {
    this.held.push(chunk);
    this.heldBytes += chunk.length;
    this.flush(false).then(() => done(), done);
  }

  override _final(done: (err?: Error | null) => void) {
    this.flush(true).then(() => done(), done);
  }

  private async flush(all: boolean): Promise<void> {
    while (this.heldBytes >= CHUNK_BYTES || (all && this.heldBytes > 0)) {
      const joined = this.held.length === 1 ? this.held[0]! : Buffer.concat(this.held);
      const piece = joined.subarray(0, CHUNK_BYTES);
      const rest = joined.subarray(piece.length);
      this.held = rest.length ? [rest] : [];
      this.heldBytes = rest.length;
      await this.pool.query('INSERT INTO "UploadPhotoChunk" ("photoId", seq, data) VALUES ($1, $2, $3)', [this.photoId, this.seq++, piece]);
    }
  }
}

export class PhotoStore {
  constructor(
    private readonly prisma: PrismaClient,
    readonly maxBytes: number,
    private readonly clock: Clock = systemClock,
  ) {}

  private get pool(): Pool {
    return poolOf(this.prisma);
  }

  /**
   * Streams one photo into Postgres. On any failure (too large, not a photo, the request aborted)
   * what was written is removed and the error thrown.
   */
  async save(userId: string, source: Readable, name: string): Promise<SavedPhoto> {
    const photo = await this.prisma.uploadPhoto.create({ data: { userId, createdAt: new Date(this.clock.now()) }, select: { id: true } });
    const inspector = new PhotoInspector(this.maxBytes, name);
    try {
      await pipeline(source, inspector, new ChunkWriter(this.pool, photo.id));
      // @fastify/multipart cuts a file at its limit and only says so afterwards.
      if ((source as { truncated?: boolean }).truncated) throw new PhotoTooLargeError(this.maxBytes, name);
      const size = inspector.pixelSize() ?? (HEADER_SIZED.has(inspector.type!.contentType) ? await this.sizeOfWhole(photo.id) : null);
      if (size && size.width * size.height > MAX_PHOTO_PIXELS) throw new PhotoTooManyPixelsError(name, size);
      await this.prisma.uploadPhoto.update({ where: { id: photo.id }, data: { byteSize: inspector.bytes } });
    } catch (err) {
      await this.remove(photo.id);
      if ((err as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') throw new PhotoTooLargeError(this.maxBytes, name);
      throw err;
    }
    return { id: photo.id, bytes: inspector.bytes, sha256: inspector.digest(), ...inspector.type! };
  }

  /**
   * The size of a photo whose first bytes did not state it (metadata blocks larger than the head
   * before the frame): libvips reads the header of the whole photo. Null when it cannot; what cannot be
   * read is refused by Sonlet, and every decode here keeps its own pixel limit.
   */
  private async sizeOfWhole(photoId: string): Promise<PixelSize | null> {
    const sharp = await loadSharp();
    const meta = await sharp(await this.readAll(photoId), { failOn: 'none', limitInputPixels: false }).metadata().catch(() => null);
    return meta?.width && meta.height ? { width: meta.width, height: meta.height } : null;
  }

  /** The photo's bytes, read a few chunks at a time as the reader asks for them. */
  open(photoId: string): Readable {
    const pool = this.pool;
    async function* chunks() {
      for (let seq = 0; ; seq += CHUNKS_PER_READ) {
        const { rows } = await pool.query<{ data: Buffer }>(
          'SELECT data FROM "UploadPhotoChunk" WHERE "photoId" = $1 AND seq >= $2 AND seq < $3 ORDER BY seq',
          [photoId, seq, seq + CHUNKS_PER_READ],
        );
        for (const row of rows) yield row.data;
        if (rows.length < CHUNKS_PER_READ) return;
      }
    }
    return Readable.from(chunks(), { objectMode: false });
  }

  /** The whole photo in memory: only for conversions that need it whole (at most `maxBytes`). */
  async readAll(photoId: string): Promise<Buffer> {
    const parts: Buffer[] = [];
    for await (const chunk of this.open(photoId)) parts.push(chunk as Buffer);
    return Buffer.concat(parts);
  }

  source(photoId: string, about: Omit<PhotoSource, 'open'>): PhotoSource {
    return { ...about, open: () => this.open(photoId) };
  }

  async exists(photoId: string | null): Promise<boolean> {
    if (!photoId) return false;
    return (await this.prisma.uploadPhoto.count({ where: { id: photoId } })) === 1;
  }

  /** Removes a photo and its chunks (an upload pointing at it is left without a photo). */
  async remove(photoId: string | null | undefined): Promise<void> {
    if (!photoId) return;
    await this.prisma.uploadPhoto.deleteMany({ where: { id: photoId } });
  }

  /**
   * Removes photos nobody needs: those of finished uploads (a crash after the item was made) and those
   * no upload points at after an hour's grace (a crash between storing a photo and recording its upload).
   */
  async sweep(): Promise<{ orphans: number; finished: number }> {
    const cutoff = new Date(this.clock.now() - ORPHAN_GRACE_MS);
    const orphans = await this.prisma.uploadPhoto.deleteMany({ where: { createdAt: { lt: cutoff }, upload: { is: null } } });
    const finished = await this.prisma.uploadPhoto.deleteMany({ where: { upload: { is: { step: 'done' } } } });
    return { orphans: orphans.count, finished: finished.count };
  }
}

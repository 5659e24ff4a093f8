/**
 * Photos on their way to Sonlet, kept on disk under <DATA_DIR>/uploads/<userId>/<uuid> until their
 * item exists. A photo is streamed to its file while its bytes are counted, hashed and its first
 * bytes sniffed, so a 50 MB photo never sits in memory and a wrong or oversized one is cut off
 * early and leaves nothing behind.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, type ReadStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DomainError } from '../errors.js';
import { SNIFF_BYTES, sniffPhotoType, type PhotoType } from './file-type.js';

export interface SavedPhoto extends PhotoType {
  path: string;
  bytes: number;
  sha256: string;
}

export class PhotoTooLargeError extends DomainError {
  constructor(maxBytes: number, name: string) {
    super('too-large', `The photo “${name}” is larger than ${formatBytes(maxBytes)}, the most the console accepts. Nothing was uploaded; choose a smaller photo (or export it at a lower quality).`, { field: 'photos' });
  }
}

export class UnsupportedPhotoError extends DomainError {
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

/** Counts, hashes and checks the photo as it flows to disk; fails the pipeline on a bad one. */
class PhotoInspector extends Transform {
  bytes = 0;
  type: PhotoType | null = null;
  private readonly hash = createHash('sha256');
  private head: Buffer[] = [];
  private headBytes = 0;

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

  digest(): string {
    return this.hash.digest('hex');
  }

  private checkHead(): Error | null {
    this.type = sniffPhotoType(Buffer.concat(this.head).subarray(0, SNIFF_BYTES));
    return this.type ? null : new UnsupportedPhotoError(this.name);
  }
}

export class PhotoStore {
  constructor(
    /** <DATA_DIR>/uploads */
    readonly root: string,
    readonly maxBytes: number,
  ) {}

  /** Streams one photo to a new file. On any failure the partial file is removed and the error thrown. */
  async save(userId: string, source: Readable, name: string): Promise<SavedPhoto> {
    if (!/^[0-9a-f-]{36}$/i.test(userId)) throw new Error('invalid user id for a photo path');
    const dir = path.join(this.root, userId);
    await mkdir(dir, { recursive: true });
    const file = path.join(dir, randomUUID());
    const inspector = new PhotoInspector(this.maxBytes, name);
    try {
      await pipeline(source, inspector, createWriteStream(file, { flags: 'wx' }));
    } catch (err) {
      await rm(file, { force: true });
      // @fastify/multipart's own cut-off, when it comes first.
      if ((err as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') throw new PhotoTooLargeError(this.maxBytes, name);
      throw err;
    }
    if ((source as { truncated?: boolean }).truncated) {
      await rm(file, { force: true });
      throw new PhotoTooLargeError(this.maxBytes, name);
    }
    return { path: file, bytes: inspector.bytes, sha256: inspector.digest(), ...inspector.type! };
  }

  /** Only files under the uploads root are ever opened or removed. */
  owns(file: string): boolean {
    const resolved = path.resolve(file);
    return resolved.startsWith(path.resolve(this.root) + path.sep);
  }

  open(file: string): ReadStream {
    if (!this.owns(file)) throw new Error('refusing to open a file outside the uploads directory');
    return createReadStream(file);
  }

  async remove(file: string | null | undefined): Promise<void> {
    if (!file || !this.owns(file)) return;
    await rm(file, { force: true });
  }
}

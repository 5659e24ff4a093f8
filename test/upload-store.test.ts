/**
 * Photos waiting to become items, in Postgres: streamed in and out in chunks, nothing left behind by
 * a refused or aborted photo, and swept when no upload needs them. Real Postgres; time is a clock.
 *
 * A database of its own: the sweep is global, so a console of another test file sweeping the shared
 * database saw these photos (stored at the clock's hour, months ago) as old orphans and removed one
 * while it was being written; and this file's sweep would remove other files' photos.
 */
import { createHash, randomUUID } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { createPrisma, type PrismaClient } from '../src/db/client.js';
import { CHUNK_BYTES, ORPHAN_GRACE_MS, PhotoStore, PhotoTooLargeError, PhotoTooManyPixelsError, UnsupportedPhotoError } from '../src/inventory/upload-store.js';
import { freshDatabase } from './support/database.js';

let prisma: PrismaClient;
let database: Awaited<ReturnType<typeof freshDatabase>>;
let userId: string;
const clock = { t: Date.parse('2026-06-01T12:00:00Z'), now() { return this.t; } };
let store: PhotoStore;

beforeAll(async () => {
  database = await freshDatabase();
  prisma = createPrisma(database.url);
  userId = (await prisma.user.create({ data: { email: `photos-${randomUUID()}@example.com`, passwordHash: 'x' } })).id;
  store = new PhotoStore(prisma, 2 * 1024 * 1024, clock);
});
afterAll(async () => {
  await prisma?.$disconnect();
  await database?.drop();
});

/** A real JPEG padded after its end marker to about `bytes`, so it spans several chunks. */
async function photoOf(bytes: number): Promise<Buffer> {
  const jpeg = await sharp({ create: { width: 64, height: 80, channels: 3, background: '#a35' } }).jpeg().toBuffer();
  return Buffer.concat([jpeg, Buffer.alloc(Math.max(0, bytes - jpeg.length), 7)]);
}

/** Streams `data` in uneven pieces, as a network would deliver it. */
function arriving(data: Buffer): Readable {
  const pieces: Buffer[] = [];
  for (let at = 0, n = 1; at < data.length; n++) {
    const size = 1000 + ((n * 7919) % 90_000);
    pieces.push(data.subarray(at, at + size));
    at += size;
  }
  return Readable.from(pieces);
}

const photosOfUser = () => prisma.uploadPhoto.count({ where: { userId } });
const chunksOf = (photoId: string) => prisma.uploadPhotoChunk.count({ where: { photoId } });

async function readAll(photoId: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of store.open(photoId)) parts.push(chunk as Buffer);
  return Buffer.concat(parts);
}

describe('photos in Postgres', () => {
  it('a photo is stored in chunks as it arrives and read back byte for byte', async () => {
    const data = await photoOf(CHUNK_BYTES * 2 + 12_345);
    const saved = await store.save(userId, arriving(data), 'big.jpg');
    expect(saved).toMatchObject({ bytes: data.length, contentType: 'image/jpeg', extension: 'jpg', sha256: createHash('sha256').update(data).digest('hex') });
    expect(await chunksOf(saved.id)).toBe(3);
    expect((await readAll(saved.id)).equals(data)).toBe(true);
    expect(store.source(saved.id, { bytes: data.length, contentType: 'image/jpeg', filename: 'big.jpg' })).toMatchObject({ bytes: data.length, filename: 'big.jpg' });
    await store.remove(saved.id);
    expect(await chunksOf(saved.id)).toBe(0);
    expect(await store.exists(saved.id)).toBe(false);
  });

  it('a photo over the limit, a file that is not a photo and an empty file leave nothing behind', async () => {
    const before = await photosOfUser();
    await expect(store.save(userId, arriving(await photoOf(2 * 1024 * 1024 + 1)), 'huge.jpg')).rejects.toBeInstanceOf(PhotoTooLargeError);
    await expect(store.save(userId, Readable.from([Buffer.from('%PDF-1.7 definitely not a photo, but long enough to sniff')]), 'doc.jpg')).rejects.toBeInstanceOf(UnsupportedPhotoError);
    await expect(store.save(userId, Readable.from([]), 'empty.jpg')).rejects.toThrow(/is empty/);
    expect(await photosOfUser()).toBe(before);
    expect(await prisma.uploadPhotoChunk.count({ where: { photo: { userId } } })).toBe(0);
  });

  it('a JPEG that states its size only after 300 KB of metadata is still measured: 108 megapixels are refused, 12 pass', async () => {
    // Four 64 KB application segments before the frame, as a camera's maker notes or an editor's XMP can be.
    const padded = async (width: number, height: number) => {
      const jpeg = await sharp({ create: { width: 40, height: 30, channels: 3, background: '#5a3' } }).jpeg().toBuffer();
      const segment = Buffer.concat([Buffer.from([0xff, 0xef, 0xff, 0xff]), Buffer.alloc(0xfffd, 1)]);
      const out = Buffer.concat([jpeg.subarray(0, 2), segment, segment, segment, segment, segment, jpeg.subarray(2)]);
      for (let at = 2; at + 9 < out.length; at += 2 + out.readUInt16BE(at + 2)) {
        if (out[at + 1] === 0xc0) {
          out.writeUInt16BE(height, at + 5);
          out.writeUInt16BE(width, at + 7);
          return out;
        }
      }
      throw new Error('no frame');
    };
    const before = await photosOfUser();
    await expect(store.save(userId, arriving(await padded(12_000, 9_000)), 'maker-notes.jpg')).rejects.toBeInstanceOf(PhotoTooManyPixelsError);
    expect(await photosOfUser()).toBe(before);
    const fine = await store.save(userId, arriving(await padded(4_000, 3_000)), 'maker-notes.jpg');
    expect(fine.contentType).toBe('image/jpeg');
    await store.remove(fine.id);
  });

  it('a photo whose sender goes away half-way (an aborted request) leaves no chunks', async () => {
    const before = await photosOfUser();
    const data = await photoOf(CHUNK_BYTES * 3);
    const source = new PassThrough();
    const saving = store.save(userId, source, 'cut.jpg');
    source.write(data.subarray(0, CHUNK_BYTES + 5000));
    // Wait until a chunk has been written, then the connection drops.
    await expect.poll(() => prisma.uploadPhotoChunk.count({ where: { photo: { userId } } })).toBeGreaterThan(0);
    source.destroy(new Error('aborted'));
    await expect(saving).rejects.toThrow('aborted');
    expect(await photosOfUser()).toBe(before);
    expect(await prisma.uploadPhotoChunk.count({ where: { photo: { userId } } })).toBe(0);
  });

  it('the sweep removes photos no upload points at after an hour, and photos of finished uploads at once; it keeps the rest', async () => {
    const stored = async () => (await store.save(userId, arriving(await photoOf(5000)), 'p.jpg')).id;
    const upload = (photoId: string, step: 'image' | 'done') =>
      prisma.upload.create({
        data: { userId, batchId: randomUUID(), step, originalName: 'p.jpg', contentType: 'image/jpeg', byteSize: 5000, photoId, itemchoiceId: 1, sizeId: 1, imageKey: randomUUID(), itemKey: randomUUID() },
      });
    const oldOrphan = await stored();
    const waiting = await stored();
    await upload(waiting, 'image');
    const finished = await stored();
    const finishedUpload = await upload(finished, 'done');
    clock.t += ORPHAN_GRACE_MS + 1;
    // Stored a moment ago, its upload row not written yet: within its grace.
    const newOrphan = await stored();

    const swept = await store.sweep();
    expect(swept.orphans).toBeGreaterThanOrEqual(1);
    expect(swept.finished).toBeGreaterThanOrEqual(1);
    expect(await store.exists(oldOrphan)).toBe(false);
    expect(await store.exists(finished)).toBe(false);
    expect(await store.exists(waiting)).toBe(true);
    expect(await store.exists(newOrphan)).toBe(true);
    // The finished upload's row stays; it only lost its photo.
    expect(await prisma.upload.findUniqueOrThrow({ where: { id: finishedUpload.id } })).toMatchObject({ photoId: null, step: 'done' });
    expect(await text(store.open(waiting)).then((t) => t.length)).toBeGreaterThan(0);
  });
});

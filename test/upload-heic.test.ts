/**
 * iPhone photos (HEIC, HEVC-coded): never sent to Sonlet as they are. The server turns them into JPEGs
 * (libheif-js, since sharp's prebuilt libvips has no HEVC decoder); one it cannot decode is refused
 * with a reason and leaves nothing behind.
 */
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import sharp from 'sharp';
import { startStack, type Stack } from './support/stack.js';
import { connectedSeller, postUpload, settle, type ConnectedSeller } from './fixtures/uploads.js';
import { everyItem } from './support/sonlet-oracle.js';

const HEIC = readFileSync(new URL('./fixtures/tiny.heic', import.meta.url));

let stack: Stack;
let seller: ConnectedSeller;

beforeAll(async () => {
  stack = await startStack({ jobs: true, env: { LOG_LEVEL: 'warn' } });
  seller = await connectedSeller(stack.console, { username: 'demo2', password: 'demo2' }, 'heic');
});
afterAll(async () => {
  await stack?.close();
});

const settings = () => ({ style: String(seller.catalog.styles[0]!.pk), size: String(seller.catalog.sizes[0]!.pk) });

describe('HEIC photos', () => {
  it('sharp alone cannot decode an iPhone photo (which is why the console brings its own decoder)', async () => {
    expect((await sharp(HEIC).metadata()).compression).toBe('hevc');
    await expect(sharp(HEIC).jpeg().toBuffer()).rejects.toThrow();
  });

  it('an HEIC photo becomes a JPEG before it reaches Sonlet', async () => {
    const res = await postUpload(seller.browser, settings(), [{ name: 'IMG_0042.HEIC', data: HEIC, type: 'image/heic' }], { json: true });
    expect(res.status).toBe(201);
    const { batchId, uploads } = (await res.json()) as { batchId: string; uploads: Array<{ id: string; originalName: string }> };
    expect(uploads[0]!.originalName).toBe('IMG_0042.jpg');
    const batch = await settle(seller.browser, batchId);
    expect(batch.uploads[0]!.state).toBe('done');
    const row = await stack.console.app.prisma.upload.findUniqueOrThrow({ where: { id: uploads[0]!.id } });
    expect(row.contentType).toBe('image/jpeg');

    const { email } = await stack.console.app.prisma.user.findUniqueOrThrow({ where: { id: seller.userId } });
    const item = (await everyItem(stack, inject('databaseUrl'), email)).find((i) => i.pk === batch.uploads[0]!.itemPk)!;
    const image = Buffer.from(await (await fetch(item.image!.image_full)).arrayBuffer());
    const meta = await sharp(image).metadata();
    expect(meta.format).toBe('jpeg');
    expect([meta.width, meta.height]).toEqual([64, 48]);
  });

  it('an HEIC file that cannot be decoded is refused with the reason, and nothing is kept', async () => {
    const photosBefore = await stack.console.app.prisma.uploadPhoto.count({ where: { userId: seller.userId } });
    const broken = Buffer.concat([HEIC.subarray(0, 40), randomBytes(4000)]);
    const res = await postUpload(seller.browser, settings(), [{ name: 'IMG_0043.HEIC', data: broken, type: 'image/heic' }], { json: true });
    expect(res.status).toBe(415);
    expect(((await res.json()) as { error: string }).error).toMatch(/HEIC photo .* could not be turned into a JPEG/);
    expect(await stack.console.app.prisma.uploadPhoto.count({ where: { userId: seller.userId } })).toBe(photosBefore);
    expect(await stack.console.app.prisma.upload.count({ where: { userId: seller.userId, originalName: { startsWith: 'IMG_0043' } } })).toBe(0);
  });
});

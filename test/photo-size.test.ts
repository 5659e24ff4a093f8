/**
 * Reading a photo's size from its header, checked against what sharp (libvips) reads from the whole
 * file, for every format the console takes and the ways a header can be laid out.
 */
import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { pixelSizeOf, SIZE_HEAD_BYTES } from '../src/inventory/photo-size.js';
import { sniffPhotoType } from '../src/inventory/file-type.js';

const noise = (width: number, height: number) => sharp({ create: { width, height, channels: 3, background: '#888', noise: { type: 'gaussian', mean: 120, sigma: 40 } } });

const photos: Array<[string, () => Promise<Buffer>]> = [
  ['baseline JPEG', () => noise(641, 479).jpeg().toBuffer()],
  ['progressive JPEG', () => noise(333, 517).jpeg({ progressive: true }).toBuffer()],
  ['JPEG with EXIF and an ICC profile before its frame', () => noise(300, 200).withMetadata({ exif: { IFD0: { Copyright: 'x'.repeat(20_000) } } }).jpeg().toBuffer()],
  ['PNG', () => noise(1023, 17).png().toBuffer()],
  ['PNG with transparency', () => noise(64, 65).ensureAlpha().png().toBuffer()],
  ['GIF', () => noise(250, 99).gif().toBuffer()],
  ['lossy WebP', () => noise(401, 301).webp().toBuffer()],
  ['lossless WebP', () => noise(402, 302).webp({ lossless: true }).toBuffer()],
  ['WebP with transparency (extended header)', () => noise(403, 303).ensureAlpha(0.5).webp().toBuffer()],
];

describe('a photo’s size from its first bytes', () => {
  for (const [name, make] of photos) {
    it(`${name}: the same width and height as sharp reads`, async () => {
      const photo = await make();
      const type = sniffPhotoType(photo)!;
      const meta = await sharp(photo).metadata();
      expect(pixelSizeOf(photo.subarray(0, SIZE_HEAD_BYTES), type.contentType)).toEqual({ width: meta.width, height: meta.height });
    });
  }

  it('says nothing it cannot read: a header cut before the frame, HEIC, a damaged marker', async () => {
    const jpeg = await noise(300, 200).withMetadata({ exif: { IFD0: { Copyright: 'x'.repeat(20_000) } } }).jpeg().toBuffer();
    expect(pixelSizeOf(jpeg.subarray(0, 1000), 'image/jpeg')).toBeNull();
    expect(pixelSizeOf(Buffer.from('....ftypheic'), 'image/heic')).toBeNull();
    const damaged = Buffer.from(jpeg);
    damaged[2] = 0x00;
    expect(pixelSizeOf(damaged, 'image/jpeg')).toBeNull();
    expect(pixelSizeOf(Buffer.alloc(10), 'image/png')).toBeNull();
  });
});

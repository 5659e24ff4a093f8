/** Pictures of the Sonlet sandbox: generated seed pictures (lazy, cached) and uploaded files. */
import { createWriteStream } from 'node:fs';
import { chmod, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { loadSharp } from '../../lazy-sharp.js';
import { PRIVATE_FILE, privateDir } from '../private-files.js';
import type { SeedImageSource, UploadImageSource } from './model.js';
import { SEED_COLORS } from './seed-catalog.js';
import { randomToken } from './store.js';

export const FULL_SIZE = { width: 800, height: 1000 };
export const THUMB_SIZE = { width: 200, height: 250 };
export const MEDIA_CACHE_CONTROL = 'public, max-age=31536000, immutable';
/** Media is served like a CDN: embeddable from any origin. */
export const MEDIA_CORP = 'cross-origin';

const FORMAT_TYPES: Record<string, { ext: string; type: string }> = {
  jpeg: { ext: 'jpg', type: 'image/jpeg' },
  png: { ext: 'png', type: 'image/png' },
  webp: { ext: 'webp', type: 'image/webp' },
  gif: { ext: 'gif', type: 'image/gif' },
  tiff: { ext: 'tiff', type: 'image/tiff' },
  heif: { ext: 'heic', type: 'image/heic' },
};

export const INVALID_IMAGE = 'Upload a valid image. The file you uploaded was either not an image or a corrupted image.';

function xml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function patternSvg(pattern: string, ink: string, s: number): string {
  const u = (n: number) => (n * s).toFixed(2);
  const o = 'fill-opacity="0.35"';
  switch (pattern) {
    case 'Stripes':
      return `<pattern id="p" width="${u(60)}" height="${u(60)}" patternUnits="userSpaceOnUse" patternTransform="rotate(35)"><rect width="${u(22)}" height="${u(60)}" fill="${ink}" ${o}/></pattern>`;
    case 'Polka Dots':
      return `<pattern id="p" width="${u(70)}" height="${u(70)}" patternUnits="userSpaceOnUse"><circle cx="${u(18)}" cy="${u(18)}" r="${u(11)}" fill="${ink}" ${o}/><circle cx="${u(53)}" cy="${u(53)}" r="${u(11)}" fill="${ink}" ${o}/></pattern>`;
    case 'Floral': {
      const petals = [0, 72, 144, 216, 288]
        .map((a) => `<ellipse cx="${u(60)}" cy="${u(42)}" rx="${u(9)}" ry="${u(18)}" transform="rotate(${a} ${u(60)} ${u(60)})" fill="${ink}" ${o}/>`)
        .join('');
      return `<pattern id="p" width="${u(120)}" height="${u(120)}" patternUnits="userSpaceOnUse">${petals}<circle cx="${u(60)}" cy="${u(60)}" r="${u(8)}" fill="${ink}" fill-opacity="0.6"/></pattern>`;
    }
    case 'Geometric':
      return `<pattern id="p" width="${u(100)}" height="${u(90)}" patternUnits="userSpaceOnUse"><polygon points="0,${u(90)} ${u(50)},0 ${u(100)},${u(90)}" fill="${ink}" ${o}/></pattern>`;
    case 'Plaid':
      return `<pattern id="p" width="${u(120)}" height="${u(120)}" patternUnits="userSpaceOnUse"><rect y="${u(20)}" width="${u(120)}" height="${u(30)}" fill="${ink}" fill-opacity="0.25"/><rect x="${u(20)}" width="${u(30)}" height="${u(120)}" fill="${ink}" fill-opacity="0.25"/><rect y="${u(85)}" width="${u(120)}" height="${u(6)}" fill="${ink}" fill-opacity="0.4"/><rect x="${u(85)}" width="${u(6)}" height="${u(120)}" fill="${ink}" fill-opacity="0.4"/></pattern>`;
    case 'Chevron':
      return `<pattern id="p" width="${u(80)}" height="${u(50)}" patternUnits="userSpaceOnUse"><polyline points="0,${u(35)} ${u(40)},${u(10)} ${u(80)},${u(35)}" fill="none" stroke="${ink}" stroke-opacity="0.4" stroke-width="${u(12)}"/></pattern>`;
    case 'Paisley':
      return `<pattern id="p" width="${u(110)}" height="${u(110)}" patternUnits="userSpaceOnUse"><path d="M${u(55)} ${u(20)} C ${u(95)} ${u(30)}, ${u(85)} ${u(95)}, ${u(45)} ${u(90)} C ${u(20)} ${u(85)}, ${u(25)} ${u(50)}, ${u(55)} ${u(20)} Z" fill="${ink}" ${o}/><circle cx="${u(55)}" cy="${u(65)}" r="${u(9)}" fill="${ink}" fill-opacity="0.5"/></pattern>`;
    case 'Leaf':
      return `<pattern id="p" width="${u(90)}" height="${u(90)}" patternUnits="userSpaceOnUse"><ellipse cx="${u(45)}" cy="${u(45)}" rx="${u(14)}" ry="${u(32)}" transform="rotate(40 ${u(45)} ${u(45)})" fill="${ink}" ${o}/><line x1="${u(25)}" y1="${u(68)}" x2="${u(65)}" y2="${u(22)}" stroke="${ink}" stroke-opacity="0.5" stroke-width="${u(2)}"/></pattern>`;
    case 'Aztec':
      return `<pattern id="p" width="${u(80)}" height="${u(80)}" patternUnits="userSpaceOnUse"><polygon points="${u(40)},${u(8)} ${u(72)},${u(40)} ${u(40)},${u(72)} ${u(8)},${u(40)}" fill="none" stroke="${ink}" stroke-opacity="0.45" stroke-width="${u(6)}"/><rect x="${u(34)}" y="${u(34)}" width="${u(12)}" height="${u(12)}" fill="${ink}" fill-opacity="0.45"/></pattern>`;
    default:
      return '';
  }
}

/** An SVG picture of a garment listing: colored patterned background, the style name on a card. */
export function seedSvg(src: SeedImageSource, width: number, height: number): string {
  const color = SEED_COLORS.find((c) => c.name === src.color) ?? SEED_COLORS[0];
  const s = width / FULL_SIZE.width;
  const defs = patternSvg(src.pattern, color.ink, s);
  const cardW = width * 0.76;
  const cardH = height * 0.3;
  const cardX = (width - cardW) / 2;
  const cardY = height * 0.35;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">
<defs>${defs}</defs>
<rect width="${width}" height="${height}" fill="${color.hex}"/>
${defs ? `<rect width="${width}" height="${height}" fill="url(#p)"/>` : ''}
<rect x="${cardX}" y="${cardY}" width="${cardW}" height="${cardH}" rx="${24 * s}" fill="#ffffff" fill-opacity="0.88"/>
<text x="${width / 2}" y="${cardY + cardH * 0.48}" font-family="DejaVu Sans, Arial, sans-serif" font-size="${76 * s}" font-weight="bold" text-anchor="middle" fill="#222">${xml(src.styleName)}</text>
<text x="${width / 2}" y="${cardY + cardH * 0.78}" font-family="DejaVu Sans, Arial, sans-serif" font-size="${34 * s}" text-anchor="middle" fill="#444">${xml(`${src.sizeName} · ${src.color} · ${src.pattern}`)}</text>
</svg>`;
}

export type UploadResult = { ok: true; source: UploadImageSource } | { ok: false; message: string };

export class MediaStore {
  private readonly lru = new Map<string, Buffer>();
  private readonly inflight = new Map<string, Promise<Buffer>>();

  constructor(
    /** Root of uploaded files (uploads/, incoming/). */
    readonly filesDir: string,
    /** Where generated seed pictures are cached on disk, or null for memory only. */
    private readonly cacheDir: string | null,
    private readonly lruSize = 240,
  ) {}

  /** JPEG bytes of a seeded picture, generated on first use and cached. */
  async seedPicture(pk: number, src: SeedImageSource, variant: 'full' | 'thumb'): Promise<Buffer> {
    const key = `${pk}-${variant}`;
    const hit = this.lru.get(key);
    if (hit) {
      this.lru.delete(key);
      this.lru.set(key, hit);
      return hit;
    }
    let job = this.inflight.get(key);
    if (!job) {
      job = this.renderSeed(key, src, variant).finally(() => this.inflight.delete(key));
      this.inflight.set(key, job);
    }
    const buf = await job;
    this.lru.set(key, buf);
    while (this.lru.size > this.lruSize) {
      const oldest = this.lru.keys().next().value;
      if (oldest === undefined) break;
      this.lru.delete(oldest);
    }
    return buf;
  }

  private async renderSeed(key: string, src: SeedImageSource, variant: 'full' | 'thumb'): Promise<Buffer> {
    const file = this.cacheDir ? path.join(this.cacheDir, `seed-${key}.jpg`) : null;
    if (file) {
      try {
        return await readFile(file);
      } catch {
        // not cached yet
      }
    }
    const { width, height } = variant === 'full' ? FULL_SIZE : THUMB_SIZE;
    const sharp = await loadSharp();
    const buf = await sharp(Buffer.from(seedSvg(src, width, height)))
      .jpeg({ quality: variant === 'full' ? 82 : 78, mozjpeg: true })
      .toBuffer();
    if (file) {
      await privateDir(path.dirname(file));
      await writeFile(file, buf, { mode: PRIVATE_FILE }).catch(() => undefined);
    }
    return buf;
  }

  uploadPath(slug: string, name: string): string {
    return path.join(this.filesDir, 'uploads', slug, name);
  }

  /**
   * Streams an uploaded file to disk, checks that it is a readable image and writes a real
   * thumbnail next to it. The whole file is never held in memory.
   */
  async ingest(file: Readable & { truncated?: boolean }, maxBytes: number): Promise<UploadResult> {
    const incomingDir = path.join(this.filesDir, 'incoming');
    await privateDir(incomingDir);
    const tmp = path.join(incomingDir, randomToken(20));
    try {
      await pipeline(file, createWriteStream(tmp, { mode: PRIVATE_FILE }));
      if (file.truncated) {
        return { ok: false, message: `Ensure this file is no larger than ${Math.floor(maxBytes / 1048576)} MB.` };
      }
      const size = (await stat(tmp)).size;
      if (size === 0) return { ok: false, message: 'The submitted file is empty.' };
      let format: { ext: string; type: string } | undefined;
      const sharp = await loadSharp();
      try {
        const meta = await sharp(tmp).metadata();
        format = meta.format ? FORMAT_TYPES[meta.format] : undefined;
      } catch {
        format = undefined;
      }
      if (!format) return { ok: false, message: INVALID_IMAGE };
      const slug = randomToken(16);
      const dir = path.join(this.filesDir, 'uploads', slug);
      await privateDir(dir);
      try {
        await sharp(tmp)
          .rotate()
          .resize(THUMB_SIZE.width, THUMB_SIZE.height, { fit: 'inside', withoutEnlargement: true })
          .flatten({ background: '#ffffff' })
          .jpeg({ quality: 80 })
          .toFile(path.join(dir, 'thumb.jpg'));
        await chmod(path.join(dir, 'thumb.jpg'), PRIVATE_FILE);
      } catch {
        await rm(dir, { recursive: true, force: true });
        return { ok: false, message: INVALID_IMAGE };
      }
      const fullName = `full.${format.ext}`;
      await rename(tmp, path.join(dir, fullName));
      return { ok: true, source: { kind: 'upload', slug, fullName, fullType: format.type } };
    } finally {
      await rm(tmp, { force: true });
    }
  }
}

/**
 * iPhone photos (HEIC) become JPEGs before they go anywhere near Sonlet, which takes JPEG, PNG, WebP or
 * GIF. The page converts them in the browser where the browser can decode HEIC (Safari); what still
 * arrives as HEIC is converted here. sharp's prebuilt libvips decodes only AVIF-coded HEIF (no HEVC
 * decoder, for patent reasons), so HEVC photos are decoded by libheif-js in a worker thread
 * (docs/decisions/016-photos-from-a-phone.md). A photo neither can decode is refused, never sent as is.
 */
import { Worker } from 'node:worker_threads';
import { loadSharp } from '../lazy-sharp.js';
import { MAX_PHOTO_PIXELS } from './photo-size.js';

const QUALITY = 90;

export class HeicDecodeError extends Error {}

/** One decode at a time per process: each holds the photo's pixels (48 MB for 12 MP) while it runs. */
let queue: Promise<unknown> = Promise.resolve();

export function heicToJpeg(heic: Buffer): Promise<Buffer> {
  const run = queue.then(() => convert(heic));
  queue = run.catch(() => undefined);
  return run;
}

async function convert(heic: Buffer): Promise<Buffer> {
  const sharp = await loadSharp();
  const meta = await sharp(heic).metadata().catch(() => null);
  if (meta && meta.compression !== 'hevc') {
    const viaSharp = await sharp(heic, { failOn: 'error', limitInputPixels: MAX_PHOTO_PIXELS }).rotate().jpeg({ quality: QUALITY }).toBuffer().catch(() => null);
    if (viaSharp) return viaSharp;
  }
  const { width, height, pixels } = await decodeInWorker(heic);
  return sharp(Buffer.from(pixels), { raw: { width, height, channels: 4 } }).jpeg({ quality: QUALITY }).toBuffer();
}

function decodeInWorker(heic: Buffer): Promise<{ width: number; height: number; pixels: ArrayBuffer }> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./heic-worker.mjs', import.meta.url), {
      workerData: { bytes: new Uint8Array(heic.buffer, heic.byteOffset, heic.byteLength), maxPixels: MAX_PHOTO_PIXELS },
      execArgv: [],
      // libheif prints its complaints about a broken file; the refusal says it to the seller instead.
      stdout: true,
      stderr: true,
    });
    worker.stdout.resume();
    worker.stderr.resume();
    let settled = false;
    const finish = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      void worker.terminate();
      outcome();
    };
    worker.once('message', (message: { width: number; height: number; pixels: ArrayBuffer } | { error: string }) =>
      finish(() => ('error' in message ? reject(new HeicDecodeError(message.error)) : resolve(message))),
    );
    worker.once('error', (err) => finish(() => reject(new HeicDecodeError(err.message))));
    worker.once('exit', (code) => finish(() => reject(new HeicDecodeError(`decoder exited with ${code}`))));
  });
}

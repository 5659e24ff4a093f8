/**
 * Uploads: figures, no assertions.
 *
 * 1. Memory: the console's resident memory (from /proc, console in its own process) while one
 *    50 MB photo streams browser → console → disk → Sonlet, against its idle RSS (target: < 40 MB above idle).
 * 2. Throughput: 100 photos in one post with 200 ms of injected upstream latency; wall time until
 *    every item exists, against the ideal for the concurrency setting (each photo is two calls).
 *
 * Console and Sonlet sandbox run as separate processes; the sandbox's upload limit (25 MB by default,
 * Sonlet's own is unknown) is raised for the 50 MB photo.
 *
 *   npx tsx bench/upload.ts
 */
import { mkdtempSync, openAsBlob } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { rssMb, startBenchStack, type BenchStack } from './support.js';
import { HttpSession } from '../test/support/http.js';

const PHOTO_MB = 50;
const BULK_PHOTOS = 100;
const LATENCY_MS = 200;
const CONCURRENCY = 4;

if (import.meta.url === `file://${process.argv[1]}`) {
  await benchUpload();
}

export async function benchUpload() {
  const workDir = mkdtempSync(path.join(tmpdir(), 'upload-bench-'));
  try {
    const parts = (process.env.UPLOAD_BENCH_PARTS ?? 'memory,throughput').split(',');
    const memory = parts.includes('memory') ? await benchMemory(workDir) : null;
    if (memory) {
    console.log('\n## One %d MB photo, streamed end to end', PHOTO_MB);
    console.table({
      'console RSS': {
        'idle MB': memory.idle.toFixed(1),
        'peak MB': memory.peak.toFixed(1),
        'above idle MB': (memory.peak - memory.idle).toFixed(1),
        'receiving MB': (memory.peakWhileReceiving - memory.idle).toFixed(1),
        'target above idle MB': 40,
        'upload s': (memory.postMs / 1000).toFixed(2),
        'to item s': (memory.totalMs / 1000).toFixed(2),
        state: memory.state,
      },
    });
    }
    if (!parts.includes('throughput')) return { memory };

    const bulk = await benchThroughput();
    const ideal = Math.ceil(BULK_PHOTOS / CONCURRENCY) * 2 * LATENCY_MS;
    console.log('\n## %d photos, %d ms upstream latency, concurrency %d', BULK_PHOTOS, LATENCY_MS, CONCURRENCY);
    console.table({
      bulk: {
        'post s': (bulk.postMs / 1000).toFixed(2),
        'all items s': (bulk.wallMs / 1000).toFixed(2),
        'ideal s': (ideal / 1000).toFixed(2),
        'wall/ideal': (bulk.wallMs / ideal).toFixed(2),
        'photos/s': (BULK_PHOTOS / (bulk.wallMs / 1000)).toFixed(1),
        done: bulk.done,
      },
    });
    return { memory, bulk, idealMs: ideal };
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

function startUploadStack(opts: { latencyMs: number; maxBytes: number }): Promise<BenchStack> {
  return startBenchStack(
    {
      UPLOAD_MAX_BYTES: String(opts.maxBytes),
      UPLOAD_CONCURRENCY: String(CONCURRENCY),
      ...(process.env.CONSOLE_NODE_OPTIONS ? { NODE_OPTIONS: process.env.CONSOLE_NODE_OPTIONS } : {}),
    },
    [],
    { SANDBOX_LATENCY_MS: String(opts.latencyMs), SANDBOX_MAX_UPLOAD_BYTES: String(opts.maxBytes) },
  );
}

/** The upload form's choices (first style and size) and its CSRF token. */
async function formChoices(seller: HttpSession) {
  const { html, csrf } = await seller.page('/upload');
  const style = /name="style"[\s\S]*?<option value="(\d+)"/.exec(html)?.[1];
  const size = /name="size"[\s\S]*?<option value="(\d+)"/.exec(html)?.[1];
  if (!style || !size || !csrf) throw new Error('the upload form is missing its choices');
  return { style, size, csrf };
}

async function post(seller: HttpSession, photos: Array<{ name: string; blob: Blob }>): Promise<string> {
  const { style, size, csrf } = await formChoices(seller);
  const form = new FormData();
  form.append('_csrf', csrf);
  form.append('style', style);
  form.append('size', size);
  for (const photo of photos) form.append('photos', photo.blob, photo.name);
  const res = await seller.request('POST', '/upload', { body: form, headers: { accept: 'application/json' } });
  if (res.status !== 201) throw new Error(`upload answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { batchId: string }).batchId;
}

async function waitForBatch(seller: HttpSession, batchId: string, timeoutMs: number): Promise<{ done: number; total: number; state: string }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await seller.get(`/uploads/batch/${batchId}`, { accept: 'application/json' });
    const batch = (await res.json()) as { inProgress: boolean; counts: { done: number }; uploads: Array<{ state: string; message: string | null }> };
    if (!batch.inProgress || Date.now() > deadline) {
      const failed = batch.uploads.find((u) => u.state !== 'done');
      return { done: batch.counts.done, total: batch.uploads.length, state: failed ? `${failed.state}: ${failed.message}` : 'done' };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A valid JPEG padded to `mb` MB after its end marker: every byte still travels, decoding stays cheap. */
async function bigPhoto(dir: string, mb: number): Promise<string> {
  const jpeg = await sharp({ create: { width: 800, height: 1000, channels: 3, background: { r: 200, g: 80, b: 120 } } }).jpeg().toBuffer();
  const file = path.join(dir, 'big.jpg');
  const handle = await open(file, 'w');
  try {
    await handle.write(jpeg);
    const chunk = Buffer.alloc(1024 * 1024, 0);
    for (let written = jpeg.length; written < mb * 1024 * 1024; written += chunk.length) await handle.write(chunk);
  } finally {
    await handle.close();
  }
  return file;
}

async function benchMemory(workDir: string) {
  const stack = await startUploadStack({ latencyMs: 0, maxBytes: (PHOTO_MB + 10) * 1024 * 1024 });
  try {
    const file = await bigPhoto(workDir, PHOTO_MB);
    // Warm-up: one small photo end to end, so code paths, pools and caches are loaded before "idle".
    const small = await sharp({ create: { width: 40, height: 50, channels: 3, background: '#345' } }).jpeg().toBuffer();
    await waitForBatch(stack.seller, await post(stack.seller, [{ name: 'warm.jpg', blob: new Blob([new Uint8Array(small)], { type: 'image/jpeg' }) }]), 30_000);
    await new Promise((r) => setTimeout(r, 1000));
    const idleSamples: number[] = [];
    for (let i = 0; i < 10; i++) {
      idleSamples.push(await rssMb(stack.consolePid));
      await new Promise((r) => setTimeout(r, 50));
    }
    const idle = Math.max(...idleSamples);

    let peak = idle;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        peak = Math.max(peak, await rssMb(stack.consolePid));
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    const started = Date.now();
    const batchId = await post(stack.seller, [{ name: 'big.jpg', blob: await openAsBlob(file, { type: 'image/jpeg' }) }]);
    const postMs = Date.now() - started;
    const peakWhileReceiving = peak;
    const result = await waitForBatch(stack.seller, batchId, 120_000);
    const totalMs = Date.now() - started;
    sampling = false;
    await sampler;
    return { idle, peak, peakWhileReceiving, postMs, totalMs, state: result.state };
  } finally {
    await stack.close();
  }
}

async function benchThroughput() {
  const stack = await startUploadStack({ latencyMs: LATENCY_MS, maxBytes: 20 * 1024 * 1024 });
  try {
    const photos = await Promise.all(
      Array.from({ length: BULK_PHOTOS }, async (_, i) => {
        const data = await sharp({ create: { width: 40, height: 50, channels: 3, background: { r: i, g: (i * 7) % 256, b: 90 } } }).jpeg().toBuffer();
        return { name: `bulk-${i}.jpg`, blob: new Blob([new Uint8Array(data)], { type: 'image/jpeg' }) };
      }),
    );
    await formChoices(stack.seller); // warms the catalog cache outside the timing
    const started = Date.now();
    const batchId = await post(stack.seller, photos);
    const postMs = Date.now() - started;
    const result = await waitForBatch(stack.seller, batchId, 300_000);
    return { postMs, wallMs: Date.now() - started, done: `${result.done}/${result.total}` };
  } finally {
    await stack.close();
  }
}

/** The Sonlet sandbox as its own process, with the upload limit raised for the big photo. */

/**
 * Twelve phone photos (12 MP JPEGs of 3–5 MB) sent from the upload page in Chromium over a link throttled
 * to 5 Mbit/s (Chromium's own network emulation), once with the seller's "make large photos smaller"
 * setting off and once on: bytes on the wire and the time until the console has every photo, and until
 * every item exists. The photos are noise over colour, which shrinks worse than a real photo: a
 * pessimistic "after".
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { launchChromium } from '../test/support/browser.js';
import { startBenchStack, type BenchStack } from './support.js';

const PHOTOS = 12;
const LINK_BITS_PER_SECOND = 5_000_000;

interface Run {
  downscale: boolean;
  bytes: number;
  receivedMs: number;
  itemsMs: number;
}

async function phonePhotos(dir: string): Promise<{ files: string[]; bytes: number }> {
  const files: string[] = [];
  let bytes = 0;
  for (let i = 0; i < PHOTOS; i++) {
    const sigma = 16 + (i % 5) * 2;
    const data = await sharp({ create: { width: 4032, height: 3024, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 90 + i * 9, sigma } } })
      .jpeg({ quality: 82 + (i % 4) })
      .toBuffer();
    const file = path.join(dir, `IMG_${4000 + i}.jpg`);
    writeFileSync(file, data);
    files.push(file);
    bytes += data.length;
  }
  return { files, bytes };
}

async function upload(stack: BenchStack, files: string[], downscale: boolean): Promise<Run> {
  const saved = await stack.seller.submit('/account', '/account/photos', downscale ? { downscale: 'on' } : {});
  if (saved.status !== 303) throw new Error(`saving the photo setting failed with ${saved.status}`);
  const browser = await launchChromium();
  try {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    await context.addCookies([...stack.seller.cookies].map(([name, value]) => ({ name, value, url: stack.consoleUrl })));
    const page = await context.newPage();
    await page.goto(`${stack.consoleUrl}/upload`);
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 40, downloadThroughput: LINK_BITS_PER_SECOND / 8, uploadThroughput: LINK_BITS_PER_SECOND / 8 });
    // What each request carried on the wire: its body's Content-Length as Chromium sent it.
    const sizes: Array<Promise<number>> = [];
    page.on('requestfinished', (request) => {
      if (request.method() !== 'POST' || new URL(request.url()).pathname !== '/upload') return;
      sizes.push(request.allHeaders().then((h) => Number(h['content-length'] ?? 0)));
    });
    await page.locator('#up-style').selectOption({ index: 1 });
    await page.locator('#up-size').selectOption({ index: 1 });
    await page.locator('#up-photos').setInputFiles(files);
    await page.locator('#up-list li.photo').nth(PHOTOS - 1).waitFor();
    const started = Date.now();
    await page.locator('#up-submit').click();
    await page.waitForFunction((n) => document.getElementById('up-count')?.textContent === `${n} of ${n} uploaded`, PHOTOS, { timeout: 600_000, polling: 200 });
    const receivedMs = Date.now() - started;
    await page.waitForFunction((n) => document.querySelectorAll('#up-list li.photo[data-state="done"]').length === n, PHOTOS, { timeout: 600_000, polling: 200 });
    const itemsMs = Date.now() - started;
    const bytes = (await Promise.all(sizes)).reduce((a, b) => a + b, 0);
    await context.close();
    return { downscale, bytes, receivedMs, itemsMs };
  } finally {
    await browser.close();
  }
}

export async function benchPhonePhotos(): Promise<Run[]> {
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-phone-photos-'));
  const stack = await startBenchStack();
  try {
    const { files, bytes } = await phonePhotos(dir);
    console.log(`${PHOTOS} photos of 4032×3024, ${(bytes / 1e6).toFixed(1)} MB in all, over ${LINK_BITS_PER_SECOND / 1e6} Mbit/s (Chromium network emulation), 390 px phone page`);
    const runs = [await upload(stack, files, false), await upload(stack, files, true)];
    console.log('| photos shrunk in the browser | bytes sent | console has every photo | every item exists |');
    console.log('| --- | --- | --- | --- |');
    for (const r of runs) {
      console.log(`| ${r.downscale ? 'yes (2,048 px, JPEG 0.85)' : 'no (full size)'} | ${(r.bytes / 1e6).toFixed(1)} MB | ${(r.receivedMs / 1000).toFixed(1)} s | ${(r.itemsMs / 1000).toFixed(1)} s |`);
    }
    return runs;
  } finally {
    await stack.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchPhonePhotos();

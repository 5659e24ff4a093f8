import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, signUp, connectSonlet, uniqueEmail, type Stack } from './support/stack.js';
import { csrfOf, location, type HttpSession } from './support/http.js';
import { batchOf, connectedSeller as sellerOn, jpeg, jpegs, postUpload, settle } from './fixtures/uploads.js';
import type { SonletApi } from '../src/sonlet/api-client.js';
import type { SonletItem } from '../src/sonlet/types.js';

const MAX_BYTES = 200_000;
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({
    jobs: true,
    env: { UPLOAD_MAX_BYTES: String(MAX_BYTES), UPLOAD_RETRY_LIMIT: '1', UPLOAD_RETRY_DELAY_SECONDS: '1', LOG_LEVEL: 'warn' },
  });
});
afterAll(async () => {
  await stack?.close();
});

interface Seller {
  browser: HttpSession;
  userId: string;
  api: SonletApi;
  style: { pk: number; min_advertised_price: string };
  size: { pk: number };
}

async function connectedSeller(account = { username: 'demo', password: 'demo' }): Promise<Seller> {
  const { catalog, ...seller } = await sellerOn(stack.console, account, 'uploader');
  return { ...seller, style: catalog.styles[1], size: catalog.sizes[2] };
}

const itemCount = async (api: SonletApi) => (await api.listItems()).count;
const imageCount = async (api: SonletApi) => (await api.listImages()).count;

/** Every item of the seller carrying this attribute value (walks their whole inventory at the sandbox). */
async function itemsMarked(api: SonletApi, marker: string): Promise<SonletItem[]> {
  const found: SonletItem[] = [];
  for (let page = 1; ; page++) {
    const items = await api.listItems({ page });
    found.push(...items.results.filter((item) => item.data.attributes.Batch === marker));
    if (!items.next) return found;
  }
}

/** Photos of the seller still stored in the console's database. */
const storedPhotosOf = (userId: string) => stack.console.app.prisma.uploadPhoto.count({ where: { userId } });

const uploadTaskOf = (uploadId: string) => stack.console.app.prisma.task.findUniqueOrThrow({ where: { name_key: { name: 'upload', key: uploadId } } });

const uploadRows = (userId: string) => stack.console.app.prisma.upload.findMany({ where: { userId } });

describe('creating items from photos', () => {
  it('one photo through the plain form becomes one item with the chosen style, size, quantity, price and attributes', async () => {
    const seller = await connectedSeller();
    const before = await itemCount(seller.api);
    const form = await seller.browser.page('/upload');
    expect(form.html).toContain('enctype="multipart/form-data"');
    expect(form.html).toContain(`data-price="${seller.style.min_advertised_price}"`);

    const res = await postUpload(
      seller.browser,
      { style: String(seller.style.pk), size: String(seller.size.pk), quantity: '3', price: '42.5', attributes: { Color: 'Red', Collection: 'Elegant' } },
      [await jpeg(1)],
    );
    expect(res.status).toBe(303);
    const resultPage = location(res);
    expect(resultPage).toMatch(/^\/uploads\/batch\/[0-9a-f-]{36}$/);
    const batchId = resultPage.split('/').pop()!;

    const batch = await settle(seller.browser, batchId);
    expect(batch.uploads).toHaveLength(1);
    const [upload] = batch.uploads;
    expect(upload.state).toBe('done');

    const item = await seller.api.getItem(upload.itemPk!);
    expect(item.itemchoice_id).toBe(seller.style.pk);
    expect(item.size_id).toBe(seller.size.pk);
    expect(item.quantity).toBe(3);
    expect(item.price).toBe('42.50');
    expect(item.data.attributes).toEqual({ Color: 'Red', Collection: 'Elegant' });
    expect(item.image?.pk).toBe(upload.imagePk);
    expect(await itemCount(seller.api)).toBe(before + 1);

    // The photo was only kept until its item existed.
    expect(await storedPhotosOf(seller.userId)).toBe(0);
    const html = await (await seller.browser.get(resultPage)).text();
    expect(html).toContain(`href="/items/${item.pk}"`);
    expect(html).not.toContain('http-equiv="refresh"');
    const list = await (await seller.browser.get('/uploads')).text();
    expect(list).toContain('photo-1.jpg');
    expect(list).toContain(`href="/items/${item.pk}"`);
  });

  it('the page script’s request (token in a header, JSON answer) is polled until done; no price means the style’s price', async () => {
    const seller = await connectedSeller();
    const res = await postUpload(seller.browser, { style: String(seller.style.pk), size: String(seller.size.pk) }, [await jpeg(2)], { json: true, csrf: 'header' });
    expect(res.status).toBe(201);
    const body = (await res.json()) as { batchId: string; uploads: Array<{ id: string }> };
    const id = body.uploads[0].id;
    let view: { state: string; itemPk: number | null; settled: boolean } = { state: 'pending', itemPk: null, settled: false };
    for (let i = 0; i < 100 && !view.settled; i++) {
      const poll = await seller.browser.get(`/uploads/${id}`, { accept: 'application/json' });
      expect(poll.status).toBe(200);
      view = (await poll.json()) as typeof view;
      if (!view.settled) await new Promise((r) => setTimeout(r, 100));
    }
    expect(view.state).toBe('done');
    const item = await seller.api.getItem(view.itemPk!);
    expect(item.price).toBe(seller.style.min_advertised_price);
    expect(item.quantity).toBe(1);
  });

  it('20 photos in one post while Sonlet drops 30% of answers after committing: exactly 20 items, no duplicates, none lost', async () => {
    const seller = await connectedSeller();
    const marker = randomUUID();
    const [itemsBefore, imagesBefore] = await Promise.all([itemCount(seller.api), imageCount(seller.api)]);
    stack.sonlet.sandbox.faults.dropAfterCommitRate = 0.3;
    stack.sonlet.sandbox.resetStats();
    try {
      const res = await postUpload(seller.browser, { style: String(seller.style.pk), size: String(seller.size.pk), attributes: { Batch: marker } }, await jpegs(20, 100));
      expect(res.status).toBe(303);
      const batch = await settle(seller.browser, location(res).split('/').pop()!);
      expect(batch.uploads.map((u) => u.state)).toEqual(Array(20).fill('done'));
    } finally {
      stack.sonlet.sandbox.faults.dropAfterCommitRate = 0;
    }
    // Answers were lost and reconciled: the images were listed to find what had landed.
    expect(stack.sonlet.sandbox.stats.byPath.get('/api/v2/images/')).toBeGreaterThan(20);
    const marked = await itemsMarked(seller.api, marker);
    expect(marked).toHaveLength(20);
    expect(await itemCount(seller.api)).toBe(itemsBefore + 20);
    // No second image either: every photo went up exactly once.
    expect(await imageCount(seller.api)).toBe(imagesBefore + 20);
    expect(new Set(marked.map((i) => i.image?.pk)).size).toBe(20);
    const rows = await uploadRows(seller.userId);
    expect(rows.every((r) => r.step === 'done' && r.photoId === null)).toBe(true);
    expect(new Set(rows.map((r) => r.sonletItemId))).toEqual(new Set(marked.map((i) => i.pk)));
    expect(await storedPhotosOf(seller.userId)).toBe(0);
  });

  it('the same, while Sonlet lists items and images oldest first: the answers lost are still found, no duplicates', async () => {
    const seller = await connectedSeller();
    const marker = randomUUID();
    const [itemsBefore, imagesBefore] = await Promise.all([itemCount(seller.api), imageCount(seller.api)]);
    Object.assign(stack.sonlet.sandbox.faults, { dropAfterCommitRate: 0.5, listOldestFirst: true });
    try {
      const res = await postUpload(seller.browser, { style: String(seller.style.pk), size: String(seller.size.pk), attributes: { Batch: marker } }, await jpegs(8, 300));
      expect(res.status).toBe(303);
      const batch = await settle(seller.browser, location(res).split('/').pop()!);
      expect(batch.uploads.map((u) => u.state)).toEqual(Array(8).fill('done'));
    } finally {
      Object.assign(stack.sonlet.sandbox.faults, { dropAfterCommitRate: 0, listOldestFirst: false });
    }
    expect(await itemsMarked(seller.api, marker)).toHaveLength(8);
    expect(await itemCount(seller.api)).toBe(itemsBefore + 8);
    expect(await imageCount(seller.api)).toBe(imagesBefore + 8);
  });

  it('while Sonlet is down, photos wait in the database as retryable failures; Retry after it is back completes them without duplicates', async () => {
    const seller = await connectedSeller();
    const marker = randomUUID();
    const before = await itemCount(seller.api);
    const sandbox = stack.sonlet.sandbox;
    sandbox.faults.latencyMs = 250;
    let batchId: string;
    try {
      const res = await postUpload(seller.browser, { style: String(seller.style.pk), size: String(seller.size.pk), attributes: { Batch: marker } }, await jpegs(8, 200));
      expect(res.status).toBe(303);
      batchId = location(res).split('/').pop()!;
      // Sonlet goes away part-way through the batch.
      await settle(seller.browser, batchId, (b) => b.counts.done >= 1, 20_000);
      sandbox.faults.unavailable = true;
      const failed = await settle(seller.browser, batchId, (b) => !b.inProgress, 40_000);
      expect(failed.counts.failed).toBeGreaterThan(0);
      for (const u of failed.uploads.filter((u) => u.state !== 'done')) {
        expect(u.state).toBe('failed');
        expect(u.canRetry).toBe(true);
        expect(u.message).toMatch(/Sonlet/);
      }
      // Their photos are still here.
      expect(await storedPhotosOf(seller.userId)).toBe(failed.counts.failed);
    } finally {
      sandbox.faults.unavailable = false;
      sandbox.faults.latencyMs = 0;
    }

    const page = await seller.browser.page(`/uploads/batch/${batchId}`);
    expect(page.html).toContain('>Retry</button>');
    for (const u of (await batchOf(seller.browser, batchId)).uploads.filter((u) => u.canRetry)) {
      const retry = await seller.browser.postForm(`/uploads/${u.id}/retry`, { _csrf: page.csrf!, back: `/uploads/batch/${batchId}` });
      expect(retry.status).toBe(303);
      expect(location(retry)).toBe(`/uploads/batch/${batchId}`);
    }
    const done = await settle(seller.browser, batchId);
    expect(done.uploads.map((u) => u.state)).toEqual(Array(8).fill('done'));
    const marked = await itemsMarked(seller.api, marker);
    expect(marked).toHaveLength(8);
    expect(new Set(marked.map((i) => i.image?.pk)).size).toBe(8);
    expect(await itemCount(seller.api)).toBe(before + 8);
    expect(await storedPhotosOf(seller.userId)).toBe(0);
  });
});

describe('when Sonlet commits slowly', () => {
  it('a create whose answer timed out is never sent again with a fresh key while it may still land: one item', async () => {
    const slow = await startStack({
      jobs: true,
      env: { SONLET_TIMEOUT_MS: '1000', UPLOAD_RETRY_LIMIT: '6', UPLOAD_RETRY_DELAY_SECONDS: '1', LOG_LEVEL: 'warn' },
    });
    try {
      const email = uniqueEmail('slow');
      const browser = await signUp(slow.console.url, email);
      expect((await connectSonlet(browser, { username: 'demo2', password: 'demo2' })).status).toBe(302);
      const { app } = slow.console;
      const user = await app.prisma.user.findUniqueOrThrow({ where: { email } });
      const api = app.sonletApiFor(user.id);
      const catalog = await app.catalog.get(user.id, api);
      const itemsBefore = await itemCount(api);
      const marker = randomUUID();
      // The item appears 3 s after its key is spent; the console gives up on each answer after 1 s.
      slow.sonlet.sandbox.faults.commitDelayMs = 3000;
      const res = await postUpload(browser, { style: String(catalog.styles[0].pk), size: String(catalog.sizes[0].pk), attributes: { Batch: marker } }, await jpegs(1, 500));
      expect(res.status).toBe(303);
      const batch = await settle(browser, location(res).split('/').pop()!, undefined, 50_000);
      expect(batch.uploads.map((u) => u.state)).toEqual(['done']);
      // Let any stray late commit land before counting.
      const { faults } = slow.sonlet.sandbox;
      for (const deadline = Date.now() + 10_000; faults.delayedCommitsPending > 0 && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 50));
      expect(faults.delayedCommitsPending).toBe(0);
      faults.commitDelayMs = 0;
      expect(await itemCount(api)).toBe(itemsBefore + 1);
      const row = await app.prisma.upload.findFirstOrThrow({ where: { userId: user.id } });
      expect(row.keyInFlightSince).toBeNull();
    } finally {
      await slow.close();
    }
  }, 90_000);
});

describe('upload rate limit', () => {
  it('answers 429 once a seller goes over the per-minute limit, and creates nothing for it', async () => {
    const limited = await startStack({ jobs: true, env: { UPLOAD_RATE_LIMIT: '2', LOG_LEVEL: 'warn' } });
    try {
      const email = uniqueEmail('limited');
      const browser = await signUp(limited.console.url, email);
      expect((await connectSonlet(browser, { username: 'demo2', password: 'demo2' })).status).toBe(302);
      const { app } = limited.console;
      const user = await app.prisma.user.findUniqueOrThrow({ where: { email } });
      const catalog = await app.catalog.get(user.id, app.sonletApiFor(user.id));
      const fields = { style: String(catalog.styles[0].pk), size: String(catalog.sizes[0].pk) };
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await postUpload(browser, fields, await jpegs(1, 700 + i))).status);
      expect(statuses).toEqual([303, 303, 429]);
      expect(await app.prisma.upload.count({ where: { userId: user.id } })).toBe(2);
    } finally {
      await limited.close();
    }
  });
});

/** An upload recorded as the pipeline records one, with its task row as given (no notification: nobody is told). */
async function recordedUpload(seller: Seller, photoNumber: number, task: Record<string, unknown> = {}) {
  const { prisma, photos, jobs } = stack.console.app;
  const photo = await jpeg(photoNumber);
  const saved = await photos.save(seller.userId, Readable.from([photo.data]), photo.name);
  const row = await prisma.upload.create({
    data: {
      userId: seller.userId, batchId: randomUUID(), originalName: photo.name, contentType: saved.contentType, byteSize: saved.bytes,
      sha256: saved.sha256, photoId: saved.id, itemchoiceId: seller.style.pk, sizeId: seller.size.pk, imageKey: randomUUID(), itemKey: randomUUID(),
    },
  });
  const taskRow = await prisma.task.create({ data: { name: 'upload', key: row.id, queue: jobs!.queue, userId: seller.userId, data: { uploadId: row.id }, ...task } });
  return { row, task: taskRow };
}

describe('after a restart', () => {
  it('a console process picks up an upload a stopped one left half-way (stale lease)', async () => {
    const seller = await connectedSeller();
    // The process that held it stopped five minutes ago, in the middle of creating the image.
    const { row } = await recordedUpload(seller, 500, { status: 'running', attempts: 1, leaseOwner: randomUUID(), leaseUntil: new Date(Date.now() - 4 * 60_000) });
    const before = await itemCount(seller.api);
    await stack.addInstance();
    const done = await settle(seller.browser, row.batchId);
    expect(done.uploads[0].state).toBe('done');
    expect(await itemCount(seller.api)).toBe(before + 1);
    expect(await storedPhotosOf(seller.userId)).toBe(0);
  });
});

describe('one worker per upload', () => {
  it('two console processes running the same upload at once create one image and one item', async () => {
    const seller = await connectedSeller();
    const second = await stack.addInstance();
    const [items, images] = await Promise.all([itemCount(seller.api), imageCount(seller.api)]);
    const { row, task } = await recordedUpload(seller, 600);
    const engines = [stack.console.app.jobs!, second.app.jobs!];
    const ran = await Promise.all(engines.map((engine) => engine.runNow('upload', task.id)));
    // At most one of them got it (the engines' own workers may have been quicker still).
    expect(ran.filter(Boolean).length).toBeLessThanOrEqual(1);
    await expect.poll(async () => (await uploadTaskOf(row.id)).status, { timeout: 20_000 }).toBe('done');
    const after = await stack.console.app.prisma.upload.findUniqueOrThrow({ where: { id: row.id } });
    expect(after.step).toBe('done');
    expect(await itemCount(seller.api)).toBe(items + 1);
    expect(await imageCount(seller.api)).toBe(images + 1);
  });
});

/** The photo with its header saying it is `width` × `height` pixels, as a decompression bomb would. */
function claimingSize(photo: Buffer, width: number, height: number): Buffer {
  const out = Buffer.from(photo);
  if (out.toString('latin1', 12, 16) === 'IHDR') {
    out.writeUInt32BE(width, 16);
    out.writeUInt32BE(height, 20);
    return out;
  }
  for (let at = 2; at + 9 < out.length; at += 2 + out.readUInt16BE(at + 2)) {
    if (out[at + 1] === 0xc0 || out[at + 1] === 0xc2) {
      out.writeUInt16BE(height, at + 5);
      out.writeUInt16BE(width, at + 7);
      return out;
    }
  }
  throw new Error('no start-of-frame marker');
}

describe('refused uploads create nothing', () => {
  let seller: Seller;
  let itemsBefore: number;
  beforeAll(async () => {
    seller = await connectedSeller();
    itemsBefore = await itemCount(seller.api);
  });

  async function expectNothingCreated() {
    expect(await itemCount(seller.api)).toBe(itemsBefore);
    expect(await uploadRows(seller.userId)).toEqual([]);
    expect(await storedPhotosOf(seller.userId)).toBe(0);
  }

  const cases: Array<{ name: string; fields: () => Record<string, string>; status: number; message: RegExp; photos?: () => Promise<Array<{ name: string; data: Buffer; type: string }>> }> = [
    {
      name: 'a photo over the size limit → 413',
      fields: () => ({ style: String(seller.style.pk), size: String(seller.size.pk) }),
      photos: async () => [await jpeg(300), { ...(await jpeg(301)), data: Buffer.concat([(await jpeg(301)).data, Buffer.alloc(MAX_BYTES)]) }],
      status: 413,
      message: /larger than 195 KB/,
    },
    {
      name: 'a small JPEG whose header claims 108 megapixels → 413',
      fields: () => ({ style: String(seller.style.pk), size: String(seller.size.pk) }),
      photos: async () => [await jpeg(304), { ...(await jpeg(305)), name: 'bomb.jpg', data: claimingSize(await sharp({ create: { width: 40, height: 30, channels: 3, background: '#a33' } }).jpeg().toBuffer(), 12_000, 9_000) }],
      status: 413,
      message: /“bomb.jpg” is 12000 × 9000 pixels \(108 megapixels\); the console takes photos of up to 100 megapixels/,
    },
    {
      name: 'a PNG of 20000 × 20000 pixels → 413',
      fields: () => ({ style: String(seller.style.pk), size: String(seller.size.pk) }),
      photos: async () => [{ name: 'huge.png', type: 'image/png', data: claimingSize(await sharp({ create: { width: 40, height: 30, channels: 3, background: '#3a3' } }).png().toBuffer(), 20_000, 20_000) }],
      status: 413,
      message: /400 megapixels/,
    },
    {
      name: 'a file that is not a photo → 415',
      fields: () => ({ style: String(seller.style.pk), size: String(seller.size.pk) }),
      photos: async () => [await jpeg(302), { name: 'notes.jpg', data: Buffer.from('this is not a picture at all, just text'), type: 'image/jpeg' }],
      status: 415,
      message: /not a JPEG, PNG, WebP, GIF or HEIC photo/,
    },
    { name: 'no style → 400', fields: () => ({ size: String(seller.size.pk), price: '19.99' }), status: 400, message: /Choose a style/ },
    { name: 'no size → 400', fields: () => ({ style: String(seller.style.pk), price: '19.99' }), status: 400, message: /Choose a size/ },
    { name: 'an unknown size id → 400', fields: () => ({ style: String(seller.style.pk), size: '987654', price: '19.99' }), status: 400, message: /size is not in your Sonlet catalog/ },
    { name: 'an unknown style id → 400', fields: () => ({ style: '987654', size: String(seller.size.pk), price: '19.99' }), status: 400, message: /style is not in your Sonlet catalog/ },
    { name: 'a negative quantity → 400', fields: () => ({ style: String(seller.style.pk), size: String(seller.size.pk), quantity: '-2', price: '19.99' }), status: 400, message: /Quantity must be a whole number/ },
    { name: 'a price that is not a decimal → 400', fields: () => ({ style: String(seller.style.pk), size: String(seller.size.pk), price: '12,5x' }), status: 400, message: /Price must be an amount/ },
  ];

  for (const c of cases) {
    it(c.name, async () => {
      const photos = c.photos ? await c.photos() : await jpegs(2, 310);
      const res = await postUpload(seller.browser, c.fields(), photos);
      expect(res.status).toBe(c.status);
      const html = await res.text();
      expect(html).toMatch(c.message);
      // The form comes back with what the seller chose.
      expect(html).toContain('id="upload-form"');
      const fields = c.fields();
      if (fields.style && fields.style !== '987654') expect(html).toContain(`value="${fields.style}" data-price="${seller.style.min_advertised_price}" selected`);
      if (fields.price) expect(html).toContain(`value="${fields.price}"`);
      await expectNothingCreated();
    });
  }

  it('the JSON answer names the problem too', async () => {
    const res = await postUpload(seller.browser, { style: String(seller.style.pk), size: String(seller.size.pk), quantity: '-1' }, await jpegs(1, 320), { json: true, csrf: 'header' });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ field: 'quantity', error: expect.stringMatching(/Quantity/) });
    await expectNothingCreated();
  });

  it('a post without the CSRF token (or with it after the photos) → 403', async () => {
    const res = await postUpload(seller.browser, { style: String(seller.style.pk), size: String(seller.size.pk) }, await jpegs(1, 330), { csrf: 'none' });
    expect(res.status).toBe(403);
    await expectNothingCreated();
  });
});

describe('small pictures of waiting photos', () => {
  it('a stored photo gets one for the lists; a photo sharp cannot read gets 404 at once, not a hang', async () => {
    const owner = await connectedSeller();
    const unreadable = { name: 'broken.jpg', type: 'image/jpeg', data: Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(5000, 7)]) };
    // While Sonlet is down the photos stay here, waiting: their pictures come from the console.
    stack.sonlet.sandbox.faults.unavailable = true;
    try {
      const res = await postUpload(owner.browser, { style: String(owner.style.pk), size: String(owner.size.pk) }, [await jpeg(420), unreadable], { json: true, csrf: 'header' });
      expect(res.status).toBe(201);
      const [good, broken] = ((await res.json()) as { uploads: Array<{ id: string }> }).uploads;
      const thumb = await owner.browser.get(`/uploads/${good!.id}/thumb`);
      expect(thumb.status).toBe(200);
      expect(thumb.headers.get('content-type')).toBe('image/jpeg');
      const meta = await sharp(Buffer.from(await thumb.arrayBuffer())).metadata();
      expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 160, 200]);
      expect((await owner.browser.get(`/uploads/${broken!.id}/thumb`)).status).toBe(404);
      // And the console still answers.
      expect((await owner.browser.get(`/uploads/${good!.id}/thumb`)).status).toBe(200);
    } finally {
      stack.sonlet.sandbox.faults.unavailable = false;
    }
  });
});

describe('another seller', () => {
  it('gets 404 for someone else’s upload page, batch, photo and retry', async () => {
    const owner = await connectedSeller();
    stack.sonlet.sandbox.faults.unavailable = true;
    let uploadId: string;
    let batchId: string;
    try {
      const res = await postUpload(owner.browser, { style: String(owner.style.pk), size: String(owner.size.pk) }, [await jpeg(400)], { json: true, csrf: 'header' });
      expect(res.status).toBe(201);
      const body = (await res.json()) as { batchId: string; uploads: Array<{ id: string }> };
      uploadId = body.uploads[0].id;
      batchId = body.batchId;
      await settle(owner.browser, batchId);
    } finally {
      stack.sonlet.sandbox.faults.unavailable = false;
    }
    // The owner can see the photo (still stored, as it failed).
    const own = await owner.browser.get(`/uploads/${uploadId}/photo`);
    expect(own.status).toBe(200);
    expect(own.headers.get('content-type')).toBe('image/jpeg');

    const other = await connectedSeller({ username: 'demo2', password: 'demo2' });
    for (const url of [`/uploads/${uploadId}`, `/uploads/${uploadId}/photo`, `/uploads/batch/${batchId}`]) {
      expect((await other.browser.get(url)).status, url).toBe(404);
      expect((await other.browser.get(url, { accept: 'application/json' })).status, url).toBe(404);
    }
    const { html } = await other.browser.page('/uploads');
    expect(html).not.toContain(uploadId);
    const retry = await other.browser.postForm(`/uploads/${uploadId}/retry`, { _csrf: csrfOf(html)! });
    expect(retry.status).toBe(404);
    expect((await uploadTaskOf(uploadId)).status).toBe('failed');

    // The owner's page script retries with the token in a header and no body.
    const { csrf } = await owner.browser.page('/uploads');
    const ownRetry = await owner.browser.request('POST', `/uploads/${uploadId}/retry`, { headers: { accept: 'application/json', 'csrf-token': csrf! } });
    expect(ownRetry.status).toBe(200);
    expect(((await ownRetry.json()) as { state: string }).state).not.toBe('failed');
    expect((await settle(owner.browser, batchId)).uploads[0].state).toBe('done');
  });
});

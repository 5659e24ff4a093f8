/**
 * A photo sent twice is still one item (issue 9 §8): the page gives every photo a key, sent before
 * the photo; a repeat is answered with the upload the first request made, and its bytes are not
 * stored again. The no-JS form carries one key made when the page was rendered.
 */
import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from './support/stack.js';
import { location, type HttpSession } from './support/http.js';
import { connectedSeller as sellerOn, jpeg, jpegs, postUpload, settle } from './fixtures/uploads.js';
import type { SonletApi } from '../src/sonlet/api-client.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ jobs: true, env: { LOG_LEVEL: 'warn' } });
});
afterAll(async () => {
  await stack?.close();
});

interface Seller {
  browser: HttpSession;
  userId: string;
  api: SonletApi;
  fields: { style: string; size: string };
}

async function connectedSeller(): Promise<Seller> {
  const { catalog, ...seller } = await sellerOn(stack.console, { username: 'demo2', password: 'demo2' }, 'keyed');
  return { ...seller, fields: { style: String(catalog.styles[0].pk), size: String(catalog.sizes[0].pk) } };
}

const db = () => stack.console.app.prisma;
const uploadsOf = (userId: string) => db().upload.findMany({ where: { userId } });
const photoIdsOf = async (userId: string) => new Set((await db().uploadPhoto.findMany({ where: { userId }, select: { id: true } })).map((p) => p.id));

async function itemsMarked(api: SonletApi, marker: string): Promise<number> {
  let found = 0;
  for (let page = 1; ; page++) {
    const items = await api.listItems({ page });
    found += items.results.filter((item) => item.data.attributes.Batch === marker).length;
    if (!items.next) return found;
  }
}

interface Answer {
  batchId: string;
  uploads: Array<{ id: string; state: string }>;
}

describe('a photo sent twice', () => {
  it('by the page’s script after its answer was lost: answered with the first upload, stored once, one item', async () => {
    const seller = await connectedSeller();
    const marker = randomUUID();
    const key = randomUUID();
    const photo = await jpeg(900);
    const fields = { ...seller.fields, attributes: { Batch: marker } };
    const first = await postUpload(seller.browser, fields, [photo], { json: true, csrf: 'header', photoKeys: [key] });
    expect(first.status).toBe(201);
    const firstAnswer = (await first.json()) as Answer;
    const storedBefore = await photoIdsOf(seller.userId);

    const again = await postUpload(seller.browser, fields, [photo], { json: true, csrf: 'header', photoKeys: [key] });
    expect(again.status).toBe(200);
    const againAnswer = (await again.json()) as Answer;
    expect(againAnswer.batchId).toBe(firstAnswer.batchId);
    expect(againAnswer.uploads.map((u) => u.id)).toEqual(firstAnswer.uploads.map((u) => u.id));
    // Nothing new was stored for the repeat.
    for (const id of await photoIdsOf(seller.userId)) expect(storedBefore.has(id)).toBe(true);
    expect(await uploadsOf(seller.userId)).toHaveLength(1);

    const done = await settle(seller.browser, firstAnswer.batchId);
    expect(done.uploads.map((u) => u.state)).toEqual(['done']);
    // Sent once more after it became an item: still that item.
    const late = (await (await postUpload(seller.browser, fields, [photo], { json: true, csrf: 'header', photoKeys: [key] })).json()) as Answer;
    expect(late.uploads[0]).toMatchObject({ id: firstAnswer.uploads[0].id, state: 'done' });
    expect(await itemsMarked(seller.api, marker)).toBe(1);
    expect(await photoIdsOf(seller.userId)).toEqual(new Set());
  });

  it('by the no-JS form posted again: the key made with the page covers each of its photos', async () => {
    const seller = await connectedSeller();
    const { html } = await seller.browser.page('/upload');
    const formKey = /name="photoKey" value="([0-9a-f-]{36})"/.exec(html)?.[1];
    expect(formKey).toBeDefined();
    // The key comes before the photo input, so it reaches the server before any photo.
    expect(html.indexOf('name="photoKey"')).toBeLessThan(html.indexOf('name="photos"'));
    const photos = await jpegs(2, 910);
    const first = await postUpload(seller.browser, seller.fields, photos, { photoKeys: [formKey!] });
    expect(first.status).toBe(303);
    const again = await postUpload(seller.browser, seller.fields, photos, { photoKeys: [formKey!] });
    expect(again.status).toBe(303);
    expect(location(again)).toBe(location(first));
    expect(await uploadsOf(seller.userId)).toHaveLength(2);
    expect((await settle(seller.browser, location(first).split('/').pop()!)).uploads.map((u) => u.state)).toEqual(['done', 'done']);
    // A fresh page makes a fresh key: choosing the same photos again is a new upload, on purpose.
    const nextKey = /name="photoKey" value="([0-9a-f-]{36})"/.exec((await seller.browser.page('/upload')).html)?.[1];
    expect(nextKey).not.toBe(formKey);
  });

  it('in two requests at the same moment: one upload, both answered with it', async () => {
    const seller = await connectedSeller();
    const key = randomUUID();
    const photo = await jpeg(920);
    const { csrf } = await seller.browser.page('/upload');
    const answers = await Promise.all([0, 1].map(() => postUpload(seller.browser, seller.fields, [photo], { json: true, csrf: 'header', photoKeys: [key], token: csrf! })));
    expect(answers.map((a) => a.status)).toContain(201);
    expect(answers.map((a) => a.status).every((s) => s === 200 || s === 201)).toBe(true);
    const bodies = (await Promise.all(answers.map((a) => a.json()))) as Answer[];
    expect(bodies[0].uploads[0].id).toBe(bodies[1].uploads[0].id);
    expect(await uploadsOf(seller.userId)).toHaveLength(1);
    await settle(seller.browser, bodies[0].batchId);
    expect(await photoIdsOf(seller.userId)).toEqual(new Set());
  });

  it('recorded by two requests that both got past the check before storing: the second answers with the first’s upload and drops its copy', async () => {
    const seller = await connectedSeller();
    const { photos, uploads } = stack.console.app;
    const key = randomUUID();
    const photo = await jpeg(925);
    const settings = { itemchoiceId: Number(seller.fields.style), sizeId: Number(seller.fields.size), quantity: 1, price: null, attributes: {} };
    const copies = await Promise.all([0, 1].map(() => photos.save(seller.userId, Readable.from([photo.data]), photo.name)));
    const answers = await Promise.all(copies.map((saved) => uploads.submit(seller.userId, randomUUID(), [{ saved, originalName: photo.name, settings, photoKey: key }])));
    expect(answers[0][0].id).toBe(answers[1][0].id);
    expect(await uploadsOf(seller.userId)).toHaveLength(1);
    const kept = (await uploadsOf(seller.userId))[0].photoId;
    const dropped = copies.map((c) => c.id).find((id) => id !== kept)!;
    expect(await photos.exists(dropped)).toBe(false);
    await settle(seller.browser, answers[0][0].batchId);
  });

  it('a key is the seller’s own: another seller sending the same key makes their own upload', async () => {
    const [alice, bob] = await Promise.all([connectedSeller(), connectedSeller()]);
    const key = randomUUID();
    const a = (await (await postUpload(alice.browser, alice.fields, [await jpeg(930)], { json: true, csrf: 'header', photoKeys: [key] })).json()) as Answer;
    const res = await postUpload(bob.browser, bob.fields, [await jpeg(931)], { json: true, csrf: 'header', photoKeys: [key] });
    expect(res.status).toBe(201);
    const b = (await res.json()) as Answer;
    expect(b.uploads[0].id).not.toBe(a.uploads[0].id);
    expect(await uploadsOf(bob.userId)).toHaveLength(1);
    await Promise.all([settle(alice.browser, a.batchId), settle(bob.browser, b.batchId)]);
  });

  it('a key that is not one the page makes is refused, and nothing is stored', async () => {
    const seller = await connectedSeller();
    const res = await postUpload(seller.browser, seller.fields, [await jpeg(940)], { json: true, csrf: 'header', photoKeys: ['../../etc/passwd'] });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(/Reload the page/);
    expect(await uploadsOf(seller.userId)).toEqual([]);
    expect(await photoIdsOf(seller.userId)).toEqual(new Set());
  });

  it('one key given to two photos in one request is refused, nothing is stored, and the key still works after', async () => {
    const seller = await connectedSeller();
    const key = randomUUID();
    const res = await postUpload(seller.browser, seller.fields, [await jpeg(941), await jpeg(942)], { json: true, csrf: 'header', photoKeys: [key, key] });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(/two photos under one key/);
    expect(await uploadsOf(seller.userId)).toEqual([]);
    expect(await photoIdsOf(seller.userId)).toEqual(new Set());
    expect((await postUpload(seller.browser, seller.fields, [await jpeg(941)], { json: true, csrf: 'header', photoKeys: [key] })).status).toBe(201);
  });

  it('a NUL in an attribute or a file name (which Postgres cannot store) is dropped; the photo becomes its item', async () => {
    const seller = await connectedSeller();
    const marker = `nul-${randomUUID()}`;
    const photo = { ...(await jpeg(943)), name: 'shelf\u0000-photo.jpg' };
    const res = await postUpload(seller.browser, { ...seller.fields, attributes: { Batch: marker, 'Col\u0000or': 'Re\u0000d' } }, [photo], { json: true, csrf: 'header', photoKeys: [randomUUID()] });
    expect(res.status).toBe(201);
    const answer = (await res.json()) as Answer;
    expect((await uploadsOf(seller.userId)).map((u) => u.originalName)).toEqual(['shelf-photo.jpg']);
    const done = await settle(seller.browser, answer.batchId);
    expect(done.uploads.map((u) => u.state)).toEqual(['done']);
    const item = await seller.api.getItem(done.uploads[0]!.itemPk!);
    expect(item.data.attributes).toMatchObject({ Batch: marker, Color: 'Red' });
  });
});

describe('a request cut off mid-photo', () => {
  it('leaves no photo and no chunk behind', async () => {
    const seller = await connectedSeller();
    const { csrf } = await seller.browser.page('/upload');
    const boundary = `----cut-${randomUUID()}`;
    const field = (name: string, value: string) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
    const head = Buffer.from(
      field('_csrf', csrf!) + field('style', seller.fields.style) + field('size', seller.fields.size) + field('photoKey', randomUUID()) +
        `--${boundary}\r\nContent-Disposition: form-data; name="photos"; filename="cut.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`,
    );
    const photo = Buffer.concat([(await jpeg(950)).data, Buffer.alloc(1024 * 1024, 1)]);
    const url = new URL('/upload', stack.console.url);
    const req = httpRequest({
      host: url.hostname,
      port: url.port,
      method: 'POST',
      path: url.pathname,
      headers: {
        'content-type': `multipart/form-data; boundary=${boundary}`,
        // The whole photo is announced; only part of it ever comes.
        'content-length': String(head.length + photo.length + 100),
        cookie: [...seller.browser.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
        accept: 'application/json',
      },
    });
    req.on('error', () => undefined);
    req.write(head);
    req.write(photo.subarray(0, 600 * 1024));
    // The photo is being stored (its first chunks are in the database) when the connection drops.
    await expect.poll(() => db().uploadPhotoChunk.count({ where: { photo: { userId: seller.userId } } }), { timeout: 10_000 }).toBeGreaterThan(0);
    req.destroy();
    await expect.poll(() => db().uploadPhoto.count({ where: { userId: seller.userId } }), { timeout: 10_000 }).toBe(0);
    expect(await db().uploadPhotoChunk.count({ where: { photo: { userId: seller.userId } } })).toBe(0);
    expect(await uploadsOf(seller.userId)).toEqual([]);
    // The console goes on serving.
    expect((await seller.browser.get('/uploads')).status).toBe(200);
  });
});

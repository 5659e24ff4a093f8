/**
 * Two sellers on one console: every page that takes an id answers the other seller's ids exactly
 * as it answers ids that do not exist (a 404 page that reveals nothing).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import pg from 'pg';
import { startStack, signUp, connectSonlet, uniqueEmail, type Stack } from './support/stack.js';
import { location, type HttpSession } from './support/http.js';
import { placeShopOrder } from './support/shop.js';
import { startPlugboardSandbox, DEMO_PLUGBOARD_TENANTS, type StartedPlugboardSandbox } from '../src/sandbox/plugboard/index.js';

const DEMO = DEMO_PLUGBOARD_TENANTS.find((t) => t.tenant === 'demo')!;
const db = new pg.Pool({ connectionString: inject('databaseUrl'), max: 2 });

let stack: Stack;
let plugboard: StartedPlugboardSandbox;
/** Connected as sandbox seller `demo`, with Plugboard set up, a publish batch and an upload. */
let alice: HttpSession;
let aliceId: string;
/** Connected as sandbox seller `demo2`. */
let bob: HttpSession;
let aliceItems: number[];
let bobItems: number[];
let aliceBatch: string;
let aliceExport: string;
let aliceUpload: { id: string; batchId: string };

const itemPks = (html: string) => [...new Set([...html.matchAll(/href="\/items\/(\d+)"/g)].map((m) => Number(m[1])))];

async function userId(email: string): Promise<string> {
  return (await db.query('SELECT id FROM "User" WHERE email = $1', [email])).rows[0].id;
}

/** Waits until no export of the batch is still pending (its background job has finished with it). */
async function publishSettled(batchId: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const { rows } = await db.query(
      `SELECT count(*)::int AS n FROM "PlugboardExport" e JOIN "Task" t ON t.name = 'publish' AND t.key = e.id::text
       WHERE $1 = ANY(e."batchIds") AND t.status IN ('waiting', 'running')`,
      [batchId],
    );
    if (rows[0].n === 0) return;
    if (Date.now() > deadline) throw new Error(`publish batch ${batchId} still pending after 20 s`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A failed photo upload of Alice's, written the way the upload pipeline records one (no worker takes a failed task). */
async function aliceHasAnUpload(): Promise<{ id: string; batchId: string }> {
  const id = randomUUID();
  const batchId = randomUUID();
  await db.query(
    `INSERT INTO "Upload" (id, "userId", "batchId", "originalName", "contentType", "byteSize", "itemchoiceId", "sizeId", "imageKey", "itemKey", "updatedAt")
     VALUES ($1, $2, $3, 'alice-secret-dress.jpg', 'image/jpeg', 1234, 1, 1, $4, $5, now())`,
    [id, aliceId, batchId, randomUUID(), randomUUID()],
  );
  await db.query(
    `INSERT INTO "Task" (id, name, key, queue, "userId", data, status, attempts, "lastError", "updatedAt")
     VALUES ($1, 'upload', $2, $3, $4, $5, 'failed', 3, 'Sonlet was not answering', now())`,
    [randomUUID(), id, stack.console.app.jobs!.queue, aliceId, JSON.stringify({ uploadId: id })],
  );
  return { id, batchId };
}

/** The upload's row and its task, as a test compares them before and after. */
const uploadState = async (id: string) =>
  (await db.query('SELECT t.status, t.attempts, t."updatedAt" AS "taskUpdatedAt", u."updatedAt" FROM "Upload" u JOIN "Task" t ON t.key = u.id::text AND t.name = \'upload\' WHERE u.id = $1', [id])).rows;
const exportState = async (id: string) =>
  (await db.query('SELECT t.status, t."updatedAt" AS "taskUpdatedAt", e."updatedAt", e."batchIds" FROM "PlugboardExport" e JOIN "Task" t ON t.key = e.id::text AND t.name = \'publish\' WHERE e.id = $1', [id])).rows;

beforeAll(async () => {
  [stack, plugboard] = await Promise.all([startStack({ jobs: true }), startPlugboardSandbox()]);
  const aliceEmail = uniqueEmail('alice');
  alice = await signUp(stack.console.url, aliceEmail);
  aliceId = await userId(aliceEmail);
  expect(location(await connectSonlet(alice))).toBe('/items');
  bob = await signUp(stack.console.url, uniqueEmail('bob'));
  expect(location(await connectSonlet(bob, { username: 'demo2', password: 'demo2' }))).toBe('/items');

  aliceItems = itemPks(await (await alice.get('/items')).text());
  bobItems = itemPks(await (await bob.get('/items')).text());
  expect(aliceItems.length).toBeGreaterThan(2);
  expect(bobItems.length).toBeGreaterThan(0);

  const settings = { baseUrl: plugboard.url, tenant: DEMO.tenant, connectionId: DEMO.connectionId, username: DEMO.username, password: DEMO.password, vatRatePercent: '25', currency: 'SEK', languages: '' };
  const saved = await alice.submit('/settings/plugboard', '/settings/plugboard', settings);
  expect(saved.status, await saved.clone().text()).toBe(303);
  const { csrf } = await alice.page('/items');
  const body = new URLSearchParams([['_csrf', csrf!], ['scope', 'selected'], ['pk', String(aliceItems[0])], ['pk', String(aliceItems[1])]]);
  const published = await alice.request('POST', '/publish', { body: body.toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  expect(published.status, await published.clone().text()).toBe(303);
  aliceBatch = location(published).split('/').pop()!;
  aliceExport = (await db.query('SELECT id FROM "PlugboardExport" WHERE $1 = ANY("batchIds") LIMIT 1', [aliceBatch])).rows[0].id;
  // Tests below compare rows before and after Bob's requests: the publish jobs must be done with them first.
  await publishSettled(aliceBatch);
  aliceUpload = await aliceHasAnUpload();
});
afterAll(async () => {
  await stack?.close();
  await plugboard?.close();
  await db.end();
});

/** What a seller gets for a path: status and the page with the id itself taken out. */
async function answer(browser: HttpSession, method: 'GET' | 'POST', path: string, id: string | number, formPage = '/'): Promise<{ status: number; html: string }> {
  let res: Response;
  if (method === 'GET') res = await browser.get(path);
  else res = await browser.submit(formPage, path, {});
  const html = (await res.text()).replaceAll(String(id), '<id>').replace(/name="_csrf" value="[^"]*"/g, '').replace(/<meta name="csrf-token"[^>]*>/g, '');
  return { status: res.status, html };
}

/** Bob asks for Alice's id and for an id nobody has: same 404, same page. */
async function refusedLikeUnknown(method: 'GET' | 'POST', path: (id: string) => string, theirs: string, unknown: string, formPage?: string) {
  const forTheirs = await answer(bob, method, path(theirs), theirs, formPage);
  const forUnknown = await answer(bob, method, path(unknown), unknown, formPage);
  expect(forTheirs.status, forTheirs.html.slice(0, 1500)).toBe(404);
  expect(forUnknown.status).toBe(404);
  expect(forTheirs.html).toBe(forUnknown.html);
  return forTheirs.html;
}

describe('one seller cannot reach another seller’s things by id', () => {
  it('items: each seller gets 404 for the other’s item, and still sees their own', async () => {
    expect((await alice.get(`/items/${aliceItems[0]}`)).status).toBe(200);
    expect((await bob.get(`/items/${bobItems[0]}`)).status).toBe(200);
    const unknownPk = 2_000_000_000;
    const html = await refusedLikeUnknown('GET', (pk) => `/items/${pk}`, String(aliceItems[0]), String(unknownPk));
    expect(html).toContain('was not found');
    expect((await alice.get(`/items/${bobItems[0]}`)).status).toBe(404);
  });

  it('publish results: Bob gets 404 for Alice’s batch, the same page as for a batch that never existed', async () => {
    expect((await alice.get(`/publish/${aliceBatch}`)).status).toBe(200);
    const titles = (await db.query('SELECT title FROM "PlugboardExport" WHERE $1 = ANY("batchIds")', [aliceBatch])).rows.map((r) => r.title).filter(Boolean);
    const html = await refusedLikeUnknown('GET', (id) => `/publish/${id}`, aliceBatch, randomUUID());
    for (const title of titles) expect(html).not.toContain(title);
    // Upper case is the same id to the console; it must not be a way around the check.
    expect((await bob.get(`/publish/${aliceBatch.toUpperCase()}`)).status).toBe(404);
  });

  it('export retry: Bob gets 404 for Alice’s export and the export is untouched', async () => {
    const before = await exportState(aliceExport);
    expect(before).toHaveLength(1);
    await refusedLikeUnknown('POST', (id) => `/exports/${id}/retry`, aliceExport, randomUUID(), '/items');
    expect(await exportState(aliceExport)).toEqual(before);
  });

  it('retry all failed: Bob gets 404 for Alice’s batch and her exports are untouched', async () => {
    const before = await exportState(aliceExport);
    await refusedLikeUnknown('POST', (id) => `/publish/${id}/retry-failed`, aliceBatch, randomUUID(), '/items');
    expect(await exportState(aliceExport)).toEqual(before);
  });

  it('web-shop orders: Bob sees none of Alice’s orders and gets 404 marking hers as processing', async () => {
    const product = plugboard.sandbox.products(DEMO.tenant).find((p) => p.purchasable)!;
    await placeShopOrder(plugboard.url, product.localId, 1, DEMO.tenant);
    expect((await alice.submit('/orders', '/orders/check', {})).status).toBe(303);
    const order = (await db.query('SELECT id, "localId" FROM "ShopOrder" WHERE "userId" = $1', [aliceId])).rows[0];
    expect(order).toBeDefined();
    expect((await bob.page('/orders')).html).not.toContain(order.localId);
    await refusedLikeUnknown('POST', (id) => `/orders/${id}/processing`, order.id, randomUUID(), '/items');
    expect(plugboard.sandbox.orders(DEMO.tenant).find((o) => o.localId === order.localId)!.orderStatus).toBe('new');
  });

  it('Plugboard settings: Bob’s settings page shows none of Alice’s settings', async () => {
    const { res, html } = await bob.page('/settings/plugboard');
    expect(res.status).toBe(200);
    for (const value of [DEMO.connectionId, DEMO.username, plugboard.url, DEMO.password]) expect(html).not.toContain(value);
    expect(html).not.toContain('saved; leave empty');
  });

  it('Bob’s items and results pages list nothing of Alice’s', async () => {
    const items = await (await bob.get('/items')).text();
    for (const pk of aliceItems.slice(0, 5)) expect(items).not.toContain(`href="/items/${pk}"`);
    const uploads = await (await bob.get('/uploads')).text();
    expect(uploads).not.toContain('alice-secret-dress');
  });

  it('uploads: Bob gets 404 for Alice’s upload, its photo, its batch and its retry', async () => {
    const upload = aliceUpload;
    expect((await alice.get(`/uploads/${upload.id}`)).status).toBe(200);
    const before = await uploadState(upload.id);
    expect(before).toHaveLength(1);

    for (const html of [
      await refusedLikeUnknown('GET', (id) => `/uploads/${id}`, upload.id, randomUUID()),
      await refusedLikeUnknown('GET', (id) => `/uploads/${id}/photo`, upload.id, randomUUID()),
      await refusedLikeUnknown('GET', (id) => `/uploads/batch/${id}`, upload.batchId, randomUUID()),
      await refusedLikeUnknown('POST', (id) => `/uploads/${id}/retry`, upload.id, randomUUID(), '/items'),
    ]) {
      expect(html).not.toContain('alice-secret-dress');
    }
    expect(await uploadState(upload.id)).toEqual(before);
  });
});

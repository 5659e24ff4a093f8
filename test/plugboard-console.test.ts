import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import pg from 'pg';
import { startStack, signUp, connectSonlet, uniqueEmail, type Stack } from './support/stack.js';
import { location, type HttpSession } from './support/http.js';
import { startPlugboardSandbox, DEMO_PLUGBOARD_TENANTS, type StartedPlugboardSandbox } from '../src/sandbox/plugboard/index.js';
import { PlugboardClient } from '../src/plugboard/client.js';
import { TokenCipher } from '../src/crypto/token-cipher.js';
import { plugboardSettingsFor } from './support/plugboard-settings.js';

const [DEMO, NORDIC, VIEWONLY] = ['demo', 'nordic', 'viewonly'].map((t) => DEMO_PLUGBOARD_TENANTS.find((s) => s.tenant === t)!);

let stack: Stack;
let plugboard: StartedPlugboardSandbox;
let seller: HttpSession;
const sellerEmail = uniqueEmail('publisher');
const db = new pg.Pool({ connectionString: inject('databaseUrl'), max: 2 });

beforeAll(async () => {
  [stack, plugboard] = await Promise.all([startStack({ jobs: true }), startPlugboardSandbox()]);
  seller = await signUp(stack.console.url, sellerEmail);
  expect(location(await connectSonlet(seller))).toBe('/items');
});
afterAll(async () => {
  await stack?.close();
  await plugboard?.close();
  await db.end();
});

type Tenant = (typeof DEMO_PLUGBOARD_TENANTS)[number];

const settingsFor = (tenant: Tenant, overrides: Record<string, string> = {}) => plugboardSettingsFor(plugboard.url, tenant, overrides);

async function testConnection(browser: HttpSession, fields: Record<string, string>) {
  const res = await browser.submit('/settings/plugboard', '/settings/plugboard/test', fields);
  return { status: res.status, html: await res.text() };
}

async function saveSettings(browser: HttpSession, fields: Record<string, string>) {
  const res = await browser.submit('/settings/plugboard', '/settings/plugboard', fields);
  expect(res.status, await res.clone().text()).toBe(303);
  expect(location(res)).toBe('/settings/plugboard?saved=1');
}

interface Card {
  pk: number;
  style: string;
  size: string;
  price: string;
}

async function itemsOnPage(browser: HttpSession, page = 1): Promise<{ cards: Card[]; html: string; csrf: string }> {
  const { html, csrf } = await browser.page(`/items${page > 1 ? `?page=${page}` : ''}`);
  const cards = [...html.matchAll(/<li class="card">([\s\S]*?)<\/li>/g)].map(([, card]) => ({
    pk: Number(/href="\/items\/(\d+)"/.exec(card!)![1]),
    style: decode(/<span class="style">([^<]*)<\/span>/.exec(card!)![1]!),
    size: decode(/<span class="size">Size ([^<]*)<\/span>/.exec(card!)![1]!),
    price: /<span class="price">\$([^<]*)<\/span>/.exec(card!)![1]!,
  }));
  return { cards, html, csrf: csrf! };
}

/** Posts the grid's publish form with these items ticked; answers the result page's path. */
async function publish(browser: HttpSession, pks: number[]): Promise<string> {
  const { csrf } = await browser.page('/items');
  const body = new URLSearchParams([['_csrf', csrf ?? ''], ['scope', 'selected'], ...pks.map((pk) => ['pk', String(pk)])]);
  const res = await browser.request('POST', '/publish', { body: body.toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  expect(res.status, await res.clone().text()).toBe(303);
  const to = location(res);
  expect(to).toMatch(/^\/publish\/[0-9a-f-]{36}$/);
  return to;
}

/** Reloads the result page (as its Refresh header does) until nothing is pending. */
async function settled(browser: HttpSession, path: string): Promise<string> {
  for (let i = 0; i < 120; i++) {
    const res = await browser.get(path);
    expect(res.status).toBe(200);
    const html = await res.text();
    if (!html.includes('data-state="pending"')) {
      expect(res.headers.get('refresh')).toBeNull();
      return html;
    }
    expect(res.headers.get('refresh')).toBe('2');
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${path} still has pending items`);
}

function decode(s: string): string {
  return s.replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>');
}

function clientFor(tenant: Tenant) {
  return new PlugboardClient({ baseUrl: plugboard.url, ...tenant }, { userAgent: 'console-tests/1.0 (tests@example.com)', allowPrivateHosts: true });
}

describe('Plugboard connection settings', () => {
  it('tests the connection and shows its name, default language, server time and product.edit', async () => {
    const { status, html } = await testConnection(seller, settingsFor(DEMO));
    expect(status).toBe(200);
    expect(html).toContain('Connection works');
    expect(html).toMatch(/class="check-name">API</);
    expect(html).toMatch(/class="check-language">swe</);
    expect(html).toMatch(/<time datetime="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ">/);
    expect(html).toContain('Yes (product.edit)');
    // Typed values come back, the password does not.
    expect(html).toContain(`value="${DEMO.connectionId}"`);
    expect(html).not.toContain(DEMO.password);
    const sent = plugboard.sandbox.lastRequest()!;
    expect(sent.headers['user-agent']).toBe(stack.console.config.plugboard.userAgent);
  });

  it('shows Plugboard’s message for a wrong password or an unknown tenant, without a stack trace', async () => {
    const wrongPassword = await testConnection(seller, settingsFor(DEMO, { password: 'not-the-password' }));
    expect(wrongPassword.status).toBe(400);
    expect(wrongPassword.html).toContain('Connection failed');
    expect(wrongPassword.html).toContain('Auth Failed: wrong username or password');
    expect(wrongPassword.html).not.toContain('not-the-password');
    expect(wrongPassword.html).not.toMatch(/at .*\.(ts|js):\d+/);

    const wrongTenant = await testConnection(seller, settingsFor(DEMO, { tenant: 'no-such-tenant' }));
    expect(wrongTenant.status).toBe(400);
    expect(wrongTenant.html).toContain('Auth Failed: unknown tenant &quot;no-such-tenant&quot;');
  });

  it('says when Plugboard cannot be reached', async () => {
    const { status, html } = await testConnection(seller, settingsFor(DEMO, { baseUrl: 'http://127.0.0.1:9' }));
    expect(status).toBe(502);
    expect(html).toContain('Could not reach Plugboard at 127.0.0.1:9');
  });

  it('works with a non-ASCII password (tenant nordic)', async () => {
    const { status, html } = await testConnection(seller, settingsFor(NORDIC));
    expect(status).toBe(200);
    expect(html).toMatch(/class="check-name">Nordic API</);
    expect(html).toMatch(/class="check-language">eng</);
  });

  it('re-renders the form with the seller’s values and a clear message for invalid input', async () => {
    const res = await seller.submit('/settings/plugboard', '/settings/plugboard', settingsFor(DEMO, { vatRatePercent: 'lots', tenant: 'kept-value' }));
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain('The VAT rate must be a number of percent');
    expect(html).toContain('value="kept-value"');
    expect(html).toMatch(/name="vatRatePercent"[^>]*aria-invalid="true"/);

    const plainHttp = await seller.submit('/settings/plugboard', '/settings/plugboard', settingsFor(DEMO, { baseUrl: 'http://plugboard.example.com' }));
    expect(plainHttp.status).toBe(400);
    expect(await plainHttp.text()).toContain('Plugboard requires HTTPS');

    const currency = await seller.submit('/settings/plugboard', '/settings/plugboard', settingsFor(DEMO, { currency: 'ZZZ' }));
    expect(currency.status).toBe(400);
    expect(await currency.text()).toContain('is not an ISO 4217 currency code');

    const noCsrf = await seller.postForm('/settings/plugboard', settingsFor(DEMO));
    expect(noCsrf.status).toBe(403);
  });

  it('stores the password encrypted and never shows it again; an empty field keeps it', async () => {
    await saveSettings(seller, settingsFor(DEMO));
    const { rows } = await db.query(
      `SELECT p.* FROM "PlugboardConnection" p JOIN "User" u ON u.id = p."userId" WHERE u.email = $1`,
      [sellerEmail],
    );
    const row = rows[0];
    expect(row.passwordEnc).not.toContain(DEMO.password);
    expect(row.passwordEnc).toMatch(/^v1\./);
    expect(new TokenCipher(stack.console.config.tokenEncryptionKey).decrypt(row.passwordEnc)).toBe(DEMO.password);
    expect(row.currency).toBe('sek');

    const { html } = await seller.page('/settings/plugboard?saved=1');
    expect(html).toContain('Plugboard settings saved.');
    expect(html).toContain('saved; leave empty to keep it');
    expect(html).not.toContain(DEMO.password);

    await saveSettings(seller, settingsFor(DEMO, { password: '' }));
    const kept = await testConnection(seller, settingsFor(DEMO, { password: '' }));
    expect(kept.status).toBe(200);
  });
});

describe('publishing items to Plugboard', () => {
  let firstBatch: string;
  let published: Card[];

  it('publishes 10 items as 10 products with the right fields', async () => {
    await saveSettings(seller, settingsFor(DEMO));
    const { cards } = await itemsOnPage(seller);
    published = cards.slice(0, 10);
    expect(published).toHaveLength(10);

    firstBatch = await publish(seller, published.map((c) => c.pk));
    const html = await settled(seller, firstBatch);
    expect((html.match(/data-state="done"/g) ?? []).length).toBe(10);

    const products = await clientFor(DEMO).listProducts();
    expect(products).toHaveLength(10);
    for (const card of published) {
      const product = products.find((p) => p.remoteId === `sonlet-item-${card.pk}`);
      expect(product, `product for item ${card.pk}`).toBeDefined();
      const title = `${card.style} – ${card.size}`;
      expect(product!.title).toBe(title);
      expect(product!.title_lang).toEqual({ swe: title });
      expect(product!.vatRatePercent).toBe('25');
      const price = product!.customData[`${DEMO.connectionId}|x-sonlet-console|price`]!;
      expect(price.type).toBe('money');
      expect(price.value).toEqual({ currency: 'sek', amount: card.price });
      expect(typeof (price.value as { amount: unknown }).amount).toBe('string');
      expect(product!.customData[`${DEMO.connectionId}|x-sonlet-console|sonletPk`]!.value).toBe(String(card.pk));
      expect(html).toContain(`<code class="local-id">${product!.localId}</code>`);
    }
  });

  it('marks them published on the items pages', async () => {
    const { html } = await itemsOnPage(seller);
    expect((html.match(/class="badge done published"/g) ?? []).length).toBe(10);
    const products = await clientFor(DEMO).listProducts();
    const item = await seller.get(`/items/${published[0]!.pk}`);
    const itemHtml = await item.text();
    const product = products.find((p) => p.remoteId === `sonlet-item-${published[0]!.pk}`)!;
    expect(itemHtml).toContain(`Published as <code class="local-id">${product.localId}</code>`);
    expect(itemHtml).toContain('Publish again');
  });

  it('publishing them again leaves 10 products', async () => {
    const before = (await clientFor(DEMO).listProducts()).map((p) => p.localId).sort();
    const again = await publish(seller, [...published.map((c) => c.pk), published[0]!.pk]);
    expect(again).not.toBe(firstBatch);
    const html = await settled(seller, again);
    expect((html.match(/data-state="done"/g) ?? []).length).toBe(10);
    const after = (await clientFor(DEMO).listProducts()).map((p) => p.localId).sort();
    expect(after).toEqual(before);
  });

  it('a lost answer is recovered: an export reset to pending ends on the existing product', async () => {
    const pk = published[1]!.pk;
    // As if the worker died after Plugboard created the product but before we stored its id.
    await db.query(`UPDATE "PlugboardExport" SET status = 'failed', "localId" = NULL WHERE "sonletItemId" = $1 AND "connectionId" = $2`, [pk, DEMO.connectionId]);
    const batch = await publish(seller, [pk]);
    const html = await settled(seller, batch);
    expect(html).toContain('data-state="done"');
    expect(await clientFor(DEMO).listProducts()).toHaveLength(10);
  });

  it('publishes without JavaScript via “Publish all on this page”', async () => {
    const { cards, csrf } = await itemsOnPage(seller, 2);
    const twoOnly = cards.slice(0, 2);
    const body = new URLSearchParams([['_csrf', csrf], ['scope', 'page'], ...twoOnly.map((c) => ['page_pk', String(c.pk)])]);
    const res = await seller.request('POST', '/publish', { body: body.toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(res.status).toBe(303);
    const html = await settled(seller, location(res));
    expect((html.match(/data-state="done"/g) ?? []).length).toBe(2);
    expect(await clientFor(DEMO).listProducts()).toHaveLength(12);

    // Nothing ticked: back to the items page the form was on, which says so next to the button.
    const none = await seller.request('POST', '/publish', { body: new URLSearchParams({ _csrf: csrf, scope: 'selected', back: '/items?page=2' }).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(none.status).toBe(303);
    expect(location(none)).toBe('/items?page=2&publish=none-selected');
    expect(await (await seller.get(location(none))).text()).toMatch(/id="publish-none">Select at least one item to publish/);
    const elsewhere = await seller.request('POST', '/publish', { body: new URLSearchParams({ _csrf: csrf, scope: 'selected', back: 'https://evil.example/items' }).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(location(elsewhere)).toBe('/items?publish=none-selected');
  });

  it('another seller cannot see or use the first seller’s settings, results or items', async () => {
    const other = await signUp(stack.console.url);
    await connectSonlet(other, { username: 'demo2', password: 'demo2' });

    const settingsPage = await other.page('/settings/plugboard');
    expect(settingsPage.html).not.toContain(DEMO.connectionId);
    expect(settingsPage.html).not.toContain('saved; leave empty');

    // Not set up yet: publishing says so instead of using anyone else's connection.
    const { cards: theirCards } = await itemsOnPage(other);
    const { csrf } = await other.page('/items');
    const notSetUp = await other.postForm('/publish', { _csrf: csrf!, pk: String(theirCards[0]!.pk) });
    expect(notSetUp.status).toBe(409);
    expect(await notSetUp.text()).toContain('Plugboard is not set up');

    expect((await seller.get(firstBatch)).status).toBe(200);
    expect((await other.get(firstBatch)).status).toBe(404);
    const { rows } = await db.query(`SELECT id FROM "PlugboardExport" WHERE $1 = ANY("batchIds") LIMIT 1`, [firstBatch.split('/').pop()]);
    const page = await other.page('/settings/plugboard');
    const retry = await other.postForm(`/exports/${rows[0].id}/retry`, { _csrf: page.csrf! });
    expect(retry.status).toBe(404);

    // With their own (read-only) connection: the first seller's item pk is fetched with *their*
    // Sonlet token, so it is not found; their own item fails with Plugboard's message.
    await saveSettings(other, settingsFor(VIEWONLY));
    const batch = await publish(other, [published[2]!.pk, theirCards[0]!.pk]);
    const html = await settled(other, batch);
    expect(html).toContain('That item was not found');
    expect(html).toContain('Plugboard answered: Permission denied: product.edit is required');
    expect((html.match(/>Retry</g) ?? []).length).toBe(2);
    expect(plugboard.sandbox.products('viewonly')).toHaveLength(0);
    expect(await clientFor(DEMO).listProducts()).toHaveLength(12);
  });

  it('Plugboard stores the product but the answer is a 5xx: the retry finds it instead of posting again', async () => {
    const { cards } = await itemsOnPage(seller, 3);
    const fresh = cards.slice(0, 3);
    const before = (await clientFor(DEMO).listProducts()).length;
    const postsBefore = plugboard.sandbox.requestLog.filter((r) => r.method === 'POST' && r.url.endsWith('/api/product')).length;
    plugboard.sandbox.faults.failAfterCommit = 3;
    const html = await settled(seller, await publish(seller, fresh.map((c) => c.pk)));
    expect((html.match(/data-state="done"/g) ?? []).length).toBe(3);
    expect(await clientFor(DEMO).listProducts()).toHaveLength(before + 3);
    // One POST per item: the retries looked the products up by remoteId rather than sending them again.
    const posts = plugboard.sandbox.requestLog.filter((r) => r.method === 'POST' && r.url.endsWith('/api/product')).length;
    expect(posts - postsBefore).toBe(3);
  });
});

/**
 * Publishing that sells, end to end: a real console (real HTTP, real Postgres, real job queue) against
 * the Sonlet sandbox and the independent Plugboard sandbox. The shop's background schedule runs on a
 * clock the test moves (no sleeping for sync periods).
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import pg from 'pg';
import { startStack, signUp, connectSonlet, uniqueEmail, type Stack } from './support/stack.js';
import { location, type HttpSession } from './support/http.js';
import { freePortOnLoopback } from './support/ports.js';
import { startHostileProvider, type HostileProvider } from './support/hostile-provider.js';
import { startPlugboardSandbox, DEMO_PLUGBOARD_TENANTS, type StartedPlugboardSandbox } from '../src/sandbox/plugboard/index.js';
import { TokenCipher } from '../src/crypto/token-cipher.js';
import { itemCards, placeShopOrder, publishAndSettle, removeSonletItem, setSonletQuantity, settled, settingsFor, type Tenant } from './support/shop.js';

const [DEMO, , VIEWONLY] = ['demo', 'nordic', 'viewonly'].map((t) => DEMO_PLUGBOARD_TENANTS.find((s) => s.tenant === t)!) as Tenant[];
const MINUTE = 60_000;

let stack: Stack;
let plugboard: StartedPlugboardSandbox;
let double: HostileProvider;
let seller: HttpSession;
/** Real time plus whatever the test skipped ahead: backoffs still pass, sync periods come at once. */
let skipped = 0;
const clock = { now: () => Date.now() + skipped };
const sellerEmail = uniqueEmail('shop');
const db = new pg.Pool({ connectionString: inject('databaseUrl'), max: 2 });

beforeAll(async () => {
  [stack, plugboard, double] = await Promise.all([startStack({ jobs: true, shopClock: clock }), startPlugboardSandbox(), startHostileProvider()]);
  seller = await signUp(stack.console.url, sellerEmail);
  expect(location(await connectSonlet(seller))).toBe('/items');
});
afterAll(async () => {
  await stack?.close();
  await plugboard?.close();
  await double?.close();
  await db.end();
});

const products = () => plugboard.sandbox.products('demo');
const productOf = (pk: number) => products().find((p) => p.remoteId === `sonlet-item-${pk}`);
/** One sync period later: the recurring tasks (and the sends they queue) that came due have run. */
async function afterOnePeriod(minutes = 15) {
  skipped += minutes * MINUTE;
  const jobs = stack.console.app.jobs!;
  await jobs.runDue();
  await jobs.idle();
}

describe('settings are verified before they are saved, and credentials follow their host', () => {
  it('refuses credentials the API root rejects, saying why, and saves nothing', async () => {
    const res = await seller.submit('/settings/plugboard', '/settings/plugboard', settingsFor(plugboard.url, DEMO, { password: 'not-the-password' }));
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain('Plugboard refused these credentials');
    expect(html).toMatch(/name="password"[^>]*aria-invalid="true"/);
    expect(html).not.toContain('not-the-password');
    const { rows } = await db.query(`SELECT 1 FROM "PlugboardConnection" p JOIN "User" u ON u.id = p."userId" WHERE u.email = $1`, [sellerEmail]);
    expect(rows).toHaveLength(0);
  });

  it('an address nobody answers at comes back on the form, with what was typed, and saves nothing', async () => {
    const closed = `http://127.0.0.1:${await freePortOnLoopback()}`;
    const res = await seller.submit('/settings/plugboard', '/settings/plugboard', settingsFor(closed, DEMO, { brand: 'Kept Brand' }));
    expect(res.status).toBe(502);
    const html = await res.text();
    expect(html).toContain('Could not reach this address');
    expect(html).toMatch(/name="baseUrl"[^>]*aria-invalid="true"/);
    expect(html).toContain('value="Kept Brand"');
    expect(html).not.toContain(DEMO.password);
    const { rows } = await db.query(`SELECT 1 FROM "PlugboardConnection" p JOIN "User" u ON u.id = p."userId" WHERE u.email = $1`, [sellerEmail]);
    expect(rows).toHaveLength(0);
  });

  it('saves a connection without product.edit, with a warning', async () => {
    const res = await seller.submit('/settings/plugboard', '/settings/plugboard', settingsFor(plugboard.url, VIEWONLY));
    expect(res.status).toBe(303);
    const { html } = await seller.page('/settings/plugboard?saved=1');
    expect(html).toContain('lacks the <strong>product.edit</strong> permission');
  });

  it('saves the demo tenant with brand and languages; the password is sealed and never shown', async () => {
    const res = await seller.submit('/settings/plugboard', '/settings/plugboard', settingsFor(plugboard.url, DEMO, { brand: 'Studio Ida', languages: 'eng, de' }));
    expect(res.status, await res.clone().text()).toBe(303);
    const { rows } = await db.query(`SELECT p.* FROM "PlugboardConnection" p JOIN "User" u ON u.id = p."userId" WHERE u.email = $1`, [sellerEmail]);
    expect(rows[0]).toMatchObject({ brand: 'Studio Ida', languages: ['eng', 'deu'], defaultLanguage: 'swe', canEditProducts: true, currency: 'sek' });
    expect(new TokenCipher(stack.console.config.tokenEncryptionKey).decrypt(rows[0].passwordEnc)).toBe(DEMO.password);
    const { html } = await seller.page('/settings/plugboard');
    expect(html).not.toContain(DEMO.password);
    expect(html).not.toContain('permission-warning');
  });

  it('a saved password is never sent to another host, tenant or user: changing them needs the password again', async () => {
    double.resetCounts();
    for (const change of [{ baseUrl: double.plugboard.url }, { username: 'someone-else' }, { tenant: 'nordic' }] as Array<Record<string, string>>) {
      const res = await seller.submit('/settings/plugboard', '/settings/plugboard/test', settingsFor(plugboard.url, DEMO, { ...change, password: '' }));
      expect(res.status).toBe(400);
      expect(await res.text()).toContain('Enter the password again');
    }
    expect(double.requests).toHaveLength(0);
    // Unchanged identity: the empty field keeps the saved password.
    const kept = await seller.submit('/settings/plugboard', '/settings/plugboard', settingsFor(plugboard.url, DEMO, { password: '', brand: 'Studio Ida', languages: 'eng, de' }));
    expect(kept.status).toBe(303);
  });
});

describe('publishing that sells', () => {
  let pks: number[];

  it('publishes 20 items: 20 visible, purchasable products, each with a price, stock and a picture a shop can load', async () => {
    const cards = [...(await itemCards(seller, 1)), ...(await itemCards(seller, 2))].filter((c) => c.quantity > 0).slice(0, 20);
    expect(cards).toHaveLength(20);
    pks = cards.map((c) => c.pk);
    const html = await publishAndSettle(seller, pks);
    expect((html.match(/data-state="done"/g) ?? []).length).toBe(20);
    expect((html.match(/data-shop-state="visible"/g) ?? []).length).toBeGreaterThanOrEqual(20);
    expect(products()).toHaveLength(20);
    for (const card of cards) {
      const p = productOf(card.pk)!;
      expect(p, `product of ${card.pk}`).toBeDefined();
      expect(p).toMatchObject({ state: 'visible', purchasable: true, stock: card.quantity, sku: `sonlet-item-${card.pk}`, brand: 'Studio Ida' });
      expect(p.prices).toEqual([{ currency: 'sek', amount: card.price }]);
      expect(p.title_lang).toMatchObject({ swe: p.title, eng: p.title, deu: p.title });
      expect(p.description).toContain(' i storlek ');
      expect(p.description_lang!.eng).toContain(' in size ');
      expect(p.pictures).toHaveLength(1);
    }
    const picture = productOf(pks[0]!)!.pictures[0] as { url?: string };
    const bytes = await fetch(new URL(picture.url!, plugboard.url));
    expect(bytes.status).toBe(200);
    expect(bytes.headers.get('content-type')).toMatch(/^image\//);
    // The result page names each item; hex ids only as secondary detail.
    expect(html).toContain(`class="export-style">${cards[0]!.style}`);
    expect(plugboard.sandbox.files('demo')).toHaveLength(20);
  });

  it('publishing again updates the products (upsert) and reuses every picture', async () => {
    const before = products().map((p) => p.localId).sort();
    await publishAndSettle(seller, pks.slice(0, 5));
    expect(products().map((p) => p.localId).sort()).toEqual(before);
    expect(plugboard.sandbox.files('demo')).toHaveLength(20);
  });

  it('a publish whose answer is lost still ends in one product', async () => {
    const [fresh] = (await itemCards(seller, 3)).filter((c) => c.quantity > 0);
    plugboard.sandbox.faults.dropAfterCommit = 1;
    const html = await publishAndSettle(seller, [fresh!.pk]);
    expect(html).toContain('data-state="done"');
    expect(products().filter((p) => p.remoteId === `sonlet-item-${fresh!.pk}`)).toHaveLength(1);
    expect(products()).toHaveLength(21);
    pks.push(fresh!.pk);
  });

  it('“Publish selected” with nothing ticked goes back to the items page it came from, which says so next to the button', async () => {
    const { csrf } = await seller.page('/items?page=2');
    const nothingTicked = (back: string) =>
      seller.request('POST', '/publish', { body: new URLSearchParams({ _csrf: csrf!, scope: 'selected', back }).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    const none = await nothingTicked('/items?page=2');
    expect(none.status).toBe(303);
    expect(location(none)).toBe('/items?page=2&publish=none-selected');
    expect(await (await seller.get(location(none))).text()).toMatch(/id="publish-none">Select at least one item to publish/);
    expect(location(await nothingTicked('https://evil.example/items'))).toBe('/items?publish=none-selected');
    expect(products()).toHaveLength(21);
  });

  it('sold out in Sonlet: within one sync period the product is not purchasable; items that did not change are not sent', async () => {
    const soldOut = pks[3]!;
    await setSonletQuantity(stack, 'demo', soldOut, 0);
    const writesBefore = plugboard.sandbox.requestLog.filter((r) => r.method !== 'GET').length;
    await afterOnePeriod();
    expect(productOf(soldOut)).toMatchObject({ state: 'hidden', purchasable: false, stock: 0 });
    const writes = plugboard.sandbox.requestLog.filter((r) => r.method !== 'GET').length - writesBefore;
    expect(writes).toBe(1);
    const item = await (await seller.get(`/items/${soldOut}`)).text();
    expect(item).toContain('data-shop-state="sold-out"');
  });

  it('unpublishing asks first, then hides the product (never deleting it)', async () => {
    const target = pks[4]!;
    const { csrf } = await seller.page(`/items/${target}`);
    const ask = await seller.postForm('/unpublish', { _csrf: csrf!, pk: String(target) });
    expect(ask.status).toBe(200);
    expect(await ask.text()).toContain('out of the web shop?');
    expect(productOf(target)).toMatchObject({ state: 'visible' });
    const confirmed = await seller.postForm('/unpublish', { _csrf: csrf!, pk: String(target), confirm: 'yes' });
    expect(confirmed.status).toBe(303);
    await settled(seller, location(confirmed));
    expect(productOf(target)).toMatchObject({ state: 'hidden', purchasable: false });
    expect(products()).toHaveLength(21);
  });

  it('an item the seller deletes in Sonlet: within one sync period its product is hidden, never deleted', async () => {
    const removed = pks[5]!;
    expect(productOf(removed)).toMatchObject({ state: 'visible', purchasable: true });
    await removeSonletItem(stack, 'demo', removed);
    await afterOnePeriod();
    expect(productOf(removed)).toMatchObject({ state: 'hidden', purchasable: false });
    expect(products()).toHaveLength(21);
    const { rows } = await db.query(`SELECT e."shopState" FROM "PlugboardExport" e JOIN "User" u ON u.id = e."userId" WHERE u.email = $1 AND e."sonletItemId" = $2`, [sellerEmail, removed]);
    expect(rows).toEqual([{ shopState: 'gone' }]);
  });
});

describe('the shop’s orders', () => {
  it('an order placed at the sandbox’s tool page appears on the Orders page and on the item; the seller marks it processing', async () => {
    const sold = (await itemCards(seller, 1)).find((c) => productOf(c.pk)?.purchasable)!;
    await placeShopOrder(plugboard.url, productOf(sold.pk)!.localId, 1);
    await afterOnePeriod(5);
    const { html } = await seller.page('/orders');
    expect(html).toContain(`href="/items/${sold.pk}"`);
    expect(html).toMatch(/class="total-excl">\d+\.\d\d SEK/);
    expect(html).toContain('Mark as processing');
    const item = await (await seller.get(`/items/${sold.pk}`)).text();
    expect(item).toContain('Sold in the web shop on');
    const grid = await (await seller.get('/items')).text();
    expect(grid).toContain('Sold in the web shop on');

    const { csrf } = await seller.page('/orders');
    const orderId = /action="\/orders\/([0-9a-f-]{36})\/processing"/.exec(html)![1]!;
    const res = await seller.postForm(`/orders/${orderId}/processing`, { _csrf: csrf! });
    expect(res.status).toBe(303);
    expect(plugboard.sandbox.orders('demo').at(-1)!.orderStatus).toBe('processing');
    expect((await seller.page('/orders')).html).not.toContain('Mark as processing');
  });
});

describe('Plugboard away for an hour', () => {
  it('loses nothing: changes, a publish and an order made meanwhile all catch up when it is back', async () => {
    const changed = (await itemCards(seller, 1)).find((c) => productOf(c.pk)?.purchasable)!;
    const orderedPk = (await itemCards(seller, 2)).find((c) => productOf(c.pk)?.purchasable)!.pk;
    await placeShopOrder(plugboard.url, productOf(orderedPk)!.localId, 1);
    const ordersBefore = plugboard.sandbox.orders('demo').length;
    const [fresh] = (await itemCards(seller, 4)).filter((c) => c.quantity > 0);

    plugboard.sandbox.faults.unavailable = true;
    await setSonletQuantity(stack, 'demo', changed.pk, 0);
    // The publish job retries with backoff (about 15 s) before it gives up.
    const failed = await publishAndSettle(seller, [fresh!.pk], 90_000);
    expect(failed).toContain('data-state="failed"');
    for (let i = 0; i < 4; i++) await afterOnePeriod();
    const away = await seller.page('/orders');
    expect(away.html).toContain('The last check did not get through');
    expect((away.html.match(/class="order"/g) ?? []).length).toBe(1);
    expect(productOf(changed.pk)).toMatchObject({ purchasable: true });

    plugboard.sandbox.faults.unavailable = false;
    await afterOnePeriod();
    expect(productOf(changed.pk)).toMatchObject({ state: 'hidden', purchasable: false, stock: 0 });
    expect(productOf(fresh!.pk)).toMatchObject({ state: 'visible', purchasable: true });
    const back = await seller.page('/orders');
    expect((back.html.match(/class="order"/g) ?? []).length).toBe(ordersBefore);
    expect(back.html).not.toContain('The last check did not get through');
    expect(back.html).toContain(`href="/items/${orderedPk}"`);
  }, 120_000);
});

describe('the grid’s web-shop filter', () => {
  it('shows published, not published and out-of-sync items', async () => {
    const target = products().find((p) => p.purchasable)!.remoteId!.replace('sonlet-item-', '');
    await setSonletQuantity(stack, 'demo', Number(target), 0);
    // The filter walks the inventory once (cached for a minute), so the change is seen on the first visit.
    const outOfSync = await (await seller.get('/items?shop=out-of-sync')).text();
    expect(outOfSync).toContain(`href="/items/${target}"`);
    const published = await (await seller.get('/items?shop=published')).text();
    const shown = [...published.matchAll(/<li class="card">[\s\S]*?href="\/items\/(\d+)"/g)].map((m) => Number(m[1]));
    expect(shown.length).toBeGreaterThan(0);
    for (const pk of shown) expect(productOf(pk), `item ${pk}`).toBeDefined();
    const unpublished = await (await seller.get('/items?shop=unpublished')).text();
    for (const pk of [...unpublished.matchAll(/<li class="card">[\s\S]*?href="\/items\/(\d+)"/g)].map((m) => Number(m[1]))) expect(shown).not.toContain(pk);
  });
});

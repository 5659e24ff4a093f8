/**
 * The web shop's recurring tasks keep coming round whatever one run meets: an item Sonlet sends that the
 * console cannot map is noted on its row and waits, while the seller's other items keep in step, period
 * after period. Real console, real Postgres and job queue, the Sonlet and Plugboard sandboxes; the
 * schedule runs on a clock the test moves.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import pg from 'pg';
import { signUp, connectSonlet, uniqueEmail, type Stack } from './support/stack.js';
import { location, type HttpSession } from './support/http.js';
import { startHostileProvider, type HostileProvider } from './support/hostile-provider.js';
import { itemCards, publishAndSettle, setSonletQuantity, settingsFor, startShopWorld, type ShopWorld, type Tenant } from './support/shop.js';
import { DEMO_PLUGBOARD_TENANTS } from '../src/sandbox/plugboard/index.js';

let world: ShopWorld;
let stack: Stack;
let seller: HttpSession;
let double: HostileProvider;
const sellerEmail = uniqueEmail('shop-keeps-going');
const db = new pg.Pool({ connectionString: inject('databaseUrl'), max: 2 });

beforeAll(async () => {
  [world, double] = await Promise.all([startShopWorld(sellerEmail), startHostileProvider()]);
  ({ stack, seller } = world);
});
afterAll(async () => {
  await world?.close();
  await double?.close();
  await db.end();
});

const productOf = (pk: number) => world.plugboard.sandbox.products('demo').find((p) => p.remoteId === `sonlet-item-${pk}`);
const afterOnePeriod = (minutes?: number) => world.afterPeriod(minutes);

async function shopTaskStates(email = sellerEmail): Promise<Record<string, string>> {
  const { rows } = await db.query<{ name: string; status: string }>(
    `SELECT t.name, t.status FROM "Task" t JOIN "User" u ON u.id = t."userId" WHERE u.email = $1 AND t.name IN ('shop-sync', 'shop-orders')`,
    [email],
  );
  return Object.fromEntries(rows.map((r) => [r.name, r.status]));
}

/**
 * Sonlet documents prices as decimals, but nothing stops one arriving as "1e+21"; the sandbox's own API refuses
 * to store such a price, so the test puts it straight into the sandbox's store, as a Sonlet bug would.
 */
function giveSonletPrice(pk: number, price: string): void {
  const { store } = stack.sonlet.sandbox as unknown as { store: { items: Map<number, { price: string }> } };
  store.items.get(pk)!.price = price;
}

describe('an item the console cannot map', () => {
  let poisoned: number;
  let others: number[];

  it('is noted on its row while the others keep in step, and the sync is never failed', async () => {
    const cards = (await itemCards(seller, 1)).filter((c) => c.quantity > 0).slice(0, 3);
    expect(cards).toHaveLength(3);
    [poisoned, ...others] = cards.map((c) => c.pk) as [number, ...number[]];
    expect((await publishAndSettle(seller, [poisoned, ...others]).then((html) => html.match(/data-state="done"/g) ?? [])).length).toBe(3);

    giveSonletPrice(poisoned, '1e+21');
    await setSonletQuantity(stack, 'demo', others[0]!, 0);
    await afterOnePeriod();
    expect(productOf(others[0]!)).toMatchObject({ state: 'hidden', purchasable: false, stock: 0 });
    expect(await shopTaskStates()).toEqual({ 'shop-sync': 'waiting', 'shop-orders': 'waiting' });
    const { rows } = await db.query(`SELECT e."syncError" FROM "PlugboardExport" e JOIN "User" u ON u.id = e."userId" WHERE u.email = $1 AND e."sonletItemId" = $2`, [sellerEmail, poisoned]);
    expect(rows[0].syncError).toContain('1e+21');
    // The shop keeps what it had for the item: nothing half-mapped was sent.
    expect(productOf(poisoned)).toMatchObject({ state: 'visible', purchasable: true });
  });

  it('the next period still syncs the other items', async () => {
    await setSonletQuantity(stack, 'demo', others[1]!, 0);
    await afterOnePeriod();
    expect(productOf(others[1]!)).toMatchObject({ state: 'hidden', purchasable: false, stock: 0 });
    expect(await shopTaskStates()).toEqual({ 'shop-sync': 'waiting', 'shop-orders': 'waiting' });
  });

  it('the grid’s “Out of sync” filter shows it rather than failing the page', async () => {
    const res = await seller.get('/items?shop=out-of-sync');
    expect(res.status).toBe(200);
    expect(await res.text()).toContain(`href="/items/${poisoned}"`);
  });
});

describe('a Plugboard error message Postgres cannot hold', () => {
  const email = uniqueEmail('shop-nul-message');

  it('is noted without its NUL, and the order poll comes round again and gets through', async () => {
    const other = await signUp(stack.console.url, email);
    expect(location(await connectSonlet(other))).toBe('/items');
    const saved = await other.submit('/settings/plugboard', '/settings/plugboard', settingsFor(double.plugboard.url, double.plugboard));
    expect(saved.status, await saved.clone().text()).toBe(303);
    const lastOrdersError = async () =>
      (await db.query(`SELECT c."lastOrdersError" FROM "PlugboardConnection" c JOIN "User" u ON u.id = c."userId" WHERE u.email = $1`, [email])).rows[0].lastOrdersError as string | null;

    double.plugboard.on('/api/order*', { kind: 'status', status: 400, body: { message: 'Bad\u0000 cursor\u0007 given', code: 4000 } });
    // Past every backoff the engine would give a failing run.
    for (let i = 0; i < 4; i++) await afterOnePeriod(5);
    expect(await shopTaskStates(email)).toMatchObject({ 'shop-orders': 'waiting' });
    const noted = await lastOrdersError();
    expect(noted).toContain('Bad cursor given');
    expect([...noted!].some((c) => c.charCodeAt(0) < 0x20)).toBe(false);

    double.plugboard.off('/api/order*');
    const polls = double.plugboard.count('/api/order*');
    await afterOnePeriod(5);
    expect(double.plugboard.count('/api/order*')).toBeGreaterThan(polls);
    expect(await lastOrdersError()).toBeNull();
    expect(await shopTaskStates(email)).toMatchObject({ 'shop-orders': 'waiting' });
  });
});

describe('a seller who switches to another shop', () => {
  it('has that shop’s orders read from the beginning; saving the same shop again keeps the place', async () => {
    const cursor = async () =>
      (await db.query(`SELECT c."ordersCursor" FROM "PlugboardConnection" c JOIN "User" u ON u.id = c."userId" WHERE u.email = $1`, [sellerEmail])).rows[0].ordersCursor as Date | null;
    const [demo, nordic] = ['demo', 'nordic'].map((t) => DEMO_PLUGBOARD_TENANTS.find((s) => s.tenant === t)!) as Tenant[];
    const far = '2030-01-01T00:00:00Z';
    await db.query(`UPDATE "PlugboardConnection" c SET "ordersCursor" = $2 FROM "User" u WHERE u.id = c."userId" AND u.email = $1`, [sellerEmail, far]);

    const same = await seller.submit('/settings/plugboard', '/settings/plugboard', settingsFor(world.plugboard.url, demo!, { brand: 'Renamed' }));
    expect(same.status, await same.clone().text()).toBe(303);
    expect((await cursor())?.toISOString()).toBe(new Date(far).toISOString());

    const other = await seller.submit('/settings/plugboard', '/settings/plugboard', settingsFor(world.plugboard.url, nordic!));
    expect(other.status, await other.clone().text()).toBe(303);
    expect(await cursor()).toBeNull();
  });
});

/**
 * What a send leaves behind when an answer is lost or Plugboard refuses it: a real console (real HTTP,
 * Postgres, job queue) against the Sonlet sandbox and the independent Plugboard sandbox, whose fault
 * injection loses answers and refuses products. The shop's schedule runs on a clock the test moves.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, signUp, connectSonlet, type Stack } from './support/stack.js';
import { location, type HttpSession } from './support/http.js';
import { startPlugboardSandbox, DEMO_PLUGBOARD_TENANTS, type StartedPlugboardSandbox } from '../src/sandbox/plugboard/index.js';
import { itemCards, publishAndSettle, setSonletQuantity, settingsFor, settled, type Tenant } from './support/shop.js';

const DEMO = DEMO_PLUGBOARD_TENANTS.find((t) => t.tenant === 'demo')! as Tenant;
const MINUTE = 60_000;

let stack: Stack;
let plugboard: StartedPlugboardSandbox;
let seller: HttpSession;
/** Real time plus whatever the test skipped ahead: backoffs still pass, sync periods come at once. */
let skipped = 0;
const clock = { now: () => Date.now() + skipped };

beforeAll(async () => {
  [stack, plugboard] = await Promise.all([startStack({ jobs: true, shopClock: clock }), startPlugboardSandbox()]);
  seller = await signUp(stack.console.url);
  expect(location(await connectSonlet(seller))).toBe('/items');
  const saved = await seller.submit('/settings/plugboard', '/settings/plugboard', settingsFor(plugboard.url, DEMO));
  expect(saved.status, await saved.clone().text()).toBe(303);
});
afterAll(async () => {
  await stack?.close();
  await plugboard?.close();
});

const products = () => plugboard.sandbox.products('demo');
const productOf = (pk: number) => products().find((p) => p.remoteId === `sonlet-item-${pk}`);
const files = () => plugboard.sandbox.files('demo');
/** Product sends Plugboard received so far (upserts and updates). */
const productWrites = () => plugboard.sandbox.requestLog.filter((r) => r.method !== 'GET' && r.url.startsWith('/api/product')).length;

/** One sync period later: the recurring tasks (and the sends they queue) that came due have run. */
async function afterOnePeriod() {
  skipped += 15 * MINUTE;
  const jobs = stack.console.app.jobs!;
  await jobs.runDue();
  await jobs.idle();
}

async function inStock(page: number): Promise<number[]> {
  return (await itemCards(seller, page)).filter((c) => c.quantity > 1).map((c) => c.pk);
}

describe('a lost answer to a picture upload', () => {
  it('the retry fills the file record it already made: one file per product, and the shop can load it', async () => {
    const [pk] = await inStock(1);
    plugboard.sandbox.faults.fileDataFailAfterCommit = 2;
    // The publish task retries with backoff (2 s, then 4 s) until the picture's answer gets through.
    const html = await publishAndSettle(seller, [pk!], 60_000);
    expect(html).toContain('data-state="done"');
    expect(plugboard.sandbox.faults.fileDataFailAfterCommit).toBe(0);
    expect(products()).toHaveLength(1);
    expect(files()).toHaveLength(1);
    const picture = productOf(pk!)!.pictures[0] as { fileLocalId: string; url?: string };
    expect(picture.fileLocalId).toBe(files()[0]!.localId);
    expect((await fetch(new URL(picture.url!, plugboard.url))).status).toBe(200);
  });
});

describe('a publish Plugboard refuses for good', () => {
  let refused: number;
  let batchPath: string;

  it('fails at once with Plugboard’s reason on the results page and on the item', async () => {
    [, refused] = await inStock(1);
    plugboard.sandbox.faults.refuseRemoteIds = [`sonlet-item-${refused}`];
    const before = productWrites();
    const res = await seller.submit('/items', '/publish', { scope: 'selected', pk: String(refused) });
    expect(res.status).toBe(303);
    batchPath = location(res);
    const html = await settled(seller, batchPath);
    expect(html).toContain('data-state="failed"');
    expect(html).toMatch(/class="export-message">Plugboard answered: Product sonlet-item-\d+ cannot be accepted/);
    expect(productWrites() - before).toBe(1);
    const item = await (await seller.get(`/items/${refused}`)).text();
    expect(item).toMatch(/class="error export-failure">Publishing failed: Plugboard answered: Product sonlet-item-\d+ cannot be accepted/);
  });

  it('two sync periods pass: the refused product is not sent again', async () => {
    const before = productWrites();
    await afterOnePeriod();
    await afterOnePeriod();
    expect(productWrites() - before).toBe(0);
    expect(productOf(refused)).toBeUndefined();
    const item = await (await seller.get(`/items/${refused}`)).text();
    expect(item).toContain('data-shop-state="failed"');
  });

  it('when the item changes in Sonlet, the next sync tries it once more', async () => {
    await setSonletQuantity(stack, 'demo', refused, 1);
    const before = productWrites();
    await afterOnePeriod();
    expect(productWrites() - before).toBe(1);
    await afterOnePeriod();
    expect(productWrites() - before).toBe(1);
  });

  it('when the seller asks (Retry), it is sent, and once accepted it is in the shop', async () => {
    plugboard.sandbox.faults.refuseRemoteIds = [];
    const { html } = await seller.page(batchPath);
    const exportId = /action="\/exports\/([0-9a-f-]{36})\/retry"/.exec(html)?.[1];
    expect(exportId, 'a Retry button for the refused item').toBeDefined();
    const res = await seller.submit(batchPath, `/exports/${exportId}/retry`, { batch: batchPath.split('/').pop()! });
    expect(res.status).toBe(303);
    const jobs = stack.console.app.jobs!;
    await jobs.runDue();
    await jobs.idle();
    expect(productOf(refused)).toMatchObject({ state: 'visible', purchasable: true, stock: 1 });
  });

  it('a keep-in-step update Plugboard refuses is shown on the item and not re-sent each period, only after the next change', async () => {
    const [, , target] = await inStock(2);
    expect((await publishAndSettle(seller, [target!])).includes('data-state="done"')).toBe(true);
    plugboard.sandbox.faults.refuseRemoteIds = [`sonlet-item-${target}`];
    await setSonletQuantity(stack, 'demo', target!, 1);
    const before = productWrites();
    await afterOnePeriod();
    expect(productWrites() - before).toBe(1);
    await afterOnePeriod();
    await afterOnePeriod();
    expect(productWrites() - before).toBe(1);
    const item = await (await seller.get(`/items/${target}`)).text();
    expect(item).toMatch(/The web shop refused the latest version of this item: Plugboard answered: Product sonlet-item-\d+ cannot be accepted/);

    plugboard.sandbox.faults.refuseRemoteIds = [];
    await setSonletQuantity(stack, 'demo', target!, 0);
    await afterOnePeriod();
    expect(productWrites() - before).toBe(2);
    expect(productOf(target!)).toMatchObject({ state: 'hidden', purchasable: false, stock: 0 });
    expect(await (await seller.get(`/items/${target}`)).text()).not.toContain('export-failure');
  });
});

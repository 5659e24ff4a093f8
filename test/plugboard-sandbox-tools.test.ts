/** The Plugboard sandbox's tool page, driven in Chromium as a person placing a test web-shop order would. */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_PLUGBOARD_TENANTS, startPlugboardSandbox } from '../src/sandbox/plugboard/index.js';
import { launchChromium, screenshot, watchPageErrors } from './support/browser.js';
import { plugboardCaller } from './support/plugboard-http.js';

const DEMO = DEMO_PLUGBOARD_TENANTS[0]!;

let sb: Awaited<ReturnType<typeof startPlugboardSandbox>>;
let browser: Browser;
beforeAll(async () => {
  [sb, browser] = await Promise.all([startPlugboardSandbox(), launchChromium()]);
});
afterAll(async () => {
  await browser?.close();
  await sb?.close();
});
beforeEach(() => sb.sandbox.reset());

const call = plugboardCaller(() => sb.url, DEMO);

async function publish(remoteId: string, title: string, over: Record<string, unknown> = {}) {
  const r = await call('POST', '/api/product?updateOnRemoteId=true', {
    remoteId, sku: remoteId, title, state: 'visible', purchasable: true, stock: 3, vatRatePercent: '25',
    prices: [{ currency: 'SEK', amount: '39.00' }], ...over,
  });
  expect(r.status).toBe(201);
  return r.json as { localId: string; lastModified: string };
}

async function openShop(): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 900, height: 800 } });
  const errors = watchPageErrors(page);
  await page.goto(`${sb.url}/tools/`);
  return { page, errors };
}

describe('the web-shop tool page', () => {
  it('places an order for a chosen product: the order shows, the API lists it from the web shop, stock goes down', async () => {
    const amelia = await publish('sonlet-item-1', 'Amelia – M');
    await publish('sonlet-item-2', 'Carly – S');
    await publish('sonlet-item-3', 'Hidden dress', { state: 'hidden' });
    await publish('sonlet-item-4', 'Not for sale', { purchasable: false });
    const { page, errors } = await openShop();

    const options = await page.getByLabel('Product').locator('option').allTextContents();
    expect(options).toEqual(['demo: Amelia – M · 39.00 SEK · 3 in stock', 'demo: Carly – S · 39.00 SEK · 3 in stock']);
    await page.getByLabel('Product').selectOption({ label: 'demo: Amelia – M · 39.00 SEK · 3 in stock' });
    await page.getByLabel('Quantity').fill('2');
    await page.getByRole('button', { name: 'Place order' }).click();
    await page.getByRole('heading', { name: 'Order placed' }).waitFor();
    await screenshot(page, 'plugboard-sandbox-order-placed');
    expect(await page.locator('.order-status').textContent()).toBe('new');
    expect(await page.locator('table.rows tbody tr').allTextContents()).toEqual(['Amelia – Msonlet-item-1239.00 SEK']);
    const shownId = await page.locator('.order-id').textContent();

    const orders = (await call('GET', '/api/order')).json;
    expect(orders).toHaveLength(1);
    expect(orders[0]).toMatchObject({
      localId: shownId,
      orderStatus: 'new',
      customerType: 'private',
      currency: 'sek',
      source: { connectionType: 'webshop' },
      orderRows: [{ rowNo: 1, productLocalId: amelia.localId, sku: 'sonlet-item-1', title: 'Amelia – M', quantity: 2, unitPrice: { currency: 'sek', amount: '39.00' }, vatRatePercent: '25' }],
      totalSumExclVat: { currency: 'sek', amount: '62.40' },
      totalVat: { currency: 'sek', amount: '15.60' },
    });
    const after = (await call('GET', `/api/product/${amelia.localId}`)).json;
    expect(after.stock).toBe(1);
    expect((await call('GET', `/api/product?modifiedAtOrAfter=${encodeURIComponent(after.lastModified)}`)).json.map((p: { localId: string }) => p.localId)).toContain(amelia.localId);

    await page.getByRole('link', { name: 'Place another order' }).click();
    expect(await page.getByRole('link', { name: /demo: Amelia – M × 2/ }).count()).toBe(1);
    expect(errors).toEqual([]);
  }, 60_000);

  it('refuses a product hidden or taken off sale after the page loaded, as a shop would, and places nothing', async () => {
    const dress = await publish('sonlet-item-5', 'Julia – L');
    const top = await publish('sonlet-item-6', 'Irma – S');
    const { page, errors } = await openShop();

    await call('PUT', `/api/product/${dress.localId}`, { state: 'hidden' });
    await page.getByLabel('Product').selectOption({ label: 'demo: Julia – L · 39.00 SEK · 3 in stock' });
    await page.getByRole('button', { name: 'Place order' }).click();
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').textContent()).toBe('“Julia – L” is hidden in the shop: it cannot be ordered.');
    // The refreshed list no longer offers it.
    expect(await page.getByLabel('Product').locator('option').allTextContents()).toEqual(['demo: Irma – S · 39.00 SEK · 3 in stock']);

    await call('PUT', `/api/product/${top.localId}`, { purchasable: false });
    await page.getByRole('button', { name: 'Place order' }).click();
    await page.getByText('is not purchasable in the shop').waitFor();
    await screenshot(page, 'plugboard-sandbox-order-refused');

    expect((await call('GET', '/api/order')).json).toEqual([]);
    expect((await call('GET', `/api/product/${dress.localId}`)).json.stock).toBe(3);
    // The refusals are answered 409, which Chromium reports; nothing else may go wrong on the page.
    expect(errors.filter((e) => !/status of 409/.test(e))).toEqual([]);
    expect(errors).toHaveLength(2);
  }, 60_000);

  it('refuses more than is in stock, and a form posted from elsewhere', async () => {
    await publish('sonlet-item-7', 'Nicole – XS', { stock: 1 });
    const { page } = await openShop();
    await page.getByLabel('Quantity').fill('2');
    await page.getByRole('button', { name: 'Place order' }).click();
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').textContent()).toBe('Only 1 of “Nicole – XS” in stock.');

    const product = sb.sandbox.products('demo')[0]!;
    const forged = await fetch(`${sb.url}/tools/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ product: `demo/${product.localId}`, quantity: '1' }).toString(),
      redirect: 'manual',
    });
    expect(forged.status).toBe(403);
    expect(sb.sandbox.orders('demo')).toEqual([]);
  }, 60_000);
});

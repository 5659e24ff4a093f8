import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startStack, uniqueEmail, type Stack } from './support/stack.js';
import { launchChromium, screenshot, signUpAndConnectInBrowser, watchPageErrors } from './support/browser.js';
import { startPlugboardSandbox, DEMO_PLUGBOARD_TENANTS, type StartedPlugboardSandbox } from '../src/sandbox/plugboard/index.js';
import { jpegs } from './fixtures/uploads.js';
import { uploadOnPage } from './support/upload-page.js';
import { setSonletQuantity } from './support/shop.js';

const DEMO = DEMO_PLUGBOARD_TENANTS.find((t) => t.tenant === 'demo')!;

let stack: Stack;
let plugboard: StartedPlugboardSandbox;
let browser: Browser;
let page: Page;
let errors: string[];

beforeAll(async () => {
  [stack, plugboard, browser] = await Promise.all([startStack({ jobs: true, shopClock: { now: () => Date.now() } }), startPlugboardSandbox(), launchChromium()]);
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  errors = watchPageErrors(page);
  await signUpAndConnectInBrowser(page, stack.console.url, uniqueEmail('e2e-shop'));
});
afterAll(async () => {
  await browser?.close();
  await stack?.close();
  await plugboard?.close();
});

const products = () => plugboard.sandbox.products('demo');
const cards = () => page.locator('.grid .card');

describe('a seller sells through the web shop, in a real browser', () => {
  it('fills in the settings form, tests the connection and saves it', async () => {
    await page.getByRole('link', { name: 'Web shop' }).click();
    await page.waitForURL(`${stack.console.url}/settings/plugboard`);
    await page.getByLabel('API address').fill(plugboard.url);
    await page.getByLabel('Tenant').fill(DEMO.tenant);
    await page.getByLabel(/^Connection id/).fill(DEMO.connectionId);
    await page.getByLabel('Username').fill(DEMO.username);
    await page.getByLabel(/^Password/).fill(DEMO.password);
    await page.getByLabel(/^VAT rate/).fill('25');
    await page.getByLabel(/^Currency/).fill('SEK');
    await page.getByLabel(/^More languages/).fill('eng');
    await page.getByLabel(/^Brand/).fill('Studio Ida');
    await page.getByRole('button', { name: 'Test connection' }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'Connection works' }).count()).toBe(1);
    expect(await page.locator('.check-language').textContent()).toBe('swe');
    expect(await page.getByLabel(/^Password/).inputValue()).toBe('');

    await page.getByLabel(/^Password/).fill(DEMO.password);
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.getByText('Plugboard settings saved.').count()).toBe(1);
    expect(await page.getByLabel(/^Brand/).inputValue()).toBe('Studio Ida');
  });

  it('ticks two items, clicks Publish selected, and sees them named and in the shop', async () => {
    await page.getByRole('link', { name: 'Items', exact: true }).click();
    await page.waitForURL(`${stack.console.url}/items`);
    const style = (await cards().nth(0).locator('.style').textContent())!;
    await cards().nth(0).getByLabel('Select').check();
    await cards().nth(1).getByLabel('Select').check();
    await page.getByRole('button', { name: 'Publish selected', exact: true }).click();
    await page.waitForURL(/\/publish\/[0-9a-f-]{36}$/);
    await expect.poll(() => page.locator('tr.export[data-state="done"]').count(), { timeout: 60_000 }).toBe(2);
    expect(await page.locator('tr.export[data-shop-state="visible"]').count()).toBe(2);
    expect(await page.locator('.export-style').allTextContents()).toContain(style);
    expect(await page.locator('td .shop-state', { hasText: 'In the shop' }).count()).toBe(2);
    await screenshot(page, 'shop-publish-result');
    expect(products()).toHaveLength(2);
    expect(products().every((p) => p.state === 'visible' && p.purchasable && p.pictures.length === 1)).toBe(true);
  });

  it('takes one item out of the shop after confirming', async () => {
    await page.getByRole('link', { name: 'Back to items' }).click();
    await cards().nth(0).locator('a').first().click();
    await page.getByRole('button', { name: 'Take out of the shop' }).click();
    await expect.poll(() => page.getByRole('heading', { name: /out of the web shop\?/ }).count()).toBe(1);
    expect(products().filter((p) => p.state === 'visible')).toHaveLength(2);
    await page.getByRole('button', { name: 'Take out of the shop' }).click();
    await expect.poll(() => page.locator('tr.export[data-shop-state="hidden"]').count(), { timeout: 60_000 }).toBe(1);
    expect(products().filter((p) => p.state === 'visible')).toHaveLength(1);
    expect(products()).toHaveLength(2);
  });

  it('publishing while Plugboard is away fails; “Retry all failed” sends them all in one step', async () => {
    plugboard.sandbox.faults.unavailable = true;
    await page.goto(`${stack.console.url}/items?page=2`);
    await cards().nth(0).getByLabel('Select').check();
    await cards().nth(1).getByLabel('Select').check();
    await page.getByRole('button', { name: 'Publish selected', exact: true }).click();
    await expect.poll(() => page.locator('tr.export[data-state="failed"]').count(), { timeout: 90_000, interval: 1000 }).toBe(2);
    plugboard.sandbox.faults.unavailable = false;
    await page.getByRole('button', { name: 'Retry all failed' }).click();
    await expect.poll(() => page.locator('tr.export[data-state="done"]').count(), { timeout: 60_000 }).toBe(2);
    expect(products()).toHaveLength(4);
  }, 150_000);

  it('an order placed at the sandbox’s shop tool shows on the Orders page; the seller marks it processing', async () => {
    const shop = await browser.newPage();
    await shop.goto(`${plugboard.url}/tools/`);
    const option = await shop.locator('#product option').first().getAttribute('value');
    await shop.locator('#product').selectOption(option!);
    await shop.getByRole('button', { name: 'Place order' }).click();
    await shop.waitForURL(/\/tools\/orders\//);
    await shop.close();

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Orders' }).click();
    await page.getByRole('button', { name: 'Check for new orders' }).click();
    await expect.poll(() => page.locator('article.order').count()).toBe(1);
    expect(await page.locator('article.order .order-status').textContent()).toBe('New');
    await page.getByRole('button', { name: 'Mark as processing' }).click();
    await expect.poll(() => page.locator('article.order .order-status').textContent()).toBe('Processing');
    expect(plugboard.sandbox.orders('demo')[0]!.orderStatus).toBe('processing');
    await screenshot(page, 'shop-orders');

    await page.locator('article.order .order-row a').first().click();
    await expect.poll(() => page.locator('.sold-notice').count()).toBe(1);
  });

  it('filters the grid to published items with the Web shop filter', async () => {
    await page.getByRole('link', { name: 'Items', exact: true }).click();
    await page.getByLabel('Web shop').selectOption('published');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/shop=published/);
    const shown = await cards().count();
    // Four published, one of them taken out again.
    expect(shown).toBe(3);
    // Published means in the shop: for sale, or sold out (an item with no pieces left in Sonlet).
    expect(await page.locator('.grid .shop-state[data-shop-state="visible"], .grid .shop-state[data-shop-state="sold-out"]').count()).toBe(shown);
    expect(await page.getByLabel('Style').inputValue()).toBe('');
    await screenshot(page, 'shop-grid-filter');
    expect(errors).toEqual([]);
  });

  it('“Unpublish selected” with nothing ticked says so next to the button, with and without script', async () => {
    const visible = products().filter((p) => p.state === 'visible').length;
    await page.goto(`${stack.console.url}/items`);
    await page.getByRole('button', { name: 'Unpublish selected', exact: true }).click();
    await expect.poll(() => page.locator('#unpublish-none').isVisible()).toBe(true);
    expect(await page.locator('#unpublish-none').textContent()).toContain('Select at least one item to take out of the shop');
    expect(page.url()).toBe(`${stack.console.url}/items`);
    expect(await page.locator('#publish-none').isVisible()).toBe(false);

    const noScript = await browser.newContext({ javaScriptEnabled: false });
    await noScript.addCookies(await page.context().cookies());
    const plain = await noScript.newPage();
    await plain.goto(`${stack.console.url}/items?page=2`);
    await plain.getByRole('button', { name: 'Unpublish selected', exact: true }).click();
    await plain.waitForURL(/\/items\?page=2&publish=none-to-unpublish$/);
    expect(await plain.locator('#unpublish-none').isVisible()).toBe(true);
    expect(await plain.locator('h1').first().textContent()).not.toMatch(/error|wrong/i);
    await noScript.close();
    expect(products().filter((p) => p.state === 'visible')).toHaveLength(visible);
  });

  it('with “publish new items” on, a photo uploaded on the upload page becomes a visible, purchasable product with its picture', async () => {
    await page.goto(`${stack.console.url}/settings/plugboard`);
    await page.getByLabel(/Publish new items/).check();
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.getByText('Plugboard settings saved.').count()).toBe(1);
    expect(await page.getByLabel(/Publish new items/).isChecked()).toBe(true);

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Upload', exact: true }).click();
    const [photo] = await jpegs(1, 810);
    const pk = await uploadOnPage(page, { name: photo!.name, mimeType: photo!.type, buffer: photo!.data });
    const productOf = () => products().find((p) => p.remoteId === `sonlet-item-${pk}`);
    await expect.poll(() => productOf()?.state, { timeout: 60_000 }).toBe('visible');
    expect(productOf()).toMatchObject({ purchasable: true, sku: `sonlet-item-${pk}` });
    expect(productOf()!.stock).toBeGreaterThan(0);
    expect(productOf()!.prices).toHaveLength(1);
    const picture = productOf()!.pictures[0] as { url?: string };
    const bytes = await fetch(new URL(picture.url!, plugboard.url));
    expect(bytes.headers.get('content-type')).toBe('image/jpeg');

    await page.goto(`${stack.console.url}/items/${pk}`);
    expect(await page.locator('.publish .shop-state').getAttribute('data-shop-state')).toBe('visible');
    expect(errors).toEqual([]);
  }, 120_000);

  it('“Not published” and then “Out of sync”, each picked alone in the Web shop filter, show what they say', async () => {
    const shown = () => page.locator('.grid .card > a').evaluateAll((links) => links.map((a) => Number(a.getAttribute('href')!.split('/').pop())));
    const pkOf = (remoteId: string | null | undefined) => Number(remoteId?.replace('sonlet-item-', ''));
    const inShop = products().filter((p) => p.state === 'visible').map((p) => pkOf(p.remoteId));
    expect(inShop.length).toBeGreaterThan(0);

    await page.goto(`${stack.console.url}/items`);
    await page.getByLabel('Web shop').selectOption({ label: 'Not published' });
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/shop=unpublished/);
    const notPublished = await shown();
    expect(notPublished.length).toBeGreaterThan(0);
    for (const pk of notPublished) expect(inShop, `item ${pk}`).not.toContain(pk);
    expect(await page.locator('.grid .shop-state[data-shop-state="visible"]').count()).toBe(0);
    expect(await page.getByLabel('Style').inputValue()).toBe('');
    expect(await page.getByLabel('Search').inputValue()).toBe('');

    // Sold out in Sonlet: the shop still offers it until the next sync, so it is out of step.
    const target = inShop[0]!;
    await setSonletQuantity(stack, 'demo', target, 0);
    await page.getByLabel('Web shop').selectOption({ label: 'Out of sync' });
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/shop=out-of-sync/);
    // The filter reads a walk of the inventory that may be a minute old: Refresh reads it afresh.
    await Promise.all([page.waitForNavigation(), page.locator('.freshness').getByRole('button', { name: 'Refresh' }).click()]);
    expect(new URL(page.url()).searchParams.get('shop')).toBe('out-of-sync');
    const outOfSync = await shown();
    expect(outOfSync).toContain(target);
    for (const pk of outOfSync) expect(products().some((p) => pkOf(p.remoteId) === pk), `item ${pk}`).toBe(true);
    expect(await page.getByLabel('Web shop').inputValue()).toBe('out-of-sync');
    expect(errors).toEqual([]);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startStack, uniqueEmail, type Stack } from './support/stack.js';
import { launchChromium, screenshot, signUpAndConnectInBrowser, watchPageErrors } from './support/browser.js';
import { startPlugboardSandbox, DEMO_PLUGBOARD_TENANTS, type StartedPlugboardSandbox } from '../src/sandbox/plugboard/index.js';

const DEMO = DEMO_PLUGBOARD_TENANTS.find((t) => t.tenant === 'demo')!;

let stack: Stack;
let plugboard: StartedPlugboardSandbox;
let browser: Browser;

beforeAll(async () => {
  [stack, plugboard, browser] = await Promise.all([startStack({ jobs: true }), startPlugboardSandbox(), launchChromium()]);
});
afterAll(async () => {
  await browser?.close();
  await stack?.close();
  await plugboard?.close();
});

function signUpAndConnect(page: Page) {
  return signUpAndConnectInBrowser(page, stack.console.url, uniqueEmail('e2e-pb'));
}

describe('publishing to a web shop in a real browser', () => {
  it('sets up Plugboard, tests the connection, publishes two items from the grid, sees them published', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors = watchPageErrors(page);
    await signUpAndConnect(page);

    await page.getByRole('link', { name: 'Web shop' }).click();
    await page.waitForURL(`${stack.console.url}/settings/plugboard`);
    await page.getByLabel('API address').fill(plugboard.url);
    await page.getByLabel('Tenant').fill(DEMO.tenant);
    await page.getByLabel(/^Connection id/).fill(DEMO.connectionId);
    await page.getByLabel('Username').fill(DEMO.username);
    await page.getByLabel(/^Password/).fill(DEMO.password);
    await page.getByLabel(/^VAT rate/).fill('25');
    await page.getByLabel(/^Currency/).fill('SEK');
    await page.getByRole('button', { name: 'Test connection' }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'Connection works' }).count()).toBe(1);
    expect(await page.locator('.check-name').textContent()).toBe('API');
    expect(await page.locator('.check-language').textContent()).toBe('swe');
    expect(await page.getByLabel(/^Password/).inputValue()).toBe('');
    await screenshot(page, 'plugboard-test-connection');

    await page.getByLabel(/^Password/).fill(DEMO.password);
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.getByText('Plugboard settings saved.').count()).toBe(1);

    await page.getByRole('link', { name: 'Items', exact: true }).click();
    await page.waitForURL(`${stack.console.url}/items`);
    // The script shows "select all"; it ticks every card and unticks them again.
    const selectAll = page.getByLabel('Select all on this page');
    await selectAll.check();
    const boxes = page.locator('.grid .card input[name="pk"]');
    const count = await boxes.count();
    expect(count).toBeGreaterThanOrEqual(10);
    expect(await page.locator('.grid .card input[name="pk"]:checked').count()).toBe(count);
    await selectAll.uncheck();
    expect(await page.locator('.grid .card input[name="pk"]:checked').count()).toBe(0);

    const cards = page.locator('.grid .card');
    await cards.nth(0).getByLabel('Select').check();
    await cards.nth(1).getByLabel('Select').check();
    await page.getByRole('button', { name: 'Publish selected' }).click();
    await page.waitForURL(/\/publish\/[0-9a-f-]{36}$/);
    // The page refreshes itself (Refresh header) until both are done.
    await expect.poll(() => page.locator('tr.export[data-state="done"]').count(), { timeout: 60_000 }).toBe(2);
    expect(await page.locator('.publish-summary').textContent()).toMatch(/2 published/);
    await screenshot(page, 'plugboard-publish-result');

    const products = plugboard.sandbox.products('demo');
    expect(products).toHaveLength(2);

    await page.getByRole('link', { name: 'Back to items' }).click();
    await page.waitForURL(`${stack.console.url}/items`);
    expect(await cards.nth(0).locator('.published').count()).toBe(1);
    expect(await cards.nth(1).locator('.published').count()).toBe(1);
    expect(await cards.nth(2).locator('.published').count()).toBe(0);
    const titles = await Promise.all([0, 1].map((i) => cards.nth(i).locator('.published').getAttribute('title')));
    expect(titles.sort()).toEqual(products.map((p) => `Plugboard product ${p.localId}`).sort());
    await screenshot(page, 'plugboard-items-published');

    await cards.nth(0).locator('a').first().click();
    await expect.poll(() => page.getByText('Published as').count()).toBe(1);
    expect(products.map((p) => p.localId)).toContain(await page.locator('.published .local-id').textContent());
    expect(errors).toEqual([]);
  }, 120_000);
});

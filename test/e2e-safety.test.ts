/**
 * Safety and comfort, as a seller meets them in Chromium: wide or destructive actions take a second step
 * that says what will happen (with and without script), touch targets of at least 44 × 44 px on a phone,
 * and the publish results page fits a 390 px screen.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Locator } from 'playwright-core';
import { startStack, signUp, connectSonlet, uniqueEmail, type Stack } from './support/stack.js';
import { DESKTOP, launchChromium, PHONE, screenshot, sellerContext } from './support/browser.js';
import { jpegs } from './fixtures/uploads.js';
import { DEMO_PLUGBOARD_TENANTS, startPlugboardSandbox, type StartedPlugboardSandbox } from '../src/sandbox/plugboard/index.js';
import { settingsFor } from './support/shop.js';
import type { HttpSession } from './support/http.js';

let stack: Stack;
let plugboard: StartedPlugboardSandbox;
let browser: Browser;
let seller: HttpSession;
let sellerId: string;

beforeAll(async () => {
  [stack, plugboard, browser] = await Promise.all([startStack({ jobs: true, env: { LOG_LEVEL: 'warn' } }), startPlugboardSandbox(), launchChromium()]);
  const email = uniqueEmail('safety');
  seller = await signUp(stack.console.url, email);
  expect((await connectSonlet(seller)).status).toBe(302);
  sellerId = (await stack.console.app.prisma.user.findUniqueOrThrow({ where: { email } })).id;
  expect((await seller.submit('/settings/plugboard', '/settings/plugboard', settingsFor(plugboard.url, DEMO_PLUGBOARD_TENANTS[0]!))).status).toBe(303);
});
afterAll(async () => {
  await browser?.close();
  await stack?.close();
  await plugboard?.close();
});

async function expectTouchTarget(target: Locator, what: string) {
  const box = (await target.boundingBox())!;
  expect(box.width, `${what} width`).toBeGreaterThanOrEqual(44);
  expect(box.height, `${what} height`).toBeGreaterThanOrEqual(44);
}

const exportRows = () => stack.console.app.prisma.plugboardExport.count({ where: { userId: sellerId } });
const unlisted = () => stack.console.app.prisma.plugboardExport.count({ where: { userId: sellerId, listed: false } });

describe('a second step before wide or destructive actions', () => {
  for (const javaScript of [true, false]) {
    it(`“Publish all on this page” asks first, and Cancel publishes nothing (${javaScript ? 'with' : 'without'} JavaScript)`, async () => {
      const context = await sellerContext(browser, stack.console.url, seller.cookies, { ...PHONE, javaScriptEnabled: javaScript });
      const page = await context.newPage();
      await page.goto(`${stack.console.url}/items?page=3`);
      const before = await exportRows();
      await page.getByRole('button', { name: 'Publish all on this page' }).click();
      await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Publish all 20 items on this page?');
      expect(await exportRows()).toBe(before);
      await screenshot(page, `confirm-publish-page-${javaScript ? 'js' : 'nojs'}`);
      await page.getByRole('link', { name: 'Cancel' }).click();
      await page.waitForURL(/\/items\?page=3$/);
      expect(await exportRows()).toBe(before);
      if (!javaScript) {
        await context.close();
        return;
      }
      // Confirmed: the results page, which fits the phone's screen.
      await page.getByRole('button', { name: 'Publish all on this page' }).click();
      await page.getByRole('button', { name: 'Publish 20 items' }).click();
      await page.waitForURL(/\/publish\/[0-9a-f-]+$/);
      expect(await exportRows()).toBe(before + 20);
      await expect.poll(() => page.locator('tr.export[data-state="done"]').count(), { timeout: 30_000 }).toBe(20);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      await screenshot(page, 'publish-results-phone');
      await context.close();
    });
  }

  it('“Unpublish selected” says which items leave the shop before they do', async () => {
    const context = await sellerContext(browser, stack.console.url, seller.cookies, DESKTOP);
    const page = await context.newPage();
    await page.goto(`${stack.console.url}/items?shop=published`);
    await page.locator('.grid .card').first().getByText('Select').click();
    const title = await page.locator('.grid .card .style').first().textContent();
    await page.getByRole('button', { name: 'Unpublish selected' }).click();
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Take this item out of the web shop?');
    expect(await page.locator('.confirm-list').textContent()).toContain(title!);
    expect(await unlisted()).toBe(0);
    await page.getByRole('button', { name: 'Take out of the shop' }).click();
    await page.waitForURL(/\/publish\/[0-9a-f-]+$/);
    expect(await unlisted()).toBe(1);
    await context.close();
  });

  it('“Disconnect Sonlet” without JavaScript: a page that says what happens, and Cancel keeps the connection', async () => {
    const context = await sellerContext(browser, stack.console.url, seller.cookies, { ...DESKTOP, javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(stack.console.url);
    await page.getByRole('link', { name: 'Disconnect Sonlet…' }).click();
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Disconnect Sonlet?');
    expect(await page.locator('.consequences').textContent()).toContain('Nothing changes in Sonlet itself');
    await page.getByRole('link', { name: 'Cancel' }).click();
    await page.waitForURL(`${stack.console.url}/`);
    expect(await page.getByText('Sonlet connected.').isVisible()).toBe(true);
    await context.close();
  });
});

describe('on a 390 px phone', () => {
  it('checkboxes, pager links, navigation and Remove buttons are at least 44 × 44 px', async () => {
    const context = await sellerContext(browser, stack.console.url, seller.cookies, PHONE);
    const page = await context.newPage();
    await page.goto(`${stack.console.url}/items?page=2`);
    const select = page.locator('.grid .card label').first();
    await expectTouchTarget(select, 'Select');
    for (const name of ['« First', '‹ Previous', 'Next ›', 'Last »']) await expectTouchTarget(page.getByRole('link', { name }), name);
    for (const name of ['Items', 'Upload', 'Uploads']) await expectTouchTarget(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true }), name);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await screenshot(page, 'items-phone');

    await page.goto(`${stack.console.url}/upload`);
    const photos = await jpegs(2, 800);
    await page.locator('#up-photos').setInputFiles(photos.map((p) => ({ name: p.name, mimeType: p.type, buffer: p.data })));
    await expect.poll(() => page.locator('#up-list li.photo').count()).toBe(2);
    await expectTouchTarget(page.getByRole('button', { name: `Remove ${photos[0]!.name}` }), 'Remove');
    await expectTouchTarget(page.locator('#up-list li.photo').first().locator('label.pick'), 'Select on a photo');
    await context.close();
  });
});

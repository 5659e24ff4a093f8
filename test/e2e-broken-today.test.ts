/**
 * Issue 12's "broken today", as a seller meets it in Chromium: real controls, other fields left as
 * the page sets them, then the button; the test reads what the seller sees.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext } from 'playwright-core';
import { startStack, signUp, connectSonlet, type Stack } from './support/stack.js';
import { DESKTOP, PHONE, launchChromium, screenshot, watchPageErrors } from './support/browser.js';
import { jpeg } from './fixtures/uploads.js';
import { DEMO_PLUGBOARD_TENANTS, startPlugboardSandbox, type StartedPlugboardSandbox } from '../src/sandbox/plugboard/index.js';
import { settingsFor } from './support/shop.js';

let stack: Stack;
let plugboard: StartedPlugboardSandbox;
let browser: Browser;
let cookie: { name: string; value: string };

beforeAll(async () => {
  [stack, plugboard, browser] = await Promise.all([startStack({ jobs: true, env: { LOG_LEVEL: 'warn' } }), startPlugboardSandbox(), launchChromium()]);
  const seller = await signUp(stack.console.url);
  expect((await connectSonlet(seller)).status).toBe(302);
  const saved = await seller.submit('/settings/plugboard', '/settings/plugboard', settingsFor(plugboard.url, DEMO_PLUGBOARD_TENANTS[0]!));
  expect(saved.status).toBe(303);
  cookie = { name: 'sid', value: seller.cookies.get('sid')! };
});
afterAll(async () => {
  await browser?.close();
  await stack?.close();
  await plugboard?.close();
});

async function signedIn(screen: typeof DESKTOP | typeof PHONE, opts: { javaScript?: boolean } = {}): Promise<BrowserContext> {
  const context = await browser.newContext({ ...screen, javaScriptEnabled: opts.javaScript ?? true });
  await context.addCookies([{ ...cookie, url: stack.console.url }]);
  return context;
}

// At a laptop's width and a phone's: the same controls, the same outcome.
for (const [name, screen] of [['desktop', DESKTOP], ['phone', PHONE]] as const) {
describe(`broken today, fixed (${name})`, () => {
  it('filters by style alone: size left on “All sizes”, Filter shows that style’s items', async () => {
    const context = await signedIn(screen);
    const page = await context.newPage();
    const errors = watchPageErrors(page);
    await page.goto(`${stack.console.url}/items`);
    const style = page.getByLabel('Style', { exact: true });
    const chosen = await style.locator('option').nth(2).textContent();
    await style.selectOption({ index: 2 });
    expect(await page.getByLabel('Size', { exact: true }).inputValue()).toBe('');
    await page.getByRole('button', { name: 'Filter' }).click();
    // Size and web shop left on "All": sent empty, as a browser does.
    await page.waitForURL(/style=\d+&size=&shop=$/);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toMatch(/^Items/);
    const styles = await page.locator('.grid .card .style').allTextContents();
    expect(styles.length).toBeGreaterThan(0);
    expect(new Set(styles)).toEqual(new Set([chosen]));
    expect(await style.inputValue()).not.toBe('');
    await screenshot(page, `filter-style-alone-${name}`);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('a bad file next to a good photo: one refused with its reason, one done, Upload usable again', async () => {
    const context = await signedIn(screen);
    const page = await context.newPage();
    const errors = watchPageErrors(page);
    await page.goto(`${stack.console.url}/upload`);
    await page.getByLabel('Style', { exact: true }).selectOption({ index: 1 });
    await page.getByLabel('Size', { exact: true }).selectOption({ index: 1 });
    const photo = await jpeg(77, { width: 400, height: 500 });
    // A 300 KB file that is not a photo: the server refuses it after its first bytes.
    const notAPhoto = Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(300 * 1024)]);
    await page.locator('#up-photos').setInputFiles([
      { name: 'invoice.pdf', mimeType: 'application/pdf', buffer: notAPhoto },
      { name: photo.name, mimeType: photo.type, buffer: photo.data },
    ]);
    const cards = page.locator('#up-list li.photo');
    await expect.poll(() => cards.count()).toBe(2);
    await page.getByRole('button', { name: 'Upload' }).click();

    const bad = cards.filter({ hasText: 'invoice.pdf' });
    const good = cards.filter({ hasText: photo.name });
    await expect.poll(() => good.getAttribute('data-state'), { timeout: 30_000 }).toBe('done');
    await expect.poll(() => bad.getAttribute('data-state')).toBe('refused');
    expect(await bad.locator('.status').textContent()).toMatch(/not a photo|JPEG|PNG/i);
    expect(await good.locator('a.item-link').count()).toBe(1);
    await expect.poll(() => page.getByRole('button', { name: 'Upload' }).isEnabled()).toBe(true);
    await screenshot(page, `upload-bad-next-to-good-${name}`);
    expect(errors.filter((e) => !/status of 415/.test(e))).toEqual([]);
    await context.close();
  });

  it('an error page keeps the main navigation and Sign out', async () => {
    const context = await signedIn(screen);
    const page = await context.newPage();
    for (const path of ['/items/2147483647', '/no-such-page', '/items/abc']) {
      const res = await page.goto(`${stack.console.url}${path}`);
      expect(res!.status(), path).toBeGreaterThanOrEqual(400);
      const nav = page.getByRole('navigation', { name: 'Main' });
      expect(await nav.getByRole('link').allTextContents(), path).toEqual(expect.arrayContaining(['Items', 'Images', 'Upload']));
      expect(await page.getByRole('button', { name: 'Sign out' }).count(), path).toBe(1);
    }
    await screenshot(page, `error-page-with-navigation-${name}`);
    // The navigation works from there.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Items' }).click();
    await page.waitForURL(`${stack.console.url}/items`);
    await context.close();
  });

  for (const javaScript of [true, false]) {
    it(`“Publish selected” with nothing ticked says so next to the button (${javaScript ? 'with' : 'without'} JavaScript)`, async () => {
      const context = await signedIn(screen, { javaScript });
      const page = await context.newPage();
      await page.goto(`${stack.console.url}/items?page=2`);
      const message = page.locator('#publish-none');
      expect(await message.isVisible()).toBe(false);
      await page.getByRole('button', { name: 'Publish selected', exact: true }).click();
      await expect.poll(() => message.isVisible()).toBe(true);
      expect(await message.textContent()).toContain('Select at least one item to publish');
      // Still the same items page, next to the same button.
      expect(page.url()).toContain('page=2');
      expect(await page.locator('.pos').textContent()).toMatch(/^Page 2 of \d+$/);
      const box = await message.boundingBox();
      const button = await page.getByRole('button', { name: 'Publish selected', exact: true }).boundingBox();
      expect(Math.abs(box!.y - button!.y)).toBeLessThan(120);
      // On the screen as it is, without scrolling to find it.
      expect(box!.y).toBeGreaterThanOrEqual(0);
      expect(box!.y + box!.height).toBeLessThanOrEqual(screen.viewport.height);
      await screenshot(page, `publish-nothing-selected-${javaScript ? 'js' : 'nojs'}-${name}`);
      await context.close();
    });
  }
});
}

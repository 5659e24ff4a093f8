import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { startStack, uniqueEmail, type Stack } from './support/stack.js';
import { launchChromium, screenshot, signUpAndConnectInBrowser, watchPageErrors } from './support/browser.js';

let stack: Stack;
let browser: Browser;

beforeAll(async () => {
  [stack, browser] = await Promise.all([startStack(), launchChromium()]);
});
afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

describe('in a real browser', () => {
  it('signs up, connects Sonlet at the sandbox, and sees the items grid', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors = watchPageErrors(page);
    await signUpAndConnectInBrowser(page, stack.console.url, uniqueEmail('e2e'));
    const cards = page.locator('.grid .card');
    await expect.poll(() => cards.count()).toBeGreaterThanOrEqual(10);
    const firstImage = cards.first().locator('img');
    await expect.poll(() => firstImage.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBeGreaterThan(0);
    await screenshot(page, 'connect-items-grid');
    expect(errors).toEqual([]);
  });

  it('disconnects from the home page: both tokens are revoked at Sonlet and the console offers to connect again', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors = watchPageErrors(page);
    await signUpAndConnectInBrowser(page, stack.console.url, uniqueEmail('e2e-disconnect'));
    await page.goto(stack.console.url);
    stack.sonlet.sandbox.resetStats();
    await page.getByRole('button', { name: 'Disconnect Sonlet' }).click();
    await expect.poll(() => page.getByText('Connect your Sonlet account').isVisible()).toBe(true);
    expect(stack.sonlet.sandbox.stats.byPath.get('/o/revoke_token/')).toBe(2);
    expect(stack.sonlet.sandbox.stats.apiRequests).toBe(0);
    await page.goto(`${stack.console.url}/items`);
    await expect.poll(() => page.getByRole('link', { name: 'Connect Sonlet' }).first().isVisible()).toBe(true);
    expect(errors).toEqual([]);
  });
});

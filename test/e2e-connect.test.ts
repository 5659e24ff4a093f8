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
});

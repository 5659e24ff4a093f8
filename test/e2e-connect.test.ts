import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { startStack, uniqueEmail, type Stack } from './support/stack.js';
import { launchChromium, screenshot, watchPageErrors } from './support/browser.js';

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
    await page.goto(stack.console.url);
    await page.getByRole('link', { name: 'Create an account' }).first().click();
    await page.getByLabel('Email').fill(uniqueEmail('e2e'));
    await page.getByLabel(/^Password/).fill('a long enough password');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('link', { name: 'Connect Sonlet' }).click();

    // Now at the Sonlet sandbox's authorize page.
    await page.waitForURL(/\/o\/authorize\//);
    await page.locator('input[name="username"]').fill('demo');
    await page.locator('input[name="password"]').fill('demo');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Authorize' }).click();

    await page.waitForURL(`${stack.console.url}/items`);
    const cards = page.locator('.grid .card');
    await expect.poll(() => cards.count()).toBeGreaterThanOrEqual(10);
    const firstImage = cards.first().locator('img');
    await expect.poll(() => firstImage.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBeGreaterThan(0);
    await screenshot(page, 'connect-items-grid');
    expect(errors).toEqual([]);
  });
});

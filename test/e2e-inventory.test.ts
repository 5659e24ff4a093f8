import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext } from 'playwright-core';
import { startStack, signUp, connectSonlet, type Stack } from './support/stack.js';
import { launchChromium, screenshot, watchPageErrors } from './support/browser.js';

let stack: Stack;
let browser: Browser;
let cookie: { name: string; value: string };

beforeAll(async () => {
  [stack, browser] = await Promise.all([startStack(), launchChromium()]);
  const seller = await signUp(stack.console.url);
  expect((await connectSonlet(seller)).status).toBe(302);
  cookie = { name: 'sid', value: seller.cookies.get('sid')! };
});
afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

async function signedInContext(width: number, height: number): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width, height }, deviceScaleFactor: 1 });
  await context.addCookies([{ ...cookie, url: stack.console.url }]);
  return context;
}

describe('browsing inventory in a real browser', () => {
  it('pages through the grid and opens an item (desktop)', async () => {
    const context = await signedInContext(1280, 900);
    const page = await context.newPage();
    const errors = watchPageErrors(page);
    await page.goto(`${stack.console.url}/items`);
    await expect.poll(() => page.locator('.grid .card').count()).toBe(20);
    const firstOnPage1 = await page.locator('.grid .card .style').first().textContent();

    await page.getByRole('link', { name: 'Next ›' }).click();
    await page.waitForURL(/page=2/);
    await expect.poll(() => page.locator('.pos').textContent()).toBe('Page 2 of 16');
    await page.getByRole('link', { name: 'Last »' }).click();
    await expect.poll(() => page.locator('.pos').textContent()).toBe('Page 16 of 16');
    await page.getByRole('link', { name: '« First' }).click();
    await expect.poll(() => page.locator('.grid .card .style').first().textContent()).toBe(firstOnPage1);
    await screenshot(page, 'items-desktop');

    // Keyboard: the first card link is reachable and opens the item.
    const firstCard = page.locator('.grid .card a').first();
    await firstCard.focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/items\/\d+$/);
    await expect.poll(() => page.locator('dl.facts dt').count()).toBeGreaterThanOrEqual(5);
    await expect.poll(() => page.locator('img.full').evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBeGreaterThan(0);
    await screenshot(page, 'item-desktop');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('is usable at phone width (375 px): no horizontal scroll, two columns, readable item page', async () => {
    const context = await signedInContext(375, 812);
    const page = await context.newPage();
    await page.goto(`${stack.console.url}/items?page=2`);
    await expect.poll(() => page.locator('.grid .card').count()).toBe(20);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    const boxes = await page.locator('.grid .card').evaluateAll((els) => els.slice(0, 2).map((e) => e.getBoundingClientRect().top));
    expect(boxes[0]).toBe(boxes[1]);
    await screenshot(page, 'items-phone');

    await page.locator('.grid .card a').first().click();
    await page.waitForURL(/\/items\/\d+$/);
    const itemOverflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(itemOverflow).toBeLessThanOrEqual(0);
    await screenshot(page, 'item-phone');

    await page.goto(`${stack.console.url}/`);
    await expect.poll(() => page.locator('figure.chart svg').count()).toBe(2);
    await screenshot(page, 'home-phone');
    await context.close();
  });
});

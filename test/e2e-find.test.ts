/**
 * Finding things as a seller does it in Chromium: type words, choose a sort and stock, leave the rest, press
 * Filter; the freshness line and Refresh; the home page's bars leading to the filtered grid. Desktop and phone.
 */
import { describe, expect, it, inject } from 'vitest';
import { connectSonlet, signUp } from './support/stack.js';
import { withBrowserStack } from './support/browser-stack.js';
import { DESKTOP, PHONE, screenshot, sellerContext, watchPageErrors } from './support/browser.js';
import { attributesOf, everyItem, type WireItem } from './support/sonlet-oracle.js';
import type { HttpSession } from './support/http.js';

const t = withBrowserStack({ env: { LOG_LEVEL: 'warn' } });

async function demoSeller(): Promise<{ seller: HttpSession; all: WireItem[] }> {
  const email = `find-${Date.now()}-${Math.random().toString(16).slice(2, 8)}@example.com`;
  const seller = await signUp(t.stack.console.url, email);
  expect((await connectSonlet(seller)).status).toBe(302);
  return { seller, all: await everyItem(t.stack, inject('databaseUrl'), email) };
}

for (const [screen, options] of [['desktop', DESKTOP], ['phone', PHONE]] as const) {
  describe(`finding items (${screen})`, () => {
    it('searches a colour, in stock, cheapest first, through the form; says how fresh; Refresh keeps the search', async () => {
      const { seller, all } = await demoSeller();
      const context = await sellerContext(t.browser, t.stack.console.url, seller.cookies, options);
      const page = await context.newPage();
      const errors = watchPageErrors(page);
      await page.goto(`${t.stack.console.url}/items`);
      const colour = attributesOf(all[2]!).Color ?? Object.values(attributesOf(all[2]!))[0]!;
      await page.getByLabel('Search').fill(colour.toLowerCase());
      await page.getByLabel('Sort').selectOption({ label: 'Price: low to high' });
      await page.getByLabel('Stock').selectOption({ label: 'In stock' });
      await page.getByRole('button', { name: 'Filter' }).click();
      await page.waitForURL(/[?&]q=/);

      const expected = all
        .filter((i) => i.quantity > 0 && Object.values(attributesOf(i)).some((v) => v.toLowerCase().includes(colour.toLowerCase())))
        .sort((a, b) => Number(a.price) - Number(b.price) || b.pk - a.pk);
      expect(await page.locator('.count').textContent()).toBe(`${expected.length} in total`);
      const shown = await page.locator('.grid .card > a').evaluateAll((links) => links.map((a) => Number(a.getAttribute('href')!.split('/').pop())));
      expect(shown).toEqual(expected.slice(0, 20).map((i) => i.pk));
      // The form shows what was asked; the rest stayed untouched.
      expect(await page.getByLabel('Search').inputValue()).toBe(colour.toLowerCase());
      expect(await page.getByLabel('Style').inputValue()).toBe('');
      expect(await page.locator('.freshness').textContent()).toContain('Searched your inventory as of');
      await screenshot(page, `find-${screen}`);
      if (screen === 'phone') expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);

      const asked = new URL(page.url()).searchParams;
      await Promise.all([page.waitForNavigation(), page.locator('.freshness').getByRole('button', { name: 'Refresh' }).click()]);
      const back = new URL(page.url()).searchParams;
      for (const key of ['q', 'sort', 'stock']) expect(back.get(key)).toBe(asked.get(key));
      expect(await page.locator('.count').textContent()).toBe(`${expected.length} in total`);
      expect(errors).toEqual([]);
      await context.close();
    });

    it('a bar of the home page’s summary leads to the grid filtered by that style', async () => {
      const { seller, all } = await demoSeller();
      const context = await sellerContext(t.browser, t.stack.console.url, seller.cookies, options);
      const page = await context.newPage();
      await page.goto(t.stack.console.url);
      const bar = page.locator('#by-style-t + svg a').first();
      const label = (await bar.getAttribute('aria-label'))!;
      const style = label.split(':')[0]!;
      await bar.click();
      await page.waitForURL(/\/items\?style=\d+$/);
      const styleId = Number(new URL(page.url()).searchParams.get('style'));
      expect(await page.locator('.count').textContent()).toBe(`${all.filter((i) => i.itemchoice_id === styleId).length} in total`);
      expect(new Set(await page.locator('.grid .card .style').allTextContents())).toEqual(new Set([style]));
      await page.goto(t.stack.console.url);
      await page.getByRole('link', { name: /sold out$/ }).click();
      await page.waitForURL(/\/items\?stock=sold-out$/);
      expect(await page.locator('.count').textContent()).toBe(`${all.filter((i) => i.quantity <= 0).length} in total`);
      await context.close();
    });
  });
}

describe('finding items by price, most pieces first (desktop)', () => {
  it('a price range typed into the form and "Quantity: most first", the rest left alone', async () => {
    const { seller, all } = await demoSeller();
    const context = await sellerContext(t.browser, t.stack.console.url, seller.cookies, DESKTOP);
    const page = await context.newPage();
    await page.goto(`${t.stack.console.url}/items`);
    // A range around the middle of what the seller asks, typed as a seller would (a comma is a decimal point too).
    const prices = all.map((i) => Number(i.price)).sort((a, b) => a - b);
    const [low, high] = [prices[Math.floor(prices.length / 4)]!, prices[Math.floor((prices.length * 3) / 4)]!];
    await page.getByLabel('Price from').fill(String(low).replace('.', ','));
    await page.getByLabel('Price to').fill(String(high));
    await page.getByLabel('Sort').selectOption({ label: 'Quantity: most first' });
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/[?&]sort=qty-desc/);

    const expected = all.filter((i) => Number(i.price) >= low && Number(i.price) <= high).sort((a, b) => b.quantity - a.quantity || b.pk - a.pk);
    expect(expected.length).toBeGreaterThan(0);
    expect(await page.locator('.count').textContent()).toBe(`${expected.length} in total`);
    const shown = await page.locator('.grid .card > a').evaluateAll((links) => links.map((a) => Number(a.getAttribute('href')!.split('/').pop())));
    expect(shown).toEqual(expected.slice(0, 20).map((i) => i.pk));
    expect(await page.getByLabel('Stock').inputValue()).toBe('');
    await context.close();
  });
});


/**
 * The Sonlet sandbox's tools, driven in Chromium as a person would: sign in, set an item to 0 and see it sold out,
 * remove an item and see the API answer 404 for it (also after the sandbox restarts from its data directory).
 */
import type { Browser, Page as BrowserPage } from 'playwright-core';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, screenshot, watchPageErrors } from './support/browser.js';
import { CookieJar, type Item, type Page, type StartedSandbox, bearer, form, getTokens, startTestSandbox } from './support/sonlet-sandbox.js';

let sb: StartedSandbox;
let browser: Browser;

beforeAll(async () => {
  [sb, browser] = await Promise.all([startTestSandbox(), launchChromium()]);
});
afterAll(async () => {
  await browser?.close();
  await sb?.close();
});

async function itemsOf(seller: string): Promise<Item[]> {
  const { access_token } = await getTokens(sb.url, seller);
  const res = await fetch(`${sb.url}/api/v2/items/`, { headers: bearer(access_token) });
  return ((await res.json()) as Page<Item>).results;
}

/** Opens the tools page and signs in there as a sandbox seller, as a person would. */
async function signInAtTools(page: BrowserPage, base: string, seller: string): Promise<void> {
  await page.goto(`${base}/tools/`);
  await page.getByRole('link', { name: 'Sign in as a sandbox seller' }).click();
  await page.getByLabel('Username').fill(seller);
  await page.getByLabel('Password').fill(seller);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${base}/tools/`);
}

describe('the quantity tool', () => {
  it('a signed-in seller sets one of their items to 0; the API then answers quantity 0', async () => {
    const [item] = (await itemsOf('demo2')).filter((i) => i.quantity > 0);
    const foreign = (await itemsOf('demo'))[0]!;
    const page = await browser.newPage();
    const errors = watchPageErrors(page);
    await signInAtTools(page, sb.url, 'demo2');

    await page.getByLabel('Item number (its pk)').fill(String(item!.pk));
    await page.getByLabel('Quantity').fill('0');
    await page.getByRole('button', { name: 'Set quantity' }).click();
    await page.getByRole('status').waitFor();
    expect(await page.getByRole('status').textContent()).toBe(`Item ${item!.pk} (${item!.style} – ${item!.size}): quantity is now 0 (sold out).`);
    await screenshot(page, 'sonlet-sandbox-quantity-tool');
    expect((await itemsOf('demo2')).find((i) => i.pk === item!.pk)!.quantity).toBe(0);

    // Another seller's item is not theirs to change.
    await page.getByLabel('Item number (its pk)').fill(String(foreign.pk));
    await page.getByLabel('Quantity').fill('0');
    await page.getByRole('button', { name: 'Set quantity' }).click();
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').textContent()).toBe(`You have no item ${foreign.pk}.`);
    expect((await itemsOf('demo'))[0]!.quantity).toBe(foreign.quantity);

    // Restock.
    await page.getByLabel('Item number (its pk)').fill(String(item!.pk));
    await page.getByLabel('Quantity').fill('3');
    await page.getByRole('button', { name: 'Set quantity' }).click();
    await page.getByText('quantity is now 3.').waitFor();
    expect((await itemsOf('demo2')).find((i) => i.pk === item!.pk)!.quantity).toBe(3);
    expect(errors.filter((e) => !/status of 400/.test(e))).toEqual([]);
  }, 60_000);

  it('changes nothing without a signed-in seller', async () => {
    const item = (await itemsOf('demo2'))[1]!;
    const res = await fetch(`${sb.url}/tools/quantity`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ item: String(item.pk), quantity: '0' }).toString(),
      redirect: 'manual',
    });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toMatch(/^\/accounts\/login\/\?next=/);
    expect((await itemsOf('demo2')).find((i) => i.pk === item.pk)!.quantity).toBe(item.quantity);
    const tools = await (await fetch(`${sb.url}/tools/`)).text();
    expect(tools).not.toContain('Set quantity');

    // Signed in, but the form did not come from the tools page: refused.
    const jar = new CookieJar();
    const login = await fetch(`${sb.url}/accounts/login/`, { method: 'POST', redirect: 'manual', ...form({ username: 'demo2', password: 'demo2', next: '/tools/' }) });
    jar.store(login);
    const forged = form({ item: String(item.pk), quantity: '0', csrfmiddlewaretoken: 'not-the-token' });
    const refused = await fetch(`${sb.url}/tools/quantity`, { method: 'POST', body: forged.body, headers: { ...forged.headers, ...jar.header() }, redirect: 'manual' });
    expect(refused.status).toBe(403);
    expect((await itemsOf('demo2')).find((i) => i.pk === item.pk)!.quantity).toBe(item.quantity);
  });
});

describe('the remove tool', () => {
  it('a signed-in seller removes one of their items: it leaves the list, the API answers 404, and it stays removed after a restart', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'sonlet-sandbox-remove-'));
    let own = await startTestSandbox({ dataDir });
    try {
      const listOf = async (base: string) => {
        const { access_token } = await getTokens(base, 'demo2');
        return { token: access_token, items: ((await (await fetch(`${base}/api/v2/items/`, { headers: bearer(access_token) })).json()) as Page<Item>) };
      };
      const before = await listOf(own.url);
      const item = before.items.results[0]!;
      const page = await browser.newPage();
      const errors = watchPageErrors(page);
      await signInAtTools(page, own.url, 'demo2');
      await page.getByLabel('Item to remove (its pk)').fill(String(item.pk));
      await page.getByRole('button', { name: 'Remove item' }).click();
      await page.getByRole('status').waitFor();
      expect(await page.getByRole('status').textContent()).toBe(`Item ${item.pk} is removed: the API now answers 404 for it.`);
      expect(errors).toEqual([]);
      await page.close();

      const after = await listOf(own.url);
      expect(after.items.count).toBe(before.items.count - 1);
      expect(after.items.results.map((i) => i.pk)).not.toContain(item.pk);
      expect((await fetch(`${own.url}/api/v2/items/${item.pk}/`, { headers: bearer(after.token) })).status).toBe(404);

      await own.close();
      own = await startTestSandbox({ dataDir });
      const again = await listOf(own.url);
      expect(again.items.count).toBe(before.items.count - 1);
      expect((await fetch(`${own.url}/api/v2/items/${item.pk}/`, { headers: bearer(again.token) })).status).toBe(404);
    } finally {
      await own.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});

/** The Sonlet sandbox's quantity tool, driven in Chromium as a person would: sign in, set an item to 0, see it sold out. */
import type { Browser } from 'playwright-core';
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

describe('the quantity tool', () => {
  it('a signed-in seller sets one of their items to 0; the API then answers quantity 0', async () => {
    const [item] = (await itemsOf('demo2')).filter((i) => i.quantity > 0);
    const foreign = (await itemsOf('demo'))[0]!;
    const page = await browser.newPage();
    const errors = watchPageErrors(page);
    await page.goto(`${sb.url}/tools/`);
    await page.getByRole('link', { name: 'Sign in as a sandbox seller' }).click();
    await page.getByLabel('Username').fill('demo2');
    await page.getByLabel('Password').fill('demo2');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${sb.url}/tools/`);

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

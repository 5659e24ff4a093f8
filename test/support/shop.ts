/** Shared steps of the web-shop tests at the HTTP level: settings, the grid's cards, publishing, the sandboxes' tools. */
import { expect } from 'vitest';
import { location, type HttpSession } from './http.js';
import { connectSonlet, signUp, startStack, type Stack } from './stack.js';
import { startPlugboardSandbox, DEMO_PLUGBOARD_TENANTS, type StartedPlugboardSandbox } from '../../src/sandbox/plugboard/index.js';

export interface Tenant {
  tenant: string;
  connectionId: string;
  username: string;
  password: string;
}

export function settingsFor(baseUrl: string, tenant: Tenant, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    baseUrl,
    tenant: tenant.tenant,
    connectionId: tenant.connectionId,
    username: tenant.username,
    password: tenant.password,
    vatRatePercent: '25',
    currency: 'SEK',
    languages: '',
    brand: '',
    ...overrides,
  };
}

export interface Card {
  pk: number;
  style: string;
  price: string;
  quantity: number;
}

function decode(s: string): string {
  return s.replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>');
}

export async function itemCards(browser: HttpSession, page = 1): Promise<Card[]> {
  const { html } = await browser.page(`/items${page > 1 ? `?page=${page}` : ''}`);
  return [...html.matchAll(/<li class="card">([\s\S]*?)<\/li>/g)].map(([, card]) => ({
    pk: Number(/href="\/items\/(\d+)"/.exec(card!)![1]),
    style: decode(/<span class="style">([^<]*)<\/span>/.exec(card!)![1]!),
    price: /<span class="price">\$([^<]*)<\/span>/.exec(card!)![1]!,
    quantity: Number(/<span class="qty">Qty (\d+)<\/span>/.exec(card!)![1]),
  }));
}

/** Reloads the result page (as its Refresh header does) until nothing is pending. */
export async function settled(browser: HttpSession, path: string, patienceMs = 30_000): Promise<string> {
  for (let i = 0; i < patienceMs / 100; i++) {
    const res = await browser.get(path);
    expect(res.status).toBe(200);
    const html = await res.text();
    if (!html.includes('data-state="pending"')) return html;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${path} still has pending items`);
}

/** Posts the grid's publish form with these items ticked and waits for the result page to settle. */
export async function publishAndSettle(browser: HttpSession, pks: number[], patienceMs?: number): Promise<string> {
  const { csrf } = await browser.page('/items');
  const body = new URLSearchParams([['_csrf', csrf ?? ''], ['scope', 'selected'], ...pks.map((pk) => ['pk', String(pk)])]);
  const res = await browser.request('POST', '/publish', { body: body.toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  expect(res.status, await res.clone().text()).toBe(303);
  return settled(browser, location(res), patienceMs);
}

/** Places a web-shop order at the Plugboard sandbox's tool page, as a person there would. */
export async function placeShopOrder(plugboardUrl: string, productLocalId: string, quantity: number, tenant = 'demo'): Promise<void> {
  const page = await fetch(`${plugboardUrl}/tools/`);
  const cookie = page.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const html = await page.text();
  const csrf = /name="csrf" value="([^"]*)"/.exec(html)?.[1] ?? '';
  const res = await fetch(`${plugboardUrl}/tools/orders`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
    body: new URLSearchParams({ csrf, product: `${tenant}/${productLocalId}`, quantity: String(quantity) }).toString(),
  });
  expect(res.status, await res.clone().text()).toBe(303);
}

/**
 * Posts one of the Sonlet sandbox's tool forms (Sonlet documents no item update or delete, so these are the
 * sandbox's own tools) as its seller: sign in at the sandbox, then post the form.
 */
async function postSonletTool(stack: Stack, seller: string, tool: 'quantity' | 'remove', fields: Record<string, string>): Promise<void> {
  const base = stack.sonlet.url;
  const login = await fetch(`${base}/accounts/login/`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username: seller, password: seller, next: '/tools/' }).toString(),
  });
  expect(login.status, await login.clone().text()).toBe(302);
  const cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const tools = await (await fetch(`${base}/tools/`, { headers: { cookie } })).text();
  const csrf = /name="csrfmiddlewaretoken" value="([^"]*)"/.exec(tools)?.[1] ?? '';
  const res = await fetch(`${base}/tools/${tool}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
    body: new URLSearchParams({ csrfmiddlewaretoken: csrf, ...fields }).toString(),
  });
  expect(res.status, await res.clone().text()).toBe(303);
}

/** Sets an item's quantity with the sandbox's quantity tool, as the seller would in Sonlet (0: sold out). */
export function setSonletQuantity(stack: Stack, seller: string, pk: number, quantity: number): Promise<void> {
  return postSonletTool(stack, seller, 'quantity', { item: String(pk), quantity: String(quantity) });
}

/** Removes an item with the sandbox's remove tool, as when the seller deletes it in Sonlet. */
export function removeSonletItem(stack: Stack, seller: string, pk: number): Promise<void> {
  return postSonletTool(stack, seller, 'remove', { item: String(pk) });
}

export interface ShopWorld {
  stack: Stack;
  plugboard: StartedPlugboardSandbox;
  /** Signed up, connected to Sonlet as demo, the demo shop saved. */
  seller: HttpSession;
  /** Moves the shop's clock on and runs what came due, to the end (no sleeping for sync periods). */
  afterPeriod(minutes?: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * A console with background work on a clock the test moves (real time plus what was skipped, so backoffs
 * still pass), the Plugboard sandbox, and a seller with Sonlet connected and the demo shop set up.
 */
export async function startShopWorld(email?: string): Promise<ShopWorld> {
  let skipped = 0;
  const clock = { now: () => Date.now() + skipped };
  const [stack, plugboard] = await Promise.all([startStack({ jobs: true, shopClock: clock }), startPlugboardSandbox()]);
  const seller = await signUp(stack.console.url, email);
  expect(location(await connectSonlet(seller))).toBe('/items');
  const saved = await seller.submit('/settings/plugboard', '/settings/plugboard', settingsFor(plugboard.url, DEMO_PLUGBOARD_TENANTS.find((t) => t.tenant === 'demo')!));
  expect(saved.status, await saved.clone().text()).toBe(303);
  return {
    stack,
    plugboard,
    seller,
    async afterPeriod(minutes = 15) {
      skipped += minutes * 60_000;
      const jobs = stack.console.app.jobs!;
      await jobs.runDue();
      await jobs.idle();
    },
    async close() {
      await stack.close();
      await plugboard.close();
    },
  };
}

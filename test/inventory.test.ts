import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import pg from 'pg';
import sharp from 'sharp';
import { startStack, signUp, connectSonlet, type Stack } from './support/stack.js';
import type { HttpSession } from './support/http.js';
import { testClock } from './support/plugboard-http.js';
import { TokenCipher } from '../src/crypto/token-cipher.js';

let stack: Stack;
let demo: HttpSession;
let demoEmail: string;
let demo2: HttpSession;
const db = new pg.Pool({ connectionString: inject('databaseUrl'), max: 2 });

beforeAll(async () => {
  stack = await startStack({ env: { SONLET_TIMEOUT_MS: '1500' } });
  demoEmail = `inv-${Date.now()}@example.com`;
  demo = await signUp(stack.console.url, demoEmail);
  expect((await connectSonlet(demo)).status).toBe(302);
  demo2 = await signUp(stack.console.url);
  expect((await connectSonlet(demo2, { username: 'demo2', password: 'demo2' })).status).toBe(302);
});
afterAll(async () => {
  await stack.close();
  await db.end();
});

async function accessToken(email: string): Promise<string> {
  const { rows } = await db.query(`SELECT c."accessTokenEnc" FROM "SonletConnection" c JOIN "User" u ON u.id = c."userId" WHERE u.email = $1`, [email]);
  return new TokenCipher(stack.console.config.tokenEncryptionKey).decrypt(rows[0].accessTokenEnc);
}

async function sonletApi(email: string, path: string) {
  const res = await fetch(`${stack.sonlet.url}/api/v2/${path}`, { headers: { authorization: `Bearer ${await accessToken(email)}` } });
  return res.json();
}

const cards = (html: string) => [...html.matchAll(/<a href="\/items\/(\d+)">/g)].map((m) => Number(m[1]));

describe('items pages', () => {
  it('pages through the items like Sonlet does: first, middle, last, out of range', async () => {
    const first = await demo.get('/items');
    const html1 = await first.text();
    expect(html1).toContain('320 in total');
    expect(html1).toContain('Page 1 of 16');
    expect(cards(html1)).toHaveLength(20);
    expect(html1).toContain('href="/items?page=2" rel="next"');
    expect(html1).toContain('href="/items?page=16" rel="last"');

    const middle = await (await demo.get('/items?page=8')).text();
    expect(middle).toContain('Page 8 of 16');
    expect(middle).toContain('href="/items?page=7" rel="prev"');
    expect(middle).toContain('href="/items" rel="first"');
    const upstream = (await sonletApi(demoEmail, 'items/?page=8')) as { results: Array<{ pk: number }> };
    expect(cards(middle)).toEqual(upstream.results.map((r) => r.pk));

    const last = await (await demo.get('/items?page=16')).text();
    expect(last).toContain('Page 16 of 16');
    expect(last).not.toContain('rel="next"');
    expect(new Set([...cards(html1), ...cards(middle), ...cards(last)]).size).toBe(60);

    const beyond = await demo.get('/items?page=17');
    expect(beyond.status).toBe(404);
    expect(await beyond.text()).toContain('That page does not exist');
    // A page number that cannot be one shows the first page.
    for (const odd of ['abc', '0', '', '-3', '2.5']) {
      const res = await demo.get(`/items?page=${odd}`);
      expect(res.status, odd).toBe(200);
      expect(await res.text()).toContain('Page 1 of 16');
    }
  });

  it('filters by style and by size across all pages', async () => {
    const choices = (await sonletApi(demoEmail, 'items/?page=1')) as { results: Array<{ itemchoice_id: number; size_id: number; style: string }> };
    const style = choices.results[0].itemchoice_id;
    const expected = (await sonletApi(demoEmail, `items/?itemchoice_id=${style}`)) as { count: number };
    const html = await (await demo.get(`/items?style=${style}`)).text();
    expect(html).toContain(`${expected.count} in total`);
    expect(html).toContain(`<option value="${style}" selected>`);
    const styleNames = [...html.matchAll(/<span class="style">([^<]+)<\/span>/g)].map((m) => m[1]);
    expect(new Set(styleNames)).toEqual(new Set([choices.results[0].style]));

    const size = choices.results[0].size_id;
    const both = (await sonletApi(demoEmail, `items/?itemchoice_id=${style}&size_id=${size}`)) as { count: number };
    const htmlBoth = await (await demo.get(`/items?style=${style}&size=${size}`)).text();
    expect(htmlBoth).toContain(`${both.count} in total`);

    const none = await (await demo2.get(`/items?style=${style}&size=999`)).text();
    expect(none).toContain('No items match these filters');
  });

  it('still filters across all pages when Sonlet ignores the filter parameters', async () => {
    const first = (await sonletApi(demoEmail, 'items/')) as { results: Array<{ itemchoice_id: number; style: string }> };
    const style = first.results[0].itemchoice_id;
    const expected = (await sonletApi(demoEmail, `items/?itemchoice_id=${style}`)) as { count: number; results: Array<{ pk: number }> };
    stack.sonlet.sandbox.faults.ignoreItemFilters = true;
    try {
      const html = await (await demo.get(`/items?style=${style}`)).text();
      expect(html).toContain(`${expected.count} in total`);
      expect(cards(html)).toEqual(expected.results.map((r) => r.pk));
      const styles = new Set([...html.matchAll(/<span class="style">([^<]+)<\/span>/g)].map((m) => m[1]));
      expect(styles).toEqual(new Set([first.results[0].style]));
      expect((await demo.get(`/items?style=${style}&page=99`)).status).toBe(404);
    } finally {
      stack.sonlet.sandbox.faults.ignoreItemFilters = false;
    }
  });

  it('shows an item with its full image, attributes, prices, quantity and date; unknown ids are 404', async () => {
    const page = (await sonletApi(demoEmail, 'items/')) as { results: Array<{ pk: number; price: string; data: { attributes: Record<string, string> } }> };
    const item = page.results[0];
    const res = await demo.get(`/items/${item.pk}`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain(`$${item.price}`);
    for (const [k, v] of Object.entries(item.data.attributes)) {
      expect(html).toContain(`<dt>${k}</dt><dd>${v}</dd>`);
    }
    expect(html).toMatch(/<img src="[^"]+\/media\/[^"]+" alt="[^"]+" class="full">/);
    expect(html).toContain('<time datetime=');

    expect((await demo.get('/items/99999999')).status).toBe(404);
    expect((await demo.get('/items/abc')).status).toBe(400);
    expect((await demo.get('/items/..%2F..%2Fetc%2Fpasswd')).status).toBe(400);
    // demo2 cannot open demo's item through the console.
    const other = await demo2.get(`/items/${item.pk}`);
    expect(other.status).toBe(404);
    expect(await other.text()).not.toContain(item.price + '</dd>');
  });

  it('demo2 only ever sees their own items', async () => {
    const html = await (await demo2.get('/items')).text();
    expect(html).toContain('7 in total');
    const mine = cards(html);
    const theirs = cards(await (await demo.get('/items')).text());
    expect(mine.filter((pk) => theirs.includes(pk))).toEqual([]);
  });

  it('an HTML/script injection string stored in an attribute is shown escaped', async () => {
    const token = await accessToken(demoEmail);
    const jpeg = await sharp({ create: { width: 40, height: 50, channels: 3, background: '#c33' } }).jpeg().toBuffer();
    const form = new FormData();
    form.set('image_full', new Blob([jpeg], { type: 'image/jpeg' }), 'x.jpg');
    const image = (await (await fetch(`${stack.sonlet.url}/api/v2/images/`, { method: 'POST', body: form, headers: { authorization: `Bearer ${token}` } })).json()) as { pk: number };
    const evil = '<script>alert("x")</script><img src=x onerror=alert(1)>';
    const created = await fetch(`${stack.sonlet.url}/api/v2/items/`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ itemchoice_id: 1, size_id: 4, image_id: image.pk, data: { attributes: { [evil]: evil } } }),
    });
    const item = (await created.json()) as { pk: number };
    const html = await (await demo.get(`/items/${item.pk}`)).text();
    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
  });

  it('images gallery links images to their items', async () => {
    const html = await (await demo2.get('/images')).text();
    expect(html).toContain('7 in total');
    expect((html.match(/<a href="\/items\/\d+">/g) ?? []).length).toBe(7);
  });
});

describe('catalog cache', () => {
  it('with a warm catalog, one items page costs exactly one upstream request; styles are fetched once per TTL', async () => {
    await demo.get('/items');
    stack.sonlet.sandbox.resetStats();
    for (const page of [1, 2, 3]) expect((await demo.get(`/items?page=${page}`)).status).toBe(200);
    expect(stack.sonlet.sandbox.stats.apiRequests).toBe(3);
    expect(stack.sonlet.sandbox.stats.byPath.get('/api/v2/itemchoices/') ?? 0).toBe(0);

  });

  it('refetches styles and sizes once the TTL has passed, once', async () => {
    const clock = testClock(Date.now());
    const short = await startStack({ jobs: true, shopClock: clock, env: { CATALOG_TTL_SECONDS: '60' } });
    try {
      const seller = await signUp(short.console.url);
      expect((await connectSonlet(seller)).status).toBe(302);
      await seller.get('/items');
      const stylePages = short.sonlet.sandbox.stats.byPath.get('/api/v2/itemchoices/') ?? 0;
      expect(stylePages).toBeGreaterThan(0);
      await seller.get('/items?page=2');
      expect(short.sonlet.sandbox.stats.byPath.get('/api/v2/itemchoices/')).toBe(stylePages);
      clock.advance(61);
      await seller.get('/items?page=3');
      await seller.get('/items?page=4');
      expect(short.sonlet.sandbox.stats.byPath.get('/api/v2/itemchoices/')).toBe(2 * stylePages);
    } finally {
      await short.close();
    }
  });
});

describe('inventory summary', () => {
  it('charts pieces per style and size as server-rendered SVG, cached with its age and a refresh button', async () => {
    const html = await (await demo2.get('/')).text();
    expect(html).toContain('Pieces per style');
    expect(html).toContain('<svg');
    expect(html).toContain('updated just now');
    expect(html).toContain('action="/summary/refresh"');
    const upstream = (await sonletApi((await emailOf(demo2))!, 'items/')) as { results: Array<{ quantity: number }> };
    const pieces = upstream.results.reduce((n, r) => n + r.quantity, 0);
    expect(html).toContain(`${pieces} pieces in 7 items`);

    stack.sonlet.sandbox.resetStats();
    await demo2.get('/');
    expect(stack.sonlet.sandbox.stats.apiRequests).toBe(0);
    expect((await demo2.submit('/', '/summary/refresh', {})).status).toBe(302);
    await demo2.get('/');
    expect(stack.sonlet.sandbox.stats.apiRequests).toBeGreaterThan(0);
  });
});

async function emailOf(browser: HttpSession): Promise<string | null> {
  const html = await (await browser.get('/')).text();
  return /title="Signed in as ([^"]+)"/.exec(html)?.[1] ?? null;
}

describe('when Sonlet misbehaves', () => {
  it('a 5xx answer is a clear 502 page with a retry link', async () => {
    stack.sonlet.sandbox.faults.errorRate = 1;
    try {
      const res = await demo.get('/items?page=2');
      expect(res.status).toBe(502);
      const html = await res.text();
      expect(html).toContain('Sonlet is not answering');
      expect(html).toContain('href="/items?page=2"');
      expect(html).not.toMatch(/at .*\.ts:\d+/);
    } finally {
      stack.sonlet.sandbox.faults.errorRate = 0;
    }
  });

  it('a timeout is a clear 504 page', async () => {
    stack.sonlet.sandbox.faults.latencyMs = 3000;
    try {
      const res = await demo.get('/items?page=3');
      expect(res.status).toBe(504);
      expect(await res.text()).toContain('did not answer in time');
    } finally {
      stack.sonlet.sandbox.faults.latencyMs = 0;
    }
  });

  it('an unreachable Sonlet is a 502 page, and the home page still renders', async () => {
    const lonely = await startStack();
    const browser = await signUp(lonely.console.url);
    expect((await connectSonlet(browser)).status).toBe(302);
    await lonely.sonlet.close();
    const res = await browser.get('/items');
    expect(res.status).toBe(502);
    expect(await res.text()).toContain('could not be reached');
    const home = await browser.get('/');
    expect(home.status).toBe(200);
    expect(await home.text()).toContain('could not be reached');
    await lonely.close();
  });
});

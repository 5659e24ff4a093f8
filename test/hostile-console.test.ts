/**
 * A real console process against the hostile double (SONLET_BASE_URL pointing at it), over real HTTP. For
 * each misbehaviour, aimed at one seller (alice): the upstream requests stay few (the numbers are stated),
 * the console's memory stays bounded (its own RSS, measured from /proc), alice gets a clear page (status and
 * message), and another seller (bob) is served meanwhile. Figures are printed for the report; nothing is timed.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startHostileProvider, type HostileProvider } from './support/hostile-provider.js';
import { startConsoleProcess, type ConsoleProcess } from './support/console-process.js';
import { HttpSession, location } from './support/http.js';
import { signUp } from './support/stack.js';

let double: HostileProvider;
let consoleProc: ConsoleProcess;
let alice: HttpSession;
let bob: HttpSession;

const TIMEOUT_MS = 2000;
const MAX_WALK_PAGES = 50;

beforeAll(async () => {
  double = await startHostileProvider();
  consoleProc = await startConsoleProcess({
    SONLET_BASE_URL: double.sonlet.url,
    SONLET_CLIENT_ID: double.sonlet.clientId,
    SONLET_CLIENT_SECRET: double.sonlet.clientSecret,
    SONLET_TIMEOUT_MS: String(TIMEOUT_MS),
    SONLET_MAX_WALK_PAGES: String(MAX_WALK_PAGES),
    // Every home page walks the inventory again, so each case below walks.
    SUMMARY_TTL_SECONDS: '0',
  });
  alice = await connectedAs('alice');
  bob = await connectedAs('bob');
}, 60_000);
afterAll(async () => {
  await consoleProc?.stop();
  await double?.close();
});
beforeEach(() => {
  double.sonlet.off();
  double.resetCounts();
});

/** Signs up on the console and connects Sonlet at the double as `user` (the double signs in whoever it is told). */
async function connectedAs(user: string): Promise<HttpSession> {
  const browser = await signUp(consoleProc.url);
  const authorize = new URL(location(await browser.get('/connect/sonlet')));
  authorize.searchParams.set('as', user);
  const back = new URL(location(await fetch(authorize, { redirect: 'manual' })));
  const cb = await browser.get(back.pathname + back.search);
  expect(location(cb)).toBe('/items');
  expect((await browser.get('/items')).status).toBe(200);
  return browser;
}

const requestsOf = (user: string, path: string) => double.requests.filter((r) => r.user === user && r.path === path).length;

async function page(browser: HttpSession, path: string): Promise<{ status: number; html: string }> {
  const res = await browser.get(path);
  return { status: res.status, html: await res.text() };
}

/** Bob's items page, while alice's trouble is going on. */
async function bobIsServed() {
  const res = await page(bob, '/items');
  expect(res.status).toBe(200);
  expect(res.html).toContain('45 in total');
}

describe('a console against a hostile Sonlet', () => {
  it('a self-referencing next: 1 upstream request per walk, a clear summary error, and the images page says so', async () => {
    double.sonlet.on('/api/v2/items/', { kind: 'self-next' }, { user: 'alice' });
    const home = await page(alice, '/');
    expect(home.status).toBe(200);
    expect(home.html).toContain('Sonlet sent a list that leads back to a page already read; the console stopped after 1 page.');
    expect(requestsOf('alice', '/api/v2/items/')).toBe(1);

    const images = await page(alice, '/images');
    expect(images.status).toBe(502);
    expect(images.html).toContain('leads back to a page already read');
    expect(requestsOf('alice', '/api/v2/items/')).toBe(2);
    await bobIsServed();
    console.log(`[figures] self-referencing next: ${requestsOf('alice', '/api/v2/items/')} upstream item requests for 2 walks`);
  });

  it('count=5,000,000 over 3 real pages: the summary reads 3 pages and counts 45 items; the items page shows what Sonlet says', async () => {
    double.sonlet.on('/api/v2/items/', { kind: 'absurd-count' }, { user: 'alice' });
    const home = await page(alice, '/');
    expect(home.html).toContain('in 45 items');
    expect(requestsOf('alice', '/api/v2/items/')).toBe(3);
    const items = await page(alice, '/items');
    expect(items.status).toBe(200);
    expect(items.html).toContain('5000000 in total');
    expect(requestsOf('alice', '/api/v2/items/')).toBe(4);
    console.log(`[figures] count=5000000 over 3 real pages: ${requestsOf('alice', '/api/v2/items/')} upstream item requests (summary walk + one items page)`);
  });

  it('count=5,000,000 with endless next links: the walk stops at SONLET_MAX_WALK_PAGES (50) with a clear message', async () => {
    double.sonlet.on('/api/v2/items/', { kind: 'endless-next', count: 5_000_000 }, { user: 'alice' });
    const home = await page(alice, '/');
    expect(home.status).toBe(200);
    expect(home.html).toContain(`Sonlet has more than ${MAX_WALK_PAGES} pages in this list, more than the console reads at once.`);
    expect(requestsOf('alice', '/api/v2/items/')).toBe(MAX_WALK_PAGES);
    await bobIsServed();
  });

  it('a 300 MB answer is cut at the cap: a 502 page, and the console’s memory stays where it was', async () => {
    for (let i = 0; i < 3; i++) await bobIsServed();
    const before = await consoleProc.rssMb();
    double.sonlet.on('/api/v2/items/', { kind: 'huge-body' }, { user: 'alice' });
    let peak = before;
    const sampling = setInterval(() => void consoleProc.rssMb().then((mb) => (peak = Math.max(peak, mb)), () => undefined), 20);
    const res = await page(alice, '/items');
    clearInterval(sampling);
    const after = await consoleProc.rssMb();
    expect(res.status).toBe(502);
    expect(res.html).toContain('Sonlet sent an answer larger than 4 MB, which the console does not read.');
    await bobIsServed();
    console.log(`[figures] 300 MB answer: console RSS ${before.toFixed(1)} MB before, ${after.toFixed(1)} MB after, ${peak.toFixed(1)} MB peak`);
    expect(after - before).toBeLessThan(64);
    expect(double.abandoned[0].bytesSent).toBeLessThan(32 * 1024 * 1024);
  });

  it('an answer dripping one byte a second is abandoned at the deadline: a 504 page; bob is served while alice waits', async () => {
    double.sonlet.on('/api/v2/items/', { kind: 'drip' }, { user: 'alice' });
    const started = Date.now();
    let aliceDone = false;
    const alicePage = page(alice, '/items').finally(() => (aliceDone = true));
    await until(() => double.requests.some((r) => r.user === 'alice'));
    await bobIsServed();
    expect(aliceDone).toBe(false);
    const res = await alicePage;
    expect(res.status).toBe(504);
    expect(res.html).toContain('Sonlet did not answer in time.');
    await until(() => double.abandoned.length === 1);
    console.log(`[figures] dripping answer: the seller got the 504 after ${Date.now() - started} ms; the double saw the connection closed after ${double.abandoned[0].afterMs} ms, ${double.abandoned[0].bytesSent} bytes sent (SONLET_TIMEOUT_MS=${TIMEOUT_MS})`);
  });

  it('HTML in every JSON field is shown as text', async () => {
    double.sonlet.on('/api/v2/items/*', { kind: 'html-in-json' }, { user: 'alice' });
    const list = await page(alice, '/items');
    expect(list.status).toBe(200);
    expect(list.html).toContain('&lt;script&gt;alert(');
    expect(list.html).not.toMatch(/<script>alert|<img src=x/);
    const item = await page(alice, '/items/1045');
    expect(item.status).toBe(200);
    expect(item.html).toContain('&lt;b&gt;');
    expect(item.html).not.toMatch(/<script>alert|<img src=x/);
  });

  it('odd items among good ones (NUL, a pk past 2³¹, no pk, a date before year 1, objects for values): the walk, search and grid carry on', async () => {
    double.sonlet.on('/api/v2/items/*', { kind: 'odd-items' }, { user: 'alice' });
    try {
      // Refresh walks the whole inventory into Postgres again, where a NUL or an id past 2³¹ cannot go.
      expect((await alice.submit('/', '/summary/refresh', {})).status).toBeLessThan(400);
      const home = await page(alice, '/');
      expect(home.status).toBe(200);
      expect(home.html).toMatch(/\d+ pieces? in \d+ items?/);
      // The two entries per page without a usable pk are named, not silently dropped.
      expect(home.html).toMatch(/Sonlet also sent \d*[02468] entries without an item number/);
      const found = await page(alice, '/items?q=julia');
      expect(found.status).toBe(200);
      expect(found.html).toMatch(/\d+ in total/);
      const list = await page(alice, '/items');
      expect(list.status).toBe(200);
      expect(list.html).not.toContain('\u0000');
      expect(list.html).toContain('Sonlet sent 2 entries on this page without an item number');
    } finally {
      double.sonlet.off('/api/v2/items/*');
    }
    // Once Sonlet sends only readable items again, nothing is said.
    expect((await alice.submit('/', '/summary/refresh', {})).status).toBeLessThan(400);
    expect((await page(alice, '/')).html).not.toContain('skipped-entries');
    expect((await page(alice, '/items')).html).not.toContain('skipped-entries');
    await bobIsServed();
  });

  it('wrong content types: JSON labelled as HTML is read; an HTML page labelled as JSON is a 502 page', async () => {
    double.sonlet.on('/api/v2/items/', { kind: 'wrong-content-type', contentType: 'text/html' }, { user: 'alice' });
    expect((await page(alice, '/items')).status).toBe(200);
    double.sonlet.on('/api/v2/items/', { kind: 'wrong-content-type', htmlBody: true }, { user: 'alice' });
    const res = await page(alice, '/items');
    expect(res.status).toBe(502);
    expect(res.html).toContain('Sonlet sent an answer the console could not read.');
  });

  it('a redirect to another host is not followed: a 502 page, and nothing reaches the other host', async () => {
    double.sonlet.on('/api/v2/items/', { kind: 'redirect-other-host' }, { user: 'alice' });
    const res = await page(alice, '/items');
    expect(res.status).toBe(502);
    expect(res.html).toContain('answered with a redirect (302), which the console does not follow');
    expect(double.otherHost.count()).toBe(0);
  });

  it('token lifetimes Sonlet states are bounded: absurd, negative or non-numeric ones connect, and pages are served with few refreshes', async () => {
    // 1800 s: a real lifetime shorter than the console's refresh leeway (an hour), renewed at half its life.
    for (const [i, expiresIn] of [1e300, -3600, 'forever', 1e12, 0.5, 1800].entries()) {
      double.sonlet.on('/o/token/', { kind: 'token-lifetime', expiresIn });
      const seller = await connectedAs(`lifetime-${i}`);
      double.sonlet.off('/o/token/');
      double.resetCounts();
      for (let n = 0; n < 3; n++) expect((await page(seller, '/items')).status, String(expiresIn)).toBe(200);
      // A lifetime too short to use is treated as a short one (a minute); none is renewed on every call.
      expect(double.sonlet.count('/o/token/'), String(expiresIn)).toBe(0);
    }
    await bobIsServed();
  });

  it('a token no header can carry (a line break in it) is not kept: the connection says so, and nothing is stored', async () => {
    double.sonlet.on('/o/token/', { kind: 'status', status: 200, body: { access_token: 'abc\r\nX-Injected: 1', refresh_token: 'fine-refresh-token', expires_in: 3600, token_type: 'Bearer' } });
    try {
      const browser = await signUp(consoleProc.url);
      const authorize = new URL(location(await browser.get('/connect/sonlet')));
      authorize.searchParams.set('as', 'alice');
      const back = new URL(location(await fetch(authorize, { redirect: 'manual' })));
      const cb = await browser.get(back.pathname + back.search);
      expect(cb.status).toBeGreaterThanOrEqual(400);
      expect(await cb.text()).toMatch(/Sonlet/);
      expect((await page(browser, '/items')).html).toContain('Connect Sonlet');
    } finally {
      double.sonlet.off('/o/token/');
    }
    await bobIsServed();
  });

  it('disconnecting revokes both tokens at Sonlet; the console logged no secret', async () => {
    const res = await alice.submit('/', '/connect/sonlet/disconnect', { confirm: 'yes' });
    expect(location(res)).toBe('/');
    expect(double.sonlet.count('/o/revoke_token/')).toBe(2);
    expect(double.sonlet.revoked).toHaveLength(2);
    expect((await page(alice, '/items')).html).toContain('Connect Sonlet');
    await bobIsServed();
    const output = consoleProc.output();
    for (const secret of [double.sonlet.clientSecret, ...double.sonlet.revoked]) expect(output).not.toContain(secret);
  });
});

async function until(ok: () => boolean) {
  for (let i = 0; i < 200 && !ok(); i++) await new Promise((r) => setTimeout(r, 20));
  expect(ok()).toBe(true);
}

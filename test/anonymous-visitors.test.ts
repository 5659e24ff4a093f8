/**
 * Anonymous visitors store nothing: the pages a stranger (or a flood of strangers) can open write no
 * row to any table. A session row appears only when someone signs in. Anonymous page views are
 * limited per address; signed-in sellers are not counted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { startStack, signUp, uniqueEmail, type Stack } from './support/stack.js';
import { HttpSession, csrfOf } from './support/http.js';
import { freshDatabase } from './support/database.js';

let stack: Stack;
let database: { url: string; drop(): Promise<void> };
let db: pg.Pool;
/** An anonymous browser that keeps the cookies it is given. */
let returning: HttpSession;

beforeAll(async () => {
  // A database of its own, so no other test file's rows move the counts.
  database = await freshDatabase();
  db = new pg.Pool({ connectionString: database.url, max: 2 });
  stack = await startStack({ databaseUrl: database.url, env: { LOG_LEVEL: 'warn' } });
  returning = new HttpSession(stack.console.url);
});
afterAll(async () => {
  await stack?.close();
  await db?.end();
  await database?.drop();
});

/** Row counts of every table in the public schema. */
async function rowCounts(): Promise<Record<string, number>> {
  const { rows: tables } = await db.query<{ table_name: string }>(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name`);
  const counts: Record<string, number> = {};
  for (const { table_name } of tables) {
    const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${table_name.replace(/"/g, '""')}"`);
    counts[table_name] = rows[0]!.n;
  }
  return counts;
}

describe('anonymous visitors', () => {
  it('200 anonymous page views (forms included) add no row to any table', async () => {
    const before = await rowCounts();
    expect(Object.keys(before)).toEqual(expect.arrayContaining(['Session', 'User']));
    const pages = ['/sign-in', '/sign-up', '/', '/sign-in?next=%2Fitems', '/items', '/no-such-page'];
    const statuses = new Set<number>();
    for (let i = 0; i < 200; i++) {
      // Half of them come back with the cookies they were given, as a browser would.
      const browser = i % 2 === 0 ? new HttpSession(stack.console.url) : returning;
      const res = await browser.get(pages[i % pages.length]!);
      statuses.add(res.status);
      await res.arrayBuffer();
    }
    expect([...statuses].sort()).toEqual([200, 302, 404]);
    expect(await rowCounts()).toEqual(before);
  });

  it('the sign-in form works from a cookie alone, and its session row appears only at sign-in', async () => {
    const email = uniqueEmail('anon');
    await signUp(stack.console.url, email, 'a long enough password');
    const sessionsBefore = (await rowCounts()).Session!;

    const browser = new HttpSession(stack.console.url);
    const page = await browser.get('/sign-in');
    const cookies = page.headers.getSetCookie();
    expect(cookies.filter((c) => c.startsWith('sid='))).toEqual([]);
    const csrfCookie = cookies.find((c) => c.startsWith('csrf='))!;
    expect(csrfCookie).toMatch(/HttpOnly/i);
    expect(csrfCookie).toMatch(/SameSite=Lax/i);
    expect((await rowCounts()).Session).toBe(sessionsBefore);

    const res = await browser.postForm('/sign-in', { _csrf: csrfOf(await page.text())!, email, password: 'a long enough password' });
    expect(res.status).toBe(302);
    expect((await rowCounts()).Session).toBe(sessionsBefore + 1);
  });

  it('a CSRF cookie from another browser does not make a forged token pass', async () => {
    const victim = new HttpSession(stack.console.url);
    await victim.get('/sign-in');
    const attacker = new HttpSession(stack.console.url);
    const attackerToken = csrfOf(await (await attacker.get('/sign-in')).text())!;
    // The attacker's token with the victim's cookie: refused.
    const res = await victim.postForm('/sign-in', { _csrf: attackerToken, email: 'x@example.com', password: 'whatever it is' });
    expect(res.status).toBe(403);
    // An unsigned cookie of the attacker's choosing: refused.
    const planted = new HttpSession(stack.console.url);
    planted.cookies.set('csrf', 'chosen-secret');
    expect((await planted.postForm('/sign-in', { _csrf: attackerToken, email: 'x@example.com', password: 'whatever it is' })).status).toBe(403);
  });

  it('a signed-in seller’s form token is bound to their session: another session’s cookie and token do not pass', async () => {
    const seller = await signUp(stack.console.url);
    const other = await signUp(stack.console.url);
    const theirToken = csrfOf(await (await other.get('/')).text())!;
    // The other seller's CSRF cookie and token, sent with this seller's session.
    const mixed = new HttpSession(stack.console.url);
    mixed.cookies.set('sid', seller.cookies.get('sid')!);
    mixed.cookies.set('csrf', other.cookies.get('csrf')!);
    expect((await mixed.postForm('/sign-out', { _csrf: theirToken })).status).toBe(403);
    // Their own token signs them out.
    expect((await seller.submit('/', '/sign-out', {})).status).toBe(302);
  });
});

describe('anonymous page limit', () => {
  let limited: Stack;
  beforeAll(async () => {
    limited = await startStack({ env: { ANONYMOUS_PAGE_RATE_LIMIT: '5', LOG_LEVEL: 'warn' } });
  });
  afterAll(async () => limited?.close());

  it('answers 429 past the limit for anonymous views from one address; a signed-in seller is not counted', async () => {
    // Signing up views the form once: four anonymous views are left.
    const seller = await signUp(limited.console.url);
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await new HttpSession(limited.console.url).get('/sign-in')).status);
    expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
    const slowDown = await new HttpSession(limited.console.url).get('/');
    expect(slowDown.status).toBe(429);
    expect(await slowDown.text()).toContain('Too many pages from your address');
    // When the minute's limit lifts, for a script or a proxy that would otherwise ask again at once.
    const retryAfter = Number(slowDown.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    for (let i = 0; i < 3; i++) expect((await seller.get('/')).status).toBe(200);
    // Liveness is never limited.
    expect((await fetch(`${limited.console.url}/healthz`)).status).toBe(200);
  });
});

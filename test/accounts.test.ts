import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import pg from 'pg';
import { signUp, startStack, uniqueEmail, type Stack } from './support/stack.js';
import { HttpSession, csrfOf, location } from './support/http.js';

let stack: Stack;
const db = new pg.Pool({ connectionString: inject('databaseUrl'), max: 2 });

beforeAll(async () => {
  // The default hashing cost (the other test stacks lower it to save time).
  stack = await startStack({ env: { SIGN_IN_RATE_LIMIT: '1000', PASSWORD_HASH_COST: '' } });
});
afterAll(async () => {
  await stack.close();
  await db.end();
});

const PASSWORD = 'a long enough password';

describe('console accounts', () => {
  it('signs up, signs out, signs in again; the password is stored as a scrypt hash', async () => {
    const email = uniqueEmail();
    const browser = new HttpSession(stack.console.url);
    const res = await browser.submit('/sign-up', '/sign-up', { email, password: PASSWORD });
    expect(res.status).toBe(302);
    const home = await browser.get('/');
    expect(await home.text()).toContain('Welcome back');

    const { rows } = await db.query('SELECT "passwordHash" FROM "User" WHERE email = $1', [email]);
    expect(rows[0].passwordHash).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(rows[0].passwordHash).not.toContain(PASSWORD);

    expect((await browser.submit('/', '/sign-out', {})).status).toBe(302);
    expect(await (await browser.get('/')).text()).toContain('Create an account');

    const signIn = await browser.submit('/sign-in', '/sign-in', { email: email.toUpperCase(), password: PASSWORD });
    expect(signIn.status).toBe(302);
    expect(await (await browser.get('/')).text()).toContain('Welcome back');
  });

  it('explains a wrong password, a duplicate email and a malformed email on the form, with 4xx', async () => {
    const email = uniqueEmail();
    const browser = new HttpSession(stack.console.url);
    await browser.submit('/sign-up', '/sign-up', { email, password: PASSWORD });
    await browser.submit('/', '/sign-out', {});

    const wrong = await browser.submit('/sign-in', '/sign-in', { email, password: 'not the password' });
    expect(wrong.status).toBe(401);
    const wrongHtml = await wrong.text();
    expect(wrongHtml).toContain('do not match an account');
    expect(wrongHtml).toContain(`value="${email}"`);

    const dup = await browser.submit('/sign-up', '/sign-up', { email, password: PASSWORD });
    expect(dup.status).toBe(409);
    expect(await dup.text()).toContain('already exists');

    const bad = await browser.submit('/sign-up', '/sign-up', { email: 'not-an-email', password: PASSWORD });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('valid email address');

    const short = await browser.submit('/sign-up', '/sign-up', { email: uniqueEmail(), password: 'short' });
    expect(short.status).toBe(400);
    expect(await short.text()).toContain('at least 10 characters');
  });

  it('refuses an all-whitespace password and the most common passwords, whatever their case, on the form', async () => {
    const browser = new HttpSession(stack.console.url);
    const spaces = await browser.submit('/sign-up', '/sign-up', { email: uniqueEmail(), password: ' '.repeat(12) });
    expect(spaces.status).toBe(400);
    const spacesHtml = await spaces.text();
    expect(spacesHtml).toContain('cannot be only spaces');
    expect(spacesHtml).toMatch(/id="password"[^>]*aria-invalid="true"/);
    const tried: string[] = [];
    for (const common of ['password123', 'Password123', 'QWERTYUIOP', '1234567890', 'iloveyou12']) {
      const email = uniqueEmail();
      tried.push(email);
      const res = await browser.submit('/sign-up', '/sign-up', { email, password: common });
      expect(res.status, common).toBe(400);
      const html = await res.text();
      expect(html).toContain('one of the most common');
      // What the seller typed comes back, except the password.
      expect(html).toContain(`value="${email}"`);
      expect(html).not.toContain(common);
    }
    expect((await db.query('SELECT count(*)::int AS n FROM "User" WHERE email = ANY($1)', [tried])).rows[0].n).toBe(0);
  });

  it('signed-in pages and the redirects that change the session are never cached; static files are', async () => {
    const browser = new HttpSession(stack.console.url);
    const email = uniqueEmail();
    const signUp = await browser.submit('/sign-up', '/sign-up', { email, password: PASSWORD });
    expect(signUp.headers.get('cache-control')).toBe('no-store');
    for (const path of ['/', '/upload', '/uploads', '/settings/plugboard', '/items', '/no-such-page']) {
      const res = await browser.get(path);
      expect(res.headers.get('cache-control'), path).toBe('no-store');
    }
    const signOut = await browser.submit('/', '/sign-out', {});
    expect(signOut.status).toBe(302);
    expect(signOut.headers.get('cache-control')).toBe('no-store');
    const { csrf } = await browser.page('/sign-in');
    const signIn = await browser.postForm('/sign-in', { _csrf: csrf!, email, password: PASSWORD });
    expect(signIn.headers.get('cache-control')).toBe('no-store');
    expect((await fetch(`${stack.console.url}/public/app.css`)).headers.get('cache-control')).toMatch(/max-age=3600/);
  });

  it('the page script gets form refusals as JSON, the browser as the form', async () => {
    const browser = new HttpSession(stack.console.url);
    const { csrf } = await browser.page('/sign-up');
    const body = new URLSearchParams({ _csrf: csrf!, email: 'not-an-email', password: PASSWORD }).toString();
    const json = await browser.request('POST', '/sign-up', { body, headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' } });
    expect(json.status).toBe(400);
    expect(await json.json()).toEqual({ error: 'Enter a valid email address, like name@example.com.', field: 'email', kind: 'invalid-input' });
    const page = await browser.request('POST', '/sign-up', { body, headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' } });
    expect(page.status).toBe(400);
    expect(await page.text()).toMatch(/id="email"[^>]*aria-invalid="true"/);
  });

  it('session cookie is HttpOnly and SameSite=Lax, made at sign-in, and sign-out ends it on the server', async () => {
    const email = uniqueEmail();
    const browser = new HttpSession(stack.console.url);
    await browser.submit('/sign-up', '/sign-up', { email, password: PASSWORD });
    await browser.submit('/', '/sign-out', {});

    // Signed out, the browser holds no session at all: one is made at sign-in.
    const before = browser.cookies.get('sid');
    expect(before).toBeUndefined();
    const page = await browser.get('/sign-in');
    const html = await page.text();
    const res = await browser.postForm('/sign-in', { email, password: PASSWORD, _csrf: csrfOf(html)! });
    expect(res.status).toBe(302);
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('sid='))!;
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).not.toMatch(/Secure/);
    const after = browser.cookies.get('sid');
    expect(after).toBeTruthy();
    expect(after).not.toBe(before);

    const stolen = new HttpSession(stack.console.url);
    stolen.cookies.set('sid', after!);
    expect(await (await stolen.get('/')).text()).toContain('Welcome back');

    await browser.submit('/', '/sign-out', {});
    const sessionId = decodeURIComponent(after!).split('.')[0];
    const { rows } = await db.query('SELECT 1 FROM "Session" WHERE id = $1', [sessionId]);
    expect(rows).toHaveLength(0);
    expect(await (await stolen.get('/')).text()).toContain('Create an account');
  });

  it('a visitor who only looks at the welcome page gets no session (no row, no cookie)', async () => {
    const res = await new HttpSession(stack.console.url).get('/');
    expect(res.status).toBe(200);
    expect(res.headers.getSetCookie().filter((c) => c.startsWith('sid='))).toEqual([]);
  });

  it('refuses a form without its CSRF token', async () => {
    const browser = new HttpSession(stack.console.url);
    await browser.get('/sign-up');
    const res = await browser.postForm('/sign-up', { email: uniqueEmail(), password: PASSWORD });
    expect(res.status).toBe(403);
    const res2 = await browser.postForm('/sign-up', { email: uniqueEmail(), password: PASSWORD, _csrf: 'forged' });
    expect(res2.status).toBe(403);
    expect(await res2.text()).toContain('expired');
  });

  it('pages that need an account redirect to sign-in, keeping where the seller was going', async () => {
    const res = await new HttpSession(stack.console.url).get('/items?page=2');
    expect(res.status).toBe(302);
    expect(location(res)).toBe('/sign-in?next=%2Fitems%3Fpage%3D2');
  });
});

describe('sign-in rate limit', () => {
  let limited: Stack;
  beforeAll(async () => {
    limited = await startStack({ env: { SIGN_IN_RATE_LIMIT: '3' } });
  });
  afterAll(async () => limited.close());

  it('answers 429 after too many attempts in a minute', async () => {
    const browser = new HttpSession(limited.console.url);
    const email = uniqueEmail('nobody');
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      statuses.push((await browser.submit('/sign-in', '/sign-in', { email, password: 'wrong password' })).status);
    }
    expect(statuses.slice(0, 3)).toEqual([401, 401, 401]);
    expect(statuses[4]).toBe(429);
    const again = await browser.submit('/sign-in', '/sign-in', { email, password: 'wrong password' });
    expect(again.status).toBe(429);
    expect(Number(again.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(again.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    // The form comes back with the address typed, as any refused form does (never the password).
    const html = await again.text();
    expect(html).toContain(`value="${email}"`);
    expect(html).not.toContain('wrong password');
  });

  it('a signed-in session cannot guess its account password either: changing it and deleting the account are limited per seller', async () => {
    const seller = await signUp(limited.console.url, uniqueEmail('guessed'), 'correct horse battery');
    const change: number[] = [];
    for (let i = 0; i < 5; i++) {
      change.push((await seller.submit('/account', '/account/password', { current: `guess ${i}`, password: 'purple elephants dance', confirm: 'purple elephants dance' })).status);
    }
    expect(change).toEqual([401, 401, 401, 429, 429]);
    const remove: number[] = [];
    for (let i = 0; i < 4; i++) remove.push((await seller.submit('/account/delete', '/account/delete', { password: `guess ${i}`, confirm: 'yes' })).status);
    expect(remove).toEqual([401, 401, 401, 429]);
    // Another seller from the same address has a limit of their own.
    const other = await signUp(limited.console.url, uniqueEmail('neighbour'), 'correct horse battery');
    expect((await other.submit('/account', '/account/password', { current: 'guess', password: 'purple elephants dance', confirm: 'purple elephants dance' })).status).toBe(401);
  });
});

describe('sign-in rate limit behind one trusted proxy', () => {
  let proxied: Stack;
  beforeAll(async () => {
    proxied = await startStack({ env: { SIGN_IN_RATE_LIMIT: '10', TRUST_PROXY: '1' } });
  });
  afterAll(async () => proxied.close());

  /** As nginx would forward it: whatever the client wrote, then the client address nginx saw. */
  const via = (clientWrote: string, proxySaw: string) => ({ 'x-forwarded-for': `${clientWrote}, ${proxySaw}` });

  it('15 wrong passwords with a fresh left-most X-Forwarded-For each time end in 429', async () => {
    const browser = new HttpSession(proxied.console.url);
    const email = uniqueEmail('nobody');
    const statuses: number[] = [];
    for (let i = 0; i < 15; i++) {
      const { csrf } = await browser.page('/sign-in');
      const res = await browser.request('POST', '/sign-in', {
        body: new URLSearchParams({ _csrf: csrf!, email, password: `wrong password ${i}` }).toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...via(`198.51.100.${i + 1}`, '203.0.113.7') },
      });
      statuses.push(res.status);
    }
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(statuses.slice(10)).toEqual(Array(5).fill(429));

    // The limit follows the address the proxy saw: another client behind the same proxy still gets in.
    const { csrf } = await browser.page('/sign-in');
    const other = await browser.request('POST', '/sign-in', {
      body: new URLSearchParams({ _csrf: csrf!, email, password: 'wrong password' }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...via('198.51.100.200', '203.0.113.8') },
    });
    expect(other.status).toBe(401);
  });
});

describe('failed sign-ins per account, from any number of addresses', () => {
  let guarded: Stack;
  beforeAll(async () => {
    guarded = await startStack({ env: { SIGN_IN_RATE_LIMIT: '10', SIGN_IN_FAILURES_PER_ACCOUNT: '4', TRUST_PROXY: '1' } });
  });
  afterAll(async () => guarded.close());

  /** One sign-in attempt from its own client address (behind the one trusted proxy). */
  async function attempt(email: string, password: string, client: string): Promise<{ status: number; html: string; retryAfter: string | null }> {
    const browser = new HttpSession(guarded.console.url);
    const { csrf } = await browser.page('/sign-in');
    const res = await browser.request('POST', '/sign-in', {
      body: new URLSearchParams({ _csrf: csrf!, email, password }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': client },
    });
    return { status: res.status, html: await res.text(), retryAfter: res.headers.get('retry-after') };
  }

  it('an account rests after its failures, whatever addresses they came from; other accounts do not', async () => {
    const email = uniqueEmail('guessed-from-many');
    await signUp(guarded.console.url, email, PASSWORD);
    // The seller's usual place (an earlier sign-in from there).
    expect((await attempt(email, PASSWORD, '203.0.113.50')).status).toBe(302);
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await attempt(email, `guess number ${i}`, `198.51.100.${i + 10}`)).status);
    expect(statuses).toEqual([401, 401, 401, 401, 429, 429]);

    // The right password, from an address that never guessed, waits too: the page says why and what to do.
    const right = await attempt(email.toUpperCase(), PASSWORD, '198.51.100.99');
    expect(right.status).toBe(429);
    expect(right.html).toContain('Too many failed sign-ins for this account in the last 15 minutes');
    // …and says when to come back, as the page does: at most the 15 minutes.
    expect(right.retryAfter).toBe('900');
    expect(right.html).toContain('name="email"');
    expect(right.html).not.toContain(PASSWORD);
    // From where the seller signed in before, the guesses do not keep them out.
    expect((await attempt(email, PASSWORD, '203.0.113.50')).status).toBe(302);
    expect((await attempt(email, 'and a guess from there', '203.0.113.50')).status).toBe(401);

    // An address with no account rests the same way, so the answers tell nothing about who has one.
    const nobody = uniqueEmail('nobody');
    const unknown: number[] = [];
    for (let i = 0; i < 5; i++) unknown.push((await attempt(nobody, `guess ${i}`, `198.51.100.${i + 40}`)).status);
    expect(unknown).toEqual([401, 401, 401, 401, 429]);

    // Another seller behind the same addresses signs in.
    const neighbour = uniqueEmail('neighbour');
    await signUp(guarded.console.url, neighbour, PASSWORD);
    expect((await attempt(neighbour, PASSWORD, '198.51.100.10')).status).toBe(302);
  });

  it('a burst sent all at once gets no more guesses than the limit', async () => {
    const email = uniqueEmail('burst');
    await signUp(guarded.console.url, email, PASSWORD);
    const statuses = await Promise.all(Array.from({ length: 10 }, (_, i) => attempt(email, `burst guess ${i}`, `203.0.113.${i + 100}`).then((r) => r.status)));
    expect(statuses.filter((s) => s !== 401 && s !== 429)).toEqual([]);
    const guessed = statuses.filter((s) => s === 401).length;
    expect(guessed).toBeGreaterThan(0);
    expect(guessed).toBeLessThanOrEqual(4);
  });

  it('a new password lets the seller in at once, whatever failures came before it', async () => {
    const email = uniqueEmail('changed-after-guesses');
    const phone = await signUp(guarded.console.url, email, PASSWORD);
    for (let i = 0; i < 5; i++) await attempt(email, `guess ${i}`, `198.51.100.${i + 60}`);
    expect((await attempt(email, PASSWORD, '198.51.100.70')).status).toBe(429);
    // Still signed in on the phone, the seller changes the password; the laptop gets in with the new one.
    const NEW = 'a brand new long password';
    expect((await phone.submit('/account', '/account/password', { current: PASSWORD, password: NEW, confirm: NEW })).status).toBe(303);
    expect((await attempt(email, NEW, '198.51.100.71')).status).toBe(302);
  });

  it('failures older than 15 minutes no longer count', async () => {
    const email = uniqueEmail('guessed-long-ago');
    await signUp(guarded.console.url, email, PASSWORD);
    // The trail takes inserts only: the old failures are written as they would have been, 16 minutes ago.
    for (let i = 0; i < 6; i++) {
      await db.query(`INSERT INTO "AuditEvent" (kind, "subjectEmail", ip, at) VALUES ('sign-in-failed', $1, '198.51.100.1', now() - interval '16 minutes')`, [email]);
    }
    expect((await attempt(email, PASSWORD, '198.51.100.2')).status).toBe(302);
    for (let i = 0; i < 4; i++) {
      await db.query(`INSERT INTO "AuditEvent" (kind, "subjectEmail", ip, at) VALUES ('sign-in-failed', $1, '198.51.100.1', now() - interval '14 minutes')`, [email]);
    }
    expect((await attempt(email, PASSWORD, '198.51.100.3')).status).toBe(429);
  });
});

/**
 * Bad input at every form and route: each case answers a 4xx with a message a seller can read,
 * never a 5xx or a stack trace, and leaves nothing half-stored.
 */
import { request as httpRequest } from 'node:http';
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import pg from 'pg';
import { startStack, signUp, authorizeAtSandbox, type Stack } from './support/stack.js';
import { HttpSession, location } from './support/http.js';

const TAG = `atk${randomBytes(4).toString('hex')}`;
const db = new pg.Pool({ connectionString: inject('databaseUrl'), max: 2 });

let stack: Stack;
/** Signed up and connected as the sandbox seller `demo`; every case may use (but not change) it. */
let seller: HttpSession;
let sellerId: string;
/** A code the seller's connect already used. */
let usedCode: string;

beforeAll(async () => {
  stack = await startStack({ jobs: true });
  const email = `${TAG}-seller@example.com`;
  seller = await signUp(stack.console.url, email);
  const authorize = location(await seller.get('/connect/sonlet'));
  const back = new URL(await authorizeAtSandbox(new HttpSession(new URL(authorize).origin), authorize, { username: 'demo', password: 'demo' }));
  usedCode = back.searchParams.get('code')!;
  expect(location(await seller.get(back.pathname + back.search))).toBe('/items');
  sellerId = (await db.query('SELECT id FROM "User" WHERE email = $1', [email])).rows[0].id;
});
afterAll(async () => {
  await stack?.close();
  await db.end();
});

interface Sent {
  status: number;
  html: string;
  contentType: string;
}

interface Ctx {
  /** A browser that has loaded a form page (so it has a session and a CSRF token). */
  anonymous(): Promise<HttpSession>;
  /** A seller signed up for this case, not connected to Sonlet. */
  freshSeller(): Promise<{ browser: HttpSession; userId: string }>;
  /** Sends bytes as given (no URL normalisation, any headers) on the console's port. */
  raw(method: string, path: string, opts?: { headers?: Record<string, string>; body?: string | Buffer }): Promise<Sent>;
}

interface AttackCase {
  name: string;
  send(ctx: Ctx): Promise<Response | Sent>;
  status: number;
  says: string | RegExp;
  /** Only when the console has this route (features still being built). */
  needs?: { method: 'GET' | 'POST'; url: string };
  /** Extra "nothing stored" check: run before and after, must answer the same. */
  unchanged?: (ctx: Ctx) => Promise<unknown>;
}

const form = { 'content-type': 'application/x-www-form-urlencoded' };
const PASSWORD = 'a long enough password';
const email = (local = 'x') => `${TAG}-${local}-${randomBytes(3).toString('hex')}@example.com`;

async function csrfFor(browser: HttpSession, page: string): Promise<string> {
  const { csrf } = await browser.page(page);
  if (!csrf) throw new Error(`no CSRF token on ${page}`);
  return csrf;
}

/** Posts fields with repeated keys allowed, with the page's CSRF token. */
async function postWithCsrf(browser: HttpSession, page: string, action: string, fields: Array<[string, string]>): Promise<Response> {
  const body = new URLSearchParams([['_csrf', await csrfFor(browser, page)], ...fields]);
  return browser.request('POST', action, { body: body.toString(), headers: form });
}

function tamperedCookie(value: string): string {
  // Flip the last character of the signature: the id is real, the signature is not.
  const last = value.at(-1) === 'A' ? 'B' : 'A';
  return value.slice(0, -1) + last;
}

function withCookie(browser: HttpSession, sid: string): HttpSession {
  const copy = new HttpSession(browser.base);
  copy.cookies.set('sid', sid);
  return copy;
}

const signUpCases: AttackCase[] = [
  { name: 'sign-up without an email', status: 400, says: 'Please fill in email', send: async (c) => postWithCsrf(await c.anonymous(), '/sign-up', '/sign-up', [['password', PASSWORD]]) },
  { name: 'sign-up without a password', status: 400, says: 'Please fill in password', send: async (c) => postWithCsrf(await c.anonymous(), '/sign-up', '/sign-up', [['email', email()]]) },
  { name: 'sign-up with an extra field', status: 400, says: 'Unexpected field &quot;role&quot;', send: async (c) => postWithCsrf(await c.anonymous(), '/sign-up', '/sign-up', [['email', email()], ['password', PASSWORD], ['role', 'admin']]) },
  { name: 'sign-up with the email sent twice (an array)', status: 400, says: 'email has the wrong type', send: async (c) => postWithCsrf(await c.anonymous(), '/sign-up', '/sign-up', [['email', email('a')], ['email', email('b')], ['password', PASSWORD]]) },
  { name: 'sign-up with a 10,000-character email', status: 400, says: 'email is too long', send: async (c) => postWithCsrf(await c.anonymous(), '/sign-up', '/sign-up', [['email', `${TAG}${'a'.repeat(10_000)}@example.com`], ['password', PASSWORD]]) },
  { name: 'sign-up with a NUL in the email', status: 400, says: 'email is not in the expected format', send: async (c) => postWithCsrf(await c.anonymous(), '/sign-up', '/sign-up', [['email', `${TAG}\u0000evil@example.com`], ['password', PASSWORD]]) },
  { name: 'sign-up with an RTL override in the email', status: 400, says: 'email is not in the expected format', send: async (c) => postWithCsrf(await c.anonymous(), '/sign-up', '/sign-up', [['email', `${TAG}\u202Emoc.elpmaxe@evil.com`], ['password', PASSWORD]]) },
  { name: 'sign-up with SQL in the email', status: 400, says: 'valid email address', send: async (c) => postWithCsrf(await c.anonymous(), '/sign-up', '/sign-up', [['email', `${TAG}' OR 1=1 --`], ['password', PASSWORD]]) },
  { name: 'sign-up with HTML in the email (echoed escaped)', status: 400, says: '&quot;&gt;&lt;script&gt;', send: async (c) => postWithCsrf(await c.anonymous(), '/sign-up', '/sign-up', [['email', `${TAG}"><script>alert(1)</script>`], ['password', PASSWORD]]) },
  { name: 'sign-up with an emoji password that is too short', status: 400, says: 'at least 10 characters', send: async (c) => postWithCsrf(await c.anonymous(), '/sign-up', '/sign-up', [['email', email()], ['password', '😀😀😀']]) },
  { name: 'sign-up with a 201-character password', status: 400, says: 'password is too long', send: async (c) => postWithCsrf(await c.anonymous(), '/sign-up', '/sign-up', [['email', email()], ['password', 'p'.repeat(201)]]) },
  {
    name: 'sign-up with a 1 MB body',
    status: 413,
    says: 'too large',
    send: async (c) => {
      const browser = await c.anonymous();
      const body = new URLSearchParams({ _csrf: await csrfFor(browser, '/sign-up'), email: email(), password: 'x'.repeat(1024 * 1024) });
      return browser.request('POST', '/sign-up', { body: body.toString(), headers: form });
    },
  },
  { name: 'sign-up without a CSRF token', status: 403, says: 'This form has expired', send: async (c) => (await c.anonymous()).postForm('/sign-up', { email: email(), password: PASSWORD }) },
  { name: 'sign-up with a forged CSRF token', status: 403, says: 'This form has expired', send: async (c) => (await c.anonymous()).postForm('/sign-up', { email: email(), password: PASSWORD, _csrf: 'forged-token' }) },
  {
    name: 'sign-up as JSON',
    status: 415,
    says: 'not accepted here',
    send: async (c) => {
      const browser = await c.anonymous();
      const body = JSON.stringify({ _csrf: await csrfFor(browser, '/sign-up'), email: email(), password: PASSWORD });
      return browser.request('POST', '/sign-up', { body, headers: { 'content-type': 'application/json' } });
    },
  },
  { name: 'sign-up as text/plain', status: 415, says: 'not accepted here', send: async (c) => (await c.anonymous()).request('POST', '/sign-up', { body: `email=${email()}&password=${PASSWORD}`, headers: { 'content-type': 'text/plain' } }) },
  {
    name: 'sign-up as multipart with a wrong boundary',
    status: 415,
    says: 'not accepted here',
    send: async (c) =>
      (await c.anonymous()).request('POST', '/sign-up', {
        body: `--other\r\nContent-Disposition: form-data; name="email"\r\n\r\n${email()}\r\n--other--\r\n`,
        headers: { 'content-type': 'multipart/form-data; boundary=expected' },
      }),
  },
];

const signInCases: AttackCase[] = [
  { name: 'sign-in with SQL injection as the email', status: 401, says: 'do not match an account', send: async (c) => postWithCsrf(await c.anonymous(), '/sign-in', '/sign-in', [['email', "' OR 1=1 --"], ['password', "' OR '1'='1"]]) },
  { name: 'sign-in with a NUL in the email', status: 400, says: 'email is not in the expected format', send: async (c) => postWithCsrf(await c.anonymous(), '/sign-in', '/sign-in', [['email', 'a\u0000@example.com'], ['password', PASSWORD]]) },
  { name: 'sign-in with the password sent twice', status: 400, says: 'password has the wrong type', send: async (c) => postWithCsrf(await c.anonymous(), '/sign-in', '/sign-in', [['email', email()], ['password', 'one'], ['password', 'two']]) },
  { name: 'sign-in without a CSRF token', status: 403, says: 'This form has expired', send: async (c) => (await c.anonymous()).postForm('/sign-in', { email: email(), password: PASSWORD }) },
  { name: 'sign-in with a 10,000-character email', status: 400, says: 'email is too long', send: async (c) => postWithCsrf(await c.anonymous(), '/sign-in', '/sign-in', [['email', 'a'.repeat(10_000)], ['password', PASSWORD]]) },
  { name: 'sign-out with a forged CSRF token', status: 403, says: 'This form has expired', send: async () => seller.postForm('/sign-out', { _csrf: 'forged' }) },
  { name: 'sign-out with a tampered session cookie', status: 403, says: 'This form has expired', send: async () => withCookie(seller, tamperedCookie(seller.cookies.get('sid')!)).postForm('/sign-out', { _csrf: 'x' }) },
];

/** The seller's Sonlet connection as stored: a failed request must not touch it. */
const sellerConnection = async () => (await db.query('SELECT "accessTokenEnc", "refreshTokenEnc", status FROM "SonletConnection" WHERE "userId" = $1', [sellerId])).rows;

async function cbWith(c: Ctx, query: (state: string) => string): Promise<{ res: Response; userId: string }> {
  const { browser, userId } = await c.freshSeller();
  const state = new URL(location(await browser.get('/connect/sonlet'))).searchParams.get('state')!;
  const res = await browser.get(`/cb?${query(state)}`);
  // The row is checked here because the seller only exists inside the case.
  const rows = await db.query('SELECT 1 FROM "SonletConnection" WHERE "userId" = $1', [userId]);
  expect(rows.rowCount, 'no SonletConnection after a failed /cb').toBe(0);
  return { res, userId };
}

const connectCases: AttackCase[] = [
  { name: '/cb with a tampered state', status: 400, says: 'the state did not match', send: async (c) => (await cbWith(c, () => `code=${encodeURIComponent(usedCode)}&state=forged-state-value-0000000000`)).res },
  { name: '/cb with a replayed authorization code', status: 400, says: 'did not accept this authorization', send: async (c) => (await cbWith(c, (state) => `code=${encodeURIComponent(usedCode)}&state=${state}`)).res },
  { name: '/cb without a code', status: 400, says: 'no code or state', send: async (c) => (await cbWith(c, (state) => `state=${state}`)).res },
  { name: '/cb with a 5,000-character code', status: 400, says: 'code is too long', send: async (c) => (await cbWith(c, (state) => `code=${'c'.repeat(5000)}&state=${state}`)).res },
  { name: '/cb with HTML in the error (not echoed)', status: 400, says: 'Sonlet answered with an error, so nothing was connected', send: async (c) => (await cbWith(c, () => `error=${encodeURIComponent('<script>alert(1)</script>')}`)).res },
  { name: '/cb with a phishing sentence as the error (not echoed)', status: 400, says: 'Sonlet answered with an error, so nothing was connected', send: async (c) => (await cbWith(c, () => `error=${encodeURIComponent('Your session expired. Re-enter your password at evil.example')}`)).res },
  { name: '/cb with an OAuth error code (named)', status: 400, says: 'Sonlet answered “invalid_scope”', send: async (c) => (await cbWith(c, () => 'error=invalid_scope')).res },
  { name: '/cb with the state sent twice', status: 400, says: 'state has the wrong type', send: async (c) => (await cbWith(c, (state) => `code=abc&state=${state}&state=${state}`)).res },
  { name: 'disconnect with a forged CSRF token', status: 403, says: 'This form has expired', unchanged: sellerConnection, send: async () => seller.postForm('/connect/sonlet/disconnect', { _csrf: 'forged' }) },
  { name: 'disconnect without a session', status: 401, says: 'Your session has ended', send: async () => new HttpSession(stack.console.url).postForm('/connect/sonlet/disconnect', {}) },
  { name: 'disconnect with a garbage session cookie', status: 401, says: 'Your session has ended', unchanged: sellerConnection, send: async () => withCookie(seller, 'garbage').postForm('/connect/sonlet/disconnect', {}) },
  { name: 'disconnect with a tampered session cookie', status: 401, says: 'Your session has ended', unchanged: sellerConnection, send: async () => withCookie(seller, tamperedCookie(seller.cookies.get('sid')!)).postForm('/connect/sonlet/disconnect', {}) },
];

const inventoryCases: AttackCase[] = [
  // Browsing pages treat a query value they cannot use as absent: the first page, never an error page.
  { name: '/items?page=-1 (shows page 1)', status: 200, says: 'Page 1 of', send: async () => seller.get('/items?page=-1') },
  { name: '/items?page=1e309 (shows page 1)', status: 200, says: 'Page 1 of', send: async () => seller.get('/items?page=1e309') },
  { name: '/items?page=abc (shows page 1)', status: 200, says: 'Page 1 of', send: async () => seller.get('/items?page=abc') },
  { name: '/items with SQL in style (ignored)', status: 200, says: '320 in total', send: async () => seller.get(`/items?style=${encodeURIComponent("1' OR 1=1 --")}`) },
  { name: '/items with the page sent twice (the last one counts)', status: 200, says: 'Page 3 of', send: async () => seller.get('/items?page=2&page=3') },
  { name: '/items with every filter left on "All" (ignored)', status: 200, says: '320 in total', send: async () => seller.get('/items?style=&size=&shop=') },
  { name: '/items with an unknown web-shop filter (ignored)', status: 200, says: '320 in total', send: async () => seller.get('/items?shop=%3Cscript%3E') },
  // Postgres refuses NUL in text: a query value carrying one is treated as absent.
  { name: '/items?q=%00 (ignored)', status: 200, says: '320 in total', send: async () => seller.get('/items?q=%00') },
  { name: '/items?q=Cr%00eam (ignored, as any odd query value)', status: 200, says: '320 in total', send: async () => seller.get('/items?q=Cr%00eam') },
  { name: '/items/99999999999999999999', status: 400, says: 'This address is not valid: pk is out of range', send: async () => seller.get('/items/99999999999999999999') },
  { name: '/items/..%2F..%2Fetc%2Fpasswd', status: 400, says: 'This address is not valid: pk has the wrong type', send: async () => seller.get('/items/..%2F..%2Fetc%2Fpasswd') },
  { name: '/items/-5', status: 400, says: 'This address is not valid: pk is out of range', send: async () => seller.get('/items/-5') },
  { name: '/items/😀', status: 400, says: 'This address is not valid', send: async () => seller.get('/items/%F0%9F%98%80') },
  { name: '/items/%00', status: 400, says: 'This address is not valid', send: async () => seller.get('/items/%00') },
  { name: '/items/<an id Sonlet does not know>', status: 404, says: 'was not found', send: async () => seller.get('/items/2147483647') },
  { name: '/images?page=0 (shows page 1)', status: 200, says: 'Page 1 of', send: async () => seller.get('/images?page=0') },
  { name: '/images?page=1e309 (shows page 1)', status: 200, says: 'Page 1 of', send: async () => seller.get('/images?page=1e309') },
  { name: '/images?page=-Infinity (shows page 1)', status: 200, says: 'Page 1 of', send: async () => seller.get('/images?page=-Infinity') },
  { name: '/summary/refresh with a forged CSRF token', status: 403, says: 'This form has expired', send: async () => seller.postForm('/summary/refresh', { _csrf: 'forged' }) },
  { name: '/summary/refresh with a tampered session cookie', status: 401, says: 'Your session has ended', send: async () => withCookie(seller, tamperedCookie(seller.cookies.get('sid')!)).postForm('/summary/refresh', {}) },
  { name: '/summary/refresh as JSON', status: 415, says: 'not accepted here', send: async () => seller.request('POST', '/summary/refresh', { body: '{"_csrf":"x"}', headers: { 'content-type': 'application/json' } }) },
  { name: 'a path with HTML in it (echoed escaped)', status: 404, says: '&lt;script&gt;', send: async (c) => c.raw('GET', '/<script>alert(1)</script>') },
  { name: 'path traversal /uploads/../../x (not normalised)', status: 404, says: 'There is no page at', send: async (c) => c.raw('GET', '/uploads/../../x') },
  { name: 'path traversal /items/../../etc/passwd (not normalised)', status: 404, says: 'There is no page at', send: async (c) => c.raw('GET', '/items/../../etc/passwd') },
];

const validSettings = (overrides: Record<string, string> = {}): Array<[string, string]> =>
  Object.entries({ baseUrl: 'https://api.plugboard.example', tenant: 'demo', connectionId: 'abc123', username: 'api', password: 'plugboard-pass-123', vatRatePercent: '25', currency: 'SEK', languages: '', ...overrides });
const plugboardSettings = async () => (await db.query('SELECT * FROM "PlugboardConnection" WHERE "userId" = $1', [sellerId])).rows;
const sellerExports = async () => (await db.query('SELECT count(*)::int AS n FROM "PlugboardExport" WHERE "userId" = $1', [sellerId])).rows[0].n;

const plugboardCases: AttackCase[] = [
  { name: 'Plugboard settings without a CSRF token', status: 403, says: 'This form has expired', needs: { method: 'POST', url: '/settings/plugboard' }, unchanged: plugboardSettings, send: async () => seller.postForm('/settings/plugboard', Object.fromEntries(validSettings())) },
  { name: 'Plugboard settings with every field missing', status: 400, says: 'Plugboard API address', needs: { method: 'POST', url: '/settings/plugboard' }, unchanged: plugboardSettings, send: async () => postWithCsrf(seller, '/settings/plugboard', '/settings/plugboard', []) },
  { name: 'Plugboard settings with a javascript: address', status: 400, says: 'starting with https://', needs: { method: 'POST', url: '/settings/plugboard' }, unchanged: plugboardSettings, send: async () => postWithCsrf(seller, '/settings/plugboard', '/settings/plugboard', validSettings({ baseUrl: 'javascript:alert(1)' })) },
  { name: 'Plugboard settings with a unicode currency', status: 400, says: 'three-letter ISO 4217 code', needs: { method: 'POST', url: '/settings/plugboard' }, unchanged: plugboardSettings, send: async () => postWithCsrf(seller, '/settings/plugboard', '/settings/plugboard', validSettings({ currency: 'E€R' })) },
  { name: 'Plugboard settings with an enormous VAT rate', status: 400, says: 'VAT rate must be a number', needs: { method: 'POST', url: '/settings/plugboard' }, unchanged: plugboardSettings, send: async () => postWithCsrf(seller, '/settings/plugboard', '/settings/plugboard', validSettings({ vatRatePercent: '1e309' })) },
  { name: 'Plugboard settings with a NUL in the brand (a field with no format of its own)', status: 400, says: 'The brand must be at most 200 characters, without a NUL character.', needs: { method: 'POST', url: '/settings/plugboard' }, unchanged: plugboardSettings, send: async () => postWithCsrf(seller, '/settings/plugboard', '/settings/plugboard', validSettings({ brand: 'Studio\u0000Ida' })) },
  { name: 'Plugboard settings with a NUL in the tenant', status: 400, says: 'Plugboard tenant', needs: { method: 'POST', url: '/settings/plugboard' }, unchanged: plugboardSettings, send: async () => postWithCsrf(seller, '/settings/plugboard', '/settings/plugboard', validSettings({ tenant: 'de\u0000mo' })) },
  { name: 'publish with a negative item id', status: 400, says: 'Publish at most', needs: { method: 'POST', url: '/publish' }, unchanged: sellerExports, send: async () => postWithCsrf(seller, '/items', '/publish', [['scope', 'selected'], ['pk', '-1']]) },
  { name: 'publish with an enormous item id', status: 400, says: 'Publish at most', needs: { method: 'POST', url: '/publish' }, unchanged: sellerExports, send: async () => postWithCsrf(seller, '/items', '/publish', [['scope', 'selected'], ['pk', '99999999999999999999']]) },
  { name: 'publish with an infinite item id', status: 400, says: 'out of range', needs: { method: 'POST', url: '/publish' }, unchanged: sellerExports, send: async () => postWithCsrf(seller, '/items', '/publish', [['scope', 'selected'], ['pk', '1e309']]) },
  { name: 'publish without a CSRF token', status: 403, says: 'This form has expired', needs: { method: 'POST', url: '/publish' }, unchanged: sellerExports, send: async () => seller.postForm('/publish', { scope: 'selected', pk: '1' }) },
  { name: '/publish/<not a uuid>', status: 400, says: 'This address is not valid: batchId is not in the expected format', needs: { method: 'GET', url: '/publish/:batchId' }, send: async () => seller.get('/publish/..%2F..%2Fetc%2Fpasswd') },
  { name: '/publish/<unknown uuid>', status: 404, says: 'was not found', needs: { method: 'GET', url: '/publish/:batchId' }, send: async () => seller.get(`/publish/${randomUUID()}`) },
  { name: 'retry an export with an id that is not a uuid', status: 400, says: 'This address is not valid', needs: { method: 'POST', url: '/exports/:exportId/retry' }, send: async () => postWithCsrf(seller, '/items', "/exports/1'%20OR%201=1/retry", []) },
  { name: 'retry an unknown export', status: 404, says: 'was not found', needs: { method: 'POST', url: '/exports/:exportId/retry' }, unchanged: sellerExports, send: async () => postWithCsrf(seller, '/items', `/exports/${randomUUID()}/retry`, []) },
  { name: 'unpublish with a negative item id', status: 400, says: 'Take at most', needs: { method: 'POST', url: '/unpublish' }, unchanged: sellerExports, send: async () => postWithCsrf(seller, '/items', '/unpublish', [['pk', '-1'], ['confirm', 'yes']]) },
  // Back to the grid, which says so next to the button (never a 400 page; e2e-plugboard.test.ts shows the message).
  {
    name: 'unpublish with nothing selected',
    status: 200,
    says: 'Set up Plugboard',
    needs: { method: 'POST', url: '/unpublish' },
    unchanged: sellerExports,
    send: async () => {
      const res = await postWithCsrf(seller, '/items', '/unpublish', [['confirm', 'yes']]);
      expect(res.status).toBe(303);
      expect(location(res)).toBe('/items?publish=none-to-unpublish');
      return seller.get(location(res));
    },
  },
  { name: 'unpublish without a CSRF token', status: 403, says: 'This form has expired', needs: { method: 'POST', url: '/unpublish' }, unchanged: sellerExports, send: async () => seller.postForm('/unpublish', { pk: '1', confirm: 'yes' }) },
  { name: 'retry all failed of an unknown batch', status: 404, says: 'was not found', needs: { method: 'POST', url: '/publish/:batchId/retry-failed' }, unchanged: sellerExports, send: async () => postWithCsrf(seller, '/items', `/publish/${randomUUID()}/retry-failed`, []) },
  { name: '/orders?page=0 (shows the first page)', status: 200, says: 'Web-shop orders', send: async () => seller.get('/orders?page=0') },
  { name: '/orders?page=abc (shows the first page)', status: 200, says: 'Web-shop orders', send: async () => seller.get('/orders?page=abc') },
  { name: 'mark an order processing with an id that is not a uuid', status: 400, says: 'This address is not valid', needs: { method: 'POST', url: '/orders/:orderId/processing' }, send: async () => postWithCsrf(seller, '/items', "/orders/1'%20OR%201=1/processing", []) },
  { name: 'mark an unknown order processing', status: 404, says: 'was not found', needs: { method: 'POST', url: '/orders/:orderId/processing' }, send: async () => postWithCsrf(seller, '/items', `/orders/${randomUUID()}/processing`, []) },
];

function multipart(boundary: string, parts: Array<{ name: string; filename?: string; type?: string; body: string }>): string {
  return (
    parts
      .map((p) => `--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"${p.filename ? `; filename="${p.filename}"` : ''}\r\n${p.type ? `Content-Type: ${p.type}\r\n` : ''}\r\n${p.body}\r\n`)
      .join('') + `--${boundary}--\r\n`
  );
}

const uploadCases: AttackCase[] = [
  {
    name: 'upload with a wrong multipart boundary',
    status: 400,
    says: /upload|photo|file/i,
    needs: { method: 'POST', url: '/upload' },
    send: async () => {
      const csrf = await csrfFor(seller, '/upload');
      return seller.request('POST', `/upload?_csrf=${encodeURIComponent(csrf)}`, {
        body: multipart('actual', [{ name: '_csrf', body: csrf }, { name: 'photo', filename: 'a.jpg', type: 'image/jpeg', body: 'xx' }]),
        headers: { 'content-type': 'multipart/form-data; boundary=declared', 'csrf-token': csrf },
      });
    },
  },
  {
    name: 'upload with no file',
    status: 400,
    says: /upload|photo|file/i,
    needs: { method: 'POST', url: '/upload' },
    send: async () => {
      const csrf = await csrfFor(seller, '/upload');
      return seller.request('POST', '/upload', { body: multipart('b0undary', [{ name: '_csrf', body: csrf }]), headers: { 'content-type': 'multipart/form-data; boundary=b0undary', 'csrf-token': csrf } });
    },
  },
  { name: 'upload without a CSRF token', status: 403, says: 'This form has expired', needs: { method: 'POST', url: '/upload' }, send: async () => seller.request('POST', '/upload', { body: multipart('b', [{ name: 'photo', filename: 'a.jpg', type: 'image/jpeg', body: 'xx' }]), headers: { 'content-type': 'multipart/form-data; boundary=b' } }) },
  { name: '/uploads/<not an id>', status: 400, says: 'This address is not valid', needs: { method: 'GET', url: '/uploads/:id' }, send: async () => seller.get('/uploads/..%2F..%2Fetc%2Fpasswd') },
  { name: '/uploads?page=-1 (shows the first page)', status: 200, says: 'Uploads', needs: { method: 'GET', url: '/uploads' }, send: async () => seller.get('/uploads?page=-1') },
];

const cases: AttackCase[] = [...signUpCases, ...signInCases, ...connectCases, ...inventoryCases, ...plugboardCases, ...uploadCases];

const ctx: Ctx = {
  async anonymous() {
    const browser = new HttpSession(stack.console.url);
    await browser.get('/sign-up');
    return browser;
  },
  async freshSeller() {
    const address = email('fresh');
    const browser = await signUp(stack.console.url, address);
    const userId = (await db.query('SELECT id FROM "User" WHERE email = $1', [address])).rows[0].id as string;
    return { browser, userId };
  },
  raw(method, path, opts = {}) {
    const url = new URL(stack.console.url);
    return new Promise((resolve, reject) => {
      const req = httpRequest({ host: url.hostname, port: url.port, method, path, headers: opts.headers }, (res) => {
        let html = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (html += c));
        res.on('end', () => resolve({ status: res.statusCode!, html, contentType: String(res.headers['content-type'] ?? '') }));
      });
      req.on('error', reject);
      req.end(opts.body);
    });
  },
};

/** Sellers this file tried to create; a failed sign-up must not add one. */
const taggedUsers = async () => Number((await db.query('SELECT count(*)::int AS n FROM "User" WHERE email LIKE $1', [`${TAG}%`])).rows[0].n);

describe('bad input at every route', () => {
  it('has a corpus of at least 40 cases', () => {
    expect(cases.filter((c) => !c.needs).length + plugboardCases.length).toBeGreaterThanOrEqual(40);
  });

  it.for(cases.map((c) => [c.name, c] as const))('%s', async ([, c], { skip }) => {
    if (c.needs && !stack.console.app.hasRoute(c.needs)) return skip(`${c.needs.method} ${c.needs.url} is not built yet`);
    const usersBefore = await taggedUsers();
    const before = await c.unchanged?.(ctx);
    const connectionBefore = await sellerConnection();

    const answer = await c.send(ctx);
    const sent: Sent = answer instanceof Response ? { status: answer.status, html: await answer.text(), contentType: answer.headers.get('content-type') ?? '' } : answer;

    expect(sent.status, sent.html.slice(0, 2000)).toBe(c.status);
    expect(sent.contentType).toMatch(/text\/html/);
    if (typeof c.says === 'string') expect(sent.html).toContain(c.says);
    else expect(sent.html).toMatch(c.says);
    expect(sent.html).not.toMatch(/at .+\.ts:\d+/);
    expect(sent.html).not.toContain('<script>alert');
    expect(sent.html).not.toMatch(/Prisma|invalid byte sequence|TypeError/);

    // Fresh sellers made by the case itself are the only new accounts.
    const created = (await taggedUsers()) - usersBefore;
    const madeOwnSeller = /^\/cb/.test(c.name);
    expect(created).toBe(madeOwnSeller ? 1 : 0);
    if (c.unchanged) expect(await c.unchanged(ctx)).toEqual(before);
    expect(await sellerConnection()).toEqual(connectionBefore);
  });

  it('a GET with a tampered or garbage session cookie is simply signed out (sent to sign-in)', async () => {
    for (const sid of ['garbage', tamperedCookie(seller.cookies.get('sid')!)]) {
      const res = await withCookie(seller, sid).get('/items');
      expect(res.status).toBe(302);
      expect(location(res)).toBe('/sign-in?next=%2Fitems');
    }
    expect((await seller.get('/items')).status).toBe(200);
  });

  it('the console logged no unhandled error for any of it', () => {
    const errors = stack.console.logs.filter((line) => /"level":(50|60)/.test(line));
    expect(errors).toEqual([]);
  });
});

/**
 * One request must never stop the process: redirect targets a hostile page could put in a sign-in
 * link (`/sign-in?next=…`) or a form, against GET and POST sign-in. Each answer stays on the
 * console's origin, and the console still answers /healthz after every one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, signUp, uniqueEmail, type Stack } from './support/stack.js';
import { HttpSession, csrfOf } from './support/http.js';
import { consoleTarget } from '../src/web/redirect-target.js';

const PASSWORD = 'a long enough password';
let stack: Stack;
let email: string;
/** A signed-in browser: GET /sign-in redirects it straight to `next`. */
let signedIn: HttpSession;

beforeAll(async () => {
  stack = await startStack();
  email = uniqueEmail('redirects');
  signedIn = await signUp(stack.console.url, email, PASSWORD);
});
afterAll(async () => stack?.close());

/** [what it is, the `next` value, where a browser must end up (a path on the console)] */
const TARGETS: Array<[string, string, string]> = [
  ['protocol-relative host', '//evil.example/', '/'],
  ['slash backslash', '/\\evil.example/', '/'],
  ['backslash slash', '\\/evil.example/', '/'],
  ['two backslashes', '\\\\evil.example/', '/'],
  ['absolute https URL', 'https://evil.example/', '/'],
  ['scheme without slashes', 'http:evil.example', '/'],
  ['javascript: URL', 'javascript:alert(1)', '/'],
  ['data: URL', 'data:text/html,<script>alert(1)</script>', '/'],
  ['bare host name', 'evil.example', '/'],
  ['dot-slash-slash', './/evil.example', '/'],
  ['encoded double slash', '/%2F%2Fevil.example', '/'],
  ['encoded backslash', '/%5Cevil.example', '/'],
  ['double-encoded backslash', '/%255Cevil.example', '/'],
  ['tab between slashes', '/\t/evil.example', '/'],
  ['newline between slashes', '/\n/evil.example', '/'],
  ['CRLF header injection', '/items\r\nSet-Cookie: sid=planted', '/'],
  ['encoded CRLF header injection', '/items%0d%0aSet-Cookie:%20sid=planted', '/'],
  ['encoded tab between slashes', '/%09/evil.example', '/'],
  ['NUL byte', '/items\u0000', '/'],
  ['encoded NUL', '/items%00', '/'],
  ['double-encoded NUL', '/items%2500', '/'],
  ['leading space', ' /items', '/'],
  ['space inside', '/items /x', '/'],
  ['no-break space', '/items\u00a0', '/'],
  ['line separator', '/items\u2028', '/'],
  ['encoded line separator', '/items%E2%80%A8', '/'],
  ['right-to-left override', '/items\u202e', '/'],
  ['next line (C1 control)', '/items\u0085', '/'],
  ['DEL', '/items\u007f', '/'],
  ['userinfo on another host', '//user:pass@evil.example/', '/'],
  ['userinfo on the console host', 'http://user:pass@127.0.0.1/', '/'],
  ['IPv6 loopback', 'http://[::1]/', '/'],
  ['protocol-relative IPv4-mapped IPv6', '//[::ffff:7f00:1]/', '/'],
  ['dot segments to a double slash', '/../..//evil.example', '/'],
  ['encoded dot segments to a double slash', '/%2e%2e/%2e%2e//evil.example', '/'],
  ['malformed percent-encoding', '/items%E0%A4%A', '/'],
  ['very long path', `/${'a'.repeat(5000)}`, '/'],
  ['empty', '', '/'],
  // What the console itself links to keeps working.
  ['a page with a query', '/items?page=2&style=3', '/items?page=2&style=3'],
  ['a fragment is dropped', '/items#top', '/items'],
  ['non-ASCII in the query is encoded', '/items?q=été', '/items?q=%C3%A9t%C3%A9'],
  ['an at sign in the path', '/@evil.example', '/@evil.example'],
  ['a search for a percent sign', '/items?q=50%25', '/items?q=50%25'],
  ['a search with a space', '/items?q=red%20dress&sort=price-asc', '/items?q=red%20dress&sort=price-asc'],
  ['an encoded line break in the query', '/items?q=%0d%0aSet-Cookie:%20sid=planted', '/'],
  ['an encoded right-to-left override in the query', '/items?q=%E2%80%AEevil', '/'],
];

function landsOnConsole(location: string | null, expected: string) {
  expect(location).not.toBeNull();
  const origin = new URL(stack.console.url).origin;
  // Resolved as a browser resolves a Location header.
  const resolved = new URL(location!, stack.console.url);
  expect(resolved.origin).toBe(origin);
  expect(`${resolved.pathname}${resolved.search}`).toBe(expected);
}

async function stillServing() {
  const res = await fetch(`${stack.console.url}/healthz`);
  expect(res.status).toBe(200);
}

describe('hostile redirect targets', () => {
  it('has a table of at least 30 hostile targets', () => {
    expect(TARGETS.filter(([, , expected]) => expected === '/').length).toBeGreaterThanOrEqual(30);
  });

  it.for(TARGETS)('GET /sign-in?next=<%s>, signed in: redirected on the console', async ([, next, expected]) => {
    const res = await signedIn.get(`/sign-in?next=${encodeURIComponent(next)}`);
    expect(res.status).toBe(302);
    landsOnConsole(res.headers.get('location'), expected);
    await stillServing();
  });

  it.for(TARGETS)('GET /sign-in?next=<%s>, signed out: the form carries a safe next', async ([, next, expected]) => {
    const res = await new HttpSession(stack.console.url).get(`/sign-in?next=${encodeURIComponent(next)}`);
    expect(res.status).toBe(200);
    const html = await res.text();
    const carried = /name="next" value="([^"]*)"/.exec(html)?.[1]?.replace(/&amp;/g, '&');
    expect(carried).toBe(expected);
    await stillServing();
  });

  it.for(TARGETS)('POST /sign-in with next=<%s>: redirected on the console', async ([, next, expected]) => {
    const browser = new HttpSession(stack.console.url);
    const csrf = csrfOf(await (await browser.get('/sign-in')).text())!;
    const res = await browser.postForm('/sign-in', { _csrf: csrf, email, password: PASSWORD, next });
    expect(res.status).toBe(302);
    landsOnConsole(res.headers.get('location'), expected);
    await stillServing();
  });

  it('the same rule as a function: console paths only', () => {
    const base = 'https://console.example';
    expect(consoleTarget('/items?page=2', base)).toBe('/items?page=2');
    expect(consoleTarget('https://console.example/items', base)).toBe('/');
    expect(consoleTarget(['/items'], base)).toBe('/');
    expect(consoleTarget(undefined, base)).toBe('/');
    expect(consoleTarget('/uploads/x', base, { fallback: '/uploads', allow: (p) => p.startsWith('/uploads/') })).toBe('/uploads/x');
    expect(consoleTarget('/items', base, { fallback: '/uploads', allow: (p) => p.startsWith('/uploads/') })).toBe('/uploads');
  });

  it('logged no unhandled error', () => {
    expect(stack.console.logs.filter((line) => /"level":(50|60)/.test(line))).toEqual([]);
  });
});

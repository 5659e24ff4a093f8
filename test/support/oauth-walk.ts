import { HttpSession, location } from './http.js';

/**
 * Walks the authorization-code flow as a seller would: console → sandbox sign-in → consent → /cb.
 * Returns the /cb response (a redirect to /items when it worked).
 */
export async function connectSonlet(browser: HttpSession, seller = { username: 'demo', password: 'demo' }): Promise<Response> {
  const start = await browser.get('/connect/sonlet');
  const authorizeUrl = location(start);
  const sandbox = new HttpSession(new URL(authorizeUrl).origin);
  const cbUrl = await authorizeAtSandbox(sandbox, authorizeUrl, seller);
  const cb = new URL(cbUrl);
  return browser.get(cb.pathname + cb.search);
}

/** Signs in at the sandbox and approves; returns the redirect URL carrying the code. */
export async function authorizeAtSandbox(sandbox: HttpSession, authorizeUrl: string, seller: { username: string; password: string }, decision: 'allow' | 'deny' = 'allow'): Promise<string> {
  let res = await sandbox.get(authorizeUrl);
  let html = await res.text();
  if (/name="password"/.test(html)) {
    const form = formOf(html, authorizeUrl);
    res = await sandbox.postForm(form.action, { ...form.fields, username: seller.username, password: seller.password });
    if (res.status === 302 || res.status === 303) res = await sandbox.get(location(res));
    html = await res.text();
  }
  const form = formOf(html, authorizeUrl);
  const fields = { ...form.fields };
  if (decision === 'allow') fields.allow = 'Authorize';
  else delete fields.allow;
  res = await sandbox.postForm(form.action, fields);
  return location(res);
}

/** Reads the first form's action and hidden fields from sandbox HTML. */
export function formOf(html: string, pageUrl: string): { action: string; fields: Record<string, string> } {
  const formTag = /<form[^>]*action="([^"]*)"/i.exec(html);
  const action = new URL(decode(formTag?.[1] ?? ''), pageUrl).toString();
  const fields: Record<string, string> = {};
  for (const m of html.matchAll(/<input[^>]*type="hidden"[^>]*>/gi)) {
    const name = /name="([^"]*)"/.exec(m[0])?.[1];
    const value = /value="([^"]*)"/.exec(m[0])?.[1] ?? '';
    if (name) fields[decode(name)] = decode(value);
  }
  return { action, fields };
}

function decode(s: string): string {
  return s
    .replace(/&#(\d+);/g, (_, n) => String.fromCodePoint(Number(n)))
    .replace(/&#x([0-9a-f]+);/gi, (_, n) => String.fromCodePoint(parseInt(n, 16)))
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/**
 * Test helpers for the Sonlet sandbox: start it on a random port, run the OAuth flow by plain HTTP,
 * and read its answers with shapes written from the reference (never the console's client types).
 */
import { createHash, randomBytes } from 'node:crypto';
import { type SandboxClient, type SonletSandboxOptions, startSonletSandbox } from '../../src/sandbox/sonlet/index.js';

export const CONSOLE_CLIENT: SandboxClient = {
  clientId: 'console-test-client',
  clientSecret: 'console-test-secret',
  name: 'Sonlet Seller Console',
  // never followed by the tests: they read the Location header
  redirectUris: ['http://console.test/auth/sonlet/callback'],
};

export const TOOLS_CLIENT: SandboxClient = {
  clientId: 'outside-tools',
  clientSecret: 'outside-tools-secret',
  name: 'Outside tools',
  redirectUris: ['/tools/callback'],
};

export type StartedSandbox = Awaited<ReturnType<typeof startSonletSandbox>>;

export function startTestSandbox(opts: Partial<SonletSandboxOptions> = {}): Promise<StartedSandbox> {
  return startSonletSandbox({ clients: [CONSOLE_CLIENT, TOOLS_CLIENT], ...opts });
}

/** A tiny cookie jar: name=value pairs from Set-Cookie, sent back as one Cookie header. */
export class CookieJar {
  private readonly cookies = new Map<string, string>();

  store(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (/max-age=0/i.test(line) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  header(): Record<string, string> {
    if (!this.cookies.size) return {};
    return { cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ') };
  }
}

export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(48).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export function form(data: Record<string, string>): { body: string; headers: Record<string, string> } {
  return { body: new URLSearchParams(data).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } };
}

export function authorizeUrl(base: string, params: Record<string, string | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) q.set(k, v);
  return `${base}/o/authorize/?${q.toString()}`;
}

export function unescapeHtml(s: string): string {
  return s
    .replace(/&#(\d+);/g, (_m, n: string) => String.fromCharCode(Number(n)))
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

export interface CodeFlowOptions {
  username?: string;
  password?: string;
  client?: SandboxClient;
  redirectUri?: string;
  state?: string;
  challenge?: string | null;
  challengeMethod?: string;
  jar?: CookieJar;
}

/**
 * Runs sign-in and consent by plain HTTP and answers the redirect URL carrying the code.
 */
export async function authorize(base: string, opts: CodeFlowOptions = {}): Promise<URL> {
  const client = opts.client ?? CONSOLE_CLIENT;
  const jar = opts.jar ?? new CookieJar();
  const url = authorizeUrl(base, {
    response_type: 'code',
    client_id: client.clientId,
    redirect_uri: opts.redirectUri ?? client.redirectUris[0],
    state: opts.state ?? 'st-123',
    code_challenge: opts.challenge === null ? undefined : opts.challenge,
    code_challenge_method: opts.challenge === null ? undefined : (opts.challengeMethod ?? 'S256'),
  });
  let res = await fetch(url, { redirect: 'manual', headers: jar.header() });
  let html = await res.text();
  if (html.includes('name="password"')) {
    const next = /name="next" value="([^"]*)"/.exec(html)?.[1] ?? '';
    const action = /<form method="post" action="([^"]*)"/.exec(html)?.[1] ?? '';
    const login = form({
      username: opts.username ?? 'demo',
      password: opts.password ?? opts.username ?? 'demo',
      next: unescapeHtml(next),
    });
    res = await fetch(new URL(action, base), { method: 'POST', redirect: 'manual', ...login });
    if (res.status !== 302) throw new Error(`sign-in failed: ${res.status}`);
    jar.store(res);
    res = await fetch(new URL(res.headers.get('location') ?? '', base), { redirect: 'manual', headers: jar.header() });
    html = await res.text();
  }
  if (res.status !== 200) throw new Error(`consent page: ${res.status}`);
  const fields: Record<string, string> = {};
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    fields[m[1]] = unescapeHtml(m[2]);
  }
  const consent = form({ ...fields, allow: 'Authorize' });
  res = await fetch(`${base}/o/authorize/`, {
    method: 'POST',
    redirect: 'manual',
    body: consent.body,
    headers: { ...consent.headers, ...jar.header() },
  });
  if (res.status !== 302) throw new Error(`consent failed: ${res.status} ${await res.text()}`);
  return new URL(res.headers.get('location') ?? '');
}

export interface TokenSet {
  access_token: string;
  refresh_token: string;
  expires_in: number;
  token_type: string;
  scope: string;
}

export async function tokenRequest(base: string, data: Record<string, string>): Promise<Response> {
  const f = form(data);
  return fetch(`${base}/o/token/`, { method: 'POST', ...f });
}

/** Full code flow with PKCE for a seller; answers the token set. */
export async function getTokens(base: string, username = 'demo'): Promise<TokenSet> {
  const { verifier, challenge } = pkcePair();
  const redirect = await authorize(base, { username, password: username, challenge });
  const code = redirect.searchParams.get('code');
  if (!code) throw new Error(`no code in ${redirect.toString()}`);
  const res = await tokenRequest(base, {
    grant_type: 'authorization_code',
    code,
    redirect_uri: CONSOLE_CLIENT.redirectUris[0],
    client_id: CONSOLE_CLIENT.clientId,
    client_secret: CONSOLE_CLIENT.clientSecret,
    code_verifier: verifier,
  });
  if (res.status !== 200) throw new Error(`token exchange failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as TokenSet;
}

export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

/** An image as the reference's examples read it (`data['image_thumbnail'], data['pk']`). */
export interface Image {
  pk: number;
  image_full: string;
  image_thumbnail: string;
  created: string;
}

export interface Item {
  pk: number;
  style: string;
  size: string;
  itemchoice_id: number;
  size_id: number;
  quantity: number;
  price: string;
  wholesale_price: string;
  data: { attributes: Record<string, string> };
  image: { pk: number; image_full: string; image_thumbnail: string } | null;
  image_thumbnail: string | null;
  created: string;
}

export interface ItemChoice {
  pk: number;
  name: string;
  min_advertised_price: string;
  wholesale_price: string;
}

export interface Size {
  pk: number;
  name: string;
}

/** "The response is paged." */
export interface Page<T> {
  count: number;
  next: string | null;
  previous: string | null;
  results: T[];
}

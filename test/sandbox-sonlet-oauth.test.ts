import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CONSOLE_CLIENT,
  CookieJar,
  type StartedSandbox,
  TOOLS_CLIENT,
  authorize,
  authorizeUrl,
  bearer,
  form,
  getTokens,
  pkcePair,
  startTestSandbox,
  tokenRequest,
  unescapeHtml,
} from './support/sonlet-sandbox.js';

let sb: StartedSandbox;
let base: string;

beforeAll(async () => {
  sb = await startTestSandbox();
  base = sb.url;
});

afterAll(async () => {
  await sb?.close();
});

const exchange = (code: string, verifier: string | undefined, extra: Record<string, string> = {}) =>
  tokenRequest(base, {
    grant_type: 'authorization_code',
    code,
    redirect_uri: CONSOLE_CLIENT.redirectUris[0],
    client_id: CONSOLE_CLIENT.clientId,
    client_secret: CONSOLE_CLIENT.clientSecret,
    ...(verifier === undefined ? {} : { code_verifier: verifier }),
    ...extra,
  });

describe('authorize endpoint', () => {
  it('runs the full code flow by plain HTTP with cookies: sign-in, consent, code, token', async () => {
    const jar = new CookieJar();
    const { verifier, challenge } = pkcePair();
    const url = authorizeUrl(base, {
      response_type: 'code',
      client_id: CONSOLE_CLIENT.clientId,
      redirect_uri: CONSOLE_CLIENT.redirectUris[0],
      state: 'abc 123',
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });

    // not signed in: a sign-in form keeping the authorize parameters
    let res = await fetch(url, { redirect: 'manual' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    let html = await res.text();
    expect(html).toContain('Sonlet sandbox');
    expect(html).toContain('name="username"');
    expect(html).toContain('name="password"');
    expect(html).toContain('>Sign in</button>');
    expect(html).not.toMatch(/<script|style=/);
    const next = unescapeHtml(/name="next" value="([^"]*)"/.exec(html)?.[1] ?? '');
    expect(next).toContain(`code_challenge=${challenge}`);

    // wrong password: message, 400, parameters kept
    res = await fetch(`${base}/accounts/login/`, { method: 'POST', redirect: 'manual', ...form({ username: 'demo', password: 'nope', next }) });
    expect(res.status).toBe(400);
    html = await res.text();
    expect(html).toContain('Please enter a correct username and password');
    expect(unescapeHtml(/name="next" value="([^"]*)"/.exec(html)?.[1] ?? '')).toBe(next);

    // right password: session cookie and back to authorize
    res = await fetch(`${base}/accounts/login/`, { method: 'POST', redirect: 'manual', ...form({ username: 'demo', password: 'demo', next }) });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe(next);
    jar.store(res);
    expect(jar.header().cookie).toBeTruthy();

    // consent page naming the app
    res = await fetch(new URL(next, base), { headers: jar.header() });
    expect(res.status).toBe(200);
    html = await res.text();
    expect(html).toContain('Authorize Sonlet Seller Console?');
    expect(html).toContain('>Authorize</button>');
    expect(html).toContain('>Cancel</button>');
    expect(html).toContain('name="allow" value="Authorize"');
    const fields: Record<string, string> = {};
    for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) fields[m[1]] = unescapeHtml(m[2]);
    expect(fields.state).toBe('abc 123');

    // allow: redirect with code and state
    res = await fetch(`${base}/o/authorize/`, {
      method: 'POST',
      redirect: 'manual',
      body: new URLSearchParams({ ...fields, allow: 'Authorize' }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...jar.header() },
    });
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get('location') ?? '');
    expect(`${location.origin}${location.pathname}`).toBe(CONSOLE_CLIENT.redirectUris[0]);
    expect(location.searchParams.get('state')).toBe('abc 123');
    const code = location.searchParams.get('code') ?? '';
    expect(code).toMatch(/^[A-Za-z0-9]{30}$/);

    // token
    const before = sb.sandbox.stats.tokenRequests;
    res = await exchange(code, verifier);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('pragma')).toBe('no-cache');
    const tokens = (await res.json()) as Record<string, unknown>;
    expect(Object.keys(tokens)).toEqual(['access_token', 'expires_in', 'token_type', 'scope', 'refresh_token']);
    expect(tokens).toMatchObject({ expires_in: 1209600, token_type: 'Bearer', scope: 'read write' });
    expect(sb.sandbox.stats.tokenRequests).toBe(before + 1);

    const api = await fetch(`${base}/api/v2/items/`, { headers: bearer(String(tokens.access_token)) });
    expect(api.status).toBe(200);
  });

  it('Cancel redirects with error=access_denied and the state', async () => {
    const jar = new CookieJar();
    const { challenge } = pkcePair();
    // sign in through a first flow, then cancel a second consent
    await authorize(base, { jar, challenge });
    const res1 = await fetch(
      authorizeUrl(base, {
        response_type: 'code',
        client_id: CONSOLE_CLIENT.clientId,
        redirect_uri: CONSOLE_CLIENT.redirectUris[0],
        state: 'xyz',
        code_challenge: challenge,
        code_challenge_method: 'S256',
      }),
      { headers: jar.header() },
    );
    const html = await res1.text();
    expect(html).toContain('>Cancel</button>');
    const fields: Record<string, string> = {};
    for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) fields[m[1]] = unescapeHtml(m[2]);
    const res = await fetch(`${base}/o/authorize/`, {
      method: 'POST',
      redirect: 'manual',
      body: new URLSearchParams(fields).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...jar.header() },
    });
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get('location') ?? '');
    expect(location.searchParams.get('error')).toBe('access_denied');
    expect(location.searchParams.get('state')).toBe('xyz');
    expect(location.searchParams.get('code')).toBeNull();
  });

  it('answers an error page (400, never a redirect) for an unknown client or redirect URI', async () => {
    const { challenge } = pkcePair();
    const common = { response_type: 'code', state: 's', code_challenge: challenge, code_challenge_method: 'S256' };
    let res = await fetch(authorizeUrl(base, { ...common, client_id: 'nope', redirect_uri: CONSOLE_CLIENT.redirectUris[0] }), { redirect: 'manual' });
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    expect(await res.text()).toContain('Invalid client_id parameter value.');

    res = await fetch(
      authorizeUrl(base, { ...common, client_id: CONSOLE_CLIENT.clientId, redirect_uri: `${CONSOLE_CLIENT.redirectUris[0]}/evil` }),
      { redirect: 'manual' },
    );
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    expect(await res.text()).toContain('Mismatching redirect URI.');
  });

  it('redirects with unsupported_response_type, the state kept', async () => {
    const res = await fetch(
      authorizeUrl(base, { response_type: 'foo', client_id: CONSOLE_CLIENT.clientId, redirect_uri: CONSOLE_CLIENT.redirectUris[0], state: 's1' }),
      { redirect: 'manual' },
    );
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get('location') ?? '');
    expect(location.searchParams.get('error')).toBe('unsupported_response_type');
    expect(location.searchParams.get('state')).toBe('s1');
  });
});

describe('PKCE', () => {
  it('runs the flow exactly as the reference documents it: no PKCE, client id and secret in the form body', async () => {
    const redirect = await authorize(base, { challenge: null, state: 'random_state_string' });
    expect(redirect.searchParams.get('state')).toBe('random_state_string');
    const code = redirect.searchParams.get('code') ?? '';
    const res = await exchange(code, undefined);
    expect(res.status).toBe(200);
    const tokens = (await res.json()) as { access_token: string; refresh_token: string };
    expect((await fetch(`${base}/api/v2/items/`, { headers: bearer(tokens.access_token) })).status).toBe(200);
  });

  it('accepts PKCE when sent, and then insists on the verifier', async () => {
    const { verifier, challenge } = pkcePair();
    const code = (await authorize(base, { challenge })).searchParams.get('code') ?? '';
    expect((await exchange(code, undefined)).status).toBe(400);
    expect((await exchange(code, verifier)).status).toBe(200);
  });

  it('with requirePkce (SANDBOX_REQUIRE_PKCE=true) refuses a flow without PKCE and takes one with it', async () => {
    const strict = await startTestSandbox({ requirePkce: true });
    try {
      const res = await fetch(authorizeUrl(strict.url, { response_type: 'code', client_id: CONSOLE_CLIENT.clientId, redirect_uri: CONSOLE_CLIENT.redirectUris[0], state: 's2' }), {
        redirect: 'manual',
      });
      expect(res.status).toBe(302);
      const location = new URL(res.headers.get('location') ?? '');
      expect(location.searchParams.get('error')).toBe('invalid_request');
      expect(location.searchParams.get('error_description')).toBe('Code challenge required.');
      expect(location.searchParams.get('state')).toBe('s2');
      expect((await getTokens(strict.url)).access_token).toMatch(/^[A-Za-z0-9]{30}$/);
    } finally {
      await strict.close();
    }
  });
});

describe('token endpoint', () => {
  it('rejects a PKCE mismatch with invalid_grant and a missing verifier with invalid_request', async () => {
    const { challenge } = pkcePair();
    const code = (await authorize(base, { challenge })).searchParams.get('code') ?? '';
    let res = await exchange(code, 'wrong-verifier-wrong-verifier-wrong-verifier-00');
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: 'invalid_grant' });
    res = await exchange(code, undefined);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'invalid_request' });
  });

  it('accepts the plain PKCE method', async () => {
    const verifier = 'p'.repeat(50);
    const code = (await authorize(base, { challenge: verifier, challengeMethod: 'plain' })).searchParams.get('code') ?? '';
    const res = await exchange(code, verifier);
    expect(res.status).toBe(200);
  });

  it('answers invalid_grant for a replayed code', async () => {
    const { verifier, challenge } = pkcePair();
    const code = (await authorize(base, { challenge })).searchParams.get('code') ?? '';
    expect((await exchange(code, verifier)).status).toBe(200);
    const res = await exchange(code, verifier);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: 'invalid_grant' });
  });

  it('answers invalid_request "Mismatching redirect URI." when redirect_uri differs', async () => {
    const { verifier, challenge } = pkcePair();
    const code = (await authorize(base, { challenge })).searchParams.get('code') ?? '';
    const res = await exchange(code, verifier, { redirect_uri: 'http://console.test/other' });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: 'invalid_request', error_description: 'Mismatching redirect URI.' });
  });

  it('answers 401 invalid_client with WWW-Authenticate for a wrong secret (body or Basic)', async () => {
    const { verifier, challenge } = pkcePair();
    const code = (await authorize(base, { challenge })).searchParams.get('code') ?? '';
    let res = await exchange(code, verifier, { client_secret: 'wrong' });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_client"/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.json()).toEqual({ error: 'invalid_client' });

    // HTTP Basic with the right credentials works, and the code was not spent by the failure
    res = await fetch(`${base}/o/token/`, {
      method: 'POST',
      ...form({ grant_type: 'authorization_code', code, redirect_uri: CONSOLE_CLIENT.redirectUris[0], code_verifier: verifier }),
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${CONSOLE_CLIENT.clientId}:${CONSOLE_CLIENT.clientSecret}`).toString('base64')}`,
      },
    });
    expect(res.status).toBe(200);
  });

  it('answers unsupported_grant_type and invalid_request for missing parameters', async () => {
    let res = await tokenRequest(base, { grant_type: 'password', client_id: CONSOLE_CLIENT.clientId, client_secret: CONSOLE_CLIENT.clientSecret });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: 'unsupported_grant_type' });
    res = await tokenRequest(base, { grant_type: 'authorization_code', client_id: CONSOLE_CLIENT.clientId, client_secret: CONSOLE_CLIENT.clientSecret });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: 'invalid_request', error_description: 'Missing code parameter.' });
    res = await tokenRequest(base, { grant_type: 'refresh_token', client_id: CONSOLE_CLIENT.clientId, client_secret: CONSOLE_CLIENT.clientSecret });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'invalid_request' });
  });

  it('rotates refresh tokens: new pair, old refresh token and old access token then invalid', async () => {
    const first = await getTokens(base);
    const refresh = (token: string) =>
      tokenRequest(base, {
        grant_type: 'refresh_token',
        refresh_token: token,
        client_id: CONSOLE_CLIENT.clientId,
        client_secret: CONSOLE_CLIENT.clientSecret,
      });
    let res = await refresh(first.refresh_token);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const second = (await res.json()) as { access_token: string; refresh_token: string };
    expect(second.access_token).not.toBe(first.access_token);
    expect(second.refresh_token).not.toBe(first.refresh_token);

    res = await refresh(first.refresh_token);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: 'invalid_grant' });

    expect((await fetch(`${base}/api/v2/sizes/`, { headers: bearer(second.access_token) })).status).toBe(200);
    expect((await fetch(`${base}/api/v2/sizes/`, { headers: bearer(first.access_token) })).status).toBe(401);

    sb.sandbox.revokeRefreshTokens('demo');
    res = await refresh(second.refresh_token);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: 'invalid_grant' });
  });

  it('counts token requests and can fail them with errorRate', async () => {
    const before = sb.sandbox.stats.tokenRequests;
    sb.sandbox.faults.errorRate = 1;
    try {
      const res = await tokenRequest(base, { grant_type: 'refresh_token', refresh_token: 'x' });
      expect([500, 502]).toContain(res.status);
      expect(await res.json()).toHaveProperty('detail');
    } finally {
      sb.sandbox.faults.errorRate = 0;
    }
    expect(sb.sandbox.stats.tokenRequests).toBe(before + 1);
  });
});

describe('tools pages', () => {
  it('shows the code and an escaped curl command that works', async () => {
    const page = await fetch(`${base}/tools/`);
    expect(page.status).toBe(200);
    const html = await page.text();
    const link = unescapeHtml(/<a href="([^"]*\/o\/authorize\/[^"]*)"/.exec(html)?.[1] ?? '');
    expect(link).toContain(`client_id=${TOOLS_CLIENT.clientId}`);
    const params = Object.fromEntries(new URL(link, base).searchParams);
    const redirect = await authorize(base, {
      client: TOOLS_CLIENT,
      redirectUri: params.redirect_uri,
      state: params.state,
      challenge: params.code_challenge,
    });
    expect(redirect.pathname).toBe('/tools/callback');
    const cb = await fetch(redirect);
    expect(cb.status).toBe(200);
    const cbHtml = await cb.text();
    const code = redirect.searchParams.get('code') ?? '';
    expect(cbHtml).toContain(code);
    const pre = unescapeHtml(/<pre>([\s\S]*?)<\/pre>/.exec(cbHtml)?.[1] ?? '');
    expect(pre).toContain(`curl -sS -X POST '${base}/o/token/'`);
    // run the command's parameters as curl would send them
    const data: Record<string, string> = {};
    for (const m of pre.matchAll(/--data-urlencode '([^=']+)=([^']*)'/g)) data[m[1]] = m[2];
    const res = await tokenRequest(base, data);
    expect(res.status).toBe(200);

    const xss = await fetch(`${base}/tools/callback?code=%3Cscript%3Ealert(1)%3C%2Fscript%3E&state=%22%3E`);
    const xssHtml = await xss.text();
    expect(xssHtml).not.toContain('<script>');
    expect(xssHtml).toContain('&#60;script&#62;');
  });
});

describe('options', () => {
  it('accessTokenTtlSeconds sets expires_in; a left-out redirect_uri means the registered one, as oauthlib compares', async () => {
    const other = await startTestSandbox({ accessTokenTtlSeconds: 3600 });
    try {
      const code = (await authorize(other.url, { challenge: null })).searchParams.get('code') ?? '';
      const res = await tokenRequest(other.url, { grant_type: 'authorization_code', code, client_id: CONSOLE_CLIENT.clientId, client_secret: CONSOLE_CLIENT.clientSecret });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ expires_in: 3600 });
    } finally {
      await other.close();
    }
  });
});

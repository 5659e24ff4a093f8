/** Token revocation at the Sonlet sandbox: RFC 7009 as django-oauth-toolkit serves it at /o/revoke_token/. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSOLE_CLIENT, type StartedSandbox, bearer, form, getTokens, startTestSandbox, tokenRequest } from './support/sonlet-sandbox.js';

let sb: StartedSandbox;
let base: string;

beforeAll(async () => {
  sb = await startTestSandbox();
  base = sb.url;
});
afterAll(async () => {
  await sb?.close();
});

const clientFields = { client_id: CONSOLE_CLIENT.clientId, client_secret: CONSOLE_CLIENT.clientSecret };
const revoke = (fields: Record<string, string>, path = '/o/revoke_token/') => fetch(`${base}${path}`, { method: 'POST', ...form(fields) });
const apiStatus = async (accessToken: string) => (await fetch(`${base}/api/v2/sizes/`, { headers: bearer(accessToken) })).status;
const refresh = (refreshToken: string) => tokenRequest(base, { grant_type: 'refresh_token', refresh_token: refreshToken, ...clientFields });

describe('POST /o/revoke_token/', () => {
  it('revokes an access token: 200 with an empty body, then the API answers 401', async () => {
    const t = await getTokens(base, 'demo2');
    expect(await apiStatus(t.access_token)).toBe(200);
    const res = await revoke({ token: t.access_token, token_type_hint: 'access_token', ...clientFields });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
    expect(await apiStatus(t.access_token)).toBe(401);
    // As in django-oauth-toolkit, the refresh token outlives its revoked access token.
    expect((await refresh(t.refresh_token)).status).toBe(200);
  });

  it('revokes a refresh token and its access token with it', async () => {
    const t = await getTokens(base, 'demo2');
    expect((await revoke({ token: t.refresh_token, token_type_hint: 'refresh_token', ...clientFields })).status).toBe(200);
    expect(await apiStatus(t.access_token)).toBe(401);
    const res = await refresh(t.refresh_token);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: 'invalid_grant' });
  });

  it('finds the token whatever the hint says, or without one', async () => {
    const a = await getTokens(base, 'demo2');
    expect((await revoke({ token: a.refresh_token, ...clientFields })).status).toBe(200);
    expect(await apiStatus(a.access_token)).toBe(401);
    const b = await getTokens(base, 'demo2');
    expect((await revoke({ token: b.access_token, token_type_hint: 'refresh_token', ...clientFields })).status).toBe(200);
    expect(await apiStatus(b.access_token)).toBe(401);
  });

  it('answers 200 for an unknown token (nothing to revoke is not an error)', async () => {
    const res = await revoke({ token: 'no-such-token-at-all', token_type_hint: 'access_token', ...clientFields });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
  });

  it('takes the client credentials by HTTP Basic too', async () => {
    const t = await getTokens(base, 'demo2');
    const res = await fetch(`${base}/o/revoke_token/`, {
      method: 'POST',
      body: new URLSearchParams({ token: t.access_token }).toString(),
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${CONSOLE_CLIENT.clientId}:${CONSOLE_CLIENT.clientSecret}`).toString('base64')}`,
      },
    });
    expect(res.status).toBe(200);
    expect(await apiStatus(t.access_token)).toBe(401);
  });

  it('refuses a missing token, a wrong client secret and query parameters, revoking nothing', async () => {
    const t = await getTokens(base, 'demo2');
    let res = await revoke({ ...clientFields });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: 'invalid_request', error_description: 'Missing token parameter.' });

    res = await revoke({ token: t.access_token, client_id: CONSOLE_CLIENT.clientId, client_secret: 'wrong' });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: 'invalid_client' });

    res = await revoke({ token: t.access_token, ...clientFields }, `/o/revoke_token/?token=${t.access_token}`);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'invalid_request' });
    expect(await apiStatus(t.access_token)).toBe(200);

    expect((await fetch(`${base}/o/revoke_token/`)).status).toBe(405);
  });
});

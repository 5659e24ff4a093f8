import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { inject } from 'vitest';
import { startStack, signUp, connectSonlet, authorizeAtSandbox, type Stack } from './support/stack.js';
import { HttpSession, location } from './support/http.js';
import { TokenCipher } from '../src/crypto/token-cipher.js';

let stack: Stack;
const db = new pg.Pool({ connectionString: inject('databaseUrl'), max: 2 });

beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack.close();
  await db.end();
});

async function connectionRow(email: string) {
  const { rows } = await db.query(
    `SELECT c.* FROM "SonletConnection" c JOIN "User" u ON u.id = c."userId" WHERE u.email = $1`,
    [email],
  );
  return rows[0] ?? null;
}

describe('connecting Sonlet with the authorization-code flow', () => {
  it('signs up, connects Sonlet, sees their items; tokens are stored encrypted', async () => {
    const email = `flow-${Date.now()}@example.com`;
    const browser = await signUp(stack.console.url, email);

    const start = await browser.get('/connect/sonlet');
    expect(start.status).toBe(302);
    const authorize = new URL(location(start));
    expect(authorize.pathname).toBe('/o/authorize/');
    expect(authorize.searchParams.get('response_type')).toBe('code');
    expect(authorize.searchParams.get('client_id')).toBe(stack.console.config.sonlet.clientId);
    expect(authorize.searchParams.get('redirect_uri')).toBe(`${stack.console.url}/cb`);
    expect(authorize.searchParams.get('state')).toMatch(/.{20,}/);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');

    const cbUrl = new URL(await authorizeAtSandbox(new HttpSession(authorize.origin), authorize.toString(), { username: 'demo', password: 'demo' }));
    const cb = await browser.get(cbUrl.pathname + cbUrl.search);
    expect(cb.status).toBe(302);
    expect(location(cb)).toBe('/items');

    const items = await browser.get('/items');
    expect(items.status).toBe(200);
    const html = await items.text();
    expect(html).toMatch(/<img src="http:\/\/127\.0\.0\.1:\d+\/media\/[^"]+"/);
    expect((html.match(/class="card"/g) ?? []).length).toBeGreaterThanOrEqual(10);

    const row = await connectionRow(email);
    expect(row).not.toBeNull();
    expect(row.status).toBe('active');
    const cipher = new TokenCipher(stack.console.config.tokenEncryptionKey);
    const access = cipher.decrypt(row.accessTokenEnc);
    const refresh = cipher.decrypt(row.refreshTokenEnc);
    expect(access.length).toBeGreaterThan(10);
    for (const column of [row.accessTokenEnc, row.refreshTokenEnc]) {
      expect(column).not.toContain(access);
      expect(column).not.toContain(refresh);
    }
    // The decrypted token is the real one: the sandbox accepts it.
    const api = await fetch(`${stack.sonlet.url}/api/v2/items/`, { headers: { authorization: `Bearer ${access}` } });
    expect(api.status).toBe(200);
  });

  it('seller cancels at Sonlet: a friendly page and nothing stored', async () => {
    const email = `cancel-${Date.now()}@example.com`;
    const browser = await signUp(stack.console.url, email);
    const authorize = location(await browser.get('/connect/sonlet'));
    const back = new URL(await authorizeAtSandbox(new HttpSession(new URL(authorize).origin), authorize, { username: 'demo', password: 'demo' }, 'deny'));
    expect(back.searchParams.get('error')).toBe('access_denied');
    const cb = await browser.get(back.pathname + back.search);
    expect(cb.status).toBe(200);
    expect(await cb.text()).toContain('You cancelled at Sonlet');
    expect(await connectionRow(email)).toBeNull();
  });

  it('rejects a tampered or missing state with 400 and stores nothing', async () => {
    const email = `state-${Date.now()}@example.com`;
    const browser = await signUp(stack.console.url, email);
    const authorize = location(await browser.get('/connect/sonlet'));
    const back = new URL(await authorizeAtSandbox(new HttpSession(new URL(authorize).origin), authorize, { username: 'demo', password: 'demo' }));
    const code = back.searchParams.get('code')!;

    const tampered = await browser.get(`/cb?code=${encodeURIComponent(code)}&state=forged-state-value-000000`);
    expect(tampered.status).toBe(400);
    expect(await tampered.text()).toContain('state did not match');
    const missing = await browser.get(`/cb?code=${encodeURIComponent(code)}`);
    expect(missing.status).toBe(400);
    expect(await connectionRow(email)).toBeNull();
  });

  it('two tabs press Connect Sonlet: the older answer is refused, and the newer connection still completes after it', async () => {
    const email = `two-tabs-${Date.now()}@example.com`;
    const browser = await signUp(stack.console.url, email);
    const older = location(await browser.get('/connect/sonlet'));
    const newer = location(await browser.get('/connect/sonlet'));
    const sandbox = new HttpSession(new URL(older).origin);
    const seller = { username: 'demo', password: 'demo' };
    const olderBack = new URL(await authorizeAtSandbox(sandbox, older, seller));
    const refused = await browser.get(olderBack.pathname + olderBack.search);
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('state did not match');
    const newerBack = new URL(await authorizeAtSandbox(sandbox, newer, seller));
    expect(location(await browser.get(newerBack.pathname + newerBack.search))).toBe('/items');
    expect(await connectionRow(email)).not.toBeNull();
  });

  it('a replayed authorization code is refused and stores nothing for the replaying seller', async () => {
    const first = await signUp(stack.console.url);
    const authorize = location(await first.get('/connect/sonlet'));
    const back = new URL(await authorizeAtSandbox(new HttpSession(new URL(authorize).origin), authorize, { username: 'demo', password: 'demo' }));
    expect((await first.get(back.pathname + back.search)).status).toBe(302);

    // Same browser starts again (fresh state), then replays the old code with the new state.
    const email = `replay-${Date.now()}@example.com`;
    const second = await signUp(stack.console.url, email);
    const authorize2 = new URL(location(await second.get('/connect/sonlet')));
    const replay = await second.get(`/cb?code=${encodeURIComponent(back.searchParams.get('code')!)}&state=${authorize2.searchParams.get('state')}`);
    expect(replay.status).toBe(400);
    expect(await replay.text()).toContain('did not accept this authorization');
    expect(await connectionRow(email)).toBeNull();
  });

  it('disconnect revokes the tokens at Sonlet, then deletes them', async () => {
    const email = `disc-${Date.now()}@example.com`;
    const browser = await signUp(stack.console.url, email);
    expect((await connectSonlet(browser)).status).toBe(302);
    const row = await connectionRow(email);
    expect(row).not.toBeNull();
    const cipher = new TokenCipher(stack.console.config.tokenEncryptionKey);
    const access = cipher.decrypt(row.accessTokenEnc);
    const refresh = cipher.decrypt(row.refreshTokenEnc);
    const sizes = () => fetch(`${stack.sonlet.url}/api/v2/sizes/`, { headers: { authorization: `Bearer ${access}` } });
    expect((await sizes()).status).toBe(200);
    stack.sonlet.sandbox.resetStats();

    // The first post (an old form, a stray tap) only shows what would happen.
    const asked = await browser.submit('/', '/connect/sonlet/disconnect', {});
    expect(asked.status).toBe(200);
    expect(await asked.text()).toContain('Disconnect Sonlet?');
    expect(await connectionRow(email)).not.toBeNull();
    const res = await browser.submit('/', '/connect/sonlet/disconnect', { confirm: 'yes' });
    expect(res.status).toBe(302);
    expect(await connectionRow(email)).toBeNull();
    expect(stack.sonlet.sandbox.stats.byPath.get('/o/revoke_token/')).toBe(2);
    // A revoked token answers 401, and the refresh token is refused.
    expect((await sizes()).status).toBe(401);
    const refreshed = await fetch(`${stack.sonlet.url}/o/token/`, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refresh, client_id: stack.console.config.sonlet.clientId, client_secret: stack.console.config.sonlet.clientSecret }),
    });
    expect(refreshed.status).toBe(400);
    const items = await browser.get('/items');
    expect(await items.text()).toContain('Connect Sonlet');
  });
});

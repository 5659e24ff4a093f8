import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import pg from 'pg';
import { startStack, signUp, connectSonlet, type Stack } from './support/stack.js';
import { HttpSession } from './support/http.js';
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

async function storedTokens(email: string) {
  const { rows } = await db.query(
    `SELECT c.* FROM "SonletConnection" c JOIN "User" u ON u.id = c."userId" WHERE u.email = $1`,
    [email],
  );
  const cipher = new TokenCipher(stack.console.config.tokenEncryptionKey);
  return { row: rows[0], access: cipher.decrypt(rows[0].accessTokenEnc), refresh: cipher.decrypt(rows[0].refreshTokenEnc) };
}

async function connectedSeller(tag: string): Promise<{ browser: HttpSession; email: string }> {
  const email = `${tag}-${Date.now()}-${Math.random().toString(36).slice(2, 7)}@example.com`;
  const browser = await signUp(stack.console.url, email);
  expect((await connectSonlet(browser)).status).toBe(302);
  // Warm the catalog cache so the requests below only touch the items endpoint.
  expect((await browser.get('/items')).status).toBe(200);
  return { browser, email };
}

describe('token vault', () => {
  it('an expired access token is refreshed once and the rotated refresh token is stored', async () => {
    const { browser, email } = await connectedSeller('expired');
    const before = await storedTokens(email);
    stack.sonlet.sandbox.expireAccessTokens('demo');
    stack.sonlet.sandbox.resetStats();

    const res = await browser.get('/items');
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('class="card"');
    expect(stack.sonlet.sandbox.stats.tokenRequests).toBe(1);

    const after = await storedTokens(email);
    expect(after.access).not.toBe(before.access);
    expect(after.refresh).not.toBe(before.refresh);
    expect(after.row.generation).toBe(before.row.generation + 1);
  });

  it('50 concurrent requests with an expired token cause exactly one refresh, and all succeed', async () => {
    const { browser } = await connectedSeller('burst');
    stack.sonlet.sandbox.expireAccessTokens('demo');
    stack.sonlet.sandbox.resetStats();

    const statuses = await Promise.all(Array.from({ length: 50 }, () => browser.get('/items').then((r) => r.status)));
    expect(statuses.filter((s) => s === 200)).toHaveLength(50);
    expect(stack.sonlet.sandbox.stats.tokenRequests).toBe(1);
  });

  it('two console instances sharing one database still refresh exactly once', async () => {
    const { browser } = await connectedSeller('scaled');
    const second = await stack.addInstance();
    // Same session cookie on the second process: sessions live in Postgres.
    const other = new HttpSession(second.url);
    for (const [k, v] of browser.cookies) other.cookies.set(k, v);
    expect((await other.get('/items')).status).toBe(200);

    stack.sonlet.sandbox.expireAccessTokens('demo');
    stack.sonlet.sandbox.resetStats();
    const statuses = await Promise.all(
      Array.from({ length: 50 }, (_, i) => (i % 2 ? other : browser).get('/items').then((r) => r.status)),
    );
    expect(statuses.filter((s) => s === 200)).toHaveLength(50);
    expect(stack.sonlet.sandbox.stats.tokenRequests).toBe(1);
  });

  it('a refused refresh marks the connection "needs reconnecting" and keeps the account', async () => {
    const { browser, email } = await connectedSeller('refused');
    stack.sonlet.sandbox.expireAccessTokens('demo');
    stack.sonlet.sandbox.revokeRefreshTokens('demo');

    const res = await browser.get('/items');
    expect(res.status).toBe(409);
    expect(await res.text()).toContain('Reconnect Sonlet');
    const { row } = await storedTokens(email);
    expect(row.status).toBe('needs_reconnect');

    const home = await browser.get('/');
    const html = await home.text();
    expect(html).toContain('Sonlet needs reconnecting');
    expect(html).toContain('href="/connect/sonlet"');

    // Reconnecting brings the connection back.
    expect((await connectSonlet(browser)).status).toBe(302);
    expect((await browser.get('/items')).status).toBe(200);
    expect((await storedTokens(email)).row.status).toBe('active');
  });
});

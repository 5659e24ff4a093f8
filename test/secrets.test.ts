/**
 * Secrets stay secret: not in the logs at the chattiest log levels, not in the database as
 * plaintext. (Every stack also checks its own logs when it closes: see test/support/stack.ts.)
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import pg from 'pg';
import { startStack, signUp, authorizeAtSandbox, uniqueEmail, type Stack } from './support/stack.js';
import { HttpSession, location } from './support/http.js';
import { rememberSecret, knownSecrets, secretLeaks } from './support/secrets.js';
import { settingsFor } from './support/shop.js';
import { TokenCipher } from '../src/crypto/token-cipher.js';
import { redactUrl } from '../src/logging.js';
import { startPlugboardSandbox, DEMO_PLUGBOARD_TENANTS, type StartedPlugboardSandbox } from '../src/sandbox/plugboard/index.js';

const DEMO = DEMO_PLUGBOARD_TENANTS.find((t) => t.tenant === 'demo')!;
const db = new pg.Pool({ connectionString: inject('databaseUrl'), max: 2 });
const PASSWORD = 'secret-test password 1234';

async function tokensOf(stack: Stack, email: string): Promise<{ access: string; refresh: string }> {
  const { rows } = await db.query(`SELECT c.* FROM "SonletConnection" c JOIN "User" u ON u.id = c."userId" WHERE u.email = $1`, [email]);
  const cipher = new TokenCipher(stack.console.config.tokenEncryptionKey);
  return { access: cipher.decrypt(rows[0].accessTokenEnc), refresh: cipher.decrypt(rows[0].refreshTokenEnc) };
}

/** Every row of every table in the public schema, as JSON text. */
async function databaseDump(): Promise<string> {
  const { rows: tables } = await db.query<{ table_name: string }>(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`);
  const parts: string[] = [];
  for (const { table_name } of tables) {
    const { rows } = await db.query<{ row: string }>(`SELECT row_to_json(t)::text AS row FROM "${table_name.replace(/"/g, '""')}" t`);
    parts.push(`${table_name}: ${rows.map((r) => r.row).join('\n')}`);
  }
  return parts.join('\n');
}

for (const level of ['trace', 'debug'] as const) {
  describe(`at LOG_LEVEL=${level}`, () => {
    let stack: Stack;
    let plugboard: StartedPlugboardSandbox;
    const email = uniqueEmail(`secrets-${level}`);
    const seen: string[] = [];

    beforeAll(async () => {
      [stack, plugboard] = await Promise.all([startStack({ env: { LOG_LEVEL: level }, skipSecretCheck: true }), startPlugboardSandbox()]);
    });
    afterAll(async () => {
      await stack?.close();
      await plugboard?.close();
    });

    it('connect, refresh, a Plugboard password and failing sign-ins leave no secret in the logs', async () => {
      const browser = await signUp(stack.console.url, email, PASSWORD);
      // Connect by hand so the authorization code is known too.
      const authorize = location(await browser.get('/connect/sonlet'));
      const back = new URL(await authorizeAtSandbox(new HttpSession(new URL(authorize).origin), authorize, { username: 'demo', password: 'demo' }));
      const code = back.searchParams.get('code')!;
      rememberSecret(code, 'an authorization code');
      expect(location(await browser.get(back.pathname + back.search))).toBe('/items');
      const first = await tokensOf(stack, email);
      seen.push(first.access, first.refresh);
      rememberSecret(first.access, 'a Sonlet access token (before refresh)');
      rememberSecret(first.refresh, 'a Sonlet refresh token (before refresh)');

      stack.sonlet.sandbox.expireAccessTokens('demo');
      expect((await browser.get('/items')).status).toBe(200);
      const second = await tokensOf(stack, email);
      expect(second.refresh).not.toBe(first.refresh);
      seen.push(second.access, second.refresh);

      const saved = await browser.submit('/settings/plugboard', '/settings/plugboard', settingsFor(plugboard.url, DEMO));
      expect(saved.status).toBe(303);
      const tested = await browser.submit('/settings/plugboard', '/settings/plugboard/test', settingsFor(plugboard.url, DEMO, { password: 'wrong-plugboard-password' }));
      expect(tested.status).toBe(400);
      rememberSecret(DEMO.password, 'the Plugboard password');
      rememberSecret('wrong-plugboard-password', 'a mistyped Plugboard password');

      const stranger = new HttpSession(stack.console.url);
      for (const password of ['wrong password number one', PASSWORD.toUpperCase()]) {
        rememberSecret(password, 'a mistyped password');
        expect((await stranger.submit('/sign-in', '/sign-in', { email, password })).status).toBe(401);
      }
      expect((await stranger.submit('/sign-in', '/sign-in', { email: uniqueEmail('nobody'), password: PASSWORD })).status).toBe(401);
      // A request carrying credentials in headers, as a proxy or a script might send.
      await fetch(`${stack.console.url}/items`, { headers: { authorization: `Bearer ${second.access}`, cookie: `sid=${browser.cookies.get('sid')}` } });

      const logs = stack.console.logs;
      expect(logs.length).toBeGreaterThan(10);
      // The chatty levels really were on: request logging with URLs.
      expect(logs.some((l) => l.includes('"url":"/cb?'))).toBe(true);
      expect(await stack.leaks()).toEqual([]);
      for (const secret of [...seen, PASSWORD, DEMO.password, stack.console.config.sonlet.clientSecret, stack.console.config.sessionSecret, code]) {
        expect(logs.join('')).not.toContain(secret);
      }
      // /cb is logged, with its code and state masked.
      const cbLine = logs.find((l) => l.includes('"url":"/cb?'))!;
      expect(cbLine).toContain('code=%5Bredacted%5D');
      expect(cbLine).toContain('state=%5Bredacted%5D');
    });

    it('the database holds no plaintext token or password', async () => {
      const dump = await databaseDump();
      expect(dump).toContain('SonletConnection');
      for (const secret of [...seen, PASSWORD, DEMO.password]) expect(dump).not.toContain(secret);
      // The encrypted columns are there (so the check above looked at the right rows).
      expect(dump).toMatch(/"accessTokenEnc":"v1\./);
      expect(dump).toMatch(/"passwordEnc":"v1\./);
    });
  });
}

describe('the log guard itself', () => {
  it('masks secrets in logged URLs', () => {
    expect(redactUrl('/cb?code=abc123&state=xyz')).toBe('/cb?code=%5Bredacted%5D&state=%5Bredacted%5D');
    expect(redactUrl('/cb?error=access_denied')).toBe('/cb?error=access_denied');
    // A URL inside a parameter (the sign-in page's `next`) is masked too.
    const nested = redactUrl(`/sign-in?next=${encodeURIComponent('/cb?code=abc123&state=xyz')}`);
    expect(nested).not.toContain('abc123');
    expect(nested).not.toContain('xyz');
  });

  it('a signed-out visit to the OAuth callback does not carry its code into the sign-in link', async () => {
    const stack2 = await startStack();
    try {
      const res = await new HttpSession(stack2.console.url).get('/cb?code=secret-code-123&state=abc');
      expect(res.status).toBe(302);
      expect(location(res)).toBe('/sign-in?next=%2F');
    } finally {
      await stack2.close();
    }
    expect(redactUrl('/items?page=2')).toBe('/items?page=2');
  });

  it('finds a known secret, an unredacted header and a Bearer token', () => {
    rememberSecret('a-very-secret-value', 'a test secret');
    expect(secretLeaks([`{"msg":"token a-very-secret-value"}\n`])).toContain('a test secret appears in the logs');
    expect(secretLeaks([`{"msg":"url a-very-secret%20value"}\n`], new Map([['a-very-secret value', 'encoded']]))).toContain('encoded appears in the logs');
    expect(secretLeaks([`{"req":{"headers":{"cookie":"sid=abc"}}}\n`], new Map())).toContain('the cookie header is logged unredacted');
    expect(secretLeaks([`{"req":{"headers":{"authorization":"[redacted]"}}}\n`], new Map())).toEqual([]);
    expect(secretLeaks([`calling with Bearer abcdefghijkl\n`], new Map())).toContain('a Bearer token appears in the logs');
    expect(knownSecrets().has('a-very-secret-value')).toBe(true);
  });
});

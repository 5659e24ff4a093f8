/**
 * What a self-hoster's load balancer and browser see: liveness, readiness (database reachable,
 * migrations applied) and the security headers.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, inject, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createPrisma } from '../src/db/client.js';
import { migrationReadiness } from '../src/routes/health.js';
import { freshDatabase } from './support/database.js';

const apps: FastifyInstance[] = [];
const drops: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const app of apps) await app.close();
  for (const drop of drops) await drop();
});

/** The console as src/server.ts builds it (readiness included), against this database. */
async function consoleOn(databaseUrl: string, env: Record<string, string> = {}): Promise<FastifyInstance> {
  const config = loadConfig({
    DATA_DIR: mkdtempSync(path.join(tmpdir(), 'console-health-')),
    SESSION_SECRET: randomBytes(32).toString('hex'),
    TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    LOG_LEVEL: 'silent',
    ...env,
  });
  const app = await buildApp({ config, prisma: createPrisma(databaseUrl), readiness: migrationReadiness(databaseUrl) });
  apps.push(app);
  return app;
}

/** Signs up through the form (inject) and returns the Set-Cookie lines by cookie name. */
async function signUpCookies(app: FastifyInstance, headers: Record<string, string>): Promise<Record<string, string>> {
  const form = await app.inject({ url: '/sign-up', headers });
  const lines: string[] = [[form.headers['set-cookie'] ?? []].flat()].flat();
  const csrfLine = lines.find((c) => c.startsWith('csrf='))!;
  const token = /name="_csrf" value="([^"]+)"/.exec(form.body)![1]!;
  const posted = await app.inject({
    method: 'POST',
    url: '/sign-up',
    headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded', cookie: csrfLine.split(';')[0]! },
    payload: new URLSearchParams({ _csrf: token, email: `health-${randomBytes(4).toString('hex')}@example.com`, password: 'a long enough password' }).toString(),
  });
  expect(posted.statusCode, posted.body).toBe(302);
  lines.push(...[posted.headers['set-cookie'] ?? []].flat());
  return Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf('=')), line]));
}

describe('health checks', () => {
  it('GET /healthz answers 200 {status:"ok"}, without a session cookie', async () => {
    const app = await consoleOn(inject('databaseUrl'));
    const res = await app.inject('/healthz');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it('GET /readyz answers 200 when the database answers and every migration is applied', async () => {
    const app = await consoleOn(inject('databaseUrl'));
    const res = await app.inject('/readyz');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ status: 'ready' });
  });

  it('GET /readyz answers 503 on a database without the migrations', async () => {
    const empty = await freshDatabase({ migrate: false });
    drops.push(empty.drop);
    const app = await consoleOn(empty.url);
    const res = await app.inject('/readyz');
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ status: 'unavailable', reason: expect.stringContaining('pending migrations') });
    // Liveness is not readiness: the process itself is fine.
    expect((await app.inject('/healthz')).statusCode).toBe(200);
  });

  it('GET /readyz answers 503 when the database cannot be reached', async () => {
    const app = await consoleOn('postgres://postgres@127.0.0.1:1/nowhere');
    const started = Date.now();
    const res = await app.inject('/readyz');
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ status: 'unavailable', reason: 'database unreachable' });
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});

describe('security headers', () => {
  it('pages carry a strict CSP, nosniff and no framing', async () => {
    const app = await consoleOn(inject('databaseUrl'));
    for (const url of ['/', '/sign-in', '/no-such-page']) {
      const res = await app.inject(url);
      const csp = String(res.headers['content-security-policy']);
      const scriptSrc = /script-src ([^;]*)/.exec(csp)?.[1] ?? '';
      expect(scriptSrc, url).toContain("'self'");
      expect(scriptSrc).not.toContain("'unsafe-inline'");
      expect(scriptSrc).not.toContain("'unsafe-eval'");
      expect(csp).toMatch(/default-src 'self'/);
      expect(csp).toMatch(/frame-ancestors 'none'/);
      expect(csp).toMatch(/object-src 'none'/);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-powered-by']).toBeUndefined();
    }
  });

  it('over http the cookies are not Secure; with an https PUBLIC_URL they are, and HSTS is sent', async () => {
    const plain = await consoleOn(inject('databaseUrl'), { PUBLIC_URL: 'http://localhost:3000' });
    const plainCookies = await signUpCookies(plain, {});
    expect(plainCookies.csrf).toBeTruthy();
    expect(plainCookies.sid).toBeTruthy();
    for (const cookie of Object.values(plainCookies)) expect(cookie).not.toMatch(/;\s*Secure/i);

    // Behind the TLS-terminating proxy a self-hoster runs (the session plugin only sends a Secure
    // cookie on a request it knows came over https).
    const secure = await consoleOn(inject('databaseUrl'), { PUBLIC_URL: 'https://console.example.com', TRUST_PROXY: '1' });
    const https = { 'x-forwarded-proto': 'https' };
    const cookies = await signUpCookies(secure, https);
    for (const name of ['csrf', 'sid']) {
      expect(cookies[name], name).toMatch(/;\s*Secure/i);
      expect(cookies[name]).toMatch(/;\s*HttpOnly/i);
      expect(cookies[name]).toMatch(/;\s*SameSite=Lax/i);
    }
    const res = await secure.inject({ url: '/sign-up', headers: https });
    expect(res.headers['strict-transport-security']).toMatch(/max-age=\d+/);
    expect(String(res.headers['content-security-policy'])).toContain('upgrade-insecure-requests');
  });
});

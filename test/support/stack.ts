import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import { createPrisma } from '../../src/db/client.js';
import { startSonletSandbox, type SonletSandbox } from '../../src/sandbox/sonlet/index.js';
import pg from 'pg';
import { HttpSession } from './http.js';
import { TokenCipher } from '../../src/crypto/token-cipher.js';
import { knownSecrets, rememberSecret, secretLeaks } from './secrets.js';

export { connectSonlet, authorizeAtSandbox, formOf } from './oauth-walk.js';

import { freePortOnLoopback } from './ports.js';

export { freePortOnLoopback as freePort };

export const TEST_CLIENT = { clientId: 'console-test', clientSecret: 'console-test-secret-' + randomBytes(6).toString('hex') };

export interface ConsoleInstance {
  url: string;
  app: FastifyInstance;
  config: Config;
  logs: string[];
}

export interface Stack {
  console: ConsoleInstance;
  sonlet: { url: string; sandbox: SonletSandbox; close(): Promise<void> };
  /** Another console process against the same database and sandbox (as when scaling out). */
  addInstance(): Promise<ConsoleInstance>;
  /**
   * Secrets found in this stack's captured logs and in the audit trail (known secrets plus the Sonlet
   * tokens and Plugboard passwords decrypted from the database now); empty when clean.
   */
  leaks(): Promise<string[]>;
  /** Stops everything, then throws if {@link Stack.leaks} finds any secret in the logs. */
  close(): Promise<void>;
}

export interface StackOptions {
  accessTokenTtlSeconds?: number;
  env?: Record<string, string>;
  databaseUrl?: string;
  /**
   * Run background work (uploads, publishing) in each console instance. The stack has its own task
   * queue, so workers of other test files never take its tasks.
   */
  jobs?: boolean;
  /** The task engine's and the web shop's time: tests move it to bring a sync period's work due at once. */
  shopClock?: { now(): number };
  /** Skip the secrets-in-logs check at close (for a test that checks it itself). Default false. */
  skipSecretCheck?: boolean;
}

/** The real thing over real HTTP: a Sonlet sandbox on its own port and a console against the test database. */
export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  const port = await freePortOnLoopback();
  const publicUrl = `http://127.0.0.1:${port}`;
  const sonlet = await startSonletSandbox({
    clients: [{ ...TEST_CLIENT, name: 'Sonlet Seller Console (test)', redirectUris: [`${publicUrl}/cb`] }],
    accessTokenTtlSeconds: opts.accessTokenTtlSeconds,
    host: '127.0.0.1',
  });
  const dataDir = mkdtempSync(path.join(tmpdir(), 'console-test-'));
  const env = {
    PORT: String(port),
    PUBLIC_URL: publicUrl,
    DATA_DIR: dataDir,
    SONLET_BASE_URL: sonlet.url,
    SONLET_CLIENT_ID: TEST_CLIENT.clientId,
    SONLET_CLIENT_SECRET: TEST_CLIENT.clientSecret,
    SESSION_SECRET: randomBytes(32).toString('hex'),
    TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    LOG_LEVEL: 'info',
    SIGN_IN_RATE_LIMIT: '1000',
    // scrypt at the default cost is a noticeable share of the suite's CPU; the accounts test checks the default.
    PASSWORD_HASH_COST: '12',
    ANONYMOUS_PAGE_RATE_LIMIT: '100000',
    // The Plugboard sandbox of the tests listens on 127.0.0.1.
    PLUGBOARD_ALLOW_PRIVATE_HOSTS: 'true',
    // Tests share one database, so most of them sign up freely; the team tests choose their mode.
    SIGNUP: 'open',
    ...opts.env,
  };
  const databaseUrl = opts.databaseUrl ?? inject('databaseUrl');
  rememberSecret(env.SONLET_CLIENT_SECRET, 'the Sonlet client secret');
  rememberSecret(env.SESSION_SECRET, 'SESSION_SECRET');
  rememberSecret(env.TOKEN_ENCRYPTION_KEY, 'TOKEN_ENCRYPTION_KEY');
  if (env.TOKEN_ENCRYPTION_KEY) rememberSecret(loadConfig(env).tokenEncryptionKey.toString('base64'), 'TOKEN_ENCRYPTION_KEY (base64)');
  const instances: ConsoleInstance[] = [];
  const jobsQueue = `test-${randomBytes(4).toString('hex')}`;

  async function launch(listenPort: number): Promise<ConsoleInstance> {
    const config = loadConfig(env);
    const logs: string[] = [];
    const logStream = new Writable({
      write(chunk, _enc, done) {
        logs.push(String(chunk));
        done();
      },
    });
    // Closing a stack does not wait for tasks in flight: their leases run out with the test.
    const jobs = opts.jobs ? { queue: jobsQueue, stopTimeoutMs: 1000, clock: opts.shopClock } : undefined;
    const app = await buildApp({ config, prisma: createPrisma(databaseUrl), logStream, jobs });
    await app.listen({ port: listenPort, host: '127.0.0.1' });
    const instance = { url: `http://127.0.0.1:${listenPort}`, app, config, logs };
    instances.push(instance);
    return instance;
  }

  let sonletClosed = false;
  async function closeSonlet() {
    if (sonletClosed) return;
    sonletClosed = true;
    await sonlet.close();
  }

  /** Secrets sealed in the database with this stack's key (rows of other stacks do not decrypt). */
  async function storedSecrets(): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    const cipher = new TokenCipher(loadConfig(env).tokenEncryptionKey);
    const open = (sealed: string | null) => {
      if (!sealed) return null;
      try {
        return cipher.decrypt(sealed);
      } catch {
        return null;
      }
    };
    const db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    try {
      const tokens = await db.query<{ accessTokenEnc: string; refreshTokenEnc: string }>('SELECT "accessTokenEnc", "refreshTokenEnc" FROM "SonletConnection"');
      for (const row of tokens.rows) {
        const access = open(row.accessTokenEnc);
        const refresh = open(row.refreshTokenEnc);
        if (access && access.length >= 8) found.set(access, 'a Sonlet access token');
        if (refresh && refresh.length >= 8) found.set(refresh, 'a Sonlet refresh token');
      }
      const plugboard = await db.query<{ passwordEnc: string }>('SELECT "passwordEnc" FROM "PlugboardConnection"').catch(() => ({ rows: [] }));
      for (const row of plugboard.rows) {
        const password = open(row.passwordEnc);
        if (password && password.length >= 8) found.set(password, 'a Plugboard password');
      }
    } finally {
      await db.end();
    }
    return found;
  }

  /** The audit trail is checked like a log: one line per event. */
  async function auditLines(): Promise<string[]> {
    const db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    try {
      const { rows } = await db.query<{ line: string }>('SELECT row_to_json(e)::text AS line FROM "AuditEvent" e');
      return rows.map((r) => `${r.line}\n`);
    } finally {
      await db.end();
    }
  }

  async function leaks(): Promise<string[]> {
    const secrets = new Map([...knownSecrets(), ...(await storedSecrets())]);
    const fromLogs = secretLeaks(instances.flatMap((i) => i.logs), secrets);
    const fromAudit = secretLeaks(await auditLines(), secrets).map((problem) => problem.replace('in the logs', 'in the audit trail'));
    return [...fromLogs, ...fromAudit];
  }

  const first = await launch(port);
  return {
    console: first,
    sonlet: { url: sonlet.url, sandbox: sonlet.sandbox, close: closeSonlet },
    addInstance: async () => launch(await freePortOnLoopback()),
    leaks,
    async close() {
      const found = opts.skipSecretCheck ? [] : await leaks();
      for (const instance of instances) await instance.app.close();
      await closeSonlet();
      if (found.length) throw new Error(`Secrets in the console's logs or audit trail: ${found.join('; ')}`);
    },
  };
}

export function uniqueEmail(tag = 'seller'): string {
  return `${tag}-${randomBytes(5).toString('hex')}@example.com`;
}

/** Signs up a new seller on the console; returns their browser session. */
export async function signUp(consoleUrl: string, email = uniqueEmail(), password = 'correct horse battery'): Promise<HttpSession> {
  rememberSecret(password, 'a seller password');
  const browser = new HttpSession(consoleUrl);
  const res = await browser.submit('/sign-up', '/sign-up', { email, password });
  if (res.status !== 302) throw new Error(`sign-up failed: ${res.status} ${await res.text()}`);
  return browser;
}


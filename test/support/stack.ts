import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createServer } from 'node:net';
import { Writable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import { createPrisma } from '../../src/db/client.js';
import { startSonletSandbox, type SonletSandbox } from '../../src/sandbox/sonlet/index.js';
import { HttpSession } from './http.js';

export { connectSonlet, authorizeAtSandbox, formOf } from './oauth-walk.js';
import { createJobQueue, type JobQueue } from '../../src/jobs/queue.js';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

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
  close(): Promise<void>;
}

export interface StackOptions {
  accessTokenTtlSeconds?: number;
  env?: Record<string, string>;
  databaseUrl?: string;
  /**
   * Run background jobs (publishing): each console instance gets a started job queue. The stack
   * has its own pg-boss schema, so workers of other test files never take its jobs.
   */
  jobs?: boolean;
}

/** The real thing over real HTTP: a Sonlet sandbox on its own port and a console against the test database. */
export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  const port = await freePort();
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
    ...opts.env,
  };
  const databaseUrl = opts.databaseUrl ?? inject('databaseUrl');
  const instances: ConsoleInstance[] = [];
  const jobQueues: JobQueue[] = [];
  const jobsSchema = `pgboss_test_${randomBytes(4).toString('hex')}`;

  async function launch(listenPort: number): Promise<ConsoleInstance> {
    const config = loadConfig(env);
    const logs: string[] = [];
    const logStream = new Writable({
      write(chunk, _enc, done) {
        logs.push(String(chunk));
        done();
      },
    });
    let jobs: JobQueue | undefined;
    if (opts.jobs) {
      jobs = createJobQueue(databaseUrl, { schema: jobsSchema, onError: (err) => logs.push(`[jobs] ${err.message}\n`) });
      await jobs.start();
      jobQueues.push(jobs);
    }
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

  const first = await launch(port);
  return {
    console: first,
    sonlet: { url: sonlet.url, sandbox: sonlet.sandbox, close: closeSonlet },
    addInstance: async () => launch(await freePort()),
    async close() {
      for (const jobs of jobQueues) await jobs.stop({ graceful: false });
      for (const instance of instances) await instance.app.close();
      await closeSonlet();
    },
  };
}

export function uniqueEmail(tag = 'seller'): string {
  return `${tag}-${randomBytes(5).toString('hex')}@example.com`;
}

/** Signs up a new seller on the console; returns their browser session. */
export async function signUp(consoleUrl: string, email = uniqueEmail(), password = 'correct horse battery'): Promise<HttpSession> {
  const browser = new HttpSession(consoleUrl);
  const res = await browser.submit('/sign-up', '/sign-up', { email, password });
  if (res.status !== 302) throw new Error(`sign-up failed: ${res.status} ${await res.text()}`);
  return browser;
}


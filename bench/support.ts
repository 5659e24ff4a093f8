import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import autocannon from 'autocannon';
import { createTestDatabase, dropTestDatabase } from '../src/db/test-database.js';
import { startEmbeddedPostgres } from '../src/db/embedded.js';
import { applyMigrations } from '../src/db/migrate.js';
import { freePortOnLoopback } from '../test/support/ports.js';
import { HttpSession } from '../test/support/http.js';
import { connectSonlet } from '../test/support/oauth-walk.js';
import { getTokens } from '../test/support/sonlet-sandbox.js';

/** A throwaway database: on DATABASE_URL's server when set, else an embedded Postgres in a temp dir. */
export async function benchDatabase(): Promise<{ url: string; close(): Promise<void> }> {
  const serverUrl = process.env.DATABASE_URL;
  if (serverUrl) {
    const { name, url } = await createTestDatabase(serverUrl);
    await applyMigrations(url);
    return { url, close: () => dropTestDatabase(serverUrl, name) };
  }
  const embedded = await startEmbeddedPostgres(mkdtempSync(path.join(tmpdir(), 'console-bench-')), { port: 0 });
  await applyMigrations(embedded.url);
  return { url: embedded.url, close: embedded.stop };
}

export interface Child {
  proc: ChildProcess;
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/** Runs a TypeScript entry as its own process (so load, console and upstream do not share an event loop). */
export async function spawnTs(entry: string, env: Record<string, string>, readyPattern: RegExp, nodeArgs: string[] = [], baseEnv: NodeJS.ProcessEnv = process.env): Promise<Child> {
  const proc = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', entry], {
    env: { ...baseEnv, ...env, LOG_LEVEL: env.LOG_LEVEL ?? 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let started = false;
  // Once started, the child's log lines (a page's access log at LOG_LEVEL=info) are read and dropped.
  const keep = (chunk: Buffer) => {
    if (!started) output += chunk;
  };
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      keep(chunk);
      const m = started ? null : readyPattern.exec(output);
      if (m) {
        started = true;
        resolve(m[1]);
      }
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', keep);
    proc.once('exit', (code) => reject(new Error(`${entry} exited with ${code}:\n${output}`)));
    setTimeout(() => reject(new Error(`${entry} did not start in 60 s:\n${output}`)), 60_000).unref();
  });
  return {
    proc,
    url,
    pid: proc.pid!,
    stop: () =>
      new Promise((resolve) => {
        if (proc.exitCode !== null) return resolve();
        proc.once('exit', () => resolve());
        proc.kill('SIGTERM');
      }),
  };
}

/** CPU time (user + system) a process has used so far, in ms, from /proc (Linux; clock ticks of 10 ms). */
export async function cpuMs(pid: number): Promise<number> {
  const { readFile } = await import('node:fs/promises');
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** Resident memory of a process in MB, from /proc (Linux). */
export async function rssMb(pid: number): Promise<number> {
  const { readFile } = await import('node:fs/promises');
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

export interface BenchStack {
  consoleUrl: string;
  sonletUrl: string;
  consolePid: number;
  sandboxPid: number;
  seller: HttpSession;
  accessToken(): Promise<string>;
  close(): Promise<void>;
}

/** Console and Sonlet sandbox as separate processes, a seller signed up and connected as `demo`. */
export async function startBenchStack(extraEnv: Record<string, string> = {}, consoleNodeArgs: string[] = [], sandboxEnv: Record<string, string> = {}): Promise<BenchStack> {
  const db = await benchDatabase();
  const consolePort = await freePortOnLoopback();
  const consoleUrl = `http://127.0.0.1:${consolePort}`;
  const clientSecret = randomBytes(12).toString('hex');
  const sandbox = await spawnTs('bench/sandbox-server.ts', { CLIENT_SECRET: clientSecret, REDIRECT_URI: `${consoleUrl}/cb`, ...sandboxEnv }, /sandbox listening at (\S+)/);
  const dataDir = mkdtempSync(path.join(tmpdir(), 'console-bench-data-'));
  const consoleProc = await spawnTs(
    'src/server.ts',
    {
      PORT: String(consolePort),
      HOST: '127.0.0.1',
      PUBLIC_URL: consoleUrl,
      DATABASE_URL: db.url,
      DATA_DIR: dataDir,
      SONLET_BASE_URL: sandbox.url,
      SONLET_CLIENT_ID: 'bench-console',
      SONLET_CLIENT_SECRET: clientSecret,
      SESSION_SECRET: randomBytes(32).toString('hex'),
      TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
      SIGN_IN_RATE_LIMIT: '100000',
      NODE_ENV: 'production',
      // As deployed: one access-log line per page (BENCH_LOG_LEVEL=warn to leave logging out).
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
      ...extraEnv,
    },
    /open (http\S+)/,
    consoleNodeArgs,
  );
  const seller = new HttpSession(consoleUrl);
  const signUp = await seller.submit('/sign-up', '/sign-up', { email: `bench-${Date.now()}@example.com`, password: 'benchmark password' });
  if (signUp.status !== 302) throw new Error(`sign-up failed with ${signUp.status}`);
  const cb = await connectSonlet(seller);
  if (cb.status !== 302) throw new Error(`connect failed with ${cb.status}`);
  return {
    consoleUrl,
    sonletUrl: sandbox.url,
    consolePid: consoleProc.pid,
    sandboxPid: sandbox.pid,
    seller,
    async accessToken() {
      // The bench walks the code flow as a separate client, to call the upstream directly.
      return (await getTokens(sandbox.url, 'demo')).access_token;
    },
    async close() {
      await consoleProc.stop();
      await sandbox.stop();
      await db.close();
    },
  };
}

export interface LoadResult {
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

export async function load(url: string, opts: { connections: number; duration: number; headers?: Record<string, string> }): Promise<LoadResult> {
  const result = await autocannon({ url, connections: opts.connections, duration: opts.duration, headers: opts.headers });
  return {
    requests: result.requests.total,
    rps: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

export function cookieHeader(session: HttpSession): string {
  return [...session.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
}

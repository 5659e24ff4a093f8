/**
 * A real console process (`node --import tsx src/server.ts`, as a self-hoster runs it) on a throwaway database,
 * so what it does, and its memory, are its own and not the test runner's.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freshDatabase } from './database.js';
import { freePortOnLoopback } from './ports.js';

export interface ConsoleProcess {
  url: string;
  pid: number;
  /** Everything it wrote to stdout and stderr. */
  output(): string;
  /** Resident memory in MB, from /proc. */
  rssMb(): Promise<number>;
  stop(): Promise<void>;
}

export async function startConsoleProcess(env: Record<string, string>): Promise<ConsoleProcess> {
  const db = await freshDatabase();
  const port = await freePortOnLoopback();
  const url = `http://127.0.0.1:${port}`;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'console-process-'));
  const childEnv: Record<string, string | undefined> = {
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_URL: url,
    DATABASE_URL: db.url,
    DATA_DIR: dataDir,
    SESSION_SECRET: randomBytes(32).toString('hex'),
    TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    SIGN_IN_RATE_LIMIT: '1000',
    LOG_LEVEL: 'warn',
    // Several sellers sign up on it freely, as in the in-process test stacks.
    SIGNUP: 'open',
    ...env,
  };
  for (const name of ['NODE_OPTIONS', 'VITEST', 'VITEST_WORKER_ID', 'VITEST_POOL_ID']) delete childEnv[name];
  const proc: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (c: Buffer) => (out += c));
  proc.stderr!.on('data', (c: Buffer) => (out += c));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const cleanup = async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGTERM');
      const killer = setTimeout(() => proc.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(killer);
    }
    rmSync(dataDir, { recursive: true, force: true });
    await db.drop();
  };
  const deadline = Date.now() + 40_000;
  for (;;) {
    if (proc.exitCode !== null) {
      await cleanup();
      throw new Error(`the console exited with ${proc.exitCode}:\n${out}`);
    }
    if (await fetch(`${url}/healthz`).then((r) => r.ok, () => false)) break;
    if (Date.now() > deadline) {
      await cleanup();
      throw new Error(`the console did not serve /healthz in time:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    pid: proc.pid!,
    output: () => out,
    async rssMb() {
      const status = await readFile(`/proc/${proc.pid}/status`, 'utf8');
      return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
    },
    stop: cleanup,
  };
}

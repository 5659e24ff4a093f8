/**
 * An answer sent before the request body was read (an upload refused after its first bytes) must
 * not leave the connection stuck: the browser sends its next request on the same keep-alive
 * connection, and that request must be answered. (Chromium did exactly that with a 300 KB
 * non-photo next to a real photo, and the photo hung on "Uploading…".)
 */
import { Agent, request as httpRequest, type IncomingMessage } from 'node:http';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, signUp, connectSonlet, type Stack } from './support/stack.js';
import type { HttpSession } from './support/http.js';
import { jpeg } from './fixtures/uploads.js';

let stack: Stack;
let seller: HttpSession;
let csrf: string;

beforeAll(async () => {
  stack = await startStack({ jobs: true, env: { LOG_LEVEL: 'warn' } });
  seller = await signUp(stack.console.url);
  expect((await connectSonlet(seller)).status).toBe(302);
  csrf = (await seller.page('/upload')).csrf!;
});
afterAll(async () => stack?.close());

function multipart(boundary: string, fields: Record<string, string>, file: { name: string; type: string; data: Buffer }): Buffer {
  const head = Object.entries(fields)
    .map(([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`)
    .join('');
  return Buffer.concat([
    Buffer.from(`${head}--${boundary}\r\nContent-Disposition: form-data; name="photos"; filename="${file.name}"\r\nContent-Type: ${file.type}\r\n\r\n`),
    file.data,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
}

function send(agent: Agent, method: string, path: string, body?: Buffer, headers: Record<string, string> = {}): Promise<{ res: IncomingMessage; text: string; reused: boolean }> {
  const url = new URL(stack.console.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, method, path, agent, headers: { cookie: [...seller.cookies].map(([k, v]) => `${k}=${v}`).join('; '), ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ res, text, reused: req.reusedSocket }));
    });
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error(`${method} ${path}: no answer in 10 s`)));
    req.end(body);
  });
}

describe('an early answer', () => {
  it('a refused 300 KB non-photo, then a real photo on the same connection: both answered', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const boundary = `b${randomBytes(8).toString('hex')}`;
      const fields = { style: '1', size: '1', quantity: '1' };
      const headers = { 'content-type': `multipart/form-data; boundary=${boundary}`, accept: 'application/json', 'csrf-token': csrf };
      const bad = await send(agent, 'POST', '/upload', multipart(boundary, fields, { name: 'invoice.pdf', type: 'application/pdf', data: Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(300 * 1024)]) }), headers);
      expect(bad.res.statusCode).toBe(415);
      expect(JSON.parse(bad.text).error).toMatch(/not a JPEG/);

      const photo = await jpeg(5);
      const good = await send(agent, 'POST', '/upload', multipart(boundary, fields, { name: photo.name, type: photo.type, data: photo.data }), headers);
      expect(good.reused).toBe(true);
      expect(good.res.statusCode, good.text).toBe(201);
    } finally {
      agent.destroy();
    }
  });
});

/**
 * POSTs a file from disk with a fixed head and tail around it (a one-file multipart body), over
 * node:http(s) rather than fetch: the file is read into one reused buffer, and the next read waits
 * until the previous chunk has been handed to the socket. fetch would need a fresh buffer per chunk,
 * and a 50 MB photo would then leave ~50 MB of garbage that V8 collects late (the console's memory
 * would grow by the photo's size). Answers a fetch Response so callers (and the token vault) see
 * the same thing as for every other call.
 */
import http from 'node:http';
import https from 'node:https';
import { open } from 'node:fs/promises';
import { Readable } from 'node:stream';

const CHUNK_BYTES = 256 * 1024;
const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

export interface FileBody {
  head: Buffer;
  filePath: string;
  tail: Buffer;
}

export function postFile(url: URL, headers: Record<string, string>, body: FileBody, signal: AbortSignal): Promise<Response> {
  const transport = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = transport.request(url, { method: 'POST', headers, signal });
    req.on('response', (res) => {
      answered = true;
      resolve(toResponse(res));
    });
    req.on('error', (err) => {
      if (!answered) reject(err);
    });
    // A server may answer before reading everything (e.g. 403 Duplicate): then the rest does not matter.
    writeBody(req, body).catch((err: Error) => {
      if (!answered) req.destroy(err);
    });
  });
}

async function writeBody(req: http.ClientRequest, body: FileBody): Promise<void> {
  const file = await open(body.filePath, 'r');
  try {
    await write(req, body.head);
    const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
    for (;;) {
      const { bytesRead } = await file.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      // Resolves once the bytes are out of the buffer, so it can be filled again.
      await write(req, buffer.subarray(0, bytesRead));
    }
    await new Promise<void>((resolve) => req.end(body.tail, resolve));
  } finally {
    await file.close();
  }
}

function write(req: http.ClientRequest, chunk: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    req.write(chunk, (err) => (err ? reject(err) : resolve()));
  });
}

function toResponse(res: http.IncomingMessage): Response {
  const headers = new Headers();
  for (const [name, value] of Object.entries(res.headers)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
  }
  const status = res.statusCode ?? 502;
  if (NULL_BODY_STATUSES.has(status)) {
    res.resume();
    return new Response(null, { status, headers });
  }
  return new Response(Readable.toWeb(res) as ReadableStream<Uint8Array>, { status, headers });
}

/**
 * POSTs a streamed file with a fixed head and tail around it (a one-file multipart body), over
 * node:http(s) rather than fetch: the next chunk is read only once the previous one has been handed
 * to the socket, so a 50 MB photo is never more than a chunk or two in memory. Answers a fetch
 * Response so callers (and the token vault) see the same thing as for every other call.
 */
import http from 'node:http';
import https from 'node:https';
import { Readable } from 'node:stream';

const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

export interface FileBody {
  head: Buffer;
  /** Opens the file's bytes; called once per request. */
  open(): Readable;
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
  const file = body.open();
  try {
    await write(req, body.head);
    // Resolves once each chunk is out of our hands, so the next is read only then.
    for await (const chunk of file) await write(req, chunk as Buffer);
    await new Promise<void>((resolve) => req.end(body.tail, resolve));
  } finally {
    file.destroy();
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

/**
 * The console's one way of reaching Sonlet: API calls, photo uploads, media reads and token requests all go
 * through one undici keep-alive agent that sets connect, header and body timeouts, and every answer is read
 * against a size cap, so nothing Sonlet (or anything posing as it) sends can hold a socket for long or fill
 * the console's memory. Failures are mapped to domain errors here, once.
 *
 * Media addresses come from Sonlet's answers, so a hostile Sonlet could point them into the console's own
 * network and have the photo published. Media on any origin but Sonlet's own therefore goes through a second
 * agent whose connector applies the private-host rule to the address it actually connects to.
 */
import { Readable } from 'node:stream';
import { Agent, request, type Dispatcher } from 'undici';
import { pinnedConnector } from '../net/address-rule.js';
import { DomainError, ProviderUnavailableError } from '../errors.js';
import { observeProviderCall, operationName } from '../metrics/provider-calls.js';

export interface SonletHttpSettings {
  /** Deadline of one exchange, from connecting until the last byte of the answer. */
  timeoutMs: number;
  /** Largest JSON answer read. */
  maxAnswerBytes: number;
  /** Largest media file read (a photo). */
  maxMediaBytes: number;
}

export interface Exchange {
  method: 'GET' | 'POST';
  url: URL;
  headers?: Record<string, string>;
  body?: string | AsyncIterable<Uint8Array>;
  /** Aborts when nobody waits for the answer any more. */
  signal?: AbortSignal;
  /** A longer deadline than the API's, for a photo upload. */
  deadlineMs?: number;
  /** `media`: read up to maxMediaBytes instead of maxAnswerBytes. */
  kind?: 'api' | 'media';
  /**
   * For media: the origin of the configured Sonlet base URL, which may be private (a sandbox on 127.0.0.1, a
   * self-hosted Sonlet). Media anywhere else must be on a public address; without it, all media must be.
   */
  sonletOrigin?: string;
}

/** Sonlet sent more than the console reads; the connection was cut. */
export class AnswerTooLargeError extends ProviderUnavailableError {
  constructor(maxBytes: number) {
    super('Sonlet', `sent an answer larger than ${Math.round(maxBytes / (1024 * 1024))} MB, which the console does not read`);
  }
}

/** The seller (and every cache) stopped waiting, so the console stopped asking Sonlet. */
export class AbandonedError extends DomainError {
  constructor() {
    super('unavailable', 'This was stopped because nobody was waiting for it any more.');
  }
}

/** An answer whose body is read at most once, against its cap, before the exchange's deadline. */
export interface SonletAnswer {
  status: number;
  ok: boolean;
  header(name: string): string | undefined;
  /** The body parsed as JSON; null when it is empty or not JSON. */
  json(): Promise<unknown>;
  /** The body's bytes as they arrive. */
  chunks(): AsyncIterable<Buffer>;
  /** Drops an answer that will not be read (its connection is reused when the rest is short). */
  discard(): Promise<void>;
}

const DISCARD_LIMIT = 64 * 1024;

/** "GET items/{id}", "POST o/token", "GET media": the path after Sonlet's API base, ids folded. */
function operationOf(x: Exchange): string {
  if (x.kind === 'media') return 'GET media';
  const path = x.url.pathname;
  const api = path.indexOf('/api/v2/');
  const oauth = path.indexOf('/o/');
  return operationName(x.method, api >= 0 ? path.slice(api + '/api/v2/'.length) : oauth >= 0 ? path.slice(oauth + 1) : 'other');
}

export class SonletHttp {
  private readonly agent: Agent;
  /** For media on any origin other than Sonlet's own. */
  private readonly foreignMediaAgent: Agent;

  constructor(private readonly settings: SonletHttpSettings) {
    const timeouts = {
      headersTimeout: settings.timeoutMs,
      // Between two chunks of an answer: a dripping answer is cut by the deadline below as well.
      bodyTimeout: settings.timeoutMs,
    };
    this.agent = new Agent({ keepAliveTimeout: 30_000, connections: 64, connect: { timeout: settings.timeoutMs }, ...timeouts });
    this.foreignMediaAgent = new Agent({ keepAliveTimeout: 30_000, connections: 16, connect: pinnedConnector({ timeoutMs: settings.timeoutMs, allowPrivateHosts: false }), ...timeouts });
  }

  get timeoutMs(): number {
    return this.settings.timeoutMs;
  }

  /**
   * Sends one request. No redirect is followed (a bearer token never goes to another host); the deadline
   * covers the whole exchange, reading the answer included, and ends when the body has been read or dropped.
   */
  exchange(x: Exchange): Promise<SonletAnswer> {
    // Measured to the answer's headers; a 5xx counts as a failure like no answer at all.
    return observeProviderCall('sonlet', operationOf(x), this.send(x), (res) => res.status >= 500);
  }

  private async send(x: Exchange): Promise<SonletAnswer> {
    const stop = new AbortController();
    let why: 'deadline' | 'abandoned' | null = null;
    const end = (reason: 'deadline' | 'abandoned') => {
      why ??= reason;
      stop.abort();
    };
    const timer = setTimeout(() => end('deadline'), x.deadlineMs ?? this.settings.timeoutMs);
    const onAbandon = () => end('abandoned');
    x.signal?.addEventListener('abort', onAbandon, { once: true });
    if (x.signal?.aborted) end('abandoned');
    const done = () => {
      clearTimeout(timer);
      x.signal?.removeEventListener('abort', onAbandon);
    };
    const failure = (err: unknown) => sonletFailure(err, why);
    try {
      const body = typeof x.body === 'object' ? Readable.from(x.body, { objectMode: false }) : x.body;
      const dispatcher = x.kind === 'media' && x.url.origin !== x.sonletOrigin ? this.foreignMediaAgent : this.agent;
      const res = await request(x.url, { method: x.method, headers: x.headers, body, signal: stop.signal, dispatcher });
      const cap = x.kind === 'media' ? this.settings.maxMediaBytes : this.settings.maxAnswerBytes;
      return answerOf(res, cap, done, failure);
    } catch (err) {
      done();
      throw failure(err);
    }
  }

  async close(): Promise<void> {
    await Promise.all([this.agent.close(), this.foreignMediaAgent.close()]);
  }
}

function answerOf(res: Dispatcher.ResponseData, cap: number, done: () => void, failure: (err: unknown) => Error): SonletAnswer {
  const header = (name: string) => {
    const value = res.headers[name.toLowerCase()];
    return Array.isArray(value) ? value[0] : value;
  };
  async function* chunks(): AsyncGenerator<Buffer> {
    try {
      const declared = Number(header('content-length'));
      if (Number.isFinite(declared) && declared > cap) throw new AnswerTooLargeError(cap);
      let read = 0;
      for await (const chunk of res.body as AsyncIterable<Buffer>) {
        read += chunk.length;
        if (read > cap) throw new AnswerTooLargeError(cap);
        yield chunk;
      }
    } catch (err) {
      throw failure(err);
    } finally {
      // Whatever stopped the reading (the cap, the reader, an error): the rest is not wanted, so the socket goes.
      if (!res.body.readableEnded) res.body.destroy();
      done();
    }
  }
  /**
   * An answer that states its length within the cap is read by undici in one go (HTTP framing holds it to
   * that length); chunk by chunk costs a measurable share of a page's CPU time. Otherwise counted as it comes.
   */
  async function bodyText(): Promise<string> {
    const declared = Number(header('content-length'));
    if (!(Number.isFinite(declared) && declared <= cap)) {
      const parts: Buffer[] = [];
      for await (const chunk of chunks()) parts.push(chunk);
      return Buffer.concat(parts).toString('utf8');
    }
    try {
      return await res.body.text();
    } catch (err) {
      throw failure(err);
    } finally {
      done();
    }
  }
  return {
    status: res.statusCode,
    ok: res.statusCode >= 200 && res.statusCode < 300,
    header,
    chunks,
    async json() {
      const text = await bodyText();
      try {
        return text ? (JSON.parse(text) as unknown) : null;
      } catch {
        return null;
      }
    },
    async discard() {
      try {
        await res.body.dump({ limit: DISCARD_LIMIT });
      } catch {
        // Dropped either way.
      } finally {
        done();
      }
    },
  };
}

const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/** The one mapping from what went wrong on the wire to what the seller is told. */
function sonletFailure(err: unknown, why: 'deadline' | 'abandoned' | null): Error {
  if (why === 'abandoned') return new AbandonedError();
  if (err instanceof DomainError) return err;
  const code = (err as { code?: string } | null)?.code;
  if (why === 'deadline' || (code && TIMEOUT_CODES.has(code))) return new ProviderUnavailableError('Sonlet', 'did not answer in time', { timedOut: true });
  return new ProviderUnavailableError('Sonlet', 'could not be reached');
}

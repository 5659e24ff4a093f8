/**
 * The one HTTP stack the console uses to reach Plugboard: an undici dispatcher per client whose
 * connector resolves the host once, applies the private-host rule to that address and connects to
 * exactly it; a deadline per request; and an answer-size cap enforced while the body is read (the
 * socket is dropped past it). Every failure becomes a {@link PlugboardError}; all failures to connect
 * read the same, so an answer never tells whether some port is open.
 */
import { Agent, errors as undiciErrors, request } from 'undici';
import { pinnedConnector, type Resolver } from '../net/address-rule.js';
import { PlugboardError } from './errors.js';
import { observeProviderCall, operationName } from '../metrics/provider-calls.js';

export interface PlugboardHttpOptions {
  /** Whole request, from connecting to the last byte of the answer. */
  timeoutMs: number;
  /** Largest answer body read; past it the request is aborted. */
  maxAnswerBytes: number;
  allowPrivateHosts: boolean;
  /** DNS for the connector; tests inject one to play a rebinding name server. */
  resolve?: Resolver;
}

export interface HttpAnswer {
  status: number;
  contentType: string;
  body: Buffer;
}

export interface HttpCall {
  method: 'GET' | 'POST' | 'PUT';
  url: URL;
  headers: Record<string, string>;
  body?: string | Buffer;
}

/** A keep-alive dispatcher whose every new connection goes to an address the rule allows. */
export function plugboardDispatcher(opts: PlugboardHttpOptions): Agent {
  const connect = pinnedConnector({ timeoutMs: Math.min(opts.timeoutMs, 10_000), allowPrivateHosts: opts.allowPrivateHosts, resolve: opts.resolve });
  return new Agent({
    connect,
    keepAliveTimeout: 10_000,
    connections: 8,
    headersTimeout: opts.timeoutMs,
    bodyTimeout: opts.timeoutMs,
    maxResponseSize: opts.maxAnswerBytes,
  });
}

/** Sends one request and reads its answer within the deadline and the size cap. */
export function exchange(dispatcher: Agent, call: HttpCall, opts: PlugboardHttpOptions): Promise<HttpAnswer> {
  // Measured with its whole answer read; a 5xx counts as a failure like no answer at all.
  return observeProviderCall('plugboard', operationOf(call), exchangeOnce(dispatcher, call, opts), (answer) => answer.status >= 500);
}

/** "GET api/product/{id}": the path from Plugboard's /api/ on (a base URL may carry a prefix), ids folded. */
function operationOf(call: HttpCall): string {
  const path = call.url.pathname;
  const at = path.indexOf('/api/');
  return operationName(call.method, at >= 0 ? path.slice(at + 1) : 'other');
}

async function exchangeOnce(dispatcher: Agent, call: HttpCall, opts: PlugboardHttpOptions): Promise<HttpAnswer> {
  const host = call.url.host;
  const signal = AbortSignal.timeout(opts.timeoutMs);
  let res: Awaited<ReturnType<typeof request>>;
  try {
    res = await request(call.url, { method: call.method, headers: call.headers, body: call.body, dispatcher, signal });
  } catch (err) {
    throw transportError(err, host, opts);
  }
  const declared = Number(res.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > opts.maxAnswerBytes) {
    res.body.destroy();
    throw tooLarge(host, opts.maxAnswerBytes, res.statusCode);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of res.body) {
      size += (chunk as Buffer).length;
      if (size > opts.maxAnswerBytes) {
        res.body.destroy();
        throw tooLarge(host, opts.maxAnswerBytes, res.statusCode);
      }
      chunks.push(chunk as Buffer);
    }
  } catch (err) {
    if (err instanceof PlugboardError) throw err;
    throw transportError(err, host, opts, res.statusCode);
  }
  const type = res.headers['content-type'];
  return { status: res.statusCode, contentType: String(Array.isArray(type) ? type[0] : (type ?? '')), body: Buffer.concat(chunks) };
}

function tooLarge(host: string, cap: number, status: number): PlugboardError {
  const mb = Math.round((cap / (1024 * 1024)) * 10) / 10;
  return new PlugboardError(`Plugboard at ${host} sent an answer larger than ${mb} MB, which the console does not read`, { kind: 'protocol', status });
}

const TIMEOUTS = new Set(['TimeoutError', 'HeadersTimeoutError', 'BodyTimeoutError']);

/** Timeouts once connected say so; every failure to connect reads the same. */
function transportError(err: unknown, host: string, opts: PlugboardHttpOptions, status = 0): PlugboardError {
  const e = err as { name?: string; code?: string; cause?: { name?: string } } | null;
  if (e instanceof undiciErrors.ResponseExceededMaxSizeError || e?.code === 'UND_ERR_RES_EXCEEDED_MAX_SIZE') {
    return tooLarge(host, opts.maxAnswerBytes, status);
  }
  const timedOut = TIMEOUTS.has(e?.name ?? '') || TIMEOUTS.has(e?.cause?.name ?? '') || (e?.name === 'AbortError' && e.cause?.name === 'TimeoutError');
  if (timedOut && e?.code !== 'UND_ERR_CONNECT_TIMEOUT') {
    return new PlugboardError(`Plugboard at ${host} did not answer within ${Math.round(opts.timeoutMs / 100) / 10} s`, { kind: 'timeout', status });
  }
  return new PlugboardError(`Could not reach this address (${host})`, { kind: 'network', status });
}

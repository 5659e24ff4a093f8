/** How the Plugboard sandbox refuses a request: a status and a message, sent as the documented error body. */
import type { FastifyReply } from 'fastify';
import type { ErrorBody } from './wire.js';

export class Refusal extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** 400: the body or query does not follow the API's rules. */
export const badRequest = (message: string) => new Refusal(400, message);

export function errorBody(status: number, message: string, now = Date.now()): ErrorBody {
  return { error: true, time: new Date(now).toISOString(), code: status, message };
}

export function sendRefusal(reply: FastifyReply, refusal: Refusal, now?: number): FastifyReply {
  return reply
    .code(refusal.status)
    .headers(refusal.headers)
    .type('application/json; charset=utf-8')
    .send(errorBody(refusal.status, refusal.message, now));
}

export function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Refuses keys outside `accepted`; `echoed` are read-only fields a client may send back from a GET (ignored). */
export function onlyKnownKeys(body: Record<string, unknown>, accepted: ReadonlySet<string>, echoed: ReadonlySet<string>, what: string): void {
  const unknown = Object.keys(body).filter((k) => !accepted.has(k) && !echoed.has(k));
  if (unknown.length > 0) throw badRequest(`${what}: unknown field(s) ${unknown.join(', ')}`);
}

/** Refuses query parameters a route does not know (a typo would otherwise be silently ignored). */
export function onlyKnownParams(query: unknown, known: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(isObject(query) ? query : {})) {
    if (!known.includes(k)) throw badRequest(`Unknown query parameter "${k}"${known.length ? `; this resource takes ${known.join(', ')}` : ''}`);
    if (typeof v !== 'string') throw badRequest(`Query parameter "${k}" is given more than once`);
    out[k] = v;
  }
  return out;
}

/** A boolean query flag: absent, "true" or "false". */
export function flag(params: Record<string, string>, name: string): boolean {
  const v = params[name];
  if (v === undefined || v === 'false') return false;
  if (v === 'true') return true;
  throw badRequest(`${name} must be true or false`);
}

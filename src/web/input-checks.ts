/**
 * Checks on every request's input that no route schema can make, refused the way a schema refusal is
 * (a 400 naming the field, the form shown again with what was typed).
 *
 * - Ajv coerces "1e309" or "Infinity" to Infinity and then skips minimum/maximum for non-finite numbers,
 *   so a numeric field could reach a handler as ±Infinity. Form parsers only produce strings, so any
 *   non-finite number came from that coercion: it is out of range.
 * - Postgres text and JSON cannot hold U+0000: a NUL that reached a query or a stored field ended the
 *   request in a 500, and no browser sends one from what a seller types. On a browsing page a query value
 *   carrying one is treated as absent, as any odd query value is (lenient-query.ts); a form field carrying
 *   one is refused after the route's own checks, as a value in the wrong format. Redirect targets (`next`,
 *   `back`) are left to redirect-target.ts, which sends any target with a control character home.
 *   Multipart fields and file names drop NUL where they are read.
 */
import type { FastifyError, FastifyRequest } from 'fastify';
import { syncHook } from './sync-hooks.js';

/** The path (`/field/0`) of the first leaf of `value` that `matches`, or null. */
function pathWhere(value: unknown, matches: (leaf: unknown) => boolean, path = '', depth = 0): string | null {
  if (value && typeof value === 'object') {
    if (depth > 4) return null;
    for (const [key, child] of Object.entries(value)) {
      const found = pathWhere(child, matches, `${path}/${key}`, depth + 1);
      if (found !== null) return found;
    }
    return null;
  }
  return matches(value) ? path : null;
}

/** A refusal shaped as Fastify's own validation error, so the error handler words it like any other. */
function refusal(context: FastifyError['validationContext'], instancePath: string, keyword: string, message: string): FastifyError {
  const error = new Error(`${instancePath} ${message}`) as FastifyError;
  error.statusCode = 400;
  error.validation = [{ keyword, instancePath, schemaPath: '', params: {}, message }];
  error.validationContext = context;
  return error;
}

const nonFinite = (leaf: unknown) => typeof leaf === 'number' && !Number.isFinite(leaf);
const withNul = (leaf: unknown) => typeof leaf === 'string' && leaf.includes('\0');

/** preHandler, for every route: no ±Infinity in the query, body or parameters. */
export const refuseNonFinite = syncHook((request: FastifyRequest) => {
  const inputs = [['querystring', request.query], ['body', request.body], ['params', request.params]] as const;
  for (const [context, data] of inputs) {
    const at = pathWhere(data, nonFinite);
    if (at !== null) throw refusal(context, at, 'maximum', 'must be finite');
  }
});

const REDIRECT_TARGETS = new Set(['next', 'back']);

/** preValidation: a browsing page's query, before the lenient reading of it. */
export const queryWithoutNul = syncHook((request: FastifyRequest) => {
  if (request.method !== 'GET' && request.method !== 'HEAD') return;
  const query = request.query as Record<string, unknown> | null;
  if (!query || typeof query !== 'object') return;
  for (const [name, value] of Object.entries(query)) if (pathWhere(value, withNul) !== null) delete query[name];
});

/** preHandler: a form's fields, once the route's schema has had its say (its own message comes first). */
export const refuseNulInBody = syncHook((request: FastifyRequest) => {
  const body = request.body;
  if (!body || typeof body !== 'object') return;
  for (const [name, value] of Object.entries(body)) {
    if (REDIRECT_TARGETS.has(name)) continue;
    const at = pathWhere(value, withNul, `/${name}`);
    if (at !== null) throw refusal('body', at, 'pattern', 'must not contain NUL');
  }
});

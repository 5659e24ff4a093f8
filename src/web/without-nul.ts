/**
 * Postgres text and JSON cannot hold U+0000: a NUL that reached a query or a stored field ended the
 * request in a 500. No browser sends one from what a seller types. On a browsing page a query value
 * carrying one is treated as absent, as any odd query value is (lenient-query.ts); a form field carrying
 * one is refused after the route's own checks, as a value in the wrong format, with the form and what was
 * typed shown again. Redirect targets (`next`, `back`) are left to redirect-target.ts, which sends any
 * target with a control character home. Multipart fields and file names drop NUL where they are read.
 */
import type { FastifyError, FastifyRequest } from 'fastify';

const REDIRECT_TARGETS = new Set(['next', 'back']);

/** preValidation: a browsing page's query, before the lenient reading of it. */
export async function queryWithoutNul(request: FastifyRequest): Promise<void> {
  if (request.method !== 'GET' && request.method !== 'HEAD') return;
  const query = request.query as Record<string, unknown> | null;
  if (!query || typeof query !== 'object') return;
  for (const [name, value] of Object.entries(query)) if (nulPath(value, '') !== null) delete query[name];
}

function nulPath(value: unknown, path: string, depth = 0): string | null {
  if (typeof value === 'string') return value.includes('\0') ? path : null;
  if (!value || typeof value !== 'object' || depth > 4) return null;
  for (const [key, child] of Object.entries(value)) {
    const found = nulPath(child, `${path}/${key}`, depth + 1);
    if (found !== null) return found;
  }
  return null;
}

/** preHandler: a form's fields, once the route's schema has had its say (its own message comes first). */
export async function refuseNulInBody(request: FastifyRequest): Promise<void> {
  const body = request.body;
  if (!body || typeof body !== 'object') return;
  let at: string | null = null;
  for (const [name, value] of Object.entries(body)) if (at === null && !REDIRECT_TARGETS.has(name)) at = nulPath(value, `/${name}`);
  if (at === null) return;
  const error = new Error(`${at} must not contain NUL`) as FastifyError;
  error.statusCode = 400;
  error.validation = [{ keyword: 'pattern', instancePath: at, schemaPath: '', params: {}, message: 'must not contain NUL' }];
  error.validationContext = 'body';
  throw error;
}

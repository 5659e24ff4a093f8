/**
 * Postgres text and JSON cannot hold U+0000: a NUL that reached a query or a stored field ended the
 * request in a 500. No browser sends one from what a seller types. A browsing page's query drops it (the
 * page is shown, as for any odd query value); a form field carrying one is refused after the route's own
 * checks, as a value in the wrong format, with the form and what was typed shown again. Multipart fields
 * and file names drop it where they are read.
 */
import type { FastifyError, FastifyRequest } from 'fastify';
import { withoutNul } from '../storable-text.js';

/** Removes NUL from the strings of a parsed query, in place. */
function clean(data: unknown, depth = 0): void {
  if (!data || typeof data !== 'object' || depth > 3) return;
  const entries = data as Record<string, unknown>;
  for (const key of Object.keys(entries)) {
    const value = entries[key];
    if (typeof value === 'string') entries[key] = withoutNul(value);
    else if (Array.isArray(value)) value.forEach((v, i) => (typeof v === 'string' ? (value[i] = withoutNul(v)) : clean(v, depth + 1)));
    else clean(value, depth + 1);
  }
}

/** preValidation: a browsing page's query, before the lenient reading of it. */
export async function queryWithoutNul(request: FastifyRequest): Promise<void> {
  if (request.method === 'GET' || request.method === 'HEAD') clean(request.query);
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
  const at = nulPath(request.body, '');
  if (at === null) return;
  const error = new Error(`${at} must not contain NUL`) as FastifyError;
  error.statusCode = 400;
  error.validation = [{ keyword: 'pattern', instancePath: at, schemaPath: '', params: {}, message: 'must not contain NUL' }];
  error.validationContext = 'body';
  throw error;
}

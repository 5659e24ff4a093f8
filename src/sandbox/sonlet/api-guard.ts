/**
 * Who may call /api/v2/: Django REST framework with django-oauth-toolkit's OAuth2Authentication
 * (a bearer token, read scope for reads, write scope for writes), then Sonlet's X-Idempotency-Key
 * rule on POSTs: a key seen from the same seller within 24 hours is "Duplicate request detected."
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Principal, SandboxContext } from './context.js';

const NOT_PROVIDED = { detail: 'Authentication credentials were not provided.' };
const MAX_IDEMPOTENCY_KEY = 128;

/** Every API path this sandbox serves, with the methods it allows there (for 405 and Allow). */
const API_ROUTES: { pattern: RegExp; allow: string }[] = [
  { pattern: /^\/api\/v2\/$/, allow: 'GET, HEAD, OPTIONS' },
  { pattern: /^\/api\/v2\/schema\/$/, allow: 'GET, HEAD, OPTIONS' },
  { pattern: /^\/api\/v2\/(items|images)\/$/, allow: 'GET, POST, HEAD, OPTIONS' },
  { pattern: /^\/api\/v2\/(itemchoices|sizes)\/$/, allow: 'GET, HEAD, OPTIONS' },
  { pattern: /^\/api\/v2\/(items|images|itemchoices|sizes)\/[^/]+\/$/, allow: 'GET, HEAD, OPTIONS' },
];

export function apiRouteAllow(relPath: string): string | null {
  return API_ROUTES.find((r) => r.pattern.test(relPath))?.allow ?? null;
}

/** Sends the 401 itself and answers null when the request carries no valid token. */
export function bearerPrincipal(ctx: SandboxContext, request: FastifyRequest, reply: FastifyReply): Principal | null {
  const header = request.headers.authorization;
  const m = header ? /^bearer(?:\s+(.*))?$/i.exec(header.trim()) : null;
  if (!m) {
    reply.code(401).header('www-authenticate', 'Bearer realm="api"').send(NOT_PROVIDED);
    return null;
  }
  const token = (m[1] ?? '').trim();
  const record = token ? ctx.store.accessTokens.get(token) : undefined;
  const problem = !record ? 'The access token is invalid.' : record.expiresAt <= Date.now() ? 'The access token has expired.' : null;
  if (problem || !record) {
    reply.code(401).header('www-authenticate', `Bearer realm="api",error="invalid_token",error_description="${problem}"`).send(NOT_PROVIDED);
    return null;
  }
  return { username: record.username, scope: new Set(record.scope.split(' ')) };
}

/** Route-level onRequest of the API: token, scope, then (POST) the idempotency key, spent on arrival. */
export function apiGuard(ctx: SandboxContext) {
  return async function guard(request: FastifyRequest, reply: FastifyReply) {
    const principal = bearerPrincipal(ctx, request, reply);
    if (!principal) return reply;
    const safe = request.method === 'GET' || request.method === 'HEAD' || request.method === 'OPTIONS';
    if (!principal.scope.has(safe ? 'read' : 'write')) return reply.code(403).send({ detail: 'You do not have permission to perform this action.' });
    if (request.method === 'POST') {
      const raw = request.headers['x-idempotency-key'];
      const key = Array.isArray(raw) ? raw[raw.length - 1] : raw;
      if (key !== undefined && key !== '') {
        if (key.length > MAX_IDEMPOTENCY_KEY) {
          return reply.code(400).send({ detail: `X-Idempotency-Key must be at most ${MAX_IDEMPOTENCY_KEY} characters (got ${key.length}).` });
        }
        if (!ctx.store.spendIdempotencyKey(principal.username, key)) return reply.code(403).send({ detail: 'Duplicate request detected.' });
      }
    }
    ctx.principals.set(request, principal);
    return undefined;
  };
}

export function principalOf(ctx: SandboxContext, request: FastifyRequest): Principal {
  const p = ctx.principals.get(request);
  if (!p) throw new Error('an unauthenticated request reached an API handler');
  return p;
}

/** How the Sonlet sandbox answers what no route does: faults, errors in DRF's shape, 404, 405 and Django's APPEND_SLASH. */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { apiRouteAllow, bearerPrincipal } from './api-guard.js';
import { type SandboxContext, relativePath } from './context.js';

/** Paths served with a trailing slash besides the API's, for the APPEND_SLASH redirect. */
const SLASHED_PAGES = ['/o/authorize/', '/o/token/', '/o/revoke_token/', '/tools/', '/accounts/login/', '/accounts/logout/'];

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Counts arrivals, then plays the faults a test set: latency, 503 for everything, random 5xx. */
export function faultHook(ctx: SandboxContext, stats: { tokenRequests: number; apiRequests: number; byPath: Map<string, number> }) {
  return async function faults(request: FastifyRequest, reply: FastifyReply) {
    const rel = relativePath(request, ctx.prefix);
    const isApi = rel === '/api/v2' || rel.startsWith('/api/v2/');
    const isToken = rel === '/o/token/' || rel === '/o/token';
    stats.byPath.set(rel, (stats.byPath.get(rel) ?? 0) + 1);
    if (isApi) stats.apiRequests++;
    if (isToken) stats.tokenRequests++;
    const f = ctx.faults();
    if (f.latencyMs > 0) await sleep(f.latencyMs);
    if (f.unavailable) return reply.code(503).send({ detail: 'Service temporarily unavailable, try again later.' });
    if ((isApi || isToken) && f.errorRate > 0 && Math.random() < f.errorRate) {
      return Math.random() < 0.5 ? reply.code(500).send({ detail: 'A server error occurred.' }) : reply.code(502).send({ detail: 'Bad gateway.' });
    }
    if (isApi && request.method === 'POST' && f.dropAfterCommitRate > 0 && Math.random() < f.dropAfterCommitRate) ctx.dropAfterCommit.add(request.raw);
    return undefined;
  };
}

export function sandboxErrorAnswer(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return reply.code(415).send({ detail: `Unsupported media type "${request.headers['content-type'] ?? ''}" in request.` });
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || error.code === 'FST_REQ_FILE_TOO_LARGE') return reply.code(413).send({ detail: 'Request body too large.' });
  if (error instanceof SyntaxError || error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || error.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
    return reply.code(400).send({ detail: `JSON parse error - ${error.message}` });
  }
  const status = error.statusCode && error.statusCode >= 400 ? error.statusCode : 500;
  if (status < 500) {
    const multipartError = /multipart|boundary|FST_(PARTS|FILES|FIELDS|INVALID_MULTIPART)/i.test(`${error.code ?? ''} ${error.message}`);
    return reply.code(status).send({ detail: multipartError ? `Multipart form parse error - ${error.message}` : error.message });
  }
  request.log.error({ err: error }, 'sonlet sandbox error');
  return reply.code(500).send({ detail: 'A server error occurred.' });
}

/**
 * Django's CommonMiddleware first: a path without its trailing slash whose slashed form exists
 * answers 301 to it, query kept, whatever the method. Then DRF: 401 before 405 on API paths.
 */
export function sandboxNotFound(ctx: SandboxContext, request: FastifyRequest, reply: FastifyReply) {
  const rel = relativePath(request, ctx.prefix);
  const query = request.url.includes('?') ? request.url.slice(request.url.indexOf('?')) : '';
  if (!rel.endsWith('/') && (apiRouteAllow(`${rel}/`) !== null || SLASHED_PAGES.includes(`${rel}/`))) {
    return reply.redirect(`${ctx.prefix}${rel}/${query}`, 301);
  }
  const allow = apiRouteAllow(rel);
  if (allow && !rel.startsWith('/api/v2/schema/')) {
    if (!bearerPrincipal(ctx, request, reply)) return reply;
    return reply.code(405).header('allow', allow).send({ detail: `Method "${request.method}" not allowed.` });
  }
  if (allow || SLASHED_PAGES.includes(rel)) {
    const methods = allow ?? (rel.startsWith('/o/') ? 'POST, OPTIONS' : 'GET, POST, HEAD, OPTIONS');
    return reply.code(405).header('allow', methods).send({ detail: `Method "${request.method}" not allowed.` });
  }
  return reply.code(404).send({ detail: 'Not found.' });
}

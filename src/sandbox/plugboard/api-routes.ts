/** Everything under /api/: JSON only, authenticated before the body is read or the route is known. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { authenticate } from './auth.js';
import { type PlugboardContext, authenticatedTenant, withAndWithoutSlash } from './context.js';
import { fileDataRoutes, fileRoutes } from './file-routes.js';
import { orderRoutes } from './order-routes.js';
import { productRoutes } from './product-routes.js';
import { Refusal, onlyKnownParams, sendRefusal } from './refusal.js';
import { languageTwoLetter, serverTime } from './values.js';

/** Paths the API serves and their methods, for 405 answers with Allow. */
const ROUTE_METHODS: [RegExp, string][] = [
  [/^\/api\/?$/, 'GET'],
  [/^\/api\/product$/, 'GET, POST'],
  [/^\/api\/product\/[^/]+$/, 'GET, PUT'],
  [/^\/api\/order\/?$/, 'GET, POST'],
  [/^\/api\/order\/[^/]+$/, 'GET, PUT'],
  [/^\/api\/file$/, 'POST'],
  [/^\/api\/file\/[^/]+$/, 'GET'],
  [/^\/api\/file\/[^/]+\/data$/, 'PUT'],
];

export async function apiRoutes(app: FastifyInstance, opts: { ctx: PlugboardContext }): Promise<void> {
  const { ctx } = opts;
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: 1024 * 1024 }, parseJson);
  app.addHook('onRequest', async (request, reply) => {
    const result = authenticate(ctx, request);
    if (result instanceof Refusal) return sendRefusal(reply, result, ctx.clock.now());
    ctx.tenantOf.set(request, result);
    return undefined;
  });
  withAndWithoutSlash(app, 'GET', '/api', (request) => apiRoot(ctx, request));
  productRoutes(app, ctx);
  orderRoutes(app, ctx);
  fileRoutes(app, ctx);
  await app.register(fileDataRoutes, { ctx });
}

/** GET /api/: the reference's "Test Connection Example" answer (without its stray outer braces). */
function apiRoot(ctx: PlugboardContext, request: FastifyRequest) {
  const t = authenticatedTenant(ctx, request);
  onlyKnownParams(request.query, []);
  return {
    version: 0,
    connectionId: t.seed.connectionId,
    permissions: [...t.permissions],
    serverTime: serverTime(ctx.clock.now()),
    defaultLanguage: t.defaultLanguage,
    defaultLanguage_iso: { 'iso639-1': languageTwoLetter(t.defaultLanguage), 'iso639-3': t.defaultLanguage },
    connectionName: t.seed.connectionName,
    connectionType: 'api',
    connectionCustomData: {},
    configuration: {},
  };
}

function parseJson(_request: FastifyRequest, raw: string | Buffer, done: (err: Error | null, body?: unknown) => void): void {
  const text = raw.toString();
  if (text.trim() === '') return done(new Refusal(400, 'The request body is empty; send a JSON document'));
  try {
    // A prototype key in a body is an attack, never data.
    done(null, JSON.parse(text, (key, value: unknown) => {
      if (key === '__proto__' || key === 'constructor') throw new Error(`forbidden key "${key}"`);
      return value;
    }));
  } catch (err) {
    done(new Refusal(400, `Malformed JSON body: ${(err as Error).message}`));
  }
}

/** Unknown paths under /api/ still need credentials first (nothing is revealed to a stranger), then 405 or 404. */
export function apiNotFound(ctx: PlugboardContext, request: FastifyRequest, reply: FastifyReply, path: string): FastifyReply {
  const result = authenticate(ctx, request);
  if (result instanceof Refusal) return sendRefusal(reply, result, ctx.clock.now());
  const allow = ROUTE_METHODS.find(([pattern]) => pattern.test(path))?.[1];
  if (allow) return sendRefusal(reply, new Refusal(405, `Method ${request.method} is not allowed here; allowed: ${allow}`, { Allow: allow }), ctx.clock.now());
  return sendRefusal(reply, new Refusal(404, `No such resource: ${path}`), ctx.clock.now());
}

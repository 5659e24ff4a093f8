/**
 * Plugboard sandbox: an in-memory imitation of the Plugboard REST API, following
 * /work/shared/reference/plugboard-api.txt, for local development and tests.
 *
 *   app.register(sandbox.plugin, { prefix: '/sandbox/plugboard' })
 *   → /sandbox/plugboard/api/, /sandbox/plugboard/api/product, ...
 *
 * The plugin is self-contained (encapsulated, no fastify-plugin): it installs its own JSON
 * parser, error handler and 404 handler, and routes everything under /api/ itself so it does
 * not depend on the parent's router options (e.g. ignoreTrailingSlash).
 *
 * Deviations from the real service, on purpose:
 * - Plain HTTP is served, but only to loopback peers (the real service refuses plain HTTP
 *   altogether; our client likewise only allows http:// for loopback hosts). Other peers on
 *   plain HTTP get 403.
 * - Error `code` equals the HTTP status (the real errors.json list is not available to us).
 * - A second POST /api/product with a remoteId this connection already uses answers
 *   409 Conflict, naming the existing localId in the message; the product is left alone.
 *   Callers recover with GET /api/product (PlugboardClient.findProductByRemoteId /
 *   createOrRecoverProduct) and, if needed, PUT /api/product/<localId>.
 * - GET /api/product answers a plain JSON array of all the tenant's products (the list
 *   envelope and paging are not documented).
 * - Currencies are answered in lower case, as the reference's rule says ("The server will
 *   ALWAYS send currencies as lower case"), although its order example echoes "SEK".
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyPluginAsync, type FastifyReply, type FastifyRequest } from 'fastify';
import { language3To1, normaliseLanguage3 } from '../../plugboard/codes.js';
import { toRfc3339Utc } from '../../plugboard/format.js';
import type { PlugboardErrorBody, PlugboardOrder, PlugboardProduct } from '../../plugboard/types.js';
import { isValidUserAgent } from '../../plugboard/user-agent.js';
import {
  SandboxHttpError,
  applyProductBody,
  createOrderFromBody,
  newProduct,
  renderOrder,
  renderProduct,
  type RequestContext,
  type StoredOrder,
  type StoredProduct,
} from './model.js';
import { ALL_PLUGBOARD_PERMISSIONS, DEMO_PLUGBOARD_TENANTS, type PlugboardTenantSeed } from './seeds.js';

export { ALL_PLUGBOARD_PERMISSIONS, DEMO_PLUGBOARD_TENANTS, VIEW_ONLY_PERMISSIONS } from './seeds.js';
export type { PlugboardTenantSeed } from './seeds.js';

export interface RecordedRequest {
  method: string;
  /** Path and query as received (including any prefix). */
  url: string;
  headers: Record<string, string | string[] | undefined>;
}

export interface PlugboardSandboxOptions {
  tenants?: PlugboardTenantSeed[];
  /** Serve plain HTTP to non-loopback peers too. Default false (they get 403). */
  allowPlainHttpFromAnyHost?: boolean;
}

export interface PlugboardSandbox {
  plugin: FastifyPluginAsync;
  /** What is stored for the tenant, rendered as its connection sees it. */
  products(tenant: string): PlugboardProduct[];
  orders(tenant: string): PlugboardOrder[];
  readonly stats: { requests: number };
  /** Fault injection for tests: the next `failAfterCommit` product creations are stored, then answered 503. */
  readonly faults: { failAfterCommit: number };
  /** The last 200 requests, oldest first, with their headers (tests check what arrived). */
  readonly requestLog: RecordedRequest[];
  lastRequest(): RecordedRequest | undefined;
  reset(): void;
}

interface Tenant {
  seed: PlugboardTenantSeed;
  permissions: string[];
  ctx: RequestContext;
  products: Map<string, StoredProduct>;
  orders: Map<string, StoredOrder>;
}

const REQUEST_LOG_LIMIT = 200;

export function errorBody(status: number, message: string): PlugboardErrorBody {
  return { error: true, time: new Date().toISOString(), code: status, message };
}

function sendError(reply: FastifyReply, status: number, message: string, headers: Record<string, string> = {}) {
  return reply.code(status).headers(headers).type('application/json; charset=utf-8').send(errorBody(status, message));
}

const sha256 = (s: string | Buffer) => createHash('sha256').update(s).digest();
const sameSecret = (a: string, b: string) => timingSafeEqual(sha256(Buffer.from(a, 'utf8')), sha256(Buffer.from(b, 'utf8')));

function isLoopbackAddress(addr: string | undefined): boolean {
  if (!addr) return false;
  const a = addr.replace(/^::ffff:/i, '');
  return a === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(a);
}

function acceptsJson(accept: string | undefined): boolean {
  if (!accept) return true;
  return accept
    .split(',')
    .map((part) => {
      const [type = '', ...params] = part.split(';').map((s) => s.trim().toLowerCase());
      const q = params.find((p) => p.startsWith('q='));
      return { type, q: q ? Number(q.slice(2)) : 1 };
    })
    .some(({ type, q }) => q > 0 && (type === 'application/json' || type === 'application/*' || type === '*/*'));
}

function newLocalId(taken: (id: string) => boolean): string {
  for (;;) {
    const id = randomBytes(16).toString('hex');
    if (!taken(id)) return id;
  }
}

function seedToTenant(seed: PlugboardTenantSeed): Tenant {
  if (!/^[0-9a-f]{32}$/.test(seed.connectionId)) {
    throw new Error(`Sandbox tenant ${seed.tenant}: connectionId must be 32 lower-case hex characters`);
  }
  const lang = normaliseLanguage3(seed.defaultLanguage);
  if (!lang) throw new Error(`Sandbox tenant ${seed.tenant}: unknown defaultLanguage ${seed.defaultLanguage}`);
  if (seed.username.includes(':')) throw new Error(`Sandbox tenant ${seed.tenant}: username must not contain ":"`);
  return {
    seed,
    permissions: [...(seed.permissions ?? ALL_PLUGBOARD_PERMISSIONS)],
    ctx: { connectionId: seed.connectionId, connectionName: seed.connectionName, defaultLanguage: lang },
    products: new Map(),
    orders: new Map(),
  };
}

type Authed = { tenant: Tenant };

export function createPlugboardSandbox(opts: PlugboardSandboxOptions = {}): PlugboardSandbox {
  const seeds = opts.tenants ?? DEMO_PLUGBOARD_TENANTS;
  const tenants = new Map<string, Tenant>();
  for (const seed of seeds) {
    if (tenants.has(seed.tenant)) throw new Error(`Duplicate sandbox tenant ${seed.tenant}`);
    tenants.set(seed.tenant, seedToTenant(seed));
  }
  const stats = { requests: 0 };
  const faults = { failAfterCommit: 0 };
  const requestLog: RecordedRequest[] = [];
  const authed = new WeakMap<FastifyRequest, Authed>();

  /** Protocol and auth checks; runs before the body is parsed. Returns an error or the tenant. */
  function authenticate(req: FastifyRequest): SandboxHttpError | Tenant {
    if (req.raw.httpVersion !== '1.1') {
      return new SandboxHttpError(505, `HTTP/${req.raw.httpVersion} is not supported; use HTTP/1.1`);
    }
    if (req.protocol !== 'https' && !opts.allowPlainHttpFromAnyHost && !isLoopbackAddress(req.socket.remoteAddress)) {
      return new SandboxHttpError(403, 'Plain HTTP is refused: clients MUST use HTTPS');
    }
    const ua = req.headers['user-agent'];
    if (ua !== undefined && !isValidUserAgent(ua)) {
      return new SandboxHttpError(400, 'User-Agent must be formatted according to RFC 2616, e.g. "my-app/1.0 (test@example.com)"');
    }
    if (!acceptsJson(req.headers.accept)) return new SandboxHttpError(406, 'This API only produces application/json');

    const challenge = { 'WWW-Authenticate': 'Basic realm="Plugboard API", charset="UTF-8"' };
    const fail = (why: string) => new SandboxHttpError(401, `Auth Failed: ${why}`, challenge);
    const auth = req.headers.authorization;
    const m = typeof auth === 'string' ? /^Basic[ ]+([A-Za-z0-9+/]+={0,2})[ ]*$/i.exec(auth) : null;
    if (!m) return fail('HTTP Basic Authorization header missing or malformed');
    let decoded: string;
    try {
      decoded = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(m[1]!, 'base64'));
    } catch {
      return fail('credentials must be encoded as UTF-8 before base64');
    }
    const colon = decoded.indexOf(':');
    if (colon < 0) return fail('Basic credentials must be "username:password"');
    const tenantName = req.headers['x-tenant'];
    if (typeof tenantName !== 'string' || tenantName === '') return fail('X-Tenant header missing');
    const tenant = tenants.get(tenantName);
    if (!tenant) return fail(`unknown tenant "${tenantName}"`);
    const okUser = sameSecret(decoded.slice(0, colon), tenant.seed.username);
    const okPass = sameSecret(decoded.slice(colon + 1), tenant.seed.password);
    if (!okUser || !okPass) return fail('wrong username or password');
    const cid = req.headers['x-connectionid'];
    if (typeof cid !== 'string' || cid === '') return fail('X-ConnectionId header missing');
    if (cid !== tenant.seed.connectionId) return fail('X-ConnectionId is not an API connection of this tenant');
    return tenant;
  }

  function need(tenant: Tenant, permission: string) {
    if (!tenant.permissions.includes(permission) && !tenant.permissions.includes('superuser')) {
      throw new SandboxHttpError(403, `Permission denied: ${permission} is required`);
    }
  }

  function findByRemoteId<T extends { remoteIdMap: Record<string, { remoteId: string }> }>(
    items: Map<string, T & { localId: string }>,
    connectionId: string,
    remoteId: string,
    except?: string,
  ): (T & { localId: string }) | undefined {
    for (const item of items.values()) {
      if (item.localId !== except && item.remoteIdMap[connectionId]?.remoteId === remoteId) return item;
    }
    return undefined;
  }

  function apiRoot(t: Tenant) {
    return {
      version: 0,
      connectionId: t.seed.connectionId,
      permissions: [...t.permissions],
      serverTime: toRfc3339Utc(new Date()),
      defaultLanguage: t.ctx.defaultLanguage,
      defaultLanguage_iso: { 'iso639-1': language3To1(t.ctx.defaultLanguage), 'iso639-3': t.ctx.defaultLanguage },
      connectionName: t.seed.connectionName,
      connectionType: 'api',
      connectionCustomData: {},
      configuration: {},
    };
  }

  function createProduct(t: Tenant, body: unknown) {
    need(t, 'product.edit');
    const now = new Date();
    const p = newProduct(newLocalId((id) => t.products.has(id)), now);
    const remoteId = applyProductBody(p, body, t.ctx, 'create');
    if (remoteId) {
      const existing = findByRemoteId(t.products, t.ctx.connectionId, remoteId);
      if (existing) {
        throw new SandboxHttpError(
          409,
          `A product with remoteId "${remoteId}" already exists for connection ${t.ctx.connectionId}: localId ${existing.localId} (/api/product/${existing.localId})`,
        );
      }
      p.remoteIdMap[t.ctx.connectionId] = { connectionId: t.ctx.connectionId, remoteId };
    }
    t.products.set(p.localId, p);
    return renderProduct(p, t.ctx);
  }

  function updateProduct(t: Tenant, localId: string, body: unknown) {
    need(t, 'product.edit');
    const current = t.products.get(localId);
    if (!current) throw new SandboxHttpError(404, `Product ${localId} not found`);
    const p = structuredClone(current);
    const remoteId = applyProductBody(p, body, t.ctx, 'update');
    if (remoteId === null) delete p.remoteIdMap[t.ctx.connectionId];
    else if (remoteId !== undefined) {
      const clash = findByRemoteId(t.products, t.ctx.connectionId, remoteId, localId);
      if (clash) {
        throw new SandboxHttpError(409, `remoteId "${remoteId}" is already used by product ${clash.localId} for connection ${t.ctx.connectionId}`);
      }
      p.remoteIdMap[t.ctx.connectionId] = { connectionId: t.ctx.connectionId, remoteId };
    }
    p.lastModified = new Date();
    t.products.set(localId, p);
    return renderProduct(p, t.ctx);
  }

  function createOrder(t: Tenant, body: unknown) {
    need(t, 'order.edit');
    const { order, remoteId } = createOrderFromBody(newLocalId((id) => t.orders.has(id)), body, t.ctx, new Date());
    if (remoteId) {
      const existing = findByRemoteId(t.orders, t.ctx.connectionId, remoteId);
      if (existing) {
        throw new SandboxHttpError(409, `An order with remoteId "${remoteId}" already exists for connection ${t.ctx.connectionId}: localId ${existing.localId}`);
      }
    }
    t.orders.set(order.localId, order);
    return renderOrder(order, t.ctx);
  }

  /** Routes everything below /api/ (path = what follows "/api/"). */
  function dispatch(t: Tenant, method: string, path: string, body: unknown, reply: FastifyReply): unknown {
    const seg = path.split('?')[0]!.split('/').filter(Boolean).map(decodeURIComponent);
    const allow = (methods: string[]) => {
      const m = method === 'HEAD' ? 'GET' : method;
      if (!methods.includes(m)) {
        throw new SandboxHttpError(405, `Method ${method} not allowed here; allowed: ${methods.join(', ')}`, { Allow: methods.join(', ') });
      }
      return m;
    };
    if (seg.length === 0) {
      allow(['GET']);
      return apiRoot(t);
    }
    const [resource, id, ...rest] = seg;
    if (rest.length === 0 && resource === 'product') {
      if (id === undefined) {
        if (allow(['GET', 'POST']) === 'GET') {
          need(t, 'product.view');
          return [...t.products.values()].map((p) => renderProduct(p, t.ctx));
        }
        const created = createProduct(t, body);
        if (faults.failAfterCommit > 0) {
          faults.failAfterCommit--;
          throw new SandboxHttpError(503, 'Service temporarily unavailable');
        }
        reply.code(201);
        return created;
      }
      if (allow(['GET', 'PUT']) === 'PUT') return updateProduct(t, id, body);
      need(t, 'product.view');
      const p = t.products.get(id);
      if (!p) throw new SandboxHttpError(404, `Product ${id} not found`);
      return renderProduct(p, t.ctx);
    }
    if (rest.length === 0 && resource === 'order') {
      if (id === undefined) {
        if (allow(['GET', 'POST']) === 'GET') {
          need(t, 'order.view');
          return [...t.orders.values()].map((o) => renderOrder(o, t.ctx));
        }
        reply.code(201);
        return createOrder(t, body);
      }
      allow(['GET']);
      need(t, 'order.view');
      const o = t.orders.get(id);
      if (!o) throw new SandboxHttpError(404, `Order ${id} not found`);
      return renderOrder(o, t.ctx);
    }
    throw new SandboxHttpError(404, `No such resource: /api/${seg.join('/')}`);
  }

  const plugin: FastifyPluginAsync = async (app: FastifyInstance) => {
    // Own JSON parsing, whatever the parent registered.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, raw, done) => {
      const text = typeof raw === 'string' ? raw : raw.toString('utf8');
      if (text.trim() === '') {
        done(Object.assign(new Error('The request body is empty; send a JSON document'), { statusCode: 400 }), undefined);
        return;
      }
      try {
        done(
          null,
          JSON.parse(text, (key, value: unknown) => {
            if (key === '__proto__' || key === 'constructor') throw new Error(`Forbidden key "${key}"`);
            return value;
          }),
        );
      } catch (err) {
        done(Object.assign(new Error(`Malformed JSON body: ${(err as Error).message}`), { statusCode: 400 }), undefined);
      }
    });

    app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, _req, reply) => {
      if (err instanceof SandboxHttpError) return sendError(reply, err.status, err.message, err.headers);
      const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
      let message = status === 500 ? 'Internal sandbox error' : err.message;
      if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') message = 'Content-Type must be application/json';
      if (status === 500) _req.log.error({ err }, 'plugboard sandbox error');
      return sendError(reply, status, message);
    });

    app.setNotFoundHandler((req, reply) => sendError(reply, 404, `No such resource: ${req.method} ${req.url.split('?')[0]}`));

    app.addHook('onRequest', async (req, reply) => {
      stats.requests++;
      requestLog.push({ method: req.method, url: req.url, headers: { ...req.headers } });
      if (requestLog.length > REQUEST_LOG_LIMIT) requestLog.splice(0, requestLog.length - REQUEST_LOG_LIMIT);
      const result = authenticate(req);
      if (result instanceof SandboxHttpError) return sendError(reply, result.status, result.message, result.headers);
      authed.set(req, { tenant: result });
    });

    // '/api' as well as '/api/*': a parent with ignoreTrailingSlash strips the slash of '/api/'.
    for (const url of ['/api', '/api/*']) {
      app.route({
        method: ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'],
        url,
        handler: async (req, reply) => {
          const a = authed.get(req);
          if (!a) return sendError(reply, 401, 'Auth Failed');
          const rest = (req.params as { '*'?: string })['*'] ?? '';
          return dispatch(a.tenant, req.method, rest, req.body, reply);
        },
      });
    }
  };

  return {
    plugin,
    stats,
    faults,
    requestLog,
    lastRequest: () => requestLog[requestLog.length - 1],
    products(tenant: string) {
      const t = tenants.get(tenant);
      if (!t) throw new Error(`Unknown sandbox tenant ${tenant}`);
      return [...t.products.values()].map((p) => renderProduct(p, t.ctx));
    },
    orders(tenant: string) {
      const t = tenants.get(tenant);
      if (!t) throw new Error(`Unknown sandbox tenant ${tenant}`);
      return [...t.orders.values()].map((o) => renderOrder(o, t.ctx));
    },
    reset() {
      for (const t of tenants.values()) {
        t.products.clear();
        t.orders.clear();
      }
      stats.requests = 0;
      faults.failAfterCommit = 0;
      requestLog.length = 0;
    },
  };
}

export interface StartedPlugboardSandbox {
  /** Base URL for PlugboardClient, e.g. "http://127.0.0.1:43123". */
  url: string;
  sandbox: PlugboardSandbox;
  app: FastifyInstance;
  close(): Promise<void>;
}

/** Runs the sandbox on its own Fastify at 127.0.0.1 on a random port (plugin at the root). */
export async function startPlugboardSandbox(
  opts: PlugboardSandboxOptions & { host?: string; port?: number } = {},
): Promise<StartedPlugboardSandbox> {
  const sandbox = createPlugboardSandbox(opts);
  const app = Fastify({ logger: false });
  await app.register(sandbox.plugin);
  const host = opts.host ?? '127.0.0.1';
  await app.listen({ host, port: opts.port ?? 0 });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : opts.port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return { url: `http://${urlHost}:${port}`, sandbox, app, close: () => app.close() };
}

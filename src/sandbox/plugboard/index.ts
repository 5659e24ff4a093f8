/**
 * Plugboard sandbox: an independent stand-in for the Plugboard REST API, written from the
 * reference (/work/shared/reference/plugboard-api.txt), the facts of issue 11 and decision note 004.
 * It shares no code with the console's client, so a wrong guess on either side fails a test.
 *
 *   app.register(sandbox.plugin, { prefix: '/sandbox/plugboard' })
 *   → /sandbox/plugboard/api/…, /sandbox/plugboard/files/… (public bytes), /sandbox/plugboard/tools/ (place orders)
 *
 * Deliberate departures from the real service: plain HTTP is served to loopback peers (the real
 * one refuses plain HTTP), an error's `code` is its HTTP status (errors.json is not available),
 * and a second create with a remoteId this connection already uses answers 409.
 */
import Fastify, { type FastifyError, type FastifyInstance, type FastifyPluginAsync, type FastifyReply, type FastifyRequest } from 'fastify';
import { apiNotFound, apiRoutes } from './api-routes.js';
import { NO_FAULTS, type PlugboardContext, type PlugboardFaults, type RecordedRequest, fileUrls } from './context.js';
import { fileView } from './files.js';
import { publicFileRoutes } from './file-routes.js';
import { orderView } from './orders.js';
import { persistIn } from './persist.js';
import { productView } from './products.js';
import { Refusal, sendRefusal } from './refusal.js';
import { DEMO_PLUGBOARD_TENANTS, type PlugboardTenantSeed } from './seeds.js';
import { type Tenant, tenantFromSeed } from './tenants.js';
import { toolRoutes } from './tools.js';
import type { FileView, OrderView, ProductView } from './wire.js';

export { ALL_PLUGBOARD_PERMISSIONS, DEMO_PLUGBOARD_TENANTS, VIEW_ONLY_PERMISSIONS } from './seeds.js';
export type { PlugboardTenantSeed } from './seeds.js';
export type { PlugboardFaults, RecordedRequest } from './context.js';
export type { FileView, OrderView, ProductView } from './wire.js';

export interface PlugboardSandboxOptions {
  tenants?: readonly PlugboardTenantSeed[];
  /** Serve plain HTTP to non-loopback peers too. Default false (they get 403). */
  allowPlainHttpFromAnyHost?: boolean;
  /** Time as the sandbox sees it (created, lastModified, serverTime); tests move it instead of sleeping. */
  clock?: { now(): number };
  /** Largest file body, bytes; default 20 MB. */
  maxFileBytes?: number;
  /** Absolute URL of the sandbox root (public file URLs); default: each request's own scheme, host and prefix. */
  publicUrl?: string;
  /** Keep products, orders and files here across restarts (sandbox mode); default: memory only. */
  dataDir?: string;
}

export interface PlugboardSandbox {
  plugin: FastifyPluginAsync;
  /** What a tenant stores, as its API connection would GET it. */
  products(tenant: string): ProductView[];
  orders(tenant: string): OrderView[];
  files(tenant: string): FileView[];
  readonly stats: { requests: number };
  /** Fault injection: change these while it runs. */
  readonly faults: PlugboardFaults;
  /** The last 200 requests, oldest first, with their headers (tests check what arrived). */
  readonly requestLog: RecordedRequest[];
  lastRequest(): RecordedRequest | undefined;
  /** Forgets every product, order and file, the counts, the log, and the faults. */
  reset(): void;
  /** Writes pending state (with a dataDir). */
  close(): Promise<void>;
}

const REQUEST_LOG_LIMIT = 200;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function createPlugboardSandbox(opts: PlugboardSandboxOptions = {}): PlugboardSandbox {
  const tenants = new Map<string, Tenant>();
  for (const seed of opts.tenants ?? DEMO_PLUGBOARD_TENANTS) {
    if (tenants.has(seed.tenant)) throw new Error(`Duplicate Plugboard sandbox tenant ${seed.tenant}`);
    tenants.set(seed.tenant, tenantFromSeed(seed));
  }
  const ctx: PlugboardContext = {
    tenants,
    clock: opts.clock ?? Date,
    faults: { ...NO_FAULTS },
    stats: { requests: 0 },
    requestLog: [],
    maxFileBytes: opts.maxFileBytes ?? 20 * 1024 * 1024,
    allowPlainHttpFromAnyHost: opts.allowPlainHttpFromAnyHost ?? false,
    publicUrl: opts.publicUrl?.replace(/\/+$/, '') ?? null,
    prefix: '',
    tenantOf: new WeakMap(),
    changed: () => undefined,
  };
  const persistence = opts.dataDir ? persistIn(opts.dataDir, tenants) : null;
  if (persistence) ctx.changed = persistence.changed;
  const tenant = (name: string) => {
    const t = tenants.get(name);
    if (!t) throw new Error(`Unknown Plugboard sandbox tenant ${name}`);
    return t;
  };
  const base = () => ctx.publicUrl ?? '';
  return {
    plugin: (app) => mount(app, ctx),
    stats: ctx.stats,
    faults: ctx.faults,
    requestLog: ctx.requestLog,
    lastRequest: () => ctx.requestLog.at(-1),
    products: (name) => [...tenant(name).products.values()].map((p) => productView(p, tenant(name), fileUrls(tenant(name), base()))),
    orders: (name) => [...tenant(name).orders.values()].map((o) => orderView(o, tenant(name))),
    files: (name) => [...tenant(name).files.values()].map((f) => fileView(f, base())),
    reset() {
      for (const t of tenants.values()) for (const records of [t.products, t.orders, t.files]) records.clear();
      ctx.stats.requests = 0;
      ctx.requestLog.length = 0;
      Object.assign(ctx.faults, NO_FAULTS);
      ctx.changed();
    },
    close: async () => persistence?.flush(),
  };
}

/** The sandbox's own encapsulated scope: its parsers, error body and 404s, whatever the parent app registered. */
async function mount(app: FastifyInstance, ctx: PlugboardContext): Promise<void> {
  ctx.prefix = app.prefix;
  app.removeAllContentTypeParsers();
  app.setErrorHandler((err: FastifyError, request, reply) => errorAnswer(ctx, err, request, reply));
  app.setNotFoundHandler((request, reply) => notFound(ctx, request, reply));
  app.addHook('onRequest', async (request, reply) => {
    ctx.stats.requests++;
    ctx.requestLog.push({ method: request.method, url: request.url, headers: { ...request.headers } });
    if (ctx.requestLog.length > REQUEST_LOG_LIMIT) ctx.requestLog.splice(0, ctx.requestLog.length - REQUEST_LOG_LIMIT);
    if (ctx.faults.latencyMs > 0) await sleep(ctx.faults.latencyMs);
    if (ctx.faults.unavailable) return sendRefusal(reply, new Refusal(503, 'Service temporarily unavailable'), ctx.clock.now());
    return undefined;
  });
  await app.register(apiRoutes, { ctx });
  publicFileRoutes(app, ctx);
  await app.register(toolRoutes, { ctx });
}

function relativePath(ctx: PlugboardContext, request: FastifyRequest): string {
  const path = request.url.split('?')[0]!;
  return ctx.prefix && path.startsWith(ctx.prefix) ? path.slice(ctx.prefix.length) || '/' : path;
}

function notFound(ctx: PlugboardContext, request: FastifyRequest, reply: FastifyReply) {
  const path = relativePath(ctx, request);
  if (path === '/api' || path.startsWith('/api/')) return apiNotFound(ctx, request, reply, path);
  return sendRefusal(reply, new Refusal(404, `No such resource: ${request.method} ${path}`), ctx.clock.now());
}

function errorAnswer(ctx: PlugboardContext, err: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  if (err instanceof Refusal) return sendRefusal(reply, err, ctx.clock.now());
  const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
  const message =
    err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
      ? 'Content-Type must be application/json'
      : err.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
        ? 'The request body is too large'
        : status === 500
          ? 'Internal sandbox error'
          : err.message;
  if (status === 500) request.log.error({ err }, 'plugboard sandbox error');
  return sendRefusal(reply, new Refusal(status, message), ctx.clock.now());
}

export interface StartedPlugboardSandbox {
  /** Base URL of the API, e.g. "http://127.0.0.1:43123". */
  url: string;
  sandbox: PlugboardSandbox;
  app: FastifyInstance;
  close(): Promise<void>;
}

/** Runs the sandbox on its own Fastify at 127.0.0.1 on a free port (plugin at the root). */
export async function startPlugboardSandbox(opts: PlugboardSandboxOptions & { host?: string; port?: number } = {}): Promise<StartedPlugboardSandbox> {
  const sandbox = createPlugboardSandbox(opts);
  const app = Fastify({ logger: false, forceCloseConnections: true });
  await app.register(sandbox.plugin);
  const host = opts.host ?? '127.0.0.1';
  await app.listen({ host, port: opts.port ?? 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  const close = async () => {
    await app.close();
    await sandbox.close();
  };
  return { url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`, sandbox, app, close };
}

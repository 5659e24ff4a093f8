import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyInstance, type FastifyPluginAsync } from 'fastify';
import fastifyStatic from '@fastify/static';
import type { Config } from './config.js';
import type { PrismaClient } from './generated/prisma/client.js';
import { AccessLog, loggerOptions } from './logging.js';
import { registerServices, servicePlugins, type BackgroundWorkOptions, type ServicePlugins } from './services/index.js';
import { viewsPlugin } from './plugins/views.js';
import { consoleScope } from './routes/index.js';
import { healthRoutes } from './routes/health.js';
import { handleError } from './web/error-handler.js';
import { isSafeHeaderValue } from './web/headers.js';
import { refuseNonFinite } from './web/input-checks.js';
import { requestContextPlugin } from './plugins/request-context.js';
import { unreadBodiesPlugin } from './plugins/unread-bodies.js';
import { trustProxyOption } from './web/trust-proxy.js';
import { bodyIdleTimeout, slowClientLimits } from './plugins/slow-clients.js';
import { metricsPlugin } from './metrics/metrics-plugin.js';
import { securityHeadersPlugin } from './web/security-headers.js';
import { syncOnSend } from './web/sync-hooks.js';

const PUBLIC_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../public');

export interface BuildOptions {
  config: Config;
  prisma: PrismaClient;
  /** Where log lines go (tests capture them); stdout by default. */
  logStream?: NodeJS.WritableStream;
  /** Served under /sandbox/sonlet when given (sandbox mode). */
  sonletSandbox?: { plugin: FastifyPluginAsync };
  /** Extra plugin registered at the root in sandbox mode (the Plugboard stand-in). */
  extraSandboxes?: Array<{ prefix: string; plugin: FastifyPluginAsync }>;
  /** What the mounted sandboxes offer a seller to try (sandbox mode only). */
  sandboxDemo?: SandboxDemo;
  /**
   * Background work (photo uploads, publishing) in this process: started with the app, stopped at close
   * before the database. Without it, uploads and publishing are unavailable here.
   */
  jobs?: BackgroundWorkOptions;
  /** The service plugins, in order (tests swap one by name: `{ ...servicePlugins, jobs: theirs }`). */
  services?: ServicePlugins;
  /** Readiness check beyond "database answers", e.g. pending migrations. */
  readiness?: () => Promise<string | null>;
  /** Runs at close once in-flight requests are answered and background work has stopped, before the database client is closed. */
  beforeDatabaseClose?: () => Promise<void>;
}

/** Demo accounts of the sandboxes, handed in by whoever mounts them: console code never imports a sandbox. */
export interface SandboxDemo {
  /** A Plugboard tenant suggested on the web-shop settings form. */
  plugboard: { baseUrl: string; tenant: string; connectionId: string; username: string; password: string };
}

declare module 'fastify' {
  interface FastifyInstance {
    config: Config;
    sandboxDemo: SandboxDemo | null;
  }
}

export async function buildApp(opts: BuildOptions): Promise<FastifyInstance> {
  const { config } = opts;
  const app = Fastify({
    logger: loggerOptions(config.logLevel, opts.logStream),
    logController: new AccessLog(),
    trustProxy: trustProxyOption(config.trustProxy),
    ...slowClientLimits(config.timeouts),
    bodyLimit: 1024 * 1024,
    requestIdHeader: 'x-request-id',
    genReqId: () => crypto.randomUUID(),
    routerOptions: { ignoreTrailingSlash: false, maxParamLength: 200 },
    // Fastify's default silently drops fields a schema does not allow; a form with fields we never
    // asked for is refused instead ("Unexpected field"), as `additionalProperties: false` says.
    ajv: { customOptions: { removeAdditional: false } },
  });

  await app.register(requestContextPlugin);
  await app.register(bodyIdleTimeout, { bodyIdleMs: config.timeouts.bodyIdleMs });
  await app.register(unreadBodiesPlugin, { maxBytes: config.uploads.maxBytes });
  app.decorate('config', config);
  app.decorate('sandboxDemo', opts.sandboxDemo ?? null);
  // onClose hooks run last-registered first: registered before the services, this runs once they have
  // stopped (background work included).
  app.addHook('onClose', async () => {
    await opts.beforeDatabaseClose?.();
    await opts.prisma.$disconnect();
  });
  await registerServices(app, { prisma: opts.prisma, background: opts.jobs ?? null }, opts.services ?? servicePlugins);
  // Expired sessions are never read, but left alone they would pile up.
  const pruneSessions = setInterval(() => void app.sessionStore.prune().catch(() => undefined), 3600_000);
  pruneSessions.unref();
  app.addHook('onClose', async () => clearInterval(pruneSessions));
  await app.register(metricsPlugin, { metrics: config.metrics, tasks: app.taskCounts });

  await app.register(securityHeadersPlugin, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        // Thumbnails come from Sonlet's media host.
        imgSrc: ["'self'", 'data:', 'https:', new URL(config.sonlet.baseUrl).origin],
        formAction: ["'self'", new URL(config.sonlet.baseUrl).origin],
        frameAncestors: ["'none'"],
        upgradeInsecureRequests: config.secureCookies ? [] : null,
      },
    },
    strictTransportSecurity: config.secureCookies,
  });
  await app.register(fastifyStatic, { root: PUBLIC_DIR, prefix: '/public/', maxAge: '1h', index: false });
  await app.register(viewsPlugin, { sandbox: config.sandbox, production: process.env.NODE_ENV === 'production' });

  app.setErrorHandler(handleError);
  app.decorateRequest('formValues', null);
  // Routes pass input through web/headers.ts; this catches any header that slipped past, before Node
  // would throw while writing it.
  app.addHook(
    'onSend',
    syncOnSend((request, reply) => {
      for (const [name, value] of Object.entries(reply.getHeaders())) {
        if (isSafeHeaderValue(value)) continue;
        request.log.warn({ header: name }, 'dropped a header value with characters that cannot be sent');
        if (name === 'location') reply.header('location', '/');
        else reply.removeHeader(name);
      }
    }),
  );
  // ±Infinity from Ajv's coercion of "1e309" is out of range (web/input-checks.ts).
  app.addHook('preHandler', refuseNonFinite);

  await app.register(healthRoutes, { readiness: opts.readiness });
  await app.register(consoleScope);

  if (opts.sonletSandbox) await app.register(opts.sonletSandbox.plugin, { prefix: '/sandbox/sonlet' });
  for (const sandbox of opts.extraSandboxes ?? []) await app.register(sandbox.plugin, { prefix: sandbox.prefix });

  return app;
}

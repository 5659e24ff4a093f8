import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyInstance, type FastifyError, type FastifyPluginAsync } from 'fastify';
import helmet from '@fastify/helmet';
import fastifyStatic from '@fastify/static';
import type { Config } from './config.js';
import type { PrismaClient } from './generated/prisma/client.js';
import { loggerOptions } from './logging.js';
import { createServices, type Services } from './services.js';
import { viewsPlugin } from './plugins/views.js';
import { consoleScope } from './routes/index.js';
import { healthRoutes } from './routes/health.js';
import { SellerError } from './errors.js';
import type { SonletSandbox } from './sandbox/sonlet/index.js';

const PUBLIC_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../public');

export interface BuildOptions {
  config: Config;
  prisma: PrismaClient;
  /** Where log lines go (tests capture them); stdout by default. */
  logStream?: NodeJS.WritableStream;
  /** Served under /sandbox/sonlet when given (sandbox mode). */
  sonletSandbox?: SonletSandbox;
  /** Extra plugin registered at the root in sandbox mode (the Plugboard stand-in). */
  extraSandboxes?: Array<{ prefix: string; plugin: FastifyPluginAsync }>;
  /** Readiness check beyond "database answers", e.g. pending migrations. */
  readiness?: () => Promise<string | null>;
}

declare module 'fastify' {
  interface FastifyInstance {
    config: Config;
    services: Services;
  }
  interface FastifyContextConfig {
    /** A form page re-rendered with the seller's input when the body fails validation. */
    formView?: string;
  }
}

export async function buildApp(opts: BuildOptions): Promise<FastifyInstance> {
  const { config } = opts;
  const app = Fastify({
    logger: loggerOptions(config.logLevel, opts.logStream),
    trustProxy: config.trustProxy,
    bodyLimit: 1024 * 1024,
    requestIdHeader: 'x-request-id',
    genReqId: () => crypto.randomUUID(),
    routerOptions: { ignoreTrailingSlash: false, maxParamLength: 200 },
  });

  app.decorate('config', config);
  app.decorate('services', createServices(config, opts.prisma));

  await app.register(helmet, {
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
  app.setNotFoundHandler((request, reply) =>
    reply.page('error', { title: 'Not found', message: `There is no page at ${request.url.split('?')[0]}.`, statusCode: 404 }, 404),
  );

  await app.register(healthRoutes, { readiness: opts.readiness });
  await app.register(consoleScope);

  if (opts.sonletSandbox) await app.register(opts.sonletSandbox.plugin, { prefix: '/sandbox/sonlet' });
  for (const sandbox of opts.extraSandboxes ?? []) await app.register(sandbox.plugin, { prefix: sandbox.prefix });

  app.addHook('onClose', async () => {
    await opts.prisma.$disconnect();
  });
  return app;
}

function handleError(this: FastifyInstance, error: FastifyError, request: Parameters<FastifyInstance['errorHandler']>[1], reply: Parameters<FastifyInstance['errorHandler']>[2]) {
  if (error instanceof SellerError) {
    if (error.statusCode >= 500) request.log.warn({ err: { message: error.message } }, 'provider problem shown to seller');
    return reply.page('error', { title: error.title, message: error.message, action: error.action, statusCode: error.statusCode, retry: error.statusCode >= 500 ? request.url : null }, error.statusCode);
  }
  const formView = request.routeOptions.config?.formView;
  if (error.validation) {
    const message = validationMessage(error);
    if (formView) return reply.page(formView, { error: message, values: safeValues(request.body) }, 400);
    return reply.page('error', { title: 'Something is wrong with that request', message, statusCode: 400 }, 400);
  }
  if (error.code === 'FST_CSRF_INVALID_TOKEN' || error.code === 'FST_CSRF_MISSING_SECRET') {
    const message = 'This form has expired or did not come from the console. Reload the page and try again.';
    if (formView) return reply.page(formView, { error: message, values: safeValues(request.body) }, 403);
    return reply.page('error', { title: 'Form expired', message, statusCode: 403 }, 403);
  }
  const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
  if (status === 429) {
    const message = 'Too many attempts. Wait a minute and try again.';
    if (formView) return reply.page(formView, { error: message, values: safeValues(request.body) }, 429);
    return reply.page('error', { title: 'Slow down', message, statusCode: 429 }, 429);
  }
  if (status < 500) {
    return reply.page('error', { title: 'Something is wrong with that request', message: clientMessage(error), statusCode: status }, status);
  }
  request.log.error({ err: error }, 'unhandled error');
  return reply.page('error', { title: 'Something went wrong', message: 'The console hit an unexpected problem. Nothing you entered was saved half-way; try again.', statusCode: 500, retry: request.method === 'GET' ? request.url : null }, 500);
}

function validationMessage(error: FastifyError): string {
  const first = error.validation?.[0];
  if (!first) return 'Some fields are not valid.';
  const field = (first.instancePath || '').replace(/^\//, '') || (first.params as { missingProperty?: string })?.missingProperty || 'input';
  const label = field.replace(/_/g, ' ');
  switch (first.keyword) {
    case 'required':
      return `Please fill in ${label}.`;
    case 'maxLength':
      return `${label} is too long.`;
    case 'minLength':
      return `${label} is too short.`;
    case 'additionalProperties':
      return `Unexpected field "${(first.params as { additionalProperty?: string }).additionalProperty}".`;
    case 'pattern':
    case 'format':
      return `${label} is not in the expected format.`;
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
      return `${label} is out of range.`;
    case 'type':
      return `${label} has the wrong type.`;
    default:
      return `${label} is not valid.`;
  }
}

/** Echo back what the seller typed, minus secrets. */
function safeValues(body: unknown): Record<string, string> {
  if (!body || typeof body !== 'object') return {};
  const values: Record<string, string> = {};
  for (const [key, value] of Object.entries(body)) {
    if (typeof value === 'string' && !/password|csrf|secret/i.test(key)) values[key] = value.slice(0, 500);
  }
  return values;
}

function clientMessage(error: FastifyError): string {
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return 'That request is too large.';
  if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return 'That kind of request body is not accepted here.';
  if (error.code === 'FST_ERR_CTP_INVALID_CONTENT_LENGTH' || error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') return 'The request body is malformed.';
  return 'The request could not be processed.';
}

import { createHash, timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../config.js';
import { countTasksWith, httpRequestDuration, registry, type TaskCountSource } from './registry.js';
import { syncHook } from '../web/sync-hooks.js';

/**
 * Request durations for every route, and GET /metrics: on the console's own port only with
 * `Authorization: Bearer <METRICS_TOKEN>`, or on METRICS_PORT bound to 127.0.0.1. Off otherwise.
 */
export const metricsPlugin = fp(
  async (app: FastifyInstance, opts: { metrics: Config['metrics']; tasks: TaskCountSource }) => {
    const stopCounting = countTasksWith(opts.tasks);
    app.addHook('onClose', async () => stopCounting());

    app.addHook(
      'onResponse',
      syncHook((request, reply) => {
        // The pattern (/items/:pk), never the address itself: ids and emails stay out of the labels.
        const route = request.routeOptions.url ?? 'unmatched';
        httpRequestDuration.observe({ method: request.method, route, status_class: `${Math.floor(reply.statusCode / 100)}xx` }, reply.elapsedTime / 1000);
      }),
    );

    const { token, port } = opts.metrics;
    if (token) app.get('/metrics', { logLevel: 'warn' }, (request, reply) => serveMetrics(request, reply, token));

    if (port) {
      const side = Fastify({ logger: false });
      side.get('/metrics', (request, reply) => serveMetrics(request, reply, token));
      app.addHook('onReady', async () => {
        await side.listen({ port, host: '127.0.0.1' });
      });
      app.addHook('onClose', async () => side.close());
    }
  },
  { name: 'metrics' },
);

async function serveMetrics(request: FastifyRequest, reply: FastifyReply, token: string | null) {
  if (token && !bearerMatches(request.headers.authorization, token)) {
    return reply.code(401).header('www-authenticate', 'Bearer realm="metrics"').type('text/plain; charset=utf-8').send('A metrics token is required.\n');
  }
  const body = await registry.metrics();
  return reply.header('cache-control', 'no-store').type(registry.contentType).send(body);
}

function bearerMatches(header: string | undefined, token: string): boolean {
  const match = /^Bearer ([^\s]+)$/.exec(header ?? '');
  if (!match) return false;
  // Equal-length digests, so the comparison takes the same time whatever was sent.
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(match[1]!), digest(token));
}

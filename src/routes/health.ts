import type { FastifyInstance } from 'fastify';

/** Liveness and readiness for load balancers and compose health checks; no session, no secrets. */
export async function healthRoutes(app: FastifyInstance, opts: { readiness?: () => Promise<string | null> }) {
  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
    try {
      await app.services.prisma.$queryRaw`SELECT 1`;
    } catch {
      return reply.code(503).send({ status: 'unavailable', reason: 'database unreachable' });
    }
    const problem = opts.readiness ? await opts.readiness().catch(() => 'readiness check failed') : null;
    if (problem) return reply.code(503).send({ status: 'unavailable', reason: problem });
    return { status: 'ready' };
  });
}

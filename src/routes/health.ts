import type { FastifyInstance } from 'fastify';

/** The readiness check `src/server.ts` wires in: every migration applied, none failed. */
export function migrationReadiness(databaseUrl: string): () => Promise<string | null> {
  return async () => {
    // Loaded on first use: the migration module is large and only /readyz needs it here.
    const { migrationStatus } = await import('../db/migrate.js');
    const { pending, failed } = await migrationStatus(databaseUrl);
    if (failed.length) return `failed migrations: ${failed.join(', ')}`;
    return pending.length ? `pending migrations: ${pending.join(', ')}` : null;
  };
}

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

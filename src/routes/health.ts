import type { FastifyInstance } from 'fastify';

/** The readiness check `src/server.ts` wires in: every migration applied, none failed. */
export function migrationReadiness(databaseUrl: string): () => Promise<string | null> {
  // Migrations only change when a process starts; once all are applied, /readyz stops asking (and an
  // unauthenticated flood of /readyz cannot open a connection per request).
  let allApplied = false;
  let inFlight: Promise<string | null> | null = null;
  const check = async () => {
    // Loaded on first use: the migration module is large and only /readyz needs it here.
    const { migrationStatus } = await import('../db/migrate.js');
    const { pending, failed } = await migrationStatus(databaseUrl);
    if (failed.length) return `failed migrations: ${failed.join(', ')}`;
    if (pending.length) return `pending migrations: ${pending.join(', ')}`;
    allApplied = true;
    return null;
  };
  return async () => {
    if (allApplied) return null;
    inFlight ??= check().finally(() => (inFlight = null));
    return inFlight;
  };
}

/** Liveness and readiness for load balancers and compose health checks; no session, no secrets. */
export async function healthRoutes(app: FastifyInstance, opts: { readiness?: () => Promise<string | null> }) {
  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
    try {
      await app.prisma.$queryRaw`SELECT 1`;
    } catch {
      return reply.code(503).send({ status: 'unavailable', reason: 'database unreachable' });
    }
    const problem = opts.readiness ? await opts.readiness().catch(() => 'readiness check failed') : null;
    if (problem) return reply.code(503).send({ status: 'unavailable', reason: problem });
    return { status: 'ready' };
  });
}

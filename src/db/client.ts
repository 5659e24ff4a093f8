import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';

import { PrismaClient } from '../generated/prisma/client.js';

export { PrismaClient };
export type { Prisma } from '../generated/prisma/client.js';

/** Pool size per process; the app's traffic is small and Postgres' default limit is 100. */
const POOL_MAX = 10;

const pools = new WeakMap<PrismaClient, pg.Pool>();

/**
 * A Prisma client on `databaseUrl` through the node-postgres driver adapter (Prisma 7 has no
 * built-in driver). Call `$disconnect()` when done: it closes the pool.
 */
export function createPrisma(databaseUrl: string): PrismaClient {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: POOL_MAX,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 10_000,
  });
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool, { disposeExternalPool: true }) });
  pools.set(prisma, pool);
  return prisma;
}

/**
 * The node-postgres pool under a client made by {@link createPrisma}, for the two things Prisma does
 * poorly: bytes (Prisma copies a 256 KB chunk several times over, node-postgres sends it as it is)
 * and the connection settings a LISTEN connection needs.
 */
export function poolOf(prisma: PrismaClient): pg.Pool {
  const pool = pools.get(prisma);
  if (!pool) throw new Error('This Prisma client was not made by createPrisma');
  return pool;
}

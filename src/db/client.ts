import { PrismaPg } from '@prisma/adapter-pg';

import { PrismaClient } from '../generated/prisma/client.js';

export { PrismaClient };
export type { Prisma } from '../generated/prisma/client.js';

/** Pool size per process; the app's traffic is small and Postgres' default limit is 100. */
const POOL_MAX = 10;

/**
 * A Prisma client on `databaseUrl` through the node-postgres driver adapter (Prisma 7 has no
 * built-in driver). Call `$disconnect()` when done: it closes the pool.
 */
export function createPrisma(databaseUrl: string): PrismaClient {
  const adapter = new PrismaPg({
    connectionString: databaseUrl,
    max: POOL_MAX,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 10_000,
  });
  return new PrismaClient({ adapter });
}

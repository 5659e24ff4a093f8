import type { PrismaClient } from '../generated/prisma/client.js';
import type { TaskCount, TaskCountSource } from './registry.js';
import { providerWindow } from './provider-calls.js';
import type { ProviderGlance } from './provider-window.js';

/** What the admin page shows at a glance: the same facts /metrics exposes, summed for a person. */
export interface ConsoleGlance {
  tasks: Record<TaskCount['state'], number>;
  providers: ProviderGlance[];
  databaseBytes: number;
}

export async function consoleGlance(prisma: PrismaClient, tasks: TaskCountSource): Promise<ConsoleGlance> {
  const [counts, size] = await Promise.all([tasks(), prisma.$queryRaw<Array<{ bytes: bigint }>>`SELECT pg_database_size(current_database()) AS "bytes"`]);
  const totals = { waiting: 0, running: 0, failed: 0, stalled: 0 };
  for (const { state, count } of counts) totals[state] += count;
  return { tasks: totals, providers: providerWindow.glance(['sonlet', 'plugboard']), databaseBytes: Number(size[0]?.bytes ?? 0) };
}

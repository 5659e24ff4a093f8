import type { PrismaClient } from '../generated/prisma/client.js';
import type { TaskCount } from './registry.js';

/**
 * Background tasks by kind and state, read from the rows that track them. A task whose worker lease
 * ran out unrenewed is stalled: its process died or hangs, and the resume sweeper has not taken it yet.
 */
export function taskCountsFrom(prisma: PrismaClient) {
  return async (): Promise<TaskCount[]> => {
    const now = new Date();
    const [uploads, exports] = await Promise.all([
      prisma.$queryRaw<Array<{ state: TaskCount['state']; count: bigint }>>`
        SELECT CASE
                 WHEN "status" = 'failed' THEN 'failed'
                 WHEN "leaseUntil" IS NOT NULL AND "leaseUntil" > ${now} THEN 'running'
                 WHEN "leaseUntil" IS NOT NULL THEN 'stalled'
                 ELSE 'waiting'
               END AS "state", count(*) AS "count"
          FROM "Upload" WHERE "status" <> 'done' GROUP BY 1`,
      prisma.plugboardExport.groupBy({ by: ['status'], where: { status: { not: 'done' } }, _count: { _all: true } }),
    ]);
    const counts: TaskCount[] = [];
    for (const state of ['waiting', 'running', 'failed', 'stalled'] as const) {
      counts.push({ kind: 'upload', state, count: Number(uploads.find((r) => r.state === state)?.count ?? 0) });
      const publish = state === 'waiting' ? 'pending' : state === 'failed' ? 'failed' : null;
      counts.push({ kind: 'publish', state, count: publish ? (exports.find((r) => r.status === publish)?._count._all ?? 0) : 0 });
    }
    return counts;
  };
}

import { Prisma, type PrismaClient } from '../generated/prisma/client.js';
import type { Clock } from '../clock.js';
import type { TaskEngine } from '../jobs/engine.js';
import { STALLED_AFTER_MS } from '../jobs/task-state.js';
import { UPLOAD_TASK } from '../inventory/upload-task.js';
import type { TaskCount } from './registry.js';

const STATES = ['waiting', 'running', 'failed', 'stalled'] as const;

/** The engine's "stalled" (src/jobs/task-state.ts) in SQL: due this long ago, and nobody working on it. */
function stalled(clock: Clock): Prisma.Sql {
  const before = new Date(clock.now() - STALLED_AFTER_MS);
  return Prisma.sql`((status = 'running' AND "leaseUntil" < ${before}) OR (status = 'waiting' AND "runAt" < ${before}))`;
}

/**
 * Background tasks by kind and state, read from the engine's rows, with the engine's own rule for
 * "stalled" (due long ago and nobody working on it). Every kind this process defines is listed, at 0
 * when it has none, so an alert on a series never finds it missing.
 */
export function taskCountsFrom(prisma: PrismaClient, jobs: TaskEngine | null, clock: Clock) {
  return async (): Promise<TaskCount[]> => {
    const rows = await prisma.$queryRaw<Array<{ kind: string; state: TaskCount['state']; count: bigint }>>`
      SELECT name AS "kind", CASE WHEN ${stalled(clock)} THEN 'stalled' ELSE status::text END AS "state",
             count(*) AS "count"
        FROM "Task" WHERE status <> 'done' GROUP BY 1, 2`;
    const counts = new Map<string, number>();
    for (const kind of jobs?.names ?? []) for (const state of STATES) counts.set(`${kind}\u0000${state}`, 0);
    for (const row of rows) counts.set(`${row.kind}\u0000${row.state}`, Number(row.count));
    return [...counts].map(([key, count]) => {
      const [kind, state] = key.split('\u0000') as [string, TaskCount['state']];
      return { kind, state, count };
    });
  };
}

/** Uploads waiting (or being worked on) and failed or stalled, per seller, for the admin page. */
export async function uploadCountsBySeller(prisma: PrismaClient, clock: Clock): Promise<Map<string, { waiting: number; failed: number }>> {
  const rows = await prisma.$queryRaw<Array<{ userId: string; failed: boolean; count: bigint }>>`
    SELECT "userId", (status = 'failed' OR ${stalled(clock)}) AS "failed", count(*) AS "count"
      FROM "Task" WHERE name = ${UPLOAD_TASK} AND status <> 'done' AND "userId" IS NOT NULL GROUP BY 1, 2`;
  const counts = new Map<string, { waiting: number; failed: number }>();
  for (const row of rows) {
    const c = counts.get(row.userId) ?? { waiting: 0, failed: 0 };
    if (row.failed) c.failed += Number(row.count);
    else c.waiting += Number(row.count);
    counts.set(row.userId, c);
  }
  return counts;
}

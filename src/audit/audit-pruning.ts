import { defineTask, type TaskDefinition, type TaskEngine } from '../jobs/engine.js';
import type { AuditTrail } from './audit-trail.js';

export const AUDIT_PRUNING_TASK = 'audit-pruning';
const HOUR = 3600_000;

/**
 * Keeps the audit trail to its retention period: a recurring task (one for the whole console) that
 * removes older events and comes round again in an hour.
 */
export function auditPruningTask(audit: AuditTrail, retentionDays: number): TaskDefinition<object> {
  return defineTask<object>({
    name: AUDIT_PRUNING_TASK,
    async run(_task, ctx) {
      const count = await audit.prune(retentionDays, ctx.clock);
      if (count) ctx.log.info({ count }, 'pruned old audit events');
      return { runAgainInMs: HOUR };
    },
  });
}

/** Queues the pruning once; queuing it again while it waits for its next hour changes nothing. */
export async function scheduleAuditPruning(jobs: TaskEngine): Promise<void> {
  await jobs.enqueue(AUDIT_PRUNING_TASK, 'all', {});
}

import type { FastifyBaseLogger } from 'fastify';
import type { AuditTrail } from './audit-trail.js';

const HOUR = 3600_000;

/**
 * Keeps the audit trail to its retention period: prunes soon after start and hourly after that.
 * Every console process may run it; deleting what is already gone costs nothing.
 */
export function scheduleAuditPruning(audit: AuditTrail, retentionDays: number, log: FastifyBaseLogger, everyMs = HOUR): () => void {
  const prune = () =>
    void audit.prune(retentionDays).then(
      (count) => count && log.info({ count }, 'pruned old audit events'),
      (err: unknown) => log.warn({ err }, 'audit pruning failed; it runs again later'),
    );
  const first = setTimeout(prune, 60_000);
  const every = setInterval(prune, everyMs);
  first.unref();
  every.unref();
  return () => {
    clearTimeout(first);
    clearInterval(every);
  };
}

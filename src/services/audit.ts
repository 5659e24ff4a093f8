import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { createAuditTrail, type AuditTrail } from '../audit/audit-trail.js';
import { auditPruningTask } from '../audit/audit-pruning.js';

declare module 'fastify' {
  interface FastifyInstance {
    audit: AuditTrail;
  }
}

export const auditPlugin = fp(
  async (app: FastifyInstance) => {
    const audit = createAuditTrail(app.prisma);
    app.jobs?.define(auditPruningTask(audit, app.config.auditRetentionDays));
    app.decorate('audit', audit);
  },
  { name: 'audit', dependencies: ['db', 'jobs'] },
);

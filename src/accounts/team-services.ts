import type { Config } from '../config.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import type { AuditTrail } from '../audit/audit-trail.js';
import { systemClock, type Clock } from '../clock.js';
import type { TaskEngine } from '../jobs/engine.js';
import { taskCountsFrom } from '../metrics/task-counts.js';
import { createEnrolment } from './enrolment.js';
import { createInvitations } from './invitations.js';
import { createPasswordResets } from './password-resets.js';
import { createTeam } from './team.js';

/** The services of running the console for a team: audit trail, sign-up policy, invitations, admin work. */
export function createTeamServices(config: Config, prisma: PrismaClient, audit: AuditTrail, jobs: TaskEngine | null, clock: Clock = systemClock) {
  const invitations = createInvitations(prisma, audit, clock);
  const passwordResets = createPasswordResets(prisma, audit, clock);
  return {
    audit,
    invitations,
    passwordResets,
    enrolment: createEnrolment(prisma, invitations, audit, config.signup),
    team: createTeam(prisma, audit, passwordResets, clock),
    taskCounts: taskCountsFrom(prisma, jobs, clock),
  };
}

import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { createAccounts, type Accounts } from '../accounts/accounts.js';
import { SellerSettings } from '../accounts/seller-settings.js';
import { createOwnAccount, type OwnAccount } from '../accounts/own-account.js';
import { PrismaSessionStore } from '../accounts/session-store.js';
import { SessionCopies } from '../accounts/session-copies.js';
import { createInvitations, type Invitations } from '../accounts/invitations.js';
import { createPasswordResets, type PasswordResets } from '../accounts/password-resets.js';
import { createEnrolment, type Enrolment } from '../accounts/enrolment.js';
import { createTeam, type Team } from '../accounts/team.js';
import { taskCountsFrom } from '../metrics/task-counts.js';
import { PasswordHasher } from '../accounts/password.js';

declare module 'fastify' {
  interface FastifyInstance {
    accounts: Accounts;
    sellerSettings: SellerSettings;
    /** What a seller does to their own account. */
    ownAccount: OwnAccount;
    sessionStore: PrismaSessionStore;
    invitations: Invitations;
    passwordResets: PasswordResets;
    /** The sign-up policy (owner first, then SIGNUP). */
    enrolment: Enrolment;
    /** The admin work of running the console for a team. */
    team: Team;
    /** Tasks by kind and state, for /metrics and the admin page's glance. */
    taskCounts: ReturnType<typeof taskCountsFrom>;
  }
}

/** Console accounts and sessions, and the team around them: invitations, reset links, roles, the admin page. */
export const accountsPlugin = fp(
  async (app: FastifyInstance) => {
    const { config, prisma, audit, jobs, clock, vault } = app;
    const log = app.log.child({ module: 'jobs' });
    const sessionCopies = new SessionCopies(app.notifications);
    const sessionsChanged = (userId: string) => sessionCopies.dropUser(userId);
    const passwords = new PasswordHasher(config.passwordHashCost);
    const invitations = createInvitations(prisma, audit, clock);
    const passwordResets = createPasswordResets(prisma, audit, clock, sessionsChanged, passwords);
    app.decorate('accounts', createAccounts(prisma, passwords));
    app.decorate('sellerSettings', new SellerSettings(prisma));
    app.decorate('ownAccount', createOwnAccount({ prisma, audit, sessionsChanged, passwords, disconnectSonlet: (userId) => vault.disconnect(userId, log) }));
    app.decorate('sessionStore', new PrismaSessionStore(prisma, sessionCopies));
    app.decorate('invitations', invitations);
    app.decorate('passwordResets', passwordResets);
    app.decorate('enrolment', createEnrolment(prisma, invitations, audit, config.signup, passwords));
    app.decorate('team', createTeam(prisma, audit, passwordResets, clock, sessionsChanged, passwords, (userId) => vault.disconnect(userId, log)));
    app.decorate('taskCounts', taskCountsFrom(prisma, jobs, clock));
  },
  { name: 'accounts', dependencies: ['clock', 'db', 'jobs', 'audit', 'sonlet'] },
);

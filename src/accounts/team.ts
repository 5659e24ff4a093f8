import type { PrismaClient, Role } from '../generated/prisma/client.js';
import type { AuditKind, AuditTrail } from '../audit/audit-trail.js';
import { randomBytes } from 'node:crypto';
import { InvalidInputError, NotFoundError } from '../errors.js';
import { createUser, isEmailAddress, normaliseEmail } from './accounts.js';
import type { PasswordHasher } from './password.js';
import { withFirstAccountLock } from './enrolment.js';
import { removeAccount } from './account-removal.js';
import { uploadCountsBySeller } from '../metrics/task-counts.js';
import type { Clock } from '../clock.js';
import { cancelResetLinks, type PasswordResets } from './password-resets.js';
import { checkMayAct, type Actor, type TeamAction } from './roles.js';
import type { SessionsChanged } from './session-copies.js';

/** A seller as the admin page shows them: states and counts, never tokens, passwords or photos. */
export interface Member {
  id: string;
  email: string;
  role: Role;
  disabled: boolean;
  createdAt: Date;
  sonlet: 'connected' | 'needs-reconnect' | 'not-connected';
  plugboardConfigured: boolean;
  uploadsWaiting: number;
  uploadsFailed: number;
}

/** The owner's and admins' work on the team: list, disable/enable, name admins, reset links, delete. */
export function createTeam(
  prisma: PrismaClient,
  audit: AuditTrail,
  resets: PasswordResets,
  clock: Clock,
  sessionsChanged: SessionsChanged,
  passwords: PasswordHasher,
  /** Revokes a seller's Sonlet tokens at Sonlet before they are forgotten (as deleting one's own account does). */
  disconnectSonlet: (userId: string) => Promise<void>,
) {
  async function target(actor: Actor, userId: string, action: TeamAction) {
    const user = await prisma.user.findUnique({ where: { id: userId }, select: { id: true, email: true, role: true } });
    if (!user) throw new NotFoundError('That account');
    checkMayAct(actor, user, action);
    return user;
  }

  const record = (kind: AuditKind, actor: Actor, subject: { id: string; email: string }) => audit.record({ kind, actor, subject, ip: actor.ip });

  /** Sessions carry the role for the navigation; keep them in step when it changes. */
  async function setSessionRole(userId: string, role: Role) {
    await prisma.$executeRaw`UPDATE "Session" SET "data" = jsonb_set("data", '{userRole}', to_jsonb(${role}::text)) WHERE "userId" = ${userId}::uuid`;
    sessionsChanged(userId);
  }

  return {
    /** The signed-in person as an actor, read fresh (roles and disabling change under a session). */
    async actor(userId: string): Promise<Actor | null> {
      const user = await prisma.user.findUnique({ where: { id: userId }, select: { id: true, email: true, role: true, disabledAt: true } });
      return user && !user.disabledAt ? { id: user.id, email: user.email, role: user.role } : null;
    },

    async members(): Promise<Member[]> {
      const [users, uploads] = await Promise.all([
        prisma.user.findMany({
          orderBy: [{ createdAt: 'asc' }, { email: 'asc' }],
          select: { id: true, email: true, role: true, disabledAt: true, createdAt: true, sonletConnection: { select: { status: true } }, plugboardConnection: { select: { userId: true } } },
        }),
        uploadCountsBySeller(prisma, clock),
      ]);
      return users.map((u) => ({
        id: u.id,
        email: u.email,
        role: u.role,
        disabled: u.disabledAt !== null,
        createdAt: u.createdAt,
        sonlet: !u.sonletConnection ? 'not-connected' : u.sonletConnection.status === 'active' ? 'connected' : 'needs-reconnect',
        plugboardConfigured: u.plugboardConnection !== null,
        uploadsWaiting: uploads.get(u.id)?.waiting ?? 0,
        uploadsFailed: uploads.get(u.id)?.failed ?? 0,
      }));
    },

    /** Disabling ends every session of the account at once: its next click finds it signed out. */
    async setDisabled(actor: Actor, userId: string, disabled: boolean): Promise<void> {
      const user = await target(actor, userId, disabled ? 'disable' : 'enable');
      await prisma.$transaction(async (tx) => {
        await tx.user.update({ where: { id: user.id }, data: { disabledAt: disabled ? new Date() : null } });
        if (disabled) await tx.session.deleteMany({ where: { userId: user.id } });
        // Enabling again must not bring back a link someone kept.
        if (disabled) await cancelResetLinks(tx, user.id);
      });
      sessionsChanged(user.id);
      await record(disabled ? 'seller-disabled' : 'seller-enabled', actor, user);
    },

    async setAdmin(actor: Actor, userId: string, admin: boolean): Promise<void> {
      const user = await target(actor, userId, admin ? 'make-admin' : 'unmake-admin');
      const role = admin ? 'admin' : 'seller';
      // A link made for a seller does not become a way into an admin's account.
      await prisma.$transaction([prisma.user.update({ where: { id: user.id }, data: { role } }), cancelResetLinks(prisma, user.id)]);
      await setSessionRole(user.id, role);
      await record(admin ? 'admin-granted' : 'admin-revoked', actor, user);
    },

    /** A one-time link the admin hands over; answers the token once. */
    async resetLink(actor: Actor, userId: string): Promise<{ email: string; token: string }> {
      const user = await target(actor, userId, 'reset-password');
      return { email: user.email, token: await resets.issue(user, actor) };
    },

    async remove(actor: Actor, userId: string): Promise<{ email: string }> {
      const user = await target(actor, userId, 'delete');
      await disconnectSonlet(user.id);
      if (!(await removeAccount(prisma, user.id, sessionsChanged))) throw new NotFoundError('That account');
      await record('account-deleted', actor, user);
      return { email: user.email };
    },

    /**
     * The machine owner's way in (command line, no web access needed): makes `email` an admin, creating
     * the account when it does not exist (the owner, on an empty console) with a password nobody
     * knows; the caller then issues a reset link for it.
     */
    async ensureAdmin(rawEmail: string): Promise<{ id: string; email: string; role: Role; created: boolean }> {
      const email = normaliseEmail(rawEmail);
      if (!isEmailAddress(email)) throw new InvalidInputError(`"${rawEmail}" is not an email address.`, 'email');
      const existing = await prisma.user.findUnique({ where: { email } });
      const via = { via: 'command line' };
      if (existing) {
        if (existing.role !== 'seller') return { ...existing, created: false };
        await prisma.user.update({ where: { id: existing.id }, data: { role: 'admin' } });
        await setSessionRole(existing.id, 'admin');
        await audit.record({ kind: 'admin-granted', subject: existing, detail: via });
        return { id: existing.id, email, role: 'admin', created: false };
      }
      const account = { email, passwordHash: await passwords.hash(randomBytes(32).toString('base64url')) };
      const user = await withFirstAccountLock(prisma, (tx, first) => createUser(tx, account, first ? 'owner' : 'admin'));
      await audit.record({ kind: user.role === 'owner' ? 'owner-created' : 'account-created', subject: user, detail: via });
      return { id: user.id, email, role: user.role, created: true };
    },

    async findByEmail(rawEmail: string): Promise<{ id: string; email: string } | null> {
      return prisma.user.findUnique({ where: { email: normaliseEmail(rawEmail) }, select: { id: true, email: true } });
    },

    /** For the delete confirmation: whose account, without acting yet. */
    async describe(actor: Actor, userId: string, action: TeamAction): Promise<{ id: string; email: string }> {
      const user = await target(actor, userId, action);
      return { id: user.id, email: user.email };
    },
  };
}

export type Team = ReturnType<typeof createTeam>;

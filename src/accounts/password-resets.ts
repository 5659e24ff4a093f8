import type { PrismaClient } from '../generated/prisma/client.js';
import type { AuditTrail } from '../audit/audit-trail.js';
import type { Clock } from '../clock.js';
import { DomainError } from '../errors.js';
import { checkNewPassword } from './accounts.js';
import type { PasswordHasher } from './password.js';
import { hashOneTimeToken, newOneTimeToken } from './one-time-token.js';
import { mayAct } from './roles.js';
import type { SessionsChanged } from './session-copies.js';

/** A reset link is handed over by a person (there is no mail server), so it lives a day, not an hour. */
export const RESET_HOURS = 24;

export class ResetLinkUnusableError extends DomainError {
  constructor() {
    super('gone', 'This password-reset link has expired or was already used. Ask an admin for a new one.');
  }
}

/**
 * Voids an account's open reset links: its password, role or state changed, or it asked to end every
 * session. A query for the caller's transaction (or batch), so the change and the voiding land together.
 */
export function cancelResetLinks(db: Pick<PrismaClient, 'passwordReset'>, userId: string) {
  return db.passwordReset.deleteMany({ where: { userId, usedAt: null } });
}

/** One-time links that set a new password; issuing one cancels the seller's earlier links. */
export function createPasswordResets(prisma: PrismaClient, audit: AuditTrail, clock: Clock, sessionsChanged: SessionsChanged, passwords: PasswordHasher) {
  /**
   * A link stands only while what it was made on still holds: the account is enabled, and the admin who
   * made it is still an enabled admin allowed to reset this account as it is now (a seller made admin
   * since, or an admin removed since, voids it). Links from the command line answer to the machine's owner.
   */
  async function find(token: string) {
    const row = await prisma.passwordReset.findUnique({
      where: { tokenHash: hashOneTimeToken(token) },
      include: { user: { select: { id: true, email: true, role: true, disabledAt: true } }, issuedBy: { select: { id: true, email: true, role: true, disabledAt: true } } },
    });
    if (!row || row.usedAt || row.expiresAt.getTime() <= clock.now() || row.user.disabledAt) throw new ResetLinkUnusableError();
    if (row.issuedBy && (row.issuedBy.disabledAt || !mayAct(row.issuedBy, row.user, 'reset-password'))) throw new ResetLinkUnusableError();
    return row;
  }

  return {
    /** `by` is null when the machine's owner asks on the command line. Answers the token once. */
    async issue(user: { id: string; email: string }, by: { id: string; email: string; ip?: string | null } | null): Promise<string> {
      const { token, hash } = newOneTimeToken();
      await prisma.$transaction([
        cancelResetLinks(prisma, user.id),
        prisma.passwordReset.create({ data: { userId: user.id, issuedById: by?.id ?? null, tokenHash: hash, expiresAt: new Date(clock.now() + RESET_HOURS * 3600 * 1000) } }),
      ]);
      await audit.record({ kind: 'password-reset-issued', actor: by, subject: user, ip: by?.ip, detail: { via: by ? 'admin page' : 'command line' } });
      return token;
    },

    async open(token: string): Promise<{ email: string }> {
      return { email: (await find(token)).user.email };
    },

    /** Sets the new password and ends every session of the account (a reset means "someone else may be in"). */
    async use(token: string, newPassword: string, ip: string | null): Promise<{ email: string }> {
      checkNewPassword(newPassword);
      const row = await find(token);
      const passwordHash = await passwords.hash(newPassword);
      await prisma.$transaction(async (tx) => {
        const { count } = await tx.passwordReset.updateMany({ where: { id: row.id, usedAt: null }, data: { usedAt: new Date(clock.now()) } });
        if (count === 0) throw new ResetLinkUnusableError();
        // Only while the account is still enabled: a disable racing the link wins.
        const { count: set } = await tx.user.updateMany({ where: { id: row.userId, disabledAt: null }, data: { passwordHash } });
        if (set === 0) throw new ResetLinkUnusableError();
        await tx.session.deleteMany({ where: { userId: row.userId } });
      });
      sessionsChanged(row.userId);
      await audit.record({ kind: 'password-reset-used', actor: row.user, ip });
      return { email: row.user.email };
    },
  };
}

export type PasswordResets = ReturnType<typeof createPasswordResets>;

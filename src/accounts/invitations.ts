import type { Invitation, PrismaClient } from '../generated/prisma/client.js';
import { DomainError, InvalidInputError, NotFoundError } from '../errors.js';
import type { AuditTrail } from '../audit/audit-trail.js';
import type { Clock } from '../clock.js';
import { hashOneTimeToken, newOneTimeToken } from './one-time-token.js';
import { isEmailAddress, normaliseEmail } from './accounts.js';
import type { Actor } from './roles.js';
import { isAdmin } from './roles.js';

export const INVITATION_DAYS = 7;

export type InvitationState = 'pending' | 'used' | 'revoked' | 'expired';

export interface InvitationView {
  id: string;
  email: string | null;
  issuedBy: string | null;
  createdAt: Date;
  expiresAt: Date;
  state: InvitationState;
  usedByEmail: string | null;
}

export class InvitationUnusableError extends DomainError {
  constructor() {
    super('gone', 'This invitation link has expired, was already used, or was revoked. Ask for a new one.');
  }
}

type InvitationWriter = Pick<PrismaClient, 'invitation'>;

/** Invitations to join the console: single-use links, valid 7 days, stored only as a hash, revocable. */
export function createInvitations(prisma: PrismaClient, audit: AuditTrail, clock: Clock) {
  const stateOf = (row: Invitation): InvitationState =>
    row.usedAt ? 'used' : row.revokedAt ? 'revoked' : row.expiresAt.getTime() <= clock.now() ? 'expired' : 'pending';

  /**
   * An invitation stands while whoever made it could make it now: an admin since removed, disabled or
   * deleted leaves no way in behind them.
   */
  async function usable(db: InvitationWriter, token: string): Promise<Invitation> {
    const row = await db.invitation.findUnique({ where: { tokenHash: hashOneTimeToken(token) }, include: { issuedBy: { select: { role: true, disabledAt: true } } } });
    if (!row || stateOf(row) !== 'pending' || !row.issuedBy || row.issuedBy.disabledAt || !isAdmin(row.issuedBy.role)) throw new InvitationUnusableError();
    return row;
  }

  return {
    /** Answers the token once; afterwards only its hash exists. */
    async issue(by: Actor, rawEmail: string | null): Promise<{ token: string; invitation: InvitationView }> {
      if (!isAdmin(by.role)) throw new DomainError('forbidden', 'Only the owner and admins can invite sellers.');
      const email = rawEmail?.trim() ? normaliseEmail(rawEmail) : null;
      if (email !== null && !isEmailAddress(email)) throw new InvalidInputError('Enter a valid email address, like name@example.com, or leave it empty.', 'email');
      const { token, hash } = newOneTimeToken();
      const row = await prisma.invitation.create({
        data: { tokenHash: hash, email, issuedById: by.id, expiresAt: new Date(clock.now() + INVITATION_DAYS * 24 * 3600 * 1000) },
      });
      await audit.record({ kind: 'invitation-issued', actor: by, subject: email ? { email } : null, ip: by.ip, detail: { invitation: row.id } });
      return { token, invitation: { ...row, issuedBy: by.email, state: 'pending' } };
    },

    /** Every open invitation (so each can be revoked, however many were made since), then the latest others. */
    async list(limit = 50): Promise<InvitationView[]> {
      const include = { issuedBy: { select: { email: true } } };
      const open = { usedAt: null, revokedAt: null, expiresAt: { gt: new Date(clock.now()) } };
      const [pending, others] = await Promise.all([
        prisma.invitation.findMany({ where: open, orderBy: { createdAt: 'desc' }, include }),
        prisma.invitation.findMany({ where: { NOT: open }, orderBy: { createdAt: 'desc' }, take: limit, include }),
      ]);
      const rows = [...pending, ...others].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
      return rows.map((row) => ({ id: row.id, email: row.email, issuedBy: row.issuedBy?.email ?? null, createdAt: row.createdAt, expiresAt: row.expiresAt, state: stateOf(row), usedByEmail: row.usedByEmail }));
    },

    async revoke(by: Actor, id: string): Promise<void> {
      if (!isAdmin(by.role)) throw new DomainError('forbidden', 'Only the owner and admins can revoke invitations.');
      const { count } = await prisma.invitation.updateMany({ where: { id, usedAt: null, revokedAt: null }, data: { revokedAt: new Date(clock.now()) } });
      if (count === 0) throw new NotFoundError('That invitation (still open)');
      await audit.record({ kind: 'invitation-revoked', actor: by, ip: by.ip, detail: { invitation: id } });
    },

    /** The open invitation behind a link, for the join page; throws when it cannot be used. */
    async open(token: string): Promise<{ id: string; email: string | null }> {
      const row = await usable(prisma, token);
      return { id: row.id, email: row.email };
    },

    /**
     * Marks the invitation used by `email`, in the caller's transaction; the conditional update makes
     * two sign-ups through one link race to a single winner.
     */
    async consume(db: InvitationWriter, token: string, email: string): Promise<{ id: string }> {
      const row = await usable(db, token);
      if (row.email && row.email !== email) {
        throw new DomainError('invalid-input', `This invitation is for ${row.email}; sign up with that address.`, { field: 'email' });
      }
      const { count } = await db.invitation.updateMany({
        where: { id: row.id, usedAt: null, revokedAt: null, expiresAt: { gt: new Date(clock.now()) } },
        data: { usedAt: new Date(clock.now()), usedByEmail: email },
      });
      if (count === 0) throw new InvitationUnusableError();
      return { id: row.id };
    },
  };
}

export type Invitations = ReturnType<typeof createInvitations>;

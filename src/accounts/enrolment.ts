import type { PrismaClient, User } from '../generated/prisma/client.js';
import type { SignupMode } from '../config.js';
import { DomainError } from '../errors.js';
import type { AuditTrail } from '../audit/audit-trail.js';
import { createUser, prepareAccount } from './accounts.js';
import type { PasswordHasher } from './password.js';
import type { Invitations } from './invitations.js';

/** What the sign-up page offers right now: the owner's account, an open form, or only invited people. */
export type SignUpOffer = 'owner' | SignupMode;

export interface SignUpRequest {
  email: string;
  password: string;
  /** The token of the invitation link the person came through, if any. */
  invite?: string | null;
  ip?: string | null;
}

export class SignUpClosedError extends DomainError {
  constructor(mode: SignupMode) {
    super('forbidden', mode === 'closed' ? 'This console is not taking new accounts.' : 'This console is invite-only. Ask its owner or an admin for an invitation link.');
  }
}

type Tx = Parameters<Parameters<PrismaClient['$transaction']>[0]>[0];

/**
 * Runs `fn` in a transaction that holds the first-account lock: one account creation at a time
 * decides "is this the first account?", so two people racing on a fresh console cannot both
 * become owner.
 */
export async function withFirstAccountLock<T>(prisma: PrismaClient, fn: (tx: Tx, first: boolean) => Promise<T>): Promise<T> {
  return prisma.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext('console:first-account'))`;
    return fn(tx, !(await tx.user.findFirst({ select: { id: true } })));
  });
}

/**
 * Who may create an account. While no account exists, sign-up creates the owner whatever the mode;
 * then an invitation always works, and without one the mode decides (`open`, `invite`, `closed`).
 */
export function createEnrolment(prisma: PrismaClient, invitations: Invitations, audit: AuditTrail, mode: SignupMode, passwords: PasswordHasher) {
  return {
    async offer(): Promise<SignUpOffer> {
      return (await prisma.user.findFirst({ select: { id: true } })) ? mode : 'owner';
    },

    async signUp(request: SignUpRequest): Promise<User> {
      // Checked and hashed before the transaction, so the lock below is never held through scrypt.
      const account = await prepareAccount(request.email, request.password, passwords);
      const { user, via } = await withFirstAccountLock(prisma, async (tx, first) => {
        if (first) return { user: await createUser(tx, account, 'owner'), via: 'owner' as const };
        if (request.invite) {
          const invitation = await invitations.consume(tx, request.invite, account.email);
          return { user: await createUser(tx, account), via: invitation.id };
        }
        if (mode !== 'open') throw new SignUpClosedError(mode);
        return { user: await createUser(tx, account), via: 'open' as const };
      });
      const who = { id: user.id, email: user.email };
      if (via === 'owner') await audit.record({ kind: 'owner-created', actor: who, ip: request.ip });
      else if (via === 'open') await audit.record({ kind: 'account-created', actor: who, ip: request.ip });
      else await audit.record({ kind: 'invitation-used', actor: who, ip: request.ip, detail: { invitation: via } });
      return user;
    },
  };
}

export type Enrolment = ReturnType<typeof createEnrolment>;

/**
 * What a seller does to their own account: change the password, sign out of every device, delete the
 * account with everything of theirs (sessions, Sonlet tokens, uploads and their photos, settings: all
 * cascade from the user row). Each asks for the current password where a stolen session should not do.
 */
import type { PrismaClient } from '../generated/prisma/client.js';
import { DomainError } from '../errors.js';
import type { PasswordHasher } from './password.js';
import { passwordProblem } from './password-rules.js';
import { PASSWORD_MAX, PASSWORD_MIN } from './accounts.js';
import { removeAccount } from './account-removal.js';
import { cancelResetLinks } from './password-resets.js';
import type { AuditTrail } from '../audit/audit-trail.js';
import type { SessionsChanged } from './session-copies.js';

export class OwnAccountError extends DomainError {
  constructor(kind: 'invalid-input' | 'wrong-credentials' | 'forbidden', message: string, field: 'current' | 'password' | 'confirm') {
    super(kind, message, { field });
  }
}

export interface OwnAccountDeps {
  prisma: PrismaClient;
  /** Revokes the seller's Sonlet tokens at Sonlet before they are forgotten. */
  disconnectSonlet: (userId: string) => Promise<void>;
  audit: AuditTrail;
  sessionsChanged: SessionsChanged;
  passwords: PasswordHasher;
}

/** Who asks, as the audit trail records them. */
export interface Asker {
  id: string;
  email: string;
  ip: string;
}

export function createOwnAccount({ prisma, disconnectSonlet, audit, sessionsChanged, passwords }: OwnAccountDeps) {
  async function checkCurrent(userId: string, password: string, field: 'current' | 'password'): Promise<void> {
    const user = await prisma.user.findUnique({ where: { id: userId } });
    if (!user || !(await passwords.verify(password.slice(0, PASSWORD_MAX), user.passwordHash))) {
      throw new OwnAccountError('wrong-credentials', 'That is not your current password. Nothing was changed.', field);
    }
  }

  return {
    /** Sets a new password; every other session of the account ends (the one asking stays signed in). */
    async changePassword(asker: Asker, input: { current: string; password: string; confirm: string }, keepSessionId: string): Promise<void> {
      const userId = asker.id;
      await checkCurrent(userId, input.current, 'current');
      const problem = passwordProblem(input.password, { min: PASSWORD_MIN, max: PASSWORD_MAX });
      if (problem) throw new OwnAccountError('invalid-input', problem, 'password');
      if (input.password !== input.confirm) throw new OwnAccountError('invalid-input', 'The new password and its repetition differ. Type the same new password twice.', 'confirm');
      const passwordHash = await passwords.hash(input.password);
      await prisma.$transaction([
        prisma.user.update({ where: { id: userId }, data: { passwordHash } }),
        prisma.session.deleteMany({ where: { userId, id: { not: keepSessionId } } }),
        // A reset link someone else holds would undo the change.
        cancelResetLinks(prisma, userId),
      ]);
      sessionsChanged(userId);
      await audit.record({ kind: 'password-changed', actor: asker, ip: asker.ip });
    },

    /** Ends every session of the account, this one included. Answers how many there were. */
    async signOutEverywhere(asker: Asker): Promise<number> {
      const [{ count }] = await prisma.$transaction([
        prisma.session.deleteMany({ where: { userId: asker.id } }),
        // "Someone else may be in": a reset link they were given is a way back.
        cancelResetLinks(prisma, asker.id),
      ]);
      sessionsChanged(asker.id);
      await audit.record({ kind: 'sign-out-everywhere', actor: asker, ip: asker.ip, detail: { sessions: count } });
      return count;
    },

    /** Deletes the account and everything of the seller's, once the password is given again. */
    async deleteAccount(asker: Asker, password: string): Promise<void> {
      const userId = asker.id;
      await checkCurrent(userId, password, 'password');
      const me = await prisma.user.findUnique({ where: { id: userId }, select: { role: true } });
      if (me?.role === 'owner' && (await prisma.user.count()) > 1) {
        throw new OwnAccountError('forbidden', 'You own this console: deleting your account would leave the team without an owner. Nothing was deleted.', 'confirm');
      }
      await disconnectSonlet(userId);
      await removeAccount(prisma, userId, sessionsChanged);
      // The account is gone: the trail keeps the address, not an id that no longer names anyone.
      await audit.record({ kind: 'account-deleted', actor: { email: asker.email }, ip: asker.ip, detail: { by: 'themselves' } });
    },
  };
}

export type OwnAccount = ReturnType<typeof createOwnAccount>;

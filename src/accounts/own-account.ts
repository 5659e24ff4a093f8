/**
 * What a seller does to their own account: change the password, sign out of every device, delete the
 * account with everything of theirs (sessions, Sonlet tokens, uploads and their photos, settings: all
 * cascade from the user row). Each asks for the current password where a stolen session should not do.
 */
import type { PrismaClient } from '../generated/prisma/client.js';
import { DomainError } from '../errors.js';
import { hashPassword, verifyPassword } from './password.js';
import { passwordProblem } from './password-rules.js';
import { PASSWORD_MAX, PASSWORD_MIN } from './accounts.js';

export class OwnAccountError extends DomainError {
  constructor(kind: 'invalid-input' | 'wrong-credentials', message: string, field: 'current' | 'password' | 'confirm') {
    super(kind, message, { field });
  }
}

export interface OwnAccountDeps {
  prisma: PrismaClient;
  /** Revokes the seller's Sonlet tokens at Sonlet before they are forgotten. */
  disconnectSonlet: (userId: string) => Promise<void>;
}

export function createOwnAccount({ prisma, disconnectSonlet }: OwnAccountDeps) {
  async function checkCurrent(userId: string, password: string, field: 'current' | 'password'): Promise<void> {
    const user = await prisma.user.findUnique({ where: { id: userId } });
    if (!user || !(await verifyPassword(password.slice(0, PASSWORD_MAX), user.passwordHash))) {
      throw new OwnAccountError('wrong-credentials', 'That is not your current password. Nothing was changed.', field);
    }
  }

  return {
    /** Sets a new password; every other session of the account ends (the one asking stays signed in). */
    async changePassword(userId: string, input: { current: string; password: string; confirm: string }, keepSessionId: string): Promise<void> {
      await checkCurrent(userId, input.current, 'current');
      const problem = passwordProblem(input.password, { min: PASSWORD_MIN, max: PASSWORD_MAX });
      if (problem) throw new OwnAccountError('invalid-input', problem, 'password');
      if (input.password !== input.confirm) throw new OwnAccountError('invalid-input', 'The new password and its repetition differ. Type the same new password twice.', 'confirm');
      const passwordHash = await hashPassword(input.password);
      await prisma.$transaction([
        prisma.user.update({ where: { id: userId }, data: { passwordHash } }),
        prisma.session.deleteMany({ where: { userId, id: { not: keepSessionId } } }),
      ]);
    },

    /** Ends every session of the account, this one included. Answers how many there were. */
    async signOutEverywhere(userId: string): Promise<number> {
      return (await prisma.session.deleteMany({ where: { userId } })).count;
    },

    /** Deletes the account and everything of the seller's, once the password is given again. */
    async deleteAccount(userId: string, password: string): Promise<void> {
      await checkCurrent(userId, password, 'password');
      await disconnectSonlet(userId);
      await prisma.user.deleteMany({ where: { id: userId } });
    },
  };
}

export type OwnAccount = ReturnType<typeof createOwnAccount>;

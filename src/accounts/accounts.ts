import type { PrismaClient, User } from '../generated/prisma/client.js';
import { Prisma } from '../generated/prisma/client.js';
import { DUMMY_HASH, hashPassword, verifyPassword } from './password.js';

export class AccountError extends Error {
  constructor(
    message: string,
    readonly field: 'email' | 'password' | null,
    readonly statusCode: number,
  ) {
    super(message);
  }
}

// Deliberately simple: one @, no spaces, a dot in the domain. Real validation is the seller reading their own address.
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
export const PASSWORD_MIN = 10;
export const PASSWORD_MAX = 200;

export function normaliseEmail(raw: string): string {
  return raw.trim().toLowerCase();
}

export function createAccounts(prisma: PrismaClient) {
  return {
    async signUp(rawEmail: string, password: string): Promise<User> {
      const email = normaliseEmail(rawEmail);
      if (!EMAIL.test(email) || email.length > 254) throw new AccountError('Enter a valid email address, like name@example.com.', 'email', 400);
      if (password.length < PASSWORD_MIN) throw new AccountError(`Choose a password of at least ${PASSWORD_MIN} characters.`, 'password', 400);
      if (password.length > PASSWORD_MAX) throw new AccountError(`Passwords can be at most ${PASSWORD_MAX} characters.`, 'password', 400);
      try {
        return await prisma.user.create({ data: { email, passwordHash: await hashPassword(password) } });
      } catch (err) {
        if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002') {
          throw new AccountError('An account with this email already exists. Sign in instead.', 'email', 409);
        }
        throw err;
      }
    },

    async signIn(rawEmail: string, password: string): Promise<User> {
      const email = normaliseEmail(rawEmail);
      const user = EMAIL.test(email) ? await prisma.user.findUnique({ where: { email } }) : null;
      const ok = await verifyPassword(password.slice(0, PASSWORD_MAX), user?.passwordHash ?? DUMMY_HASH);
      if (!user || !ok) throw new AccountError('That email and password do not match an account.', null, 401);
      return user;
    },
  };
}

export type Accounts = ReturnType<typeof createAccounts>;

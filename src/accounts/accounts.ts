import type { PrismaClient, Role, User } from '../generated/prisma/client.js';
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

export function isEmailAddress(email: string): boolean {
  return EMAIL.test(email) && email.length <= 254;
}

export function normaliseEmail(raw: string): string {
  return raw.trim().toLowerCase();
}

/** A new account's checked address and hashed password; nothing is stored yet. */
export interface NewAccount {
  email: string;
  passwordHash: string;
}

export async function prepareAccount(rawEmail: string, password: string): Promise<NewAccount> {
  const email = normaliseEmail(rawEmail);
  if (!isEmailAddress(email)) throw new AccountError('Enter a valid email address, like name@example.com.', 'email', 400);
  checkNewPassword(password);
  return { email, passwordHash: await hashPassword(password) };
}

export function checkNewPassword(password: string): void {
  if (password.length < PASSWORD_MIN) throw new AccountError(`Choose a password of at least ${PASSWORD_MIN} characters.`, 'password', 400);
  if (password.length > PASSWORD_MAX) throw new AccountError(`Passwords can be at most ${PASSWORD_MAX} characters.`, 'password', 400);
}

type UserWriter = Pick<PrismaClient, 'user'>;

/** Stores a prepared account (in the caller's transaction when given one). */
export async function createUser(db: UserWriter, account: NewAccount, role: Role = 'seller'): Promise<User> {
  try {
    return await db.user.create({ data: { ...account, role } });
  } catch (err) {
    if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002') {
      throw new AccountError('An account with this email already exists. Sign in instead.', 'email', 409);
    }
    throw err;
  }
}

export function createAccounts(prisma: PrismaClient) {
  return {
    async signUp(rawEmail: string, password: string): Promise<User> {
      return createUser(prisma, await prepareAccount(rawEmail, password));
    },

    async signIn(rawEmail: string, password: string): Promise<User> {
      const email = normaliseEmail(rawEmail);
      const user = EMAIL.test(email) ? await prisma.user.findUnique({ where: { email } }) : null;
      const ok = await verifyPassword(password.slice(0, PASSWORD_MAX), user?.passwordHash ?? DUMMY_HASH);
      if (!user || !ok) throw new AccountError('That email and password do not match an account.', null, 401);
      // Said only after the right password, so it tells a stranger nothing.
      if (user.disabledAt) throw new AccountError('This account is disabled. Ask the console’s owner or an admin.', null, 403);
      return user;
    },
  };
}

export type Accounts = ReturnType<typeof createAccounts>;

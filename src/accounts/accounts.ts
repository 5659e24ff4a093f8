import type { PrismaClient, Role, User } from '../generated/prisma/client.js';
import { Prisma } from '../generated/prisma/client.js';
import { DomainError, type ErrorKind } from '../errors.js';
import type { PasswordHasher } from './password.js';
import { passwordProblem } from './password-rules.js';

/** Sign-up and sign-in refusals, naming the form field they are about. */
export class AccountError extends DomainError {
  declare readonly field: 'email' | 'password' | null;
  constructor(kind: Extract<ErrorKind, 'invalid-input' | 'already-exists' | 'wrong-credentials' | 'forbidden'>, message: string, field: 'email' | 'password' | null) {
    super(kind, message, { field });
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

export async function prepareAccount(rawEmail: string, password: string, passwords: PasswordHasher): Promise<NewAccount> {
  const email = normaliseEmail(rawEmail);
  if (!isEmailAddress(email)) throw new AccountError('invalid-input', 'Enter a valid email address, like name@example.com.', 'email');
  checkNewPassword(password);
  return { email, passwordHash: await passwords.hash(password) };
}

export function checkNewPassword(password: string): void {
  const problem = passwordProblem(password, { min: PASSWORD_MIN, max: PASSWORD_MAX });
  if (problem) throw new AccountError('invalid-input', problem, 'password');
}

type UserWriter = Pick<PrismaClient, 'user'>;

/** Stores a prepared account (in the caller's transaction when given one). */
export async function createUser(db: UserWriter, account: NewAccount, role: Role = 'seller'): Promise<User> {
  try {
    return await db.user.create({ data: { ...account, role } });
  } catch (err) {
    if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002') {
      throw new AccountError('already-exists', 'An account with this email already exists. Sign in instead.', 'email');
    }
    throw err;
  }
}

export function createAccounts(prisma: PrismaClient, passwords: PasswordHasher) {
  return {
    async signUp(rawEmail: string, password: string): Promise<User> {
      return createUser(prisma, await prepareAccount(rawEmail, password, passwords));
    },

    async signIn(rawEmail: string, password: string): Promise<User> {
      const email = normaliseEmail(rawEmail);
      const user = EMAIL.test(email) ? await prisma.user.findUnique({ where: { email } }) : null;
      const ok = await passwords.verify(password.slice(0, PASSWORD_MAX), user?.passwordHash);
      if (!user || !ok) throw new AccountError('wrong-credentials', 'That email and password do not match an account.', null);
      // Said only after the right password, so it tells a stranger nothing.
      if (user.disabledAt) throw new AccountError('forbidden', 'This account is disabled. Ask the console’s owner or an admin.', null);
      return user;
    },
  };
}

export type Accounts = ReturnType<typeof createAccounts>;

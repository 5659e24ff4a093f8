import { createHash, randomBytes } from 'node:crypto';

/**
 * Tokens for links handed to a person (invitations, password resets): 256 random bits, shown once.
 * Only their SHA-256 is stored, so a copy of the database opens no account.
 */
export function newOneTimeToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashOneTimeToken(token) };
}

export function hashOneTimeToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** What a token in a link looks like; anything else is not worth a database lookup. */
export const ONE_TIME_TOKEN_PATTERN = '^[A-Za-z0-9_-]{43}$';

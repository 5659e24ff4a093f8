/** scrypt password hashes: the cost is stored with each hash, so changing PASSWORD_HASH_COST locks nobody out. */
import { describe, expect, it } from 'vitest';
import { PasswordHasher } from '../src/accounts/password.js';

describe('password hashes', () => {
  it('carry their own cost: a hash made at 2^12 still verifies once the console hashes at 2^16, and new ones use 2^16', async () => {
    const old = await new PasswordHasher(12).hash('a long enough password');
    expect(old).toMatch(/^scrypt\$4096\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    const raised = new PasswordHasher(16);
    expect(await raised.verify('a long enough password', old)).toBe(true);
    expect(await raised.verify('a long enough passwore', old)).toBe(false);
    expect(await raised.hash('a long enough password')).toMatch(/^scrypt\$65536\$8\$1\$/);
  });

  it('an unknown account (no stored hash) never matches, and a tampered or foreign hash is refused without throwing', async () => {
    const hasher = new PasswordHasher(12);
    expect(await hasher.verify('AAAAAAAAAAAAAAAA', null)).toBe(false);
    expect(await hasher.verify('anything at all', undefined)).toBe(false);
    const made = await hasher.hash('a long enough password');
    // A cost of 2^30 would ask for 256 GiB: refused before scrypt is called.
    expect(await hasher.verify('a long enough password', made.replace('$4096$', '$1073741824$'))).toBe(false);
    expect(await hasher.verify('a long enough password', 'bcrypt$2b$10$whatever')).toBe(false);
    expect(await hasher.verify('a long enough password', '')).toBe(false);
  });

  it('normalises the password (NFKC), so the same password typed on another keyboard matches', async () => {
    const hasher = new PasswordHasher(12);
    const stored = await hasher.hash('caf\u00e9 au lait please');
    expect(await hasher.verify('cafe\u0301 au lait please', stored)).toBe(true);
  });
});

import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const scrypt = (password: string, salt: Buffer, keylen: number, options: ScryptOptions) =>
  new Promise<Buffer>((resolve, reject) =>
    scryptCb(password, salt, keylen, options, (err, key) => (err ? reject(err) : resolve(key))),
  );

// OWASP's scrypt floor (N=2^17, r=8, p=1) costs ~128 MiB per hash; 2^15 keeps sign-in fast on small hosts
// while staying far from a plain hash. The parameters are stored with each hash, so a console can raise
// them later (PASSWORD_HASH_COST) and every older hash still verifies with its own.
export const DEFAULT_COST = 15;
export const MIN_COST = 12;
export const MAX_COST = 18;
const R = 8;
const P = 1;
const KEYLEN = 32;

/** Twice what scrypt needs (128·N·r bytes), so Node's default 32 MiB cap never refuses a stored hash. */
const maxmemFor = (n: number, r: number) => 256 * n * r;

/** scrypt password hashes at a cost of 2^`cost` (15 unless the console is configured otherwise). */
export class PasswordHasher {
  readonly #n: number;
  /** Compared against when the email is unknown, so response time does not reveal which emails have accounts. */
  readonly #dummy: string;

  constructor(cost: number = DEFAULT_COST) {
    this.#n = 2 ** cost;
    this.#dummy = `scrypt$${this.#n}$${R}$${P}$${'A'.repeat(22)}$${'A'.repeat(43)}`;
  }

  async hash(password: string): Promise<string> {
    const salt = randomBytes(16);
    const key = await scrypt(password.normalize('NFKC'), salt, KEYLEN, { N: this.#n, r: R, p: P, maxmem: maxmemFor(this.#n, R) });
    return `scrypt$${this.#n}$${R}$${P}$${salt.toString('base64url')}$${key.toString('base64url')}`;
  }

  /** Whether `password` matches `stored`; with no stored hash (unknown account), as slow as a real check, and false. */
  async verify(password: string, stored: string | null | undefined): Promise<boolean> {
    const ok = await verifyAgainst(password, stored ?? this.#dummy);
    return ok && stored != null;
  }
}

async function verifyAgainst(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const params = { N: Number(n), r: Number(r), p: Number(p) };
  // Stored hashes are ours, but a tampered row must not make one sign-in allocate gigabytes.
  if (!(params.N <= 2 ** MAX_COST && params.r <= 16 && params.p <= 4)) return false;
  const expected = Buffer.from(hash, 'base64url');
  const key = await scrypt(password.normalize('NFKC'), Buffer.from(salt, 'base64url'), expected.length, { ...params, maxmem: maxmemFor(params.N, params.r) });
  return timingSafeEqual(key, expected);
}

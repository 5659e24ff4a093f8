/**
 * In sandbox mode the self-hoster sets no secrets: the session secret and the token encryption key
 * are generated once, at start-up, and kept in DATA_DIR so restarts keep sessions valid and tokens
 * decryptable. An explicit step (src/server.ts), so that reading the configuration writes nothing.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { dataDirOf, isSandbox } from './config.js';

type Env = Record<string, string | undefined>;

const KEPT = [
  { name: 'SESSION_SECRET', file: 'session-secret', bytes: 48 },
  { name: 'TOKEN_ENCRYPTION_KEY', file: 'token-encryption-key', bytes: 32 },
] as const;

/** The environment with the sandbox's kept secrets filled in where unset; production environments come back unchanged. */
export async function withKeptSecrets(env: Env): Promise<Env> {
  if (!isSandbox(env)) return env;
  const missing = KEPT.filter(({ name }) => !env[name]);
  if (missing.length === 0) return env;
  const dir = dataDirOf(env);
  await ensurePrivateDir(dir);
  const filled: Env = { ...env };
  for (const { name, file, bytes } of missing) filled[name] = await keptSecret(path.join(dir, file), bytes);
  return filled;
}

/**
 * The environment as withKeptSecrets would make it, with throwaway values and nothing written: start-up
 * checks the whole configuration with it first, so a bad one leaves DATA_DIR untouched.
 */
export function withSecretStandIns(env: Env): Env {
  if (!isSandbox(env)) return env;
  const standIns = KEPT.filter(({ name }) => !env[name]).map(({ name, bytes }) => [name, randomBytes(bytes).toString('base64')]);
  return { ...env, ...Object.fromEntries(standIns) };
}

async function keptSecret(file: string, bytes: number): Promise<string> {
  try {
    const value = (await readFile(file, 'utf8')).trim();
    await chmod(file, 0o600);
    if (value) return value;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const value = randomBytes(bytes).toString('base64');
  await writePrivateFile(file, `${value}\n`);
  return value;
}

/** A folder only the console's user can enter (0700), created if missing and tightened if not. */
export async function ensurePrivateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  if (((await stat(dir)).mode & 0o777) !== 0o700) await chmod(dir, 0o700);
}

/** A file only the console's user can read (0600), in a private folder. */
export async function writePrivateFile(file: string, data: string | Buffer): Promise<void> {
  await ensurePrivateDir(path.dirname(file));
  await writeFile(file, data, { mode: 0o600 });
  // The mode above applies only when the file is new.
  await chmod(file, 0o600);
}

/**
 * Throwaway databases for tests: `console_test_<random>` on an existing server. Only databases
 * with that prefix are ever dropped here.
 */
import { randomBytes } from 'node:crypto';

import pg from 'pg';

export const TEST_DATABASE_PREFIX = 'console_test_';
const TEST_DATABASE_NAME = /^console_test_[a-z0-9_]+$/;

/** `url` with its database replaced by `database`. */
export function databaseUrlFor(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => {});
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Creates an empty `console_test_<random>` database on the server `serverUrl` points at (any
 * database of that server the user can connect to) and returns its name and URL.
 */
export async function createTestDatabase(serverUrl: string): Promise<{ name: string; url: string }> {
  const name = `${TEST_DATABASE_PREFIX}${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  await withClient(serverUrl, (c) => c.query(`CREATE DATABASE "${name}"`));
  return { name, url: databaseUrlFor(serverUrl, name) };
}

/**
 * Drops a database made by `createTestDatabase`, terminating its connections first. `serverUrl`
 * must point at another database of the same server.
 */
export async function dropTestDatabase(serverUrl: string, name: string): Promise<void> {
  if (!TEST_DATABASE_NAME.test(name)) throw new Error(`refusing to drop ${JSON.stringify(name)}: not a test database`);
  await withClient(serverUrl, async (c) => {
    await c.query(
      'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
      [name],
    );
    // FORCE also covers connections opened after the terminate above (Postgres 13+).
    await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  });
}

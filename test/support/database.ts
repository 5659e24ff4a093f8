import { inject } from 'vitest';

import { applyMigrations } from '../../src/db/migrate.js';
import { createTestDatabase, dropTestDatabase } from '../../src/db/test-database.js';
import './provided-context.js';

/**
 * An isolated database of the test's own on the server of the run's database
 * (`inject('databaseUrl')`), migrated unless `{ migrate: false }`. Call `drop()` when done
 * (e.g. in `afterAll`).
 */
export async function freshDatabase(opts: { migrate?: boolean } = {}): Promise<{ url: string; drop(): Promise<void> }> {
  const serverUrl = inject('databaseUrl');
  const db = await createTestDatabase(serverUrl);
  try {
    if (opts.migrate !== false) await applyMigrations(db.url);
  } catch (err) {
    await dropTestDatabase(serverUrl, db.name);
    throw err;
  }
  let dropped: Promise<void> | undefined;
  return { url: db.url, drop: () => (dropped ??= dropTestDatabase(serverUrl, db.name)) };
}

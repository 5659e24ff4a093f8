/**
 * Vitest globalSetup: one throwaway, migrated database per test run.
 *
 * With DATABASE_URL set, `console_test_<random>` is created on that server. Without it, an
 * embedded Postgres is started in a temporary directory (so a machine with only Node can run the
 * tests) and the database is created there. Teardown drops the database, stops the embedded
 * server and removes its directory. No other database is touched.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import type { TestProject } from 'vitest/node';

import { startEmbeddedPostgres } from '../../src/db/embedded.js';
import { applyMigrations } from '../../src/db/migrate.js';
import { createTestDatabase, dropTestDatabase } from '../../src/db/test-database.js';
import './provided-context.js';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const cleanups: (() => Promise<void>)[] = [];
  const teardown = async () => {
    for (const cleanup of cleanups.reverse()) {
      await cleanup().catch((err: unknown) => console.error('[global-setup] teardown:', err));
    }
  };

  try {
    let serverUrl = process.env.DATABASE_URL;
    if (!serverUrl) {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'console-test-pg-'));
      cleanups.push(() => rm(dir, { recursive: true, force: true }));
      const started = Date.now();
      // port 0: any free port, so a developer's own embedded server on 54329 is left alone.
      const server = await startEmbeddedPostgres(dir, { port: 0 });
      cleanups.push(server.stop);
      console.log(`[global-setup] embedded Postgres started in ${Date.now() - started} ms`);
      serverUrl = server.url;
    }

    const server = serverUrl;
    const db = await createTestDatabase(server);
    cleanups.push(() => dropTestDatabase(server, db.name));
    await applyMigrations(db.url);

    project.provide('databaseUrl', db.url);
  } catch (err) {
    await teardown();
    throw err;
  }
  return teardown;
}

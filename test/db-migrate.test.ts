import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';

import {
  applyMigrations,
  createMigration,
  DEFAULT_MIGRATIONS_DIR,
  DEFAULT_SCHEMA_PATH,
  diffSchema,
  migrationStatus,
} from '../src/db/migrate.js';
import { freshDatabase } from './support/database.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const committed = (await readdir(DEFAULT_MIGRATIONS_DIR, { withFileTypes: true }))
  .filter((e) => e.isDirectory())
  .map((e) => e.name)
  .sort();

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
});

async function fresh(opts?: { migrate?: boolean }) {
  const db = await freshDatabase(opts);
  cleanups.push(db.drop);
  return db;
}

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'console-migrations-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

function runCli(args: string[], databaseUrl: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/db/cli.ts', ...args], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: databaseUrl },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, output }));
  });
}

describe('migrations', () => {
  it('has a committed initial migration and lockfile', async () => {
    expect(committed.length).toBeGreaterThan(0);
    expect(committed[0]).toMatch(/^\d{14}_init$/);
    const lock = await readFile(path.join(DEFAULT_MIGRATIONS_DIR, 'migration_lock.toml'), 'utf8');
    expect(lock).toMatch(/^provider = "postgresql"$/m);
  });

  it('applies every migration to an empty database, and nothing the second time', async () => {
    const db = await fresh({ migrate: false });
    expect(await migrationStatus(db.url)).toEqual({ pending: committed, failed: [] });

    expect(await applyMigrations(db.url)).toEqual({ applied: committed });

    const tables = await query<{ table_name: string }>(
      db.url,
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'`,
    );
    expect(tables.map((t) => t.table_name)).toEqual(
      expect.arrayContaining([
        'User',
        'Session',
        'SonletConnection',
        'CatalogCache',
        'Upload',
        'PlugboardConnection',
        'PlugboardExport',
        '_prisma_migrations',
      ]),
    );

    const rows = await query<{
      migration_name: string;
      checksum: string;
      finished_at: Date | null;
      rolled_back_at: Date | null;
      applied_steps_count: number;
    }>(db.url, 'SELECT * FROM _prisma_migrations ORDER BY migration_name');
    expect(rows.map((r) => r.migration_name)).toEqual(committed);
    for (const row of rows) {
      const sql = await readFile(path.join(DEFAULT_MIGRATIONS_DIR, row.migration_name, 'migration.sql'));
      expect(row.checksum).toBe(createHash('sha256').update(sql).digest('hex'));
      expect(row.finished_at).toBeInstanceOf(Date);
      expect(row.rolled_back_at).toBeNull();
      expect(row.applied_steps_count).toBe(1);
    }

    expect(await applyMigrations(db.url)).toEqual({ applied: [] });
    expect(await migrationStatus(db.url)).toEqual({ pending: [], failed: [] });
    expect(await query(db.url, 'SELECT 1 FROM _prisma_migrations')).toHaveLength(committed.length);
  });

  it('applies each migration once when several processes migrate at the same time', async () => {
    const db = await fresh({ migrate: false });
    const runs = await Promise.all([runCli(['migrate'], db.url), runCli(['migrate'], db.url)]);
    for (const run of runs) expect(run, run.output).toMatchObject({ code: 0 });
    expect(runs.filter((r) => r.output.includes(`applied migration ${committed[0]}`))).toHaveLength(1);
    const rows = await query<{ migration_name: string }>(
      db.url,
      'SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL ORDER BY 1',
    );
    expect(rows.map((r) => r.migration_name)).toEqual(committed);
  });

  it('runs a migration script as a whole and rolls a failing one back', async () => {
    const db = await fresh({ migrate: false });
    const dir = await tempDir();
    await cp(DEFAULT_MIGRATIONS_DIR, dir, { recursive: true });
    await mkdir(path.join(dir, '29990101000000_semicolons'));
    await writeFile(
      path.join(dir, '29990101000000_semicolons', 'migration.sql'),
      `CREATE TABLE "Note" ("body" TEXT NOT NULL DEFAULT 'a;b');\n` +
        `DO $$ BEGIN INSERT INTO "Note" VALUES ('c;d'); END $$;\n`,
    );
    await mkdir(path.join(dir, '29990102000000_broken'));
    await writeFile(
      path.join(dir, '29990102000000_broken', 'migration.sql'),
      'CREATE TABLE "Half" ("id" INTEGER);\nSELECT 1 / 0;\n',
    );

    await expect(applyMigrations(db.url, { migrationsDir: dir })).rejects.toThrow(/division by zero/);
    expect(await query(db.url, 'SELECT "body" FROM "Note"')).toEqual([{ body: 'c;d' }]);
    expect(await query(db.url, `SELECT to_regclass('"Half"') AS t`)).toEqual([{ t: null }]);
    expect(await migrationStatus(db.url, { migrationsDir: dir })).toEqual({
      pending: ['29990102000000_broken'],
      failed: ['29990102000000_broken'],
    });
  });

  it('finds no difference between the committed migrations and prisma/schema.prisma', async () => {
    expect(await diffSchema(inject('databaseUrl'))).toBe('');
    const dir = await tempDir();
    await cp(DEFAULT_MIGRATIONS_DIR, dir, { recursive: true });
    expect(await createMigration(inject('databaseUrl'), 'nothing', { migrationsDir: dir })).toEqual({
      created: null,
      sql: '',
    });
    expect((await readdir(dir)).sort()).toEqual([...committed, 'migration_lock.toml'].sort());
  });

  it('writes a timestamped migration for a schema change, which then applies', async () => {
    const dir = await tempDir();
    await cp(DEFAULT_MIGRATIONS_DIR, path.join(dir, 'migrations'), { recursive: true });
    const schemaPath = path.join(dir, 'schema.prisma');
    const schema = await readFile(DEFAULT_SCHEMA_PATH, 'utf8');
    await writeFile(schemaPath, `${schema}\nmodel Extra {\n  id Int @id\n  label String?\n}\n`);

    const { created, sql } = await createMigration(inject('databaseUrl'), 'Add extra!', {
      migrationsDir: path.join(dir, 'migrations'),
      schemaPath,
      now: new Date(Date.UTC(2999, 0, 2, 3, 4, 5)),
    });
    expect(created).toBe(path.join(dir, 'migrations', '29990102030405_add_extra'));
    expect(sql).toContain('CREATE TABLE "Extra"');
    expect(await readFile(path.join(created!, 'migration.sql'), 'utf8')).toBe(sql);

    const db = await fresh({ migrate: false });
    expect(await applyMigrations(db.url, { migrationsDir: path.join(dir, 'migrations') })).toEqual({
      applied: [...committed, '29990102030405_add_extra'],
    });
    expect(
      await diffSchema(inject('databaseUrl'), { migrationsDir: path.join(dir, 'migrations'), schemaPath }),
    ).toBe('');
  });
});

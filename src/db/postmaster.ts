/**
 * The embedded cluster's postmaster, as seen from its data directory: is the server recorded in
 * `postmaster.pid` alive and ours, was it orphaned by a crash, and stopping it. Used by
 * src/db/embedded.ts when it starts (or adopts) the server.
 */
import { readFile, unlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import pg from 'pg';

export const SUPERUSER = 'postgres';

/** `postgres://postgres:<password>@127.0.0.1:<port>/<database>` */
export function serverUrl(port: number, password: string, database: string): string {
  return `postgres://${SUPERUSER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
}


/**
 * If `postmaster.pid` names a server that is running *on this data directory* and that we can log
 * into, returns its port. A pid file left by a crash (or by a server that was killed with the
 * machine) is removed: Postgres only clears it by itself when the recorded PID is not in use, and
 * after a reboot or in a container that PID often belongs to an unrelated process.
 */
export async function checkPostmasterPid(
  clusterDir: string,
  password: string,
  log: (m: string) => void,
): Promise<{ pid: number; port: number } | null> {
  const pidFile = path.join(clusterDir, 'postmaster.pid');
  const text = await readFile(pidFile, 'utf8').catch(() => null);
  if (text === null) return null;
  const lines = text.split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (Number.isInteger(pid) && pid > 0 && processAlive(pid) && Number.isInteger(port) && port > 0) {
    const client = new pg.Client({
      connectionString: serverUrl(port, password, 'postgres'),
      connectionTimeoutMillis: 3_000,
    });
    client.on('error', () => {});
    try {
      await client.connect();
      const { rows } = await client.query<{ dir: string }>(`SELECT current_setting('data_directory') AS dir`);
      if (rows[0] && path.resolve(rows[0].dir) === path.resolve(clusterDir)) return { pid, port };
    } catch {
      // Not a server we can use: treat the pid file as stale.
    } finally {
      await client.end().catch(() => undefined);
    }
    if (processAlive(pid) && (await isPostgresProcess(pid, clusterDir))) {
      throw new Error(
        `a Postgres server (PID ${pid}) is running on ${clusterDir} but does not answer on port ${port}; ` +
          'stop it before starting the console',
      );
    }
  }
  log(`removing stale ${pidFile} (PID ${lines[0]} is not a running Postgres for this directory)`);
  await unlink(pidFile).catch(() => undefined);
  return null;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * A server whose parent is init (or us, when we are PID 1) was left behind by a process that died
 * without stopping it (SIGKILL, OOM): nobody else will stop it, so we adopt it. Linux only; elsewhere
 * we never claim a server we did not start.
 */
export async function isOrphan(pid: number): Promise<boolean> {
  const statLine = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
  if (statLine === null) return false;
  // Format: "pid (comm) state ppid ..."; comm may contain spaces or parentheses.
  const ppid = Number(statLine.slice(statLine.lastIndexOf(')') + 2).split(' ')[1]);
  return ppid === 1 || ppid === process.pid;
}

/** SIGINT (fast shutdown) and wait for the postmaster to exit. */
export async function stopPostmaster(pid: number, timeoutMs = 30_000): Promise<void> {
  try {
    process.kill(pid, 'SIGINT');
  } catch {
    return;
  }
  const deadline = Date.now() + timeoutMs;
  // A zombie (exited, not yet reaped by a careless PID 1) counts as stopped.
  const zombie = async () =>
    /^ Z /.test((await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '')).replace(/^.*\)/, ''));
  while (processAlive(pid) && !(await zombie())) {
    if (Date.now() > deadline) throw new Error(`Postgres (PID ${pid}) did not stop within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Best effort (Linux): is `pid` a postgres process started on `clusterDir`? */
async function isPostgresProcess(pid: number, clusterDir: string): Promise<boolean> {
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => null);
  if (cmdline === null) return os.platform() !== 'linux'; // cannot tell: be careful
  return cmdline.includes('postgres') && cmdline.includes(clusterDir);
}

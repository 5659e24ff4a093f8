import path from 'node:path';
import { loadConfig, ConfigError, SANDBOX_CONSOLE_CLIENT, SANDBOX_TOOLS_CLIENT, type Config } from './config.js';
import { buildApp } from './app.js';
import { createPrisma } from './db/client.js';
import { startEmbeddedPostgres } from './db/embedded.js';
import { applyMigrations, migrationStatus } from './db/migrate.js';
import { createSonletSandbox, type SonletSandbox } from './sandbox/sonlet/index.js';
import { createPlugboardSandbox } from './sandbox/plugboard/index.js';

/** Process entry: config, database (embedded when DATABASE_URL is unset), migrations, sandboxes, listen, shutdown. */
async function main() {
  const startedAt = Date.now();
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`Configuration error: ${err.message}`);
      process.exit(2);
    }
    throw err;
  }

  const say = (msg: string) => console.log(`[console] ${msg}`);
  let stopEmbedded: (() => Promise<void>) | null = null;
  let databaseUrl = config.databaseUrl;
  if (!databaseUrl) {
    say(`DATABASE_URL is not set: starting the embedded Postgres in ${path.join(config.dataDir, 'postgres')}`);
    const embedded = await startEmbeddedPostgres(config.dataDir, { log: say });
    databaseUrl = embedded.url;
    stopEmbedded = embedded.stop;
  }

  const { applied } = await applyMigrations(databaseUrl, { log: say });
  say(applied.length ? `applied migrations: ${applied.join(', ')}` : 'database schema is up to date');

  let sonletSandbox: SonletSandbox | undefined;
  const extraSandboxes = [];
  if (config.sandbox) {
    sonletSandbox = await createSonletSandbox({
      publicUrl: `${config.publicUrl}/sandbox/sonlet`,
      dataDir: path.join(config.dataDir, 'sonlet-sandbox'),
      clients: [
        { ...SANDBOX_CONSOLE_CLIENT, name: 'Sonlet Seller Console', redirectUris: [config.sonlet.redirectUri] },
        { ...SANDBOX_TOOLS_CLIENT, name: 'Sandbox tools (curl)', redirectUris: [`${config.publicUrl}/sandbox/sonlet/tools/callback`] },
      ],
    });
    extraSandboxes.push({ prefix: '/sandbox/plugboard', plugin: createPlugboardSandbox().plugin });
  }

  const prisma = createPrisma(databaseUrl);
  const dbUrl = databaseUrl;
  const app = await buildApp({
    config,
    prisma,
    sonletSandbox,
    extraSandboxes,
    readiness: async () => {
      const { pending } = await migrationStatus(dbUrl);
      return pending.length ? `pending migrations: ${pending.join(', ')}` : null;
    },
  });

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    say(`${signal} received: finishing in-flight requests`);
    const force = setTimeout(() => {
      console.error('[console] shutdown took longer than 20 s, exiting');
      process.exit(1);
    }, 20_000);
    force.unref();
    try {
      await app.close();
      await sonletSandbox?.close();
      if (stopEmbedded) await stopEmbedded();
      say('stopped cleanly');
      process.exit(0);
    } catch (err) {
      console.error('[console] error during shutdown', err);
      process.exit(1);
    }
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));

  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (err) {
    console.error(`[console] could not listen on ${config.host}:${config.port}: ${(err as Error).message}`);
    await sonletSandbox?.close();
    if (stopEmbedded) await stopEmbedded();
    process.exit(1);
  }
  say(`ready in ${((Date.now() - startedAt) / 1000).toFixed(1)} s${config.sandbox ? ' (sandbox mode: Sonlet and Plugboard are simulated)' : ''}`);
  say(`open ${config.publicUrl}`);
}

main().catch((err) => {
  console.error('[console] failed to start:', err);
  process.exit(1);
});

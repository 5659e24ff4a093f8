/**
 * Account commands for the machine's owner, no web access needed (see package.json):
 *   npm run user:create-admin -- <email>      make an account admin (creating it, with a link to set its password)
 *   npm run user:reset-password -- <email>    print a one-time password-reset link
 *   npm run user:list                         list the accounts and their state
 *
 * Uses DATABASE_URL, or the embedded Postgres in DATA_DIR as `npm start` does; links start with PUBLIC_URL.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { loadConfig, ConfigError, type Config } from '../config.js';
import { withKeptSecrets } from '../kept-secrets.js';
import { createPrisma } from '../db/client.js';
import { applyMigrations } from '../db/migrate.js';
import { withDatabase } from '../db/with-database.js';
import { registerServices, servicePlugins } from '../services/index.js';
import { DomainError } from '../errors.js';
import { RESET_HOURS } from '../accounts/password-resets.js';

const out = (line: string) => process.stdout.write(`${line}\n`);
// Progress goes to stderr, so stdout is only the answer (a link can be piped).
const note = (line: string) => process.stderr.write(`${line}\n`);
const usage = 'usage: npm run user:create-admin -- <email> | npm run user:reset-password -- <email> | npm run user:list';

async function run(command: string | undefined, email: string | undefined, config: Config, app: FastifyInstance): Promise<number> {
  const resetLinkFor = async (user: { id: string; email: string }) => `${config.publicUrl}/reset-password/${await app.passwordResets.issue(user, null)}`;
  switch (command) {
    case 'create-admin': {
      const user = await app.team.ensureAdmin(email!);
      if (!user.created) {
        out(`${user.email} is ${user.role === 'owner' ? 'the owner' : 'an admin'}.`);
        return 0;
      }
      out(`Created ${user.email} as ${user.role === 'owner' ? 'the owner' : 'an admin'}. Set its password within ${RESET_HOURS} hours (the link works once):`);
      out(await resetLinkFor(user));
      return 0;
    }
    case 'reset-password': {
      const user = await app.team.findByEmail(email!);
      if (!user) {
        note(`No account has the address ${email}.`);
        return 1;
      }
      out(`One-time link to set a new password for ${user.email} (valid ${RESET_HOURS} hours):`);
      out(await resetLinkFor(user));
      return 0;
    }
    case 'list': {
      const members = await app.team.members();
      if (!members.length) out('No accounts yet. The first sign-up (or user:create-admin) creates the owner.');
      for (const m of members) {
        const state = [m.role, m.disabled ? 'disabled' : 'active', `sonlet ${m.sonlet}`, m.plugboardConfigured ? 'plugboard configured' : 'no plugboard', `${m.uploadsWaiting} uploads waiting`, `${m.uploadsFailed} failed`];
        out(`${m.email}\t${state.join(', ')}\tsince ${m.createdAt.toISOString().slice(0, 10)}`);
      }
      return 0;
    }
    default:
      note(usage);
      return 2;
  }
}

async function main(argv: string[]): Promise<number> {
  const [command, email] = argv;
  if (!command || ((command === 'create-admin' || command === 'reset-password') && !email) || !['create-admin', 'reset-password', 'list'].includes(command)) {
    note(usage);
    return 2;
  }
  // The same configuration as `npm start` (in sandbox mode, the same kept secrets).
  const config = loadConfig(await withKeptSecrets(process.env));
  return withDatabase(async (url) => {
    await applyMigrations(url);
    const prisma = createPrisma(url);
    // The web app's own service plugins, up to the accounts: no routes, no background work.
    const app = Fastify({ logger: false });
    app.decorate('config', config);
    const { clock, db, jobs, audit, sonlet, accounts } = servicePlugins;
    try {
      await registerServices(app, { prisma, background: null }, { clock, db, jobs, audit, sonlet, accounts });
      await app.ready();
      return await run(command, email, config, app);
    } finally {
      // Closes the notifications connection.
      await app.close();
      await prisma.$disconnect();
    }
  }, note);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof ConfigError) note(`Configuration error:\n${err.problems.map((p) => `  - ${p}`).join('\n')}`);
    else note(err instanceof DomainError ? err.message : `failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  },
);

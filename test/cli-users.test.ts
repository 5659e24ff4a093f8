/** The machine owner's command line, run as a self-hoster would (`npm run user:…`), against a console's database. */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { startStack, uniqueEmail, type Stack } from './support/stack.js';
import { freshDatabase } from './support/database.js';
import { HttpSession } from './support/http.js';
import { rememberSecret } from './support/secrets.js';

let stack: Stack;
let database: { url: string; drop(): Promise<void> };
let db: pg.Pool;

beforeAll(async () => {
  database = await freshDatabase();
  db = new pg.Pool({ connectionString: database.url, max: 2 });
  stack = await startStack({ databaseUrl: database.url, env: { SIGNUP: 'invite' } });
});
afterAll(async () => {
  await stack?.close();
  await db?.end();
  await database?.drop();
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function npmRun(script: string, ...args: string[]): Promise<Run> {
  const env: Record<string, string | undefined> = {
    ...process.env,
    DATABASE_URL: database.url,
    PUBLIC_URL: stack.console.url,
    DATA_DIR: mkdtempSync(path.join(tmpdir(), 'console-cli-')),
    SONLET_BASE_URL: 'https://sonlet.invalid',
    SONLET_CLIENT_ID: 'cli-test',
    SONLET_CLIENT_SECRET: 'cli-test-secret',
    SESSION_SECRET: randomBytes(32).toString('hex'),
    TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
  };
  for (const name of Object.keys(env)) if (name.startsWith('VITEST')) delete env[name];
  const child = spawn('npm', ['run', '-s', script, ...(args.length ? ['--', ...args] : [])], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c));
  child.stderr.on('data', (c: Buffer) => (stderr += c));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
}

/** The link a command printed; following it in a browser sets the password. */
async function setPasswordThrough(run: Run, password: string): Promise<void> {
  const link = /(http\S+\/reset-password\/\S+)/.exec(run.stdout)?.[1];
  if (!link) throw new Error(`no link printed: ${run.stdout} ${run.stderr}`);
  rememberSecret(link.split('/').pop()!, 'a reset token from the command line');
  rememberSecret(password, 'a password set through a link');
  const path = new URL(link).pathname;
  const browser = new HttpSession(stack.console.url);
  const res = await browser.submit(path, '/reset-password', { token: path.split('/').pop()!, password });
  expect(res.status).toBe(200);
}

const signIn = (email: string, password: string) => new HttpSession(stack.console.url).submit('/sign-in', '/sign-in', { email, password });

// Each `npm run` starts npm, then tsx: seconds apiece on a busy machine, so these tests get more than the default 30 s.
describe('npm run user:*', { timeout: 120_000 }, () => {
  it('create-admin on an empty console makes the owner, with a one-time link to set the password', async () => {
    expect((await npmRun('user:list')).stdout).toContain('No accounts yet');
    const email = uniqueEmail('machine-owner');
    const run = await npmRun('user:create-admin', email.toUpperCase());
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`Created ${email} as the owner`);
    await setPasswordThrough(run, 'the owner chose this one');
    expect((await signIn(email, 'the owner chose this one')).status).toBe(302);

    const second = uniqueEmail('second-admin');
    const again = await npmRun('user:create-admin', second);
    expect(again.stdout).toContain(`Created ${second} as an admin`);
    expect((await npmRun('user:create-admin', email)).stdout).toContain(`${email} is the owner.`);

    const { rows } = await db.query(`SELECT kind, detail->>'via' AS via FROM "AuditEvent" ORDER BY id`);
    expect(rows).toEqual(expect.arrayContaining([{ kind: 'owner-created', via: 'command line' }, { kind: 'password-reset-used', via: null }]));
  });

  it('create-admin promotes an existing seller; reset-password prints a link that works once; list shows everyone', async () => {
    const sellerEmail = uniqueEmail('seller');
    await db.query(`INSERT INTO "User" (id, email, "passwordHash", role) VALUES (gen_random_uuid(), $1, 'scrypt$x', 'seller')`, [sellerEmail]);
    expect((await npmRun('user:create-admin', sellerEmail)).stdout).toContain(`${sellerEmail} is an admin`);
    expect((await db.query('SELECT role FROM "User" WHERE email = $1', [sellerEmail])).rows[0].role).toBe('admin');

    const reset = await npmRun('user:reset-password', sellerEmail);
    expect(reset.code).toBe(0);
    await setPasswordThrough(reset, 'a password from the link');
    expect((await signIn(sellerEmail, 'a password from the link')).status).toBe(302);

    const unknown = await npmRun('user:reset-password', 'nobody@example.com');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('No account has the address nobody@example.com');

    const list = await npmRun('user:list');
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`${sellerEmail}\\tadmin, active`));
    expect(list.stdout.trim().split('\n')).toHaveLength(3);

    const usage = await npmRun('user:reset-password');
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('usage:');
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { startStack, uniqueEmail, connectSonlet, type Stack } from './support/stack.js';
import { settingsFor } from './support/shop.js';
import { startPlugboardSandbox, DEMO_PLUGBOARD_TENANTS } from '../src/sandbox/plugboard/index.js';
import { freshDatabase } from './support/database.js';
import { HttpSession, location } from './support/http.js';
import { rememberSecret } from './support/secrets.js';
import { joinThrough, oneTimeLinkFrom } from './support/team.js';
import { createPrisma } from '../src/db/client.js';
import { createAuditTrail } from '../src/audit/audit-trail.js';
import { createInvitations, INVITATION_DAYS } from '../src/accounts/invitations.js';
import type { PrismaClient } from '../src/generated/prisma/client.js';

/** A console of its own (its own database), invite-only: the first sign-up is the owner. */
let stack: Stack;
let database: { url: string; drop(): Promise<void> };
let db: pg.Pool;
let prisma: PrismaClient;

const PASSWORD = 'a long enough password';
const owner = { email: uniqueEmail('owner'), browser: null as unknown as HttpSession };

beforeAll(async () => {
  database = await freshDatabase();
  db = new pg.Pool({ connectionString: database.url, max: 2 });
  prisma = createPrisma(database.url);
  stack = await startStack({ databaseUrl: database.url, env: { SIGNUP: 'invite' } });
  rememberSecret(PASSWORD, 'a seller password');
});
afterAll(async () => {
  await stack?.close();
  await prisma?.$disconnect();
  await db?.end();
  await database?.drop();
});

/** Fills the sign-up form found at `formPath` (with its hidden fields, e.g. an invitation's) and sends it. */
async function signUpAs(email: string, fields: Record<string, string> = {}, formPath = '/sign-up') {
  const browser = new HttpSession(stack.console.url);
  const { html, csrf } = await browser.page(formPath);
  const invite = /name="invite" value="([^"]+)"/.exec(html)?.[1];
  const res = await browser.postForm('/sign-up', { email, password: PASSWORD, _csrf: csrf ?? '', ...(invite ? { invite } : {}), ...fields });
  return { browser, res };
}

async function invite(email = ''): Promise<string> {
  const res = await owner.browser.submit('/admin', '/admin/invitations', { email });
  expect(res.status).toBe(200);
  return oneTimeLinkFrom(res);
}

async function idOf(email: string): Promise<string> {
  const { rows } = await db.query('SELECT id FROM "User" WHERE email = $1', [email]);
  return rows[0].id;
}

async function auditKinds(): Promise<string[]> {
  const { rows } = await db.query('SELECT kind FROM "AuditEvent" ORDER BY id');
  return rows.map((r) => r.kind);
}

describe('an invite-only console run by its owner', () => {
  it('makes the first sign-up the owner, then refuses anonymous sign-ups', async () => {
    const form = await new HttpSession(stack.console.url).page('/sign-up');
    expect(form.html).toContain('Create the owner account');

    const first = await signUpAs(owner.email);
    expect(first.res.status).toBe(302);
    owner.browser = first.browser;
    expect((await db.query('SELECT role FROM "User" WHERE email = $1', [owner.email])).rows[0].role).toBe('owner');

    const closed = await new HttpSession(stack.console.url).page('/sign-up');
    expect(closed.html).toContain('invite-only');
    expect(closed.html).not.toContain('name="password"');

    // A form posted anyway (an old tab, a script) is refused too, and keeps the address typed.
    const stranger = uniqueEmail('stranger');
    const { res } = await signUpAs(stranger, {}, '/sign-in');
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('invite-only');
    expect((await db.query('SELECT 1 FROM "User" WHERE email = $1', [stranger])).rowCount).toBe(0);
    expect(await auditKinds()).toContain('owner-created');
  });

  it('an invitation link works once, is stored only as a hash, and shows in the audit trail', async () => {
    const link = await invite();
    const token = link.split('/join/')[1]!;
    const { rows } = await db.query('SELECT "tokenHash" FROM "Invitation"');
    expect(JSON.stringify(rows)).not.toContain(token);

    const seller = uniqueEmail('invited');
    const joined = await signUpAs(seller, {}, new URL(link).pathname);
    expect(joined.res.status).toBe(302);
    expect((await joined.browser.page('/')).html).toContain('Welcome');

    const again = await new HttpSession(stack.console.url).get(new URL(link).pathname);
    expect(again.status).toBe(410);
    expect(await again.text()).toContain('already used');
    expect(await auditKinds()).toEqual(expect.arrayContaining(['invitation-issued', 'invitation-used']));
  });

  it('an invitation for an address works only for that address; a revoked one not at all', async () => {
    const invited = uniqueEmail('named');
    const link = await invite(invited);
    const path = new URL(link).pathname;
    const page = await new HttpSession(stack.console.url).page(path);
    expect(page.html).toContain(`value="${invited}" readonly`);

    const wrong = await signUpAs(uniqueEmail('other'), {}, path);
    expect(wrong.res.status).toBe(400);
    expect(await wrong.res.text()).toContain(`This invitation is for ${invited}`);
    expect((await signUpAs(invited, {}, path)).res.status).toBe(302);

    const revoked = await invite();
    const { rows } = await db.query('SELECT id FROM "Invitation" WHERE "usedAt" IS NULL AND "revokedAt" IS NULL');
    expect(rows).toHaveLength(1);
    expect((await owner.browser.submit('/admin', `/admin/invitations/${rows[0].id}/revoke`, {})).status).toBe(302);
    expect((await new HttpSession(stack.console.url).get(new URL(revoked).pathname)).status).toBe(410);
    expect(await auditKinds()).toContain('invitation-revoked');
  });

  it('disabling a seller ends their sessions at once and refuses their sign-in until enabled', async () => {
    const seller = uniqueEmail('disabled');
    const { browser } = await signUpAs(seller, {}, new URL(await invite()).pathname);
    expect((await browser.get('/items')).status).not.toBe(302);
    const id = await idOf(seller);

    expect((await owner.browser.submit('/admin', `/admin/sellers/${id}/disable`, {})).status).toBe(302);
    const next = await browser.get('/items');
    expect(next.status).toBe(302);
    expect(location(next)).toMatch(/^\/sign-in/);
    const refused = await new HttpSession(stack.console.url).submit('/sign-in', '/sign-in', { email: seller, password: PASSWORD });
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain('disabled');

    await owner.browser.submit('/admin', `/admin/sellers/${id}/enable`, {});
    expect((await new HttpSession(stack.console.url).submit('/sign-in', '/sign-in', { email: seller, password: PASSWORD })).status).toBe(302);
    expect(await auditKinds()).toEqual(expect.arrayContaining(['seller-disabled', 'seller-enabled', 'sign-in-failed', 'sign-in']));
    const disabled = (await db.query(`SELECT "actorEmail", "subjectEmail", ip FROM "AuditEvent" WHERE kind = 'seller-disabled' AND "subjectId" = $1`, [id])).rows;
    expect(disabled).toEqual([{ actorEmail: owner.email, subjectEmail: seller, ip: '127.0.0.1' }]);
  });

  it('only the owner names admins; an admin manages sellers but not the owner or other admins; sellers see no admin page', async () => {
    const adminEmail = uniqueEmail('admin');
    const admin = await signUpAs(adminEmail, {}, new URL(await invite()).pathname);
    const sellerEmail = uniqueEmail('plain');
    const seller = await signUpAs(sellerEmail, {}, new URL(await invite()).pathname);

    expect((await seller.browser.get('/admin')).status).toBe(403);
    expect((await owner.browser.submit('/admin', `/admin/sellers/${await idOf(adminEmail)}/make-admin`, {})).status).toBe(302);
    // The admin's open session learns the role (the navigation shows Team) without signing in again.
    expect((await admin.browser.page('/')).html).toContain('href="/admin"');

    const ownerId = await idOf(owner.email);
    expect((await admin.browser.submit('/admin', `/admin/sellers/${ownerId}/disable`, {})).status).toBe(403);
    expect((await admin.browser.submit('/admin', `/admin/sellers/${await idOf(sellerEmail)}/make-admin`, {})).status).toBe(403);
    expect((await admin.browser.submit('/admin', `/admin/sellers/${await idOf(sellerEmail)}/disable`, {})).status).toBe(302);
    expect((await db.query('SELECT "disabledAt" FROM "User" WHERE email = $1', [sellerEmail])).rows[0].disabledAt).not.toBeNull();
    expect((await owner.browser.submit('/admin', `/admin/sellers/${ownerId}/delete`, {})).status).toBe(403);
  });

  it('a password-reset link sets a new password once and signs the seller out everywhere', async () => {
    const seller = uniqueEmail('forgetful');
    const { browser } = await signUpAs(seller, {}, new URL(await invite()).pathname);
    const link = await oneTimeLinkFrom(await owner.browser.submit('/admin', `/admin/sellers/${await idOf(seller)}/reset-link`, {}));
    const path = new URL(link).pathname;

    const resetter = new HttpSession(stack.console.url);
    const short = await resetter.submit(path, '/reset-password', { token: path.split('/').pop()!, password: 'short' });
    expect(short.status).toBe(400);
    const newPassword = 'a brand new long password';
    rememberSecret(newPassword, 'a new password');
    const done = await resetter.submit(path, '/reset-password', { token: path.split('/').pop()!, password: newPassword });
    expect(done.status).toBe(200);
    expect(await done.text()).toContain('Password changed');

    expect((await browser.get('/items')).status).toBe(302);
    expect((await new HttpSession(stack.console.url).submit('/sign-in', '/sign-in', { email: seller, password: PASSWORD })).status).toBe(401);
    expect((await new HttpSession(stack.console.url).submit('/sign-in', '/sign-in', { email: seller, password: newPassword })).status).toBe(302);
    expect((await resetter.get(path)).status).toBe(410);
    // The token never reaches a log line in clear.
    expect(stack.console.logs.join('')).toContain('/reset-password/[redacted]');
  });

  it('a one-time link does not outlive what it was made on: the admin who made it, the account’s role, state and password', async () => {
    const adminEmail = uniqueEmail('link-maker');
    const admin = await signUpAs(adminEmail, {}, new URL(await invite()).pathname);
    expect((await owner.browser.submit('/admin', `/admin/sellers/${await idOf(adminEmail)}/make-admin`, {})).status).toBe(302);
    const [promotedEmail, keptEmail, disabledEmail, carefulEmail] = ['promoted', 'kept', 'disabled', 'careful'].map((n) => uniqueEmail(n));
    const careful = await signUpAs(carefulEmail, {}, new URL(await invite()).pathname);
    for (const email of [promotedEmail, keptEmail, disabledEmail]) await signUpAs(email, {}, new URL(await invite()).pathname);
    const resetLink = async (email: string) => new URL(await oneTimeLinkFrom(await admin.browser.submit('/admin', `/admin/sellers/${await idOf(email)}/reset-link`, {}))).pathname;
    const promoted = await resetLink(promotedEmail);
    const kept = await resetLink(keptEmail);
    const disabled = await resetLink(disabledEmail);
    const forCareful = await resetLink(carefulEmail);
    const invitation = new URL(await oneTimeLinkFrom(await admin.browser.submit('/admin', '/admin/invitations', { email: '' }))).pathname;
    const opens = async (path: string) => (await new HttpSession(stack.console.url).get(path)).status;
    expect(await Promise.all([promoted, kept, disabled, forCareful, invitation].map(opens))).toEqual([200, 200, 200, 200, 200]);

    // Made admin since: only the owner manages admins, so the admin's link to that account is void.
    expect((await owner.browser.submit('/admin', `/admin/sellers/${await idOf(promotedEmail)}/make-admin`, {})).status).toBe(302);
    expect(await opens(promoted)).toBe(410);
    // Disabled, then enabled again: the link kept from before is void.
    for (const action of ['disable', 'enable']) expect((await owner.browser.submit('/admin', `/admin/sellers/${await idOf(disabledEmail)}/${action}`, {})).status).toBe(302);
    expect(await opens(disabled)).toBe(410);
    // The seller changed their own password: a link someone else holds would undo it.
    const changed = await careful.browser.submit('/account', '/account/password', { current: PASSWORD, password: 'another long password', confirm: 'another long password' });
    expect(changed.status).toBeLessThan(400);
    expect(await opens(forCareful)).toBe(410);
    expect(await opens(kept)).toBe(200);

    // The admin who made them is no longer an admin: their reset links and invitations are void.
    expect((await owner.browser.submit('/admin', `/admin/sellers/${await idOf(adminEmail)}/unmake-admin`, {})).status).toBe(302);
    expect(await opens(kept)).toBe(410);
    expect(await opens(invitation)).toBe(410);
    const tried = await new HttpSession(stack.console.url).submit('/sign-in', '/reset-password', { token: kept.split('/').pop()!, password: 'taken over at last' });
    expect(tried.status).toBe(410);
    const joined = await new HttpSession(stack.console.url).submit('/sign-in', '/sign-up', { email: uniqueEmail('late'), password: PASSWORD, invite: invitation.split('/').pop()! });
    expect(joined.status).toBeGreaterThanOrEqual(400);
    expect((await new HttpSession(stack.console.url).submit('/sign-in', '/sign-in', { email: keptEmail, password: PASSWORD })).status).toBe(302);
  });

  it('deleting a seller removes everything of theirs and keeps the audit event', async () => {
    const seller = uniqueEmail('leaving');
    const { browser } = await signUpAs(seller, {}, new URL(await invite()).pathname);
    expect((await connectSonlet(browser)).status).toBe(302);
    const revokedBefore = stack.sonlet.sandbox.stats.byPath.get('/o/revoke_token/') ?? 0;
    const id = await idOf(seller);
    await db.query(`INSERT INTO "Upload" (id, "userId", "batchId", "originalName", "contentType", "byteSize", "itemchoiceId", "sizeId", "imageKey", "itemKey", "updatedAt")
      VALUES (gen_random_uuid(), $1, gen_random_uuid(), 'a.jpg', 'image/jpeg', 10, 1, 1, 'k1', 'k2', now())`, [id]);
    await db.query(`INSERT INTO "PlugboardConnection" ("userId", "baseUrl", tenant, "connectionId", username, "passwordEnc", "updatedAt") VALUES ($1, 'http://x', 't', 'c', 'u', 'sealed', now())`, [id]);

    const confirm = await owner.browser.page(`/admin/sellers/${id}/delete`);
    expect(confirm.html).toContain(`Delete ${seller}?`);
    expect((await owner.browser.submit(`/admin/sellers/${id}/delete`, `/admin/sellers/${id}/delete`, {})).status).toBe(302);
    // Its Sonlet tokens were revoked at Sonlet first, as when a seller deletes their own account.
    expect(stack.sonlet.sandbox.stats.byPath.get('/o/revoke_token/')).toBe(revokedBefore + 2);
    for (const table of ['User', 'Session', 'Upload', 'PlugboardConnection', 'SonletConnection']) {
      const column = table === 'User' ? 'id' : '"userId"';
      expect((await db.query(`SELECT 1 FROM "${table}" WHERE ${column} = $1`, [id])).rowCount, table).toBe(0);
    }
    const { rows } = await db.query(`SELECT "subjectEmail" FROM "AuditEvent" WHERE kind = 'account-deleted'`);
    expect(rows.map((r) => r.subjectEmail)).toContain(seller);
  });

  it('the admin page shows each seller’s state and never their secrets', async () => {
    const { html } = await owner.browser.page('/admin');
    expect(html).toContain('At a glance');
    expect(html).toContain('Postgres size');
    expect(html).toMatch(/Not connected/);
    const { rows } = await db.query('SELECT "passwordHash" FROM "User"');
    for (const row of rows) expect(html).not.toContain(row.passwordHash);
    const audit = await owner.browser.page('/admin/audit');
    expect(audit.html).toContain('Invitation issued');
    expect(audit.html).toContain('Seller disabled');
    // An odd cursor is the first page, not an error.
    expect((await owner.browser.get('/admin/audit?before=abc')).status).toBe(200);
  });
});

describe('a seller’s own security events', () => {
  it('connecting and disconnecting Sonlet and saving Plugboard settings are in the audit trail, without secrets', async () => {
    const plugboard = await startPlugboardSandbox();
    try {
      const email = uniqueEmail('connector');
      const { browser } = await signUpAs(email, {}, new URL(await invite()).pathname);
      expect((await connectSonlet(browser)).status).toBe(302);
      const demo = DEMO_PLUGBOARD_TENANTS.find((t) => t.tenant === 'demo')!;
      expect((await browser.submit('/settings/plugboard', '/settings/plugboard', settingsFor(plugboard.url, demo))).status).toBe(303);
      // Disconnecting takes its second step (confirm=yes).
      expect((await browser.submit('/', '/connect/sonlet/disconnect', { confirm: 'yes' })).status).toBe(302);
      const { rows } = await db.query(`SELECT kind FROM "AuditEvent" WHERE "actorEmail" = $1 ORDER BY id`, [email]);
      expect(rows.map((r) => r.kind)).toEqual(['invitation-used', 'sonlet-connected', 'plugboard-settings-saved', 'sonlet-disconnected']);
      rememberSecret(demo.password, 'the Plugboard password');
    } finally {
      await plugboard.close();
    }
  });
});

describe('hostile requests to the team pages', () => {
  it('are refused with the right status and change nothing', async () => {
    const seller = await signUpAs(uniqueEmail('curious'), {}, new URL(await invite()).pathname);
    const { csrf } = await seller.browser.page('/');
    const ownerId = await idOf(owner.email);
    for (const path of [`/admin/sellers/${ownerId}/disable`, `/admin/sellers/${ownerId}/delete`, '/admin/invitations']) {
      expect((await seller.browser.postForm(path, { _csrf: csrf! })).status, path).toBe(403);
    }
    expect((await db.query('SELECT "disabledAt" FROM "User" WHERE id = $1', [ownerId])).rows[0].disabledAt).toBeNull();

    const { csrf: ownerCsrf } = await owner.browser.page('/admin');
    expect((await owner.browser.postForm(`/admin/sellers/not-a-uuid/disable`, { _csrf: ownerCsrf! })).status).toBe(400);
    expect((await owner.browser.postForm(`/admin/sellers/${ownerId}/launch-missiles`, { _csrf: ownerCsrf! })).status).toBe(400);
    expect((await owner.browser.postForm(`/admin/sellers/${await idOf(owner.email)}/disable`, {})).status).toBe(403);
    const badEmail = await owner.browser.postForm('/admin/invitations', { _csrf: ownerCsrf!, email: 'not an address' });
    expect(badEmail.status).toBe(400);
    expect(await badEmail.text()).toContain('value="not an address"');
    expect((await owner.browser.postForm('/admin/invitations', { _csrf: ownerCsrf!, email: 'a\u202eb@example.com' })).status).toBe(400);

    const anonymous = new HttpSession(stack.console.url);
    expect(location(await anonymous.get('/admin'))).toMatch(/^\/sign-in/);
    for (const token of ['x', 'A'.repeat(43), '../../etc/passwd', 'A'.repeat(101)]) {
      const res = await anonymous.get(`/join/${encodeURIComponent(token)}`);
      expect([400, 410], token).toContain(res.status);
    }
    const forged = await anonymous.submit('/sign-in', '/sign-up', { email: uniqueEmail('forger'), password: PASSWORD, invite: 'B'.repeat(43) });
    expect(forged.status).toBe(410);
  });
});

describe('the audit trail', () => {
  it('refuses updates and the removal of fresh events; pruning removes only events past the retention', async () => {
    await db.query(`INSERT INTO "AuditEvent" (kind, at) VALUES ('sign-in', now() - interval '100 days'), ('sign-in', now() - interval '10 days')`);
    await expect(db.query(`UPDATE "AuditEvent" SET kind = 'sign-out'`)).rejects.toThrow(/append-only/);
    await expect(db.query(`DELETE FROM "AuditEvent" WHERE at > now() - interval '1 hour'`)).rejects.toThrow(/younger than a day/);
    await expect(db.query(`TRUNCATE "AuditEvent"`)).rejects.toThrow(/append-only/);

    const before = Number((await db.query('SELECT count(*) FROM "AuditEvent"')).rows[0].count);
    expect(await createAuditTrail(prisma).prune(90)).toBe(1);
    expect(Number((await db.query('SELECT count(*) FROM "AuditEvent"')).rows[0].count)).toBe(before - 1);
  });

  it('is pruned by a recurring background task, queued when a console starts its background work', async () => {
    const { rows } = await db.query(`INSERT INTO "AuditEvent" (kind, at) VALUES ('sign-in', now() - interval '200 days') RETURNING id`);
    const worker = await startStack({ databaseUrl: database.url, jobs: true, env: { SIGNUP: 'invite' } });
    try {
      await expect.poll(async () => (await db.query('SELECT 1 FROM "AuditEvent" WHERE id = $1', [rows[0].id])).rowCount, { timeout: 10_000, interval: 100 }).toBe(0);
      // Then it waits for its next hour.
      const nextRun = async () => {
        const task = (await db.query(`SELECT status, "runAt" FROM "Task" WHERE name = 'audit-pruning'`)).rows[0];
        return task.status === 'waiting' ? new Date(task.runAt).getTime() - Date.now() : 0;
      };
      await expect.poll(nextRun, { timeout: 5_000, interval: 100 }).toBeGreaterThan(50 * 60_000);
    } finally {
      await worker.close();
    }
  });

  it('a failed sign-in records the address, never the password, nor a password typed as the address', async () => {
    const typedPassword = 'my-secret-password-typed-wrong';
    rememberSecret(typedPassword, 'a password typed into the email field');
    await new HttpSession(stack.console.url).submit('/sign-in', '/sign-in', { email: owner.email, password: typedPassword });
    await new HttpSession(stack.console.url).submit('/sign-in', '/sign-in', { email: typedPassword, password: typedPassword });
    const { rows } = await db.query(`SELECT row_to_json(e)::text AS line, "subjectEmail" FROM "AuditEvent" e WHERE kind = 'sign-in-failed' ORDER BY id DESC LIMIT 2`);
    expect(rows.map((r) => r.subjectEmail)).toEqual([null, owner.email]);
    for (const row of rows) expect(row.line).not.toContain(typedPassword);
  });
});

describe('invitations over time', () => {
  it(`expire after ${INVITATION_DAYS} days`, async () => {
    let now = Date.now();
    const clock = { now: () => now };
    const invitations = createInvitations(prisma, createAuditTrail(prisma), clock);
    const ownerRow = (await db.query('SELECT id, email FROM "User" WHERE role = $1', ['owner'])).rows[0];
    const { token } = await invitations.issue({ ...ownerRow, role: 'owner' }, null);
    rememberSecret(token, 'an invitation token');
    now += (INVITATION_DAYS * 24 - 1) * 3600_000;
    await expect(invitations.open(token)).resolves.toBeTruthy();
    now += 2 * 3600_000;
    await expect(invitations.open(token)).rejects.toThrow(/expired/);
  });
});

describe('a fresh console', () => {
  it('two people racing to sign up first make exactly one owner', async () => {
    const fresh = await freshDatabase();
    const race = await startStack({ databaseUrl: fresh.url, env: { SIGNUP: 'invite' } });
    try {
      const results = await Promise.all([uniqueEmail('a'), uniqueEmail('b'), uniqueEmail('c')].map((email) => new HttpSession(race.console.url).submit('/sign-up', '/sign-up', { email, password: PASSWORD })));
      expect(results.map((r) => r.status).sort()).toEqual([302, 403, 403]);
      const owners = new pg.Client({ connectionString: fresh.url });
      await owners.connect();
      const { rows } = await owners.query('SELECT role FROM "User"');
      await owners.end();
      expect(rows.map((r) => r.role)).toEqual(['owner']);
    } finally {
      await race.close();
      await fresh.drop();
    }
  });

  it('SIGNUP=closed: the first sign-up makes the owner, then the form is refused, and an invitation still lets a seller in', async () => {
    const fresh = await freshDatabase();
    const closed = await startStack({ databaseUrl: fresh.url, env: { SIGNUP: 'closed' } });
    try {
      const first = new HttpSession(closed.console.url);
      expect((await first.submit('/sign-up', '/sign-up', { email: uniqueEmail('owner'), password: PASSWORD })).status).toBe(302);
      const stranger = new HttpSession(closed.console.url);
      const offered = await stranger.page('/sign-up');
      expect(offered.html).toContain('This console is not taking new accounts.');
      expect(offered.html).not.toContain('name="password"');
      // Posted anyway, with a form token the sign-in page gave: the server refuses it too.
      const signInForm = await stranger.page('/sign-in');
      const refused = await stranger.postForm('/sign-up', { _csrf: signInForm.csrf!, email: uniqueEmail('stranger'), password: PASSWORD });
      expect(refused.status).toBe(403);
      expect(await refused.text()).toContain('This console is not taking new accounts.');

      const link = await oneTimeLinkFrom(await first.submit('/admin', '/admin/invitations', { email: '' }));
      expect((await joinThrough(closed.console.url, link, uniqueEmail('invited'), PASSWORD)).res.status).toBe(302);

      const users = new pg.Client({ connectionString: fresh.url });
      await users.connect();
      const { rows } = await users.query('SELECT role FROM "User" ORDER BY "createdAt"');
      await users.end();
      expect(rows.map((r) => r.role)).toEqual(['owner', 'seller']);
    } finally {
      await closed.close();
      await fresh.drop();
    }
  });
});

/**
 * Cached data crosses processes: when a seller's data changes in one console process, every other
 * process drops its in-memory copy (Postgres LISTEN/NOTIFY), and a listener that lost its connection
 * drops everything once it is back, since it may have missed a notification.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import pg from 'pg';
import { startStack, signUp, connectSonlet, uniqueEmail, type ConsoleInstance, type Stack } from './support/stack.js';
import { createNotifications } from '../src/db/notifications.js';
import { createPrisma, poolOf } from '../src/db/client.js';
import { PrismaSessionStore } from '../src/accounts/session-store.js';
import { SessionCopies } from '../src/accounts/session-copies.js';
import { HttpSession } from './support/http.js';
import { startPlugboardSandbox, DEMO_PLUGBOARD_TENANTS, type StartedPlugboardSandbox } from '../src/sandbox/plugboard/index.js';

let stack: Stack;
let other: ConsoleInstance;
let userId: string;
let plugboard: StartedPlugboardSandbox;

beforeAll(async () => {
  [stack, plugboard] = await Promise.all([startStack({ env: { LOG_LEVEL: 'warn' } }), startPlugboardSandbox()]);
  other = await stack.addInstance();
  const email = uniqueEmail('cached');
  const browser = await signUp(stack.console.url, email);
  expect((await connectSonlet(browser, { username: 'demo2', password: 'demo2' })).status).toBe(302);
  userId = (await stack.console.app.prisma.user.findUniqueOrThrow({ where: { email } })).id;
  await Promise.all([stack.console, other].map((i) => i.app.notifications.ready()));
});
afterAll(async () => {
  await stack?.close();
  await plugboard?.close();
});

const appOf = (instance: ConsoleInstance) => instance.app;
const catalogRow = () => appOf(stack.console).prisma.catalogCache.findUnique({ where: { userId_kind: { userId, kind: 'catalog' } } });

describe('two console processes', () => {
  it('the catalog forgotten in one is no longer served from the other’s memory', async () => {
    const { catalog, sonletApiFor } = appOf(other);
    const api = sonletApiFor(userId);
    await catalog.get(userId, api);
    expect(await catalogRow()).not.toBeNull();
    await appOf(stack.console).catalog.forget(userId);
    expect(await catalogRow()).toBeNull();
    // Served from memory, the other process would never look again (and never write the row back).
    await expect.poll(async () => (await catalog.get(userId, api), await catalogRow()), { timeout: 10_000 }).not.toBeNull();
  });

  it('a seller’s filtered walk is dropped everywhere when their inventory changes in one of them', async () => {
    const { summaries, sonletApiFor, catalog } = appOf(other);
    const api = sonletApiFor(userId);
    const filter = { style: (await catalog.get(userId, api)).styles[0]!.pk, size: null };
    const walked = await summaries.matchingItems(userId, api, filter);
    expect(await summaries.matchingItems(userId, api, filter)).toBe(walked);
    await appOf(stack.console).summaries.forget(userId);
    await expect.poll(async () => (await summaries.matchingItems(userId, api, filter)) !== walked, { timeout: 10_000 }).toBe(true);
  });
});

describe('Plugboard settings shown on the items pages', () => {
  it('saved in one process, they are read afresh in the other', async () => {
    const store = appOf(other).plugboardConnections;
    expect(await store.forDisplay(userId)).toBeNull();
    const demo = DEMO_PLUGBOARD_TENANTS.find((t) => t.tenant === 'demo')!;
    // Saving checks the settings with Plugboard's API root first, so they are the sandbox's demo tenant.
    const settings = { baseUrl: plugboard.url, tenant: demo.tenant, connectionId: demo.connectionId, username: demo.username, password: demo.password, vatRatePercent: '25', currency: 'SEK', languages: '', brand: '' };
    await appOf(stack.console).plugboardConnections.save(userId, settings);
    // Remembered for a few seconds, the other process would show "not set up" until then.
    await expect.poll(async () => (await store.forDisplay(userId))?.tenant, { timeout: 5_000 }).toBe('demo');
  });
});

describe('sessions, kept in each process’s memory', () => {
  const signedIn = async (browser: HttpSession) => (await browser.get('/account')).status === 200;

  /** A seller signed in, their session read (and kept) by both processes. */
  async function signedInToBoth() {
    const email = uniqueEmail('session');
    const here = await signUp(stack.console.url, email);
    const there = new HttpSession(other.url);
    for (const [name, value] of here.cookies) there.cookies.set(name, value);
    const id = (await appOf(stack.console).prisma.user.findUniqueOrThrow({ where: { email } })).id;
    for (let i = 0; i < 2; i++) expect([await signedIn(here), await signedIn(there)]).toEqual([true, true]);
    return { here, there, id, email };
  }

  it('signed out everywhere in one process, the session ends there at once and in the other as soon as it hears', async () => {
    const { here, there, id, email } = await signedInToBoth();
    await appOf(stack.console).ownAccount.signOutEverywhere({ id, email, ip: '127.0.0.1' });
    expect(await signedIn(here)).toBe(false);
    await expect.poll(() => signedIn(there), { timeout: 10_000 }).toBe(false);
  });

  const sessionIdOf = (browser: HttpSession) => decodeURIComponent(browser.cookies.get('sid')!).split('.')[0]!;
  const readFrom = (store: PrismaSessionStore, sid: string) =>
    new Promise<Record<string, unknown> | null>((resolve, reject) => store.get(sid, (err, s) => (err ? reject(err) : resolve((s as unknown as Record<string, unknown>) ?? null))));
  const writeTo = (store: PrismaSessionStore, sid: string, data: Record<string, unknown>) =>
    new Promise<void>((resolve, reject) => store.set(sid, data as never, (err) => (err ? reject(err) : resolve())));
  const rowsOf = (sid: string) => appOf(stack.console).prisma.session.count({ where: { id: sid } });

  it('a request that read the session before it was ended cannot write it back as it finishes', async () => {
    const { here, there, id, email } = await signedInToBoth();
    const sid = sessionIdOf(here);
    // A request in flight in the other process (an OAuth callback waiting on Sonlet) has read the session...
    const store = appOf(other).sessionStore;
    const loaded = await readFrom(store, sid);
    expect(loaded).toMatchObject({ userId: id });
    // ...the seller signs out everywhere meanwhile...
    await appOf(stack.console).ownAccount.signOutEverywhere({ id, email, ip: '127.0.0.1' });
    // ...and the request ends, saving the session it changed (the state it used is cleared).
    await writeTo(store, sid, { ...loaded, oauthState: null });
    expect(await rowsOf(sid)).toBe(0);
    expect(await signedIn(here)).toBe(false);
    await expect.poll(() => signedIn(there), { timeout: 10_000 }).toBe(false);
  });

  it('a request that read the session before the seller was made admin does not write the old role back', async () => {
    const { here, id } = await signedInToBoth();
    const sid = sessionIdOf(here);
    const store = appOf(other).sessionStore;
    const loaded = await readFrom(store, sid);
    expect(loaded).toMatchObject({ userRole: 'seller' });
    // The owner makes the seller an admin while that request is still waiting on Sonlet...
    const owner = await appOf(stack.console).prisma.user.findFirstOrThrow({ where: { role: 'owner' } });
    await appOf(stack.console).team.setAdmin({ id: owner.id, email: owner.email, role: 'owner', ip: '127.0.0.1' }, id, true);
    // ...and the request ends, saving the session it changed: its change is kept, the role it read is not.
    await writeTo(store, sid, { ...loaded, oauthState: 'state-of-this-request' });
    const row = await appOf(stack.console).prisma.session.findUniqueOrThrow({ where: { id: sid } });
    expect(row.data).toMatchObject({ userRole: 'admin', userId: id, oauthState: 'state-of-this-request' });
    // The navigation shows Team from the next page on, in either process.
    expect((await here.page('/')).html).toContain('href="/admin"');
  });

  it('a sign-in whose account was reset or disabled while its password was being checked starts no session', async () => {
    const email = uniqueEmail('raced');
    await signUp(stack.console.url, email);
    const user = await appOf(stack.console).prisma.user.findUniqueOrThrow({ where: { email } });
    const store = appOf(stack.console).sessionStore;
    const data = { userId: user.id, userEmail: email, userRole: user.role, cookie: { expires: new Date(Date.now() + 60_000).toISOString() } };
    // The password proved was the one before a reset that landed meanwhile.
    const afterReset = `sid-${randomUUID()}`;
    store.begin(afterReset, { id: user.id, passwordHash: 'the hash before the reset' });
    await writeTo(store, afterReset, data);
    expect(await rowsOf(afterReset)).toBe(0);
    // The account was disabled meanwhile.
    await appOf(stack.console).prisma.user.update({ where: { id: user.id }, data: { disabledAt: new Date() } });
    const afterDisable = `sid-${randomUUID()}`;
    store.begin(afterDisable, user);
    await writeTo(store, afterDisable, data);
    expect(await rowsOf(afterDisable)).toBe(0);
    // Enabled again, the same sign-in starts its session; a save without a sign-in before it creates nothing.
    await appOf(stack.console).prisma.user.update({ where: { id: user.id }, data: { disabledAt: null } });
    const fine = `sid-${randomUUID()}`;
    store.begin(fine, user);
    await writeTo(store, fine, data);
    expect(await rowsOf(fine)).toBe(1);
    const unbegun = `sid-${randomUUID()}`;
    await writeTo(store, unbegun, data);
    expect(await rowsOf(unbegun)).toBe(0);
  });

  it('a session row deleted by something else (a database tool, the command line) ends it in both', async () => {
    const { here, there, id } = await signedInToBoth();
    // Raw SQL, past every code path that tells the process's copies itself.
    await appOf(stack.console).prisma.$executeRaw`DELETE FROM "Session" WHERE "userId" = ${id}::uuid`;
    await expect.poll(async () => [await signedIn(here), await signedIn(there)], { timeout: 10_000 }).toEqual([false, false]);
  });

  it('while the listening connection is down, every read goes to the database', async () => {
    const prisma = createPrisma(poolOf(appOf(stack.console).prisma).options.connectionString!);
    const name = `session-listener-${randomUUID().slice(0, 8)}`;
    // Reconnecting only after the test: the copies must do without notifications meanwhile.
    const notifications = createNotifications(poolOf(prisma), { applicationName: name, reconnectDelayMs: 60_000 });
    const store = new PrismaSessionStore(prisma, new SessionCopies(notifications));
    const read = (sid: string) => new Promise((resolve, reject) => store.get(sid, (err, session) => (err ? reject(err) : resolve(session ?? null))));
    const sid = `test-${randomUUID()}`;
    try {
      await notifications.ready();
      await prisma.session.create({ data: { id: sid, userId, data: { userId }, expiresAt: new Date(Date.now() + 60_000) } });
      expect(await read(sid)).toEqual({ userId });
      await prisma.$executeRaw`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = ${name}`;
      await expect.poll(() => notifications.listening('console_session'), { timeout: 10_000 }).toBe(false);
      // Its notification is lost with the connection; the copy must not be served.
      await prisma.session.deleteMany({ where: { id: sid } });
      expect(await read(sid)).toBeNull();
      await prisma.session.create({ data: { id: sid, userId, data: { userId }, expiresAt: new Date(Date.now() + 60_000) } });
      expect(await read(sid)).toEqual({ userId });
      await prisma.session.deleteMany({ where: { id: sid } });
      expect(await read(sid)).toBeNull();
    } finally {
      await notifications.close();
      await prisma.session.deleteMany({ where: { id: sid } });
      await prisma.$disconnect();
    }
  });
});

describe('the listening connection', () => {
  it('comes back after Postgres drops it, and says so, so caches drop what they may have missed', async () => {
    const pool = new pg.Pool({ connectionString: inject('databaseUrl'), max: 2 });
    const name = `listener-test-${randomUUID().slice(0, 8)}`;
    const notifications = createNotifications(pool, { applicationName: name, reconnectDelayMs: 20 });
    const heard: string[] = [];
    let connects = 0;
    notifications.onReconnect(() => connects++);
    notifications.on('console_test_channel', (payload) => heard.push(payload));
    try {
      await notifications.ready();
      expect(connects).toBe(1);
      await pool.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [name]);
      await expect.poll(() => connects, { timeout: 10_000 }).toBe(2);
      await notifications.notify('console_test_channel', 'after the break');
      await expect.poll(() => heard, { timeout: 10_000 }).toEqual(['after the break']);
    } finally {
      await notifications.close();
      await pool.end();
    }
  });
});

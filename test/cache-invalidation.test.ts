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
  userId = (await stack.console.app.services.prisma.user.findUniqueOrThrow({ where: { email } })).id;
  await Promise.all([stack.console, other].map((i) => i.app.services.notifications.ready()));
});
afterAll(async () => {
  await stack?.close();
  await plugboard?.close();
});

const services = (instance: ConsoleInstance) => instance.app.services;
const catalogRow = () => services(stack.console).prisma.catalogCache.findUnique({ where: { userId_kind: { userId, kind: 'catalog' } } });

describe('two console processes', () => {
  it('the catalog forgotten in one is no longer served from the other’s memory', async () => {
    const { catalog, sonletApiFor } = services(other);
    const api = sonletApiFor(userId);
    await catalog.get(userId, api);
    expect(await catalogRow()).not.toBeNull();
    await services(stack.console).catalog.forget(userId);
    expect(await catalogRow()).toBeNull();
    // Served from memory, the other process would never look again (and never write the row back).
    await expect.poll(async () => (await catalog.get(userId, api), await catalogRow()), { timeout: 10_000 }).not.toBeNull();
  });

  it('a seller’s filtered walk is dropped everywhere when their inventory changes in one of them', async () => {
    const { summaries, sonletApiFor, catalog } = services(other);
    const api = sonletApiFor(userId);
    const filter = { style: (await catalog.get(userId, api)).styles[0]!.pk, size: null };
    const walked = await summaries.matchingItems(userId, api, filter);
    expect(await summaries.matchingItems(userId, api, filter)).toBe(walked);
    await services(stack.console).summaries.forget(userId);
    await expect.poll(async () => (await summaries.matchingItems(userId, api, filter)) !== walked, { timeout: 10_000 }).toBe(true);
  });
});

describe('Plugboard settings shown on the items pages', () => {
  it('saved in one process, they are read afresh in the other', async () => {
    const store = services(other).plugboardConnections;
    expect(await store.forDisplay(userId)).toBeNull();
    const demo = DEMO_PLUGBOARD_TENANTS.find((t) => t.tenant === 'demo')!;
    // Saving checks the settings with Plugboard's API root first, so they are the sandbox's demo tenant.
    const settings = { baseUrl: plugboard.url, tenant: demo.tenant, connectionId: demo.connectionId, username: demo.username, password: demo.password, vatRatePercent: '25', currency: 'SEK', languages: '', brand: '' };
    await services(stack.console).plugboardConnections.save(userId, settings);
    // Remembered for a few seconds, the other process would show "not set up" until then.
    await expect.poll(async () => (await store.forDisplay(userId))?.tenant, { timeout: 5_000 }).toBe('demo');
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

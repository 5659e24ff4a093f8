/**
 * The durable-task engine on a real Postgres, with time as a parameter: the clock is moved by the
 * tests, never slept on. Each engine works only its own queue, so parallel test files never meet.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createPrisma, poolOf, type PrismaClient } from '../src/db/client.js';
import { createNotifications, type Notifications } from '../src/db/notifications.js';
import { defineTask, LeaseLostError, TaskEngine, type TaskDefinition } from '../src/jobs/engine.js';
import { outcomeUnknown, permanent } from '../src/jobs/failure.js';
import { STALLED_AFTER_MS, viewOfTask } from '../src/jobs/task-state.js';
import { ProviderUnavailableError } from '../src/errors.js';
import './support/provided-context.js';

let prisma: PrismaClient;
beforeAll(() => {
  prisma = createPrisma(inject('databaseUrl'));
});
afterAll(async () => {
  await prisma?.$disconnect();
});

class TestClock {
  constructor(public t = Date.parse('2026-06-01T12:00:00Z')) {}
  now() {
    return this.t;
  }
  advance(ms: number) {
    this.t += ms;
  }
}

function engineOn(queue: string, clock: TestClock, opts: Partial<ConstructorParameters<typeof TaskEngine>[0]> = {}) {
  return new TaskEngine({ prisma, queue, clock, leaseMs: 60_000, ...opts });
}

const taskOf = (name: string, key: string) => prisma.task.findUniqueOrThrow({ where: { name_key: { name, key } } });

describe('a task engine', () => {
  it('runs a queued task once; queuing it again while it waits adds nothing', async () => {
    const clock = new TestClock();
    const engine = engineOn(randomUUID(), clock);
    const seen: string[] = [];
    const name = `count-${randomUUID()}`;
    engine.define(defineTask<{ n: number }>({ name, run: async (task) => void seen.push(`${task.key}:${task.data.n}:${task.attempt}`) }));
    await engine.enqueue(name, 'a', { n: 1 });
    await engine.enqueue(name, 'a', { n: 2 });
    expect(await engine.runDue()).toBe(1);
    expect(seen).toEqual(['a:1:1']);
    const row = await taskOf(name, 'a');
    expect(row.status).toBe('done');
    expect(viewOfTask(row, clock.now())).toMatchObject({ state: 'done', label: 'Done', settled: true, canRetry: false });
    // A finished task is queued afresh (publish again).
    await engine.enqueue(name, 'a', { n: 3 });
    expect(await engine.runDue()).toBe(1);
    expect(seen).toEqual(['a:1:1', 'a:3:1']);
  });

  it('backs off after a transient failure by the clock, tells the seller it will try again, and fails for good after the last attempt', async () => {
    const clock = new TestClock();
    const engine = engineOn(randomUUID(), clock);
    const name = `flaky-${randomUUID()}`;
    let runs = 0;
    engine.define(
      defineTask({
        name,
        maxAttempts: 3,
        backoff: { firstDelayMs: 10_000 },
        run: async () => {
          runs++;
          throw new ProviderUnavailableError('Sonlet', 'could not be reached');
        },
      }),
    );
    await engine.enqueue(name, 'k', {});
    expect(await engine.runDue()).toBe(1);
    let row = await taskOf(name, 'k');
    expect(row).toMatchObject({ status: 'waiting', attempts: 1, lastFailure: 'transient' });
    expect(row.lastError).toMatch(/^Sonlet could not be reached.*Trying again shortly \(attempt 1\)\.$/);
    expect(row.runAt.getTime()).toBe(clock.now() + 10_000);
    expect(viewOfTask(row, clock.now())).toMatchObject({ state: 'waiting', settled: false, canRetry: false });

    // Not due yet: nothing runs until the clock says so.
    clock.advance(9_999);
    expect(await engine.runDue()).toBe(0);
    clock.advance(1);
    expect(await engine.runDue()).toBe(1);
    row = await taskOf(name, 'k');
    expect(row.runAt.getTime()).toBe(clock.now() + 20_000);
    clock.advance(20_000);
    expect(await engine.runDue()).toBe(1);
    row = await taskOf(name, 'k');
    expect(runs).toBe(3);
    expect(row).toMatchObject({ status: 'failed', attempts: 3, lastError: expect.stringMatching(/^Sonlet could not be reached/) });
    expect(viewOfTask(row, clock.now())).toMatchObject({ state: 'failed', settled: true, canRetry: true });

    // Retry starts from the first attempt again.
    await engine.retry(name, 'k', {});
    expect(await engine.runDue()).toBe(1);
    expect((await taskOf(name, 'k')).attempts).toBe(1);
  });

  it('treats a TypeError (a bug, e.g. in a mapping) as permanent: one run, no retry', async () => {
    const clock = new TestClock();
    const engine = engineOn(randomUUID(), clock);
    const name = `buggy-${randomUUID()}`;
    let runs = 0;
    engine.define(
      defineTask({
        name,
        maxAttempts: 5,
        run: async () => {
          runs++;
          (undefined as unknown as { price: string }).price.trim();
        },
      }),
    );
    await engine.enqueue(name, 'k', {});
    await engine.runDue();
    clock.advance(3600_000);
    await engine.runDue();
    const row = await taskOf(name, 'k');
    expect(runs).toBe(1);
    expect(row).toMatchObject({ status: 'failed', lastFailure: 'permanent', attempts: 1 });
    expect(row.lastError).toMatch(/cannot get past by trying again/);
  });

  it('a definition’s own classification wins; the next run knows the last outcome is unknown', async () => {
    const clock = new TestClock();
    const engine = engineOn(randomUUID(), clock);
    const name = `unknown-${randomUUID()}`;
    const previous: Array<string | null> = [];
    class Refused extends Error {}
    class Dropped extends Error {}
    engine.define(
      defineTask({
        name,
        backoff: { firstDelayMs: 1000 },
        classify: (err) => (err instanceof Refused ? permanent('The shop refused it.') : err instanceof Dropped ? outcomeUnknown('The answer was lost.') : null),
        run: async (task) => {
          previous.push(task.lastFailure);
          throw task.attempt === 1 ? new Dropped() : new Refused();
        },
      }),
    );
    await engine.enqueue(name, 'k', {});
    await engine.runDue();
    expect(await taskOf(name, 'k')).toMatchObject({ status: 'waiting', lastFailure: 'outcome-unknown' });
    clock.advance(1000);
    await engine.runDue();
    expect(previous).toEqual([null, 'outcome-unknown']);
    expect(await taskOf(name, 'k')).toMatchObject({ status: 'failed', lastFailure: 'permanent', lastError: 'The shop refused it.' });
  });

  it('a recurring task asks to run again later instead of finishing', async () => {
    const clock = new TestClock();
    const engine = engineOn(randomUUID(), clock);
    const name = `every-${randomUUID()}`;
    let runs = 0;
    engine.define(defineTask({ name, run: async () => (runs++, { runAgainInMs: 15 * 60_000 }) }));
    await engine.enqueue(name, 'seller', {});
    await engine.runDue();
    expect(await taskOf(name, 'seller')).toMatchObject({ status: 'waiting', runAt: new Date(clock.now() + 15 * 60_000) });
    clock.advance(15 * 60_000);
    await engine.runDue();
    expect(runs).toBe(2);
  });
});

describe('leases', () => {
  it('a process whose lease ran out loses the task to another; its late writes are refused', async () => {
    const clock = new TestClock();
    const queue = randomUUID();
    const name = `lease-${randomUUID()}`;
    const first = engineOn(queue, clock);
    const second = engineOn(queue, clock);
    let release!: () => void;
    const blocked = new Promise<void>((resolve) => (release = resolve));
    const writes: string[] = [];
    let firstOutcome: unknown = null;
    const definition = (who: string, block: boolean): TaskDefinition<object> =>
      defineTask({
        name,
        run: async (_task, ctx) => {
          if (block) await blocked;
          try {
            await ctx.whileHeld(async () => void writes.push(who));
          } catch (err) {
            firstOutcome = err;
            throw err;
          }
        },
      });
    first.define(definition('first', true));
    second.define(definition('second', false));
    const task = await first.enqueue(name, 'k', {});
    const firstRun = first.runNow(name, task.id);
    // The first process hangs (as if stopped) while its lease runs out.
    await expect.poll(async () => (await taskOf(name, 'k')).status).toBe('running');
    expect(await second.runNow(name, task.id)).toBe(false);
    clock.advance(60_001);
    expect(await second.runNow(name, task.id)).toBe(true);
    release();
    expect(await firstRun).toBe(true);
    expect(firstOutcome).toBeInstanceOf(LeaseLostError);
    expect(writes).toEqual(['second']);
    const row = await taskOf(name, 'k');
    expect(row).toMatchObject({ status: 'done', attempts: 2, lastError: null });
  });

  it('a task nobody works on shows as stalled, and Retry queues it again', async () => {
    const clock = new TestClock();
    const engine = engineOn(randomUUID(), clock);
    const name = `stall-${randomUUID()}`;
    engine.define(defineTask({ name, run: async () => undefined }));
    // Held by a process that died: its lease ran out and no worker is left to take it.
    const orphan = await engine.enqueue(name, 'k', {});
    await prisma.task.update({ where: { id: orphan.id }, data: { status: 'running', leaseOwner: randomUUID(), leaseUntil: new Date(clock.now()), attempts: 1 } });
    expect(viewOfTask(await taskOf(name, 'k'), clock.now()).state).toBe('running');
    clock.advance(STALLED_AFTER_MS + 1);
    const view = viewOfTask(await taskOf(name, 'k'), clock.now());
    expect(view).toMatchObject({ state: 'stalled', label: 'Stalled', canRetry: true, settled: true });
    const retried = await engine.retry(name, 'k', {});
    expect(retried).toMatchObject({ status: 'waiting', attempts: 0, leaseOwner: null });
    await engine.runDue();
    expect((await taskOf(name, 'k')).status).toBe('done');
  });
});

describe('several processes', () => {
  let notifications: Notifications[] = [];
  afterAll(async () => {
    await Promise.all(notifications.map((n) => n.close()));
  });

  it('40 tasks on two started engines: each runs exactly once, and queuing wakes idle workers without waiting for a poll', async () => {
    const queue = randomUUID();
    const name = `many-${randomUUID()}`;
    const runs = new Map<string, number>();
    notifications = [createNotifications(poolOf(prisma)), createNotifications(poolOf(prisma))];
    // Polling once a minute: only the notifications can make these finish within the test's time.
    const engines = notifications.map((n) => new TaskEngine({ prisma, queue, notifications: n, pollMs: 60_000 }));
    for (const engine of engines) {
      engine.define(
        defineTask({
          name,
          concurrency: 3,
          run: async (task) => {
            runs.set(task.key, (runs.get(task.key) ?? 0) + 1);
          },
        }),
      );
    }
    await Promise.all(notifications.map((n) => n.ready()));
    for (const engine of engines) engine.start();
    const producer = new TaskEngine({ prisma, queue, notifications: notifications[0] });
    for (let i = 0; i < 40; i++) await producer.enqueue(name, `k${i}`, {});
    await expect.poll(async () => prisma.task.count({ where: { queue, status: 'done' } }), { timeout: 20_000 }).toBe(40);
    await Promise.all(engines.map((e) => e.stop()));
    expect([...runs.values()]).toEqual(Array(40).fill(1));
  });
});

/**
 * The durable-task engine: background work as rows in the Task table, worked by any console process.
 *
 *   waiting ──claim──▶ running ──run resolves──▶ done            (or waiting again: a recurring task)
 *      ▲                  │
 *      │ transient or     ├──permanent, or out of attempts──▶ failed ──Retry──▶ waiting
 *      │ outcome-unknown  │
 *      └──(backoff)───────┘      lease runs out unrenewed (the process died): claimable again
 *
 * A definition says what the work is and what is special about its errors, nothing about leases:
 * the engine claims due rows (FOR UPDATE SKIP LOCKED, so processes never wait on each other), holds
 * a lease renewed every third of its length, classifies failures (src/jobs/failure.ts), backs off,
 * and takes over tasks whose holder went quiet. Queuing notifies every process (LISTEN/NOTIFY), so
 * idle workers start at once; a poll every few seconds covers backoffs and lost notifications.
 * See docs/decisions/008-task-engine-on-postgres-rows.md.
 */
import { randomUUID } from 'node:crypto';
import type { Prisma, PrismaClient } from '../generated/prisma/client.js';
import type { Notifications } from '../db/notifications.js';
import { systemClock, type Clock } from '../clock.js';
import { backoffMs, describeFailure, permanent, type Backoff, type Failure, type FailureClass } from './failure.js';
import { LeaseLostError, TaskRows, tasksByKey, type ClaimedTask, type Db, type TaskRow } from './task-rows.js';
import { Dispatcher } from './dispatcher.js';
import { storableText } from '../storable-text.js';

export { LeaseLostError, tasksByKey, type TaskRow };

export interface TaskLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** One run of a task, as its definition sees it. */
export interface RunningTask<T> {
  id: string;
  key: string;
  userId: string | null;
  data: T;
  /** 1 for the first run since the task was (re)queued. */
  attempt: number;
  /** A failure of this run will not be retried. */
  isLastAttempt: boolean;
  /** How the previous run failed; 'outcome-unknown' means what it sent may have landed. */
  lastFailure: FailureClass | null;
}

export interface TaskContext {
  /** Aborted when the lease is lost or the engine stops without waiting. */
  signal: AbortSignal;
  clock: Clock;
  log: TaskLog;
  /** Runs `fn` in a transaction, only while this run still holds the task (else LeaseLostError). */
  whileHeld<T>(fn: (tx: Prisma.TransactionClient) => Promise<T>): Promise<T>;
}

/** A recurring task answers when it wants to run again. */
export type RunResult = void | { runAgainInMs: number };

export interface TaskDefinition<T extends object> {
  name: string;
  run(task: RunningTask<T>, ctx: TaskContext): Promise<RunResult>;
  /** What is special about this task's errors; null falls back to the engine's {@link describeFailure}. */
  classify?(err: unknown): Failure | null;
  /** Runs at once per process. Default 1. */
  concurrency?: number;
  /** Runs before a failure is final. Default 4. */
  maxAttempts?: number;
  backoff?: Backoff;
}

export function defineTask<T extends object>(definition: TaskDefinition<T>): TaskDefinition<T> {
  return definition;
}

export interface TaskEngineOptions {
  prisma: PrismaClient;
  /** Wakes other processes' workers when a task is queued; without it they find it at their next poll. */
  notifications?: Notifications | null;
  /** Engines only take tasks of their own queue. Default "default". */
  queue?: string;
  clock?: Clock;
  /** How often idle workers look for due tasks (backoffs, leases that ran out). Default 2 s. */
  pollMs?: number;
  /** How long a claim holds a task without renewal. Default 60 s. */
  leaseMs?: number;
  log?: TaskLog;
}

const CHANNEL = 'console_tasks';
const DEFAULT_BACKOFF: Backoff = { firstDelayMs: 2000 };
const quietLog: TaskLog = { info: () => undefined, warn: () => undefined, error: () => undefined };

export class TaskEngine {
  readonly clock: Clock;
  readonly queue: string;
  /** This process, as a lease holder. */
  readonly owner = randomUUID();
  private readonly rows: TaskRows;
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private readonly defined = new Map<string, { definition: TaskDefinition<object>; dispatcher: Dispatcher }>();
  private readonly runs = new Map<string, AbortController>();
  private readonly inFlight = new Set<Promise<void>>();
  private log: TaskLog;
  private state: 'idle' | 'started' | 'stopped' = 'idle';
  private unsubscribe: Array<() => void> = [];

  constructor(private readonly opts: TaskEngineOptions) {
    this.clock = opts.clock ?? systemClock;
    this.queue = opts.queue ?? 'default';
    this.rows = new TaskRows(opts.prisma, this.queue, this.clock);
    this.leaseMs = opts.leaseMs ?? 60_000;
    this.pollMs = opts.pollMs ?? 2000;
    this.log = opts.log ?? quietLog;
  }

  setLogger(log: TaskLog): void {
    this.log = log;
  }

  /** Registers a task definition; once the engine is started, this process works on its tasks. */
  define<T extends object>(task: TaskDefinition<T>): void {
    if (this.defined.has(task.name)) throw new Error(`task ${task.name} is defined twice`);
    // Each run gets the data its own definition queued: the engine itself never looks inside it.
    const definition = task as unknown as TaskDefinition<object>;
    const dispatcher = new Dispatcher(
      definition.concurrency ?? 1,
      this.pollMs,
      (free) => this.claimAndRun(definition, free),
      (err) => this.log.error({ err, task: definition.name }, 'could not look for due tasks'),
    );
    this.defined.set(definition.name, { definition, dispatcher });
    if (this.state === 'started') dispatcher.start();
  }

  /** Starts working: every defined task now, tasks defined later as they come. */
  start(): void {
    if (this.state !== 'idle') throw new Error(`The task engine cannot start: it is ${this.state}`);
    this.state = 'started';
    const { notifications } = this.opts;
    if (notifications) {
      this.unsubscribe.push(
        notifications.on(CHANNEL, (payload) => {
          const [queue, name] = payload.split('\n');
          if (queue === this.queue) this.wake(name ?? '');
        }),
        notifications.onReconnect(() => this.wakeAll()),
      );
    }
    for (const { dispatcher } of this.defined.values()) dispatcher.start();
  }

  /**
   * Stops taking tasks and waits up to `timeoutMs` for runs in flight; runs still going then are told
   * to stop (their signal aborts) and their leases run out, so another process takes them over.
   */
  async stop({ timeoutMs = 20_000 } = {}): Promise<void> {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    for (const off of this.unsubscribe.splice(0)) off();
    await Promise.all([...this.defined.values()].map(({ dispatcher }) => dispatcher.stop()));
    let timer: NodeJS.Timeout | undefined;
    const waited = await Promise.race([
      Promise.allSettled([...this.inFlight]).then(() => true),
      new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs))),
    ]);
    clearTimeout(timer);
    if (!waited) for (const controller of this.runs.values()) controller.abort(new Error('the console is stopping'));
  }

  /**
   * Queues work (see {@link TaskRows.enqueue}: queuing twice is harmless). Inside a transaction (`db`),
   * other processes hear of it when it commits.
   */
  async enqueue(name: string, key: string, data: object, opts: { userId?: string | null; delayMs?: number; db?: Db } = {}): Promise<TaskRow> {
    const db = opts.db ?? this.opts.prisma;
    const row = await this.rows.enqueue(db, name, key, data, opts);
    await this.announce(db, name);
    return row;
  }

  /** Queues a failed or stalled task again, from its first attempt; any other task is left as it is. */
  async retry(name: string, key: string, data: object, opts: { userId?: string | null } = {}): Promise<TaskRow> {
    const row = await this.rows.enqueue(this.opts.prisma, name, key, data, { ...opts, when: 'failed-or-stalled' });
    await this.announce(this.opts.prisma, name);
    return row;
  }

  /** The tasks of `name` on these keys, by key. */
  find(name: string, keys: string[]): Promise<Map<string, TaskRow>> {
    return this.rows.find(name, keys);
  }

  /**
   * Claims and runs every due task of every definition, and again until none is due; resolves when
   * they are finished. For tests and tools, on an engine that has not been started.
   */
  async runDue(): Promise<number> {
    let total = 0;
    for (;;) {
      const runs: Array<Promise<void>> = [];
      for (const { definition } of this.defined.values()) runs.push(...(await this.claimAndRun(definition, 1000)));
      await Promise.all(runs);
      total += runs.length;
      if (runs.length === 0) return total;
    }
  }

  /** Runs one task now if it is due and nobody holds it; false when it was not claimable. */
  async runNow(name: string, taskId: string): Promise<boolean> {
    const definition = this.defined.get(name)?.definition;
    if (!definition) throw new Error(`no task named ${name}`);
    const [row] = await this.rows.claim(name, this.owner, this.leaseMs, 1, taskId);
    if (!row) return false;
    await this.track(row.id, this.execute(definition, row));
    return true;
  }

  /** Resolves once no run of this process is in flight. */
  async idle(): Promise<void> {
    while (this.inFlight.size) await Promise.allSettled([...this.inFlight]);
  }

  /** The kinds of task this process knows (for counts that show a kind with none waiting). */
  get names(): string[] {
    return [...this.defined.keys()];
  }

  /** Tells this process's workers of `name` to look for due tasks now (e.g. after a transaction committed). */
  wake(name: string): void {
    this.defined.get(name)?.dispatcher.wake();
  }

  private wakeAll() {
    for (const { dispatcher } of this.defined.values()) dispatcher.wake();
  }

  private async announce(db: Db, name: string): Promise<void> {
    this.wake(name);
    if (!this.opts.notifications) return;
    // Inside a transaction pg_notify is delivered at commit, so nobody looks before the row is there.
    await db.$executeRaw`SELECT pg_notify(${CHANNEL}, ${`${this.queue}\n${name}`})`.catch((err: unknown) => this.log.warn({ err }, 'could not announce a queued task'));
  }

  private async claimAndRun(definition: TaskDefinition<object>, free: number): Promise<Array<Promise<void>>> {
    const claimed = await this.rows.claim(definition.name, this.owner, this.leaseMs, free);
    return claimed.map((row) => this.track(row.id, this.execute(definition, row)));
  }

  private track(id: string, run: Promise<void>): Promise<void> {
    this.inFlight.add(run);
    void run.finally(() => {
      this.inFlight.delete(run);
      this.runs.delete(id);
    });
    return run;
  }

  private async execute(definition: TaskDefinition<object>, row: ClaimedTask): Promise<void> {
    const maxAttempts = definition.maxAttempts ?? 4;
    const controller = new AbortController();
    this.runs.set(row.id, controller);
    const log = this.log;
    const task: RunningTask<object> = {
      id: row.id,
      key: row.key,
      userId: row.userId,
      data: row.data as object,
      attempt: row.attempts,
      isLastAttempt: row.attempts >= maxAttempts,
      lastFailure: (row.lastFailure as FailureClass | null) ?? null,
    };
    if (row.resumed) log.info({ task: definition.name, taskId: row.id, attempt: row.attempts }, 'resuming a task whose process stopped');
    // A task that keeps taking its process down must not do so for ever.
    if (row.resumed && row.attempts > maxAttempts + 1) {
      await this.finish(definition, row, permanent('The console stopped several times while working on this.'), task);
      return;
    }
    const heartbeat = setInterval(() => {
      this.rows.renew(row.id, this.owner, this.leaseMs).then(
        (held) => held || controller.abort(new LeaseLostError()),
        () => undefined,
      );
    }, Math.max(50, Math.floor(this.leaseMs / 3)));
    heartbeat.unref();
    const ctx: TaskContext = { signal: controller.signal, clock: this.clock, log, whileHeld: (fn) => this.rows.whileHeld(row.id, this.owner, fn) };
    try {
      const result = await definition.run(task, ctx);
      const again = result && typeof result.runAgainInMs === 'number' ? result.runAgainInMs : null;
      const now = this.clock.now();
      await this.rows.settle(
        row.id,
        this.owner,
        again === null
          ? { status: 'done', finishedAt: new Date(now), lastError: null, lastFailure: null }
          : { status: 'waiting', attempts: 0, runAt: new Date(now + again), lastError: null, lastFailure: null },
      );
    } catch (err) {
      if (err instanceof LeaseLostError || controller.signal.reason instanceof LeaseLostError) {
        log.warn({ task: definition.name, taskId: row.id }, 'another process took over this task');
        return;
      }
      const failure = definition.classify?.(err) ?? describeFailure(err);
      await this.finish(definition, row, failure, task, err);
    } finally {
      clearInterval(heartbeat);
    }
  }

  private async finish(definition: TaskDefinition<object>, row: TaskRow, failure: Failure, task: RunningTask<object>, err?: unknown): Promise<void> {
    const retry = failure.class !== 'permanent' && !task.isLastAttempt;
    // Messages come from providers as well: no NUL (Postgres refuses it, and the failure would go unrecorded).
    const message = storableText(failure.message, 900);
    this.log.warn({ task: definition.name, taskId: row.id, attempt: task.attempt, failure: failure.class, err: { message: (err as Error | undefined)?.message ?? message } }, retry ? 'task attempt failed' : 'task failed');
    const now = this.clock.now();
    await this.rows
      .settle(
        row.id,
        this.owner,
        retry
          ? {
              status: 'waiting',
              runAt: new Date(now + backoffMs(task.attempt, definition.backoff ?? DEFAULT_BACKOFF)),
              lastError: `${message} Trying again shortly (attempt ${task.attempt}).`,
              lastFailure: failure.class,
            }
          : { status: 'failed', finishedAt: new Date(now), lastError: message, lastFailure: failure.class },
      )
      .catch((saveErr: unknown) => this.log.error({ err: saveErr, taskId: row.id }, 'could not record a task failure'));
  }
}

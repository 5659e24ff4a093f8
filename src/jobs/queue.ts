/**
 * Background jobs on Postgres: a thin wrapper over pg-boss 10 so the rest of the console sees
 * four calls (start, stop, work, send) and none of pg-boss's vocabulary. Used for publishing to
 * Plugboard and, later, bulk photo uploads.
 *
 * Choices made here, once for every queue:
 * - pg-boss keeps its tables in its own schema (`pgboss` unless told otherwise), created and
 *   migrated by pg-boss itself on start; our Prisma migrations never touch it.
 * - Every queue uses pg-boss's "short" policy: at most one *waiting* job per singletonKey, so a
 *   second send with the same key while the first waits is dropped (send answers null). A job
 *   that is already running does not block a new one; handlers must be idempotent anyway.
 *   Jobs sent without a key get a unique one, so they never collide.
 * - Retries are pg-boss's: a handler that throws is retried up to `retryLimit` times, with
 *   exponential backoff (`retryDelaySeconds * 2^n`, jittered) when `retryBackoff` is set.
 *   Handlers see `attempt`/`isLastAttempt` so they can record a final failure themselves.
 * - `concurrency` is per process: pg-boss 10 runs one job per worker, so we start that many
 *   workers. Across processes the total is concurrency × instances.
 */
import { randomUUID } from 'node:crypto';
import PgBoss from 'pg-boss';

export interface JobQueueOptions {
  /** Postgres schema for pg-boss's tables. Default "pgboss"; tests use one per run. */
  schema?: string;
  /** How often an idle worker looks for work. Default 0.5 s (pg-boss's minimum). */
  pollingIntervalSeconds?: number;
  /** Connection pool size for pg-boss. Default 4. */
  maxConnections?: number;
  /** Where pg-boss's own errors go (lost connection, failed maintenance). */
  onError?: (err: Error) => void;
}

export interface SendOptions {
  /** At most one waiting job per key and queue; a duplicate send answers null. */
  singletonKey?: string;
  /** Retries after the first attempt. Default 3. */
  retryLimit?: number;
  /** Base delay between attempts. Default 2 s. */
  retryDelaySeconds?: number;
  /** Double the delay on each attempt (with jitter). Default true. */
  retryBackoff?: boolean;
  /** A run that takes longer counts as failed (and is retried). Default 5 min. */
  expireInSeconds?: number;
}

export interface QueuedJob<T> {
  id: string;
  name: string;
  data: T;
  /** 1 for the first run, 2 for the first retry, ... */
  attempt: number;
  /** True when a throw from this run will not be retried. */
  isLastAttempt: boolean;
}

export type JobHandler<T> = (job: QueuedJob<T>) => Promise<void>;

export interface JobQueue {
  start(): Promise<void>;
  /** graceful: let running jobs finish (up to `timeoutMs`, default 20 s) before closing the pool. */
  stop(opts?: { graceful?: boolean; timeoutMs?: number }): Promise<void>;
  /** Registers a handler; before start() it waits and is attached when the queue starts. */
  work<T extends object>(name: string, opts: { concurrency?: number }, handler: JobHandler<T>): Promise<void>;
  /** Enqueues a job; answers its id, or null when a job with the same singletonKey is already waiting. */
  send<T extends object>(name: string, data: T, opts?: SendOptions): Promise<string | null>;
}

const QUEUE_POLICY = 'short';

export function createJobQueue(databaseUrl: string, opts: JobQueueOptions = {}): JobQueue {
  const schema = opts.schema ?? 'pgboss';
  if (!/^[a-z_][a-z0-9_]{0,49}$/.test(schema)) throw new Error(`Invalid job queue schema name "${schema}"`);
  const pollingIntervalSeconds = opts.pollingIntervalSeconds ?? 0.5;
  const boss = new PgBoss({
    connectionString: databaseUrl,
    schema,
    max: opts.maxConnections ?? 4,
    application_name: 'seller-console-jobs',
    // Cron and its clock checks are unused; monitoring stays on (it expires stuck jobs).
    schedule: false,
  });
  boss.on('error', (err: Error) => (opts.onError ?? defaultOnError)(err));

  const created = new Map<string, Promise<void>>();
  const pendingWork: Array<() => Promise<void>> = [];
  let state: 'idle' | 'started' | 'stopped' = 'idle';

  /** pg-boss 10 needs a queue to exist before send/work; create each once per process. */
  function ensureQueue(name: string): Promise<void> {
    let p = created.get(name);
    if (!p) {
      p = (async () => {
        const existing = await boss.getQueue(name);
        if (!existing) {
          try {
            await boss.createQueue(name, { name, policy: QUEUE_POLICY });
          } catch (err) {
            // Another instance created it at the same moment.
            if (!(await boss.getQueue(name))) throw err;
          }
        }
      })();
      p.catch(() => created.delete(name));
      created.set(name, p);
    }
    return p;
  }

  async function attach<T extends object>(name: string, concurrency: number, handler: JobHandler<T>) {
    await ensureQueue(name);
    for (let i = 0; i < concurrency; i++) {
      await boss.work<T>(name, { batchSize: 1, includeMetadata: true, pollingIntervalSeconds }, async ([job]) => {
        if (!job) return;
        await handler({
          id: job.id,
          name: job.name,
          data: job.data,
          attempt: job.retryCount + 1,
          isLastAttempt: job.retryCount >= job.retryLimit,
        });
      });
    }
  }

  return {
    async start() {
      if (state !== 'idle') throw new Error(`The job queue cannot start: it is ${state}`);
      await boss.start();
      state = 'started';
      for (const attachLater of pendingWork.splice(0)) await attachLater();
    },

    async stop({ graceful = true, timeoutMs = 20_000 } = {}) {
      if (state !== 'started') {
        state = 'stopped';
        return;
      }
      state = 'stopped';
      // wait: resolve only once workers have finished and the pool is closed.
      await boss.stop({ graceful, timeout: timeoutMs, wait: true, close: true });
    },

    async work<T extends object>(name: string, { concurrency = 1 }: { concurrency?: number }, handler: JobHandler<T>) {
      if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error('concurrency must be a positive integer');
      if (state === 'stopped') throw new Error('The job queue is stopped');
      if (state === 'idle') {
        pendingWork.push(() => attach(name, concurrency, handler));
        return;
      }
      await attach(name, concurrency, handler);
    },

    async send<T extends object>(name: string, data: T, sendOpts: SendOptions = {}) {
      if (state !== 'started') throw new Error('The job queue is not running');
      await ensureQueue(name);
      return boss.send(name, data, {
        singletonKey: sendOpts.singletonKey ?? randomUUID(),
        retryLimit: sendOpts.retryLimit ?? 3,
        retryDelay: sendOpts.retryDelaySeconds ?? 2,
        retryBackoff: sendOpts.retryBackoff ?? true,
        expireInSeconds: sendOpts.expireInSeconds ?? 300,
      });
    },
  };
}

function defaultOnError(err: Error) {
  console.error(`[jobs] ${err.message}`);
}

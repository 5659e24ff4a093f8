/**
 * The task table's statements. Every time comes from the engine's clock (never Postgres' now()), so a
 * test that moves the clock moves what is due, what has a live lease and what has stalled. Times go
 * to SQL as epoch milliseconds and are turned into UTC timestamps there, the way Prisma stores them.
 */
import { Prisma, type PrismaClient, type Task } from '../generated/prisma/client.js';
import type { Clock } from '../clock.js';
import { STALLED_AFTER_MS } from './task-state.js';

export type TaskRow = Task;
export type Db = PrismaClient | Prisma.TransactionClient;

/** A claimed task, and whether it was taken over from a process whose lease ran out. */
export type ClaimedTask = TaskRow & { resumed: boolean };

/** Another process holds the task now (our lease ran out): stop without writing anything. */
export class LeaseLostError extends Error {
  constructor() {
    super('another process has taken over this task');
  }
}

const at = (ms: number) => Prisma.sql`(to_timestamp(${ms}::double precision / 1000) AT TIME ZONE 'UTC')`;

export class TaskRows {
  constructor(
    private readonly prisma: PrismaClient,
    readonly queue: string,
    private readonly clock: Clock,
  ) {}

  /**
   * Queues work on `key` for the task `name`. A task that is already waiting or running is left as it
   * is (queuing twice is harmless); a finished one (done or failed) is queued afresh. With `when:
   * 'failed-or-stalled'` (the seller's Retry) only a failed or stalled one is. `lastFailure` is kept:
   * when the last run's outcome was unknown, the next one must still look before it sends.
   */
  async enqueue(
    db: Db,
    name: string,
    key: string,
    data: object,
    opts: { userId?: string | null; delayMs?: number; when?: 'settled' | 'failed-or-stalled' } = {},
  ): Promise<TaskRow> {
    const now = this.clock.now();
    const runAt = now + (opts.delayMs ?? 0);
    const stalledBefore = at(now - STALLED_AFTER_MS);
    const requeue =
      opts.when === 'failed-or-stalled'
        ? Prisma.sql`"Task".status = 'failed' OR ("Task".status = 'running' AND "Task"."leaseUntil" < ${stalledBefore}) OR ("Task".status = 'waiting' AND "Task"."runAt" < ${stalledBefore})`
        : Prisma.sql`"Task".status IN ('done', 'failed')`;
    const rows = await db.$queryRaw<TaskRow[]>`
      INSERT INTO "Task" (id, name, key, queue, "userId", data, status, attempts, "runAt", "createdAt", "updatedAt")
      VALUES (gen_random_uuid(), ${name}, ${key}, ${this.queue}, ${opts.userId ?? null}::uuid, ${JSON.stringify(data)}::jsonb, 'waiting', 0, ${at(runAt)}, ${at(now)}, ${at(now)})
      ON CONFLICT (name, key) DO UPDATE SET
        status = 'waiting', attempts = 0, "runAt" = EXCLUDED."runAt", queue = EXCLUDED.queue, data = EXCLUDED.data,
        "leaseOwner" = NULL, "leaseUntil" = NULL, "lastError" = NULL, "finishedAt" = NULL, "updatedAt" = EXCLUDED."updatedAt"
        WHERE (${requeue})
      RETURNING *`;
    if (rows[0]) return rows[0];
    return db.task.findUniqueOrThrow({ where: { name_key: { name, key } } });
  }

  /**
   * Takes up to `limit` due tasks of `name` for `owner`: waiting ones whose time has come, and
   * running ones whose holder let the lease run out (it stopped or crashed). SKIP LOCKED lets many
   * processes claim at once without waiting on each other or taking the same row.
   */
  async claim(name: string, owner: string, leaseMs: number, limit: number, onlyId?: string): Promise<ClaimedTask[]> {
    const now = this.clock.now();
    const only = onlyId ? Prisma.sql`AND id = ${onlyId}::uuid` : Prisma.empty;
    const rows = await this.prisma.$queryRaw<Array<TaskRow & { was: string }>>`
      WITH due AS (
        SELECT id, status::text AS was FROM "Task"
        WHERE queue = ${this.queue} AND name = ${name} ${only}
          AND ((status = 'waiting' AND "runAt" <= ${at(now)}) OR (status = 'running' AND "leaseUntil" < ${at(now)}))
        ORDER BY "runAt", "createdAt"
        LIMIT ${limit}
        FOR UPDATE SKIP LOCKED)
      UPDATE "Task" t SET status = 'running', "leaseOwner" = ${owner}, "leaseUntil" = ${at(now + leaseMs)}, attempts = t.attempts + 1, "updatedAt" = ${at(now)}
      FROM due WHERE t.id = due.id
      RETURNING t.*, due.was`;
    return rows.map(({ was, ...row }) => ({ ...row, resumed: was === 'running' }));
  }

  /** Extends a lease we hold; false when it is no longer ours. */
  async renew(id: string, owner: string, leaseMs: number): Promise<boolean> {
    const { count } = await this.prisma.task.updateMany({
      where: { id, leaseOwner: owner, status: 'running' },
      data: { leaseUntil: new Date(this.clock.now() + leaseMs) },
    });
    return count === 1;
  }

  /** Runs `fn` in a transaction that holds the task row, only while we hold its lease. */
  async whileHeld<T>(id: string, owner: string, fn: (tx: Prisma.TransactionClient) => Promise<T>): Promise<T> {
    return this.prisma.$transaction(async (tx) => {
      const held = await tx.$queryRaw<unknown[]>`SELECT 1 FROM "Task" WHERE id = ${id}::uuid AND "leaseOwner" = ${owner} AND status = 'running' FOR UPDATE`;
      if (held.length !== 1) throw new LeaseLostError();
      return fn(tx);
    });
  }

  /** Writes the outcome of a run we hold; false when another process had taken it over. */
  async settle(id: string, owner: string, data: Prisma.TaskUpdateManyMutationInput): Promise<boolean> {
    const { count } = await this.prisma.task.updateMany({
      where: { id, leaseOwner: owner, status: 'running' },
      data: { ...data, leaseOwner: null, leaseUntil: null },
    });
    return count === 1;
  }

  find(name: string, keys: string[]): Promise<Map<string, TaskRow>> {
    return tasksByKey(this.prisma, name, keys);
  }
}

/** The tasks of `name` on these keys, by key (a key with no task is missing from the map). */
export async function tasksByKey(db: Db, name: string, keys: string[]): Promise<Map<string, TaskRow>> {
  if (!keys.length) return new Map();
  const rows = await db.task.findMany({ where: { name, key: { in: keys } } });
  return new Map(rows.map((row) => [row.key, row]));
}

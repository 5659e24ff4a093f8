/**
 * What a task's row means to a seller, computed in one place for every kind of task: its state
 * (with "stalled" when nobody has worked on it although it was due long ago), whether Retry makes
 * sense, and whether anything more will happen without the seller.
 */
import type { Task } from '../generated/prisma/client.js';

export type TaskState = 'waiting' | 'running' | 'done' | 'failed' | 'stalled';

/**
 * A task due this long ago (its run time, or the end of the lease of the process that held it)
 * without any process working on it has stalled: live workers take due tasks within seconds and
 * renew their leases every third of one, so it means no worker is left to take it.
 */
export const STALLED_AFTER_MS = 10 * 60_000;

export type TaskRowState = Pick<Task, 'status' | 'runAt' | 'leaseUntil' | 'lastError' | 'attempts'>;

export interface TaskView {
  state: TaskState;
  /** The state in the seller's words (a task kind may have its own, finer ones). */
  label: string;
  /** The last failure in the seller's words (a retry note while it is still being tried). */
  message: string | null;
  attempts: number;
  canRetry: boolean;
  /** Nothing more will happen without the seller. */
  settled: boolean;
}

export function isStalled(task: TaskRowState, now: number): boolean {
  if (task.status === 'running') return (task.leaseUntil?.getTime() ?? 0) + STALLED_AFTER_MS < now;
  if (task.status === 'waiting') return task.runAt.getTime() + STALLED_AFTER_MS < now;
  return false;
}

const LABELS: Record<TaskState, string> = { waiting: 'Waiting', running: 'Working on it', done: 'Done', failed: 'Failed', stalled: 'Stalled' };

/** `task` null: the work was never queued, or its row is gone; the seller can queue it again. */
export function viewOfTask(task: TaskRowState | null, now: number): TaskView {
  if (!task) return { state: 'stalled', label: LABELS.stalled, message: null, attempts: 0, canRetry: true, settled: true };
  const state: TaskState = isStalled(task, now) ? 'stalled' : task.status;
  const settled = state === 'done' || state === 'failed' || state === 'stalled';
  return {
    state,
    label: LABELS[state],
    message: state === 'done' ? null : task.lastError,
    attempts: task.attempts,
    canRetry: state === 'failed' || state === 'stalled',
    settled,
  };
}

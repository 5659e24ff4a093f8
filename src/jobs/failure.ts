/**
 * What a failed run of a task means, decided in one place: try again later (transient), stop and
 * wait for the seller (permanent), or try again knowing the last attempt may have landed
 * (outcome-unknown: a timeout or a dropped answer after the request was sent). A task definition
 * names what is special about its own errors; everything else falls through to
 * {@link describeFailure}.
 */
import { Prisma } from '../generated/prisma/client.js';
import { DomainError } from '../errors.js';

export type FailureClass = 'transient' | 'permanent' | 'outcome-unknown';

export interface Failure {
  class: FailureClass;
  /** In the seller's words; shown on the task's row. */
  message: string;
}

export const transient = (message: string): Failure => ({ class: 'transient', message });
export const permanent = (message: string): Failure => ({ class: 'permanent', message });
export const outcomeUnknown = (message: string): Failure => ({ class: 'outcome-unknown', message });

/** Errors that mean the console's own code is wrong: running it again gives the same answer. */
export function isBug(err: unknown): boolean {
  return err instanceof TypeError || err instanceof RangeError || err instanceof ReferenceError || err instanceof SyntaxError;
}

export function describeFailure(err: unknown): Failure {
  if (err instanceof DomainError) {
    switch (err.kind) {
      case 'provider-unavailable':
        return transient(err.message);
      case 'provider-timeout':
        return outcomeUnknown(err.message);
      case 'needs-reconnect':
      case 'not-connected':
        return permanent(`${err.message} Then press Retry.`);
      default:
        return permanent(err.message);
    }
  }
  if (isBug(err)) return permanent('The console hit a problem it cannot get past by trying again, so it stopped. Press Retry once the console has been updated.');
  if (err instanceof Prisma.PrismaClientKnownRequestError || err instanceof Prisma.PrismaClientUnknownRequestError || err instanceof Prisma.PrismaClientInitializationError) {
    return transient('The console could not save its progress.');
  }
  // node-postgres errors (raw queries) carry a SQLSTATE; connection and resource trouble is worth another try.
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^(08|53|57P)/.test(code)) return transient('The console lost its database connection.');
  return transient('The console hit an unexpected problem.');
}

export interface Backoff {
  /** Delay after the first failed run; doubles with each further one. */
  firstDelayMs: number;
  maxDelayMs?: number;
}

/** How long a task waits after its `attempt`-th run failed (1-based). */
export function backoffMs(attempt: number, backoff: Backoff): number {
  const max = backoff.maxDelayMs ?? 15 * 60_000;
  return Math.min(max, backoff.firstDelayMs * 2 ** Math.max(0, attempt - 1));
}

/**
 * This process's copies of session rows, so a page costs no session query. A copy is only ever served
 * while the process listens for session changes: a trigger on the Session table notifies every process
 * of each row updated or deleted, at commit, whoever changed it (see the session_change_notify
 * migration). While that connection is down nothing is kept or served, and on reconnecting every copy
 * is dropped, since notifications may have been missed.
 *
 * Changes made in this process drop the copies at once as well (`drop`, `dropUser`), so the process that
 * ended a session never serves it, not even in the instant before its own notification arrives.
 */
import type { Notifications } from '../db/notifications.js';

export const SESSION_CHANNEL = 'console_session';

/** Told after a seller's sessions changed or ended in this process (its copies go at once). */
export type SessionsChanged = (userId: string) => void;
/** A backstop only: every change to a row is notified. */
const MAX_AGE_MS = 60_000;
const MAX_COPIES = 20_000;

interface Copy {
  /** The row's data as JSON text: each read gets its own object to change. */
  json: string;
  userId: string | null;
  expiresAt: number;
  keptAt: number;
}

export class SessionCopies {
  private readonly copies = new Map<string, Copy>();
  /** Bumped by every drop: a read from the database that overlapped one is not kept. */
  private epoch = 0;

  constructor(
    private readonly notifications: Notifications | null,
    private readonly clock: { now(): number } = Date,
  ) {
    notifications?.on(SESSION_CHANNEL, (id) => (id === '*' ? this.clear() : this.drop(id)));
    notifications?.onReconnect(() => this.clear());
  }

  /** The session's data, or undefined when no usable copy is held. */
  get(id: string): unknown {
    const copy = this.copies.get(id);
    if (!copy) return undefined;
    const now = this.clock.now();
    if (!this.trusted() || copy.expiresAt <= now || now - copy.keptAt >= MAX_AGE_MS) {
      this.copies.delete(id);
      return undefined;
    }
    return JSON.parse(copy.json);
  }

  /** Where a database read starts: pass it to `keep` with what was read. */
  mark(): number {
    return this.epoch;
  }

  keep(id: string, mark: number, row: { data: unknown; userId: string | null; expiresAt: Date }): void {
    if (mark !== this.epoch || !this.trusted()) return;
    if (this.copies.size >= MAX_COPIES) this.copies.clear();
    this.copies.set(id, { json: JSON.stringify(row.data), userId: row.userId, expiresAt: row.expiresAt.getTime(), keptAt: this.clock.now() });
  }

  drop(id: string): void {
    this.epoch++;
    this.copies.delete(id);
  }

  /** Every session of the seller changed or ended (signed out everywhere, disabled, new password, new role). */
  dropUser(userId: string): void {
    this.epoch++;
    for (const [id, copy] of this.copies) if (copy.userId === userId) this.copies.delete(id);
  }

  clear(): void {
    this.epoch++;
    this.copies.clear();
  }

  private trusted(): boolean {
    return this.notifications?.listening(SESSION_CHANNEL) ?? false;
  }
}

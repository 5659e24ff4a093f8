/**
 * Per-process copies of a seller's cached data (catalog, inventory walks) are dropped in every
 * console process when the data changes in one of them, through Postgres NOTIFY. Each cache registers
 * how to drop its copy; `announce` drops it here and tells the others. While notifications may have
 * been missed (the listening connection was down), every copy is dropped.
 */
import { randomUUID } from 'node:crypto';
import type { Notifications } from './notifications.js';

const CHANNEL = 'console_cache';

/** Drops the copy for one seller, or for everyone (null). */
export type DropCopy = (userId: string | null) => void;

export class CacheInvalidation {
  private readonly drops = new Map<string, DropCopy>();
  private readonly origin = randomUUID();

  constructor(
    private readonly notifications: Notifications | null,
    private readonly onError: (err: unknown) => void = () => undefined,
  ) {
    notifications?.on(CHANNEL, (payload) => {
      const [origin, cache, userId] = payload.split('\n');
      if (origin !== this.origin && cache && userId) this.drops.get(cache)?.(userId);
    });
    notifications?.onReconnect(() => {
      for (const drop of this.drops.values()) drop(null);
    });
  }

  register(cache: string, drop: DropCopy): void {
    this.drops.set(cache, drop);
  }

  /** The seller's `cache` data changed: every process drops its copy (this one at once). */
  async announce(cache: string, userId: string): Promise<void> {
    this.drops.get(cache)?.(userId);
    await this.notifications?.notify(CHANNEL, `${this.origin}\n${cache}\n${userId}`).catch((err: unknown) => this.onError(err));
  }
}

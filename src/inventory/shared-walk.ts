import { AbandonedError } from '../sonlet/http.js';

interface Running<T> {
  result: Promise<T>;
  stop: AbortController;
  waiters: number;
}

/**
 * Walks of a seller's inventory that several callers wait for at once (two home pages, a page and a refresh)
 * share one walk per key. A caller that stops waiting (its signal aborts) leaves; the walk itself is stopped
 * only when every waiter has left, and a caller without a signal (a cache that wants the result) never leaves.
 */
export class SharedWalks<T> {
  private readonly running = new Map<string, Running<T>>();

  join(key: string, signal: AbortSignal | undefined, walk: (signal: AbortSignal) => Promise<T>): Promise<T> {
    if (signal?.aborted) return Promise.reject(new AbandonedError());
    let entry = this.running.get(key);
    if (!entry) {
      const stop = new AbortController();
      const created: Running<T> = { stop, waiters: 0, result: walk(stop.signal) };
      created.result
        .finally(() => {
          if (this.running.get(key) === created) this.running.delete(key);
        })
        .catch(() => undefined);
      this.running.set(key, created);
      entry = created;
    }
    return this.wait(key, entry, signal);
  }

  private wait(key: string, entry: Running<T>, signal: AbortSignal | undefined): Promise<T> {
    entry.waiters++;
    return new Promise<T>((resolve, reject) => {
      let waiting = true;
      const leave = () => {
        if (!waiting) return;
        waiting = false;
        if (--entry.waiters === 0) {
          // Nobody wants it any more: stop asking Sonlet, and let the next caller start afresh.
          if (this.running.get(key) === entry) this.running.delete(key);
          entry.stop.abort();
        }
        reject(new AbandonedError());
      };
      const settle = (outcome: () => void) => {
        if (!waiting) return;
        waiting = false;
        entry.waiters--;
        signal?.removeEventListener('abort', leave);
        outcome();
      };
      signal?.addEventListener('abort', leave, { once: true });
      entry.result.then(
        (value) => settle(() => resolve(value)),
        (err: unknown) => settle(() => reject(err)),
      );
    });
  }
}

/** Too many tasks were already waiting for a turn. */
export class QueueFullError extends Error {}

/**
 * At most `size` tasks at once; the rest wait their turn, first come first served. With `maxWaiting`,
 * a task that would be further back than that is refused at once (QueueFullError) rather than queued
 * behind work nobody may still be waiting for.
 */
export class Semaphore {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    private readonly size: number,
    private readonly maxWaiting = Infinity,
  ) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.size) {
      if (this.waiting.length >= this.maxWaiting) throw new QueueFullError('too many tasks waiting');
      // Woken with the slot of the task that finished, so nobody arriving meanwhile can take it.
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.active++;
    }
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}

/**
 * One task definition's workers in this process: claims as many due tasks as it has free slots,
 * then sleeps until a run finishes, a notification says work was queued, or the poll interval ends.
 */
export class Dispatcher {
  private readonly running = new Set<Promise<void>>();
  private stopped = true;
  private loop: Promise<void> | null = null;
  private woken = false;
  private wakeUp: (() => void) | null = null;

  constructor(
    private readonly concurrency: number,
    private readonly pollMs: number,
    /** Claims up to `free` due tasks and starts them; answers their runs. */
    private readonly claim: (free: number) => Promise<Array<Promise<void>>>,
    private readonly onError: (err: unknown) => void,
  ) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.loop = this.work();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake();
    await this.loop;
  }

  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  private async work(): Promise<void> {
    while (!this.stopped) {
      this.woken = false;
      const free = this.concurrency - this.running.size;
      if (free > 0) {
        try {
          for (const run of await this.claim(free)) {
            this.running.add(run);
            void run.finally(() => {
              this.running.delete(run);
              this.wake();
            });
          }
        } catch (err) {
          this.onError(err);
        }
      }
      if (!this.woken && !this.stopped) await this.sleep();
    }
  }

  private sleep(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, this.pollMs);
      timer.unref();
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = () => {
        this.wakeUp = null;
        done();
      };
    });
  }
}

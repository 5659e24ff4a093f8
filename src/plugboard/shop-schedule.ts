/**
 * When the shop's background work runs: every seller with Plugboard set up gets a keep-in-step run
 * once per sync period and an order poll once per poll period. A run is claimed by moving the seller's
 * `syncedAt` / `ordersPolledAt` in one conditional UPDATE, so across any number of console processes
 * each seller's run happens once per period. Time comes from a clock, so tests move it.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { PrismaClient } from '../generated/prisma/client.js';
import { DomainError } from '../errors.js';
import type { KeepInStep } from './keep-in-step.js';
import type { Clock, ShopOrders } from './shop-orders.js';

export interface ShopScheduleOptions {
  syncPeriodMs: number;
  ordersPeriodMs: number;
}

type Column = 'syncedAt' | 'ordersPolledAt';

export class ShopSchedule {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly sync: KeepInStep,
    private readonly orders: ShopOrders,
    private readonly opts: ShopScheduleOptions,
    private readonly clock: Clock = Date,
  ) {}

  private log: FastifyBaseLogger | null = null;

  /** Runs what is due now for every seller; a tick while one runs waits for it instead of starting another. */
  tick(): Promise<void> {
    this.running ??= this.runDue().finally(() => (this.running = null));
    return this.running;
  }

  /** Ticks every minute or so (more often for short periods) until {@link stop}. */
  start(log: FastifyBaseLogger): void {
    if (this.timer) return;
    this.log = log;
    const every = Math.max(1000, Math.min(60_000, Math.floor(Math.min(this.opts.syncPeriodMs, this.opts.ordersPeriodMs) / 4)));
    this.timer = setInterval(() => void this.tick(), every);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  private async runDue(): Promise<void> {
    const sellers = await this.prisma.plugboardConnection.findMany({ select: { userId: true } });
    for (const { userId } of sellers) {
      if (await this.claim(userId, 'syncedAt', this.opts.syncPeriodMs)) await this.attempt(userId, 'keep in step', () => this.runSync(userId));
      if (await this.claim(userId, 'ordersPolledAt', this.opts.ordersPeriodMs)) await this.attempt(userId, 'order poll', () => this.orders.poll(userId));
    }
  }

  private async runSync(userId: string): Promise<void> {
    const report = await this.sync.run(userId);
    await this.prisma.plugboardConnection.updateMany({ where: { userId }, data: { lastSyncError: report.failed ? `${report.failed} items could not be sent; they are tried again next time.` : null } });
  }

  private async claim(userId: string, column: Column, periodMs: number): Promise<boolean> {
    const now = new Date(this.clock.now());
    const due = new Date(now.getTime() - periodMs);
    const { count } = await this.prisma.plugboardConnection.updateMany({
      where: { userId, OR: [{ [column]: null }, { [column]: { lte: due } }] },
      data: { [column]: now },
    });
    return count === 1;
  }

  private async attempt(userId: string, what: string, run: () => Promise<unknown>): Promise<void> {
    try {
      await run();
    } catch (err) {
      // Plugboard or Sonlet away: the next period tries again; nothing was decided on a partial answer.
      const message = err instanceof DomainError ? err.message : (err as Error).message;
      if (what === 'keep in step') await this.prisma.plugboardConnection.updateMany({ where: { userId }, data: { lastSyncError: message.slice(0, 500) } });
      this.log?.warn({ userId, err: { message } }, `${what} failed`);
    }
  }
}

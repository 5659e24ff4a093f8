/**
 * When each of a seller's Sonlet items last sold in the web shop, kept per process so an items page
 * costs no order query. Stored orders change it: `forget` drops the copy in every process (Postgres
 * NOTIFY through CacheInvalidation). One read fetches the seller's whole list: one row per item sold,
 * at most the size of their inventory.
 */
import type { PrismaClient } from '../generated/prisma/client.js';
import type { CacheInvalidation } from '../db/cache-invalidation.js';

const CACHE = 'sold-items';
/** A backstop for a missed notification; the listener's reconnect drops every copy anyway. */
const MAX_AGE_MS = 60_000;
const MAX_SELLERS = 10_000;

export class SoldItems {
  private readonly copies = new Map<string, { soldOn: Map<number, Date>; at: number }>();
  /** Bumped by every drop: a read that overlapped one is not kept. */
  private epoch = 0;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly invalidation: CacheInvalidation | null,
  ) {
    invalidation?.register(CACHE, (userId) => {
      this.epoch++;
      if (userId) this.copies.delete(userId);
      else this.copies.clear();
    });
  }

  /** For each of these items that a web-shop order contains: when it was last sold. */
  async soldOn(userId: string, pks: number[]): Promise<Record<number, Date>> {
    if (pks.length === 0) return {};
    const all = await this.all(userId);
    const sold: Record<number, Date> = {};
    for (const pk of pks) {
      const at = all.get(pk);
      if (at) sold[pk] = at;
    }
    return sold;
  }

  /** The seller's orders changed (here or in another process). */
  async forget(userId: string): Promise<void> {
    await this.invalidation?.announce(CACHE, userId);
  }

  private async all(userId: string): Promise<Map<number, Date>> {
    const copy = this.copies.get(userId);
    if (copy && Date.now() - copy.at < MAX_AGE_MS) return copy.soldOn;
    const epoch = this.epoch;
    const rows = await this.prisma.$queryRaw<Array<{ pk: number; at: Date }>>`
      SELECT r."sonletItemId" AS pk, max(o."placedAt") AS at
      FROM "ShopOrderRow" r JOIN "ShopOrder" o ON o."id" = r."orderId"
      WHERE r."userId" = ${userId}::uuid AND r."sonletItemId" IS NOT NULL
      GROUP BY r."sonletItemId"`;
    const soldOn = new Map(rows.map((r) => [r.pk, r.at]));
    if (epoch === this.epoch) {
      if (this.copies.size >= MAX_SELLERS) this.copies.clear();
      this.copies.set(userId, { soldOn, at: Date.now() });
    }
    return soldOn;
  }
}

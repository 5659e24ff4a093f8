import type { PrismaClient } from '../generated/prisma/client.js';
import type { CacheInvalidation } from '../db/cache-invalidation.js';
import type { SonletApi } from '../sonlet/api-client.js';
import { walkAllItems } from './browse.js';
import type { SonletItem } from '../sonlet/types.js';

export interface Tally {
  label: string;
  items: number;
  pieces: number;
}

export interface InventorySummary {
  totalItems: number;
  totalPieces: number;
  byStyle: Tally[];
  bySize: Tally[];
  /** Which items use each image, for the images gallery. */
  itemsByImage: Record<number, Array<{ pk: number; style: string; size: string }>>;
  computedAt: Date;
}

const KIND = 'summary';

/**
 * Walks every page of the seller's items with bounded concurrency and tallies them. Costly for a
 * big inventory, so the result is cached per seller (in Postgres, shared by all processes) for a TTL.
 */
export class InventorySummaries {
  private readonly walked = new Map<string, { items: SonletItem[]; at: number }>();
  /** Concurrent home pages of one seller share one walk of the inventory. */
  private readonly computing = new Map<string, Promise<InventorySummary>>();

  constructor(
    private readonly prisma: PrismaClient,
    private readonly ttlSeconds: number,
    private readonly invalidation: CacheInvalidation | null = null,
    private readonly concurrency = 4,
  ) {
    // The walked inventory is kept per process: when it changes anywhere, every process forgets it.
    invalidation?.register(KIND, (userId) => (userId ? this.walked.delete(userId) : this.walked.clear()));
  }

  async get(userId: string, api: SonletApi, opts: { refresh?: boolean } = {}): Promise<InventorySummary> {
    if (!opts.refresh) {
      const cached = await this.cached(userId);
      if (cached && Date.now() - cached.computedAt.getTime() < this.ttlSeconds * 1000) return cached;
    }
    const pending = this.computing.get(userId);
    if (pending) return pending;
    const run = this.compute(userId, api).finally(() => this.computing.delete(userId));
    this.computing.set(userId, run);
    return run;
  }

  private async compute(userId: string, api: SonletApi): Promise<InventorySummary> {
    const summary = summarise(await walkAllItems(api, this.concurrency));
    const data = { ...summary, computedAt: summary.computedAt.toISOString() } as object;
    await this.prisma.catalogCache.upsert({
      where: { userId_kind: { userId, kind: KIND } },
      create: { userId, kind: KIND, data, fetchedAt: summary.computedAt },
      update: { data, fetchedAt: summary.computedAt },
    });
    return summary;
  }

  async cached(userId: string): Promise<InventorySummary | null> {
    const row = await this.prisma.catalogCache.findUnique({ where: { userId_kind: { userId, kind: KIND } } });
    if (!row) return null;
    return { ...(row.data as unknown as InventorySummary), computedAt: row.fetchedAt };
  }

  /** The seller's inventory changed (an item was created): the summary and every walked copy are out of date. */
  async forget(userId: string): Promise<void> {
    await this.prisma.catalogCache.deleteMany({ where: { userId, kind: KIND } });
    await this.invalidation?.announce(KIND, userId);
  }

  /**
   * The seller's whole inventory, walked at most once a minute per seller and process; used when the
   * console has to filter items itself.
   */
  async items(userId: string, api: SonletApi): Promise<SonletItem[]> {
    const memo = this.walked.get(userId);
    if (memo && Date.now() - memo.at < 60_000) return memo.items;
    const items = await walkAllItems(api, this.concurrency);
    if (this.walked.size > 1000) this.walked.clear();
    this.walked.set(userId, { items, at: Date.now() });
    return items;
  }
}

export function summarise(items: SonletItem[]): InventorySummary {
  const byStyle = new Map<string, Tally>();
  const bySize = new Map<string, Tally>();
  const itemsByImage: InventorySummary['itemsByImage'] = {};
  let totalPieces = 0;
  for (const item of items) {
    const pieces = Math.max(0, item.quantity);
    totalPieces += pieces;
    for (const [map, label] of [
      [byStyle, item.style],
      [bySize, item.size],
    ] as const) {
      const tally = map.get(label) ?? { label, items: 0, pieces: 0 };
      tally.items += 1;
      tally.pieces += pieces;
      map.set(label, tally);
    }
    if (item.image) (itemsByImage[item.image.pk] ??= []).push({ pk: item.pk, style: item.style, size: item.size });
  }
  const sorted = (map: Map<string, Tally>) => [...map.values()].sort((a, b) => b.pieces - a.pieces || a.label.localeCompare(b.label));
  return { totalItems: items.length, totalPieces, byStyle: sorted(byStyle), bySize: sorted(bySize), itemsByImage, computedAt: new Date() };
}

export function minutesAgo(date: Date, now = Date.now()): string {
  const minutes = Math.floor((now - date.getTime()) / 60_000);
  if (minutes < 1) return 'just now';
  if (minutes === 1) return '1 minute ago';
  if (minutes < 120) return `${minutes} minutes ago`;
  return `${Math.floor(minutes / 60)} hours ago`;
}

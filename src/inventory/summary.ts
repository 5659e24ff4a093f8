import type { PrismaClient } from '../generated/prisma/client.js';
import type { CacheInvalidation } from '../db/cache-invalidation.js';
import type { SonletApi } from '../sonlet/api-client.js';
import type { SonletItem } from '../sonlet/types.js';
import { matches, type ItemMatch } from './browse.js';
import { SharedWalks } from './shared-walk.js';
import { startedAfter, type InventorySnapshots, type SnapshotWalk } from './inventory-snapshot.js';

export interface Tally {
  label: string;
  items: number;
  pieces: number;
  /** The style's or size's Sonlet id, so the tally can link to the grid filtered by it. */
  id?: number;
}

export interface InventorySummary {
  totalItems: number;
  totalPieces: number;
  /** Items with no pieces left. */
  soldOut?: number;
  /** Entries Sonlet sent that could not be read (no usable pk), left out of the counts and of search. */
  skipped?: number;
  byStyle: Tally[];
  bySize: Tally[];
  /** Which items use each image, for the images gallery. */
  itemsByImage: Record<number, Array<{ pk: number; style: string; size: string }>>;
  computedAt: Date;
  /** The walk whose items (InventoryItem rows) search reads; absent in summaries of older versions. */
  walkId?: string;
  walkStartedAt?: string;
}

const KIND = 'summary';
/** How long a filtered walk's matches are reused for the next pages of the same filter. */
const MATCHES_TTL_MS = 60_000;

export interface SummaryRequest {
  refresh?: boolean;
  /** Aborts when the seller stops waiting; the walk stops once nobody waits. */
  signal?: AbortSignal;
}

/**
 * Walks every page of the seller's items and tallies them as they come (nothing sized by Sonlet's `count`,
 * no page kept once tallied). Costly for a big inventory, so the result is cached per seller (in Postgres,
 * shared by all processes) for a TTL, and callers waiting at the same time share one walk.
 */
export class InventorySummaries {
  private readonly matching = new Map<string, { items: SonletItem[]; at: number }>();
  private readonly summaryWalks = new SharedWalks<InventorySummary>();
  private readonly matchWalks = new SharedWalks<SonletItem[]>();

  constructor(
    private readonly prisma: PrismaClient,
    private readonly ttlSeconds: number,
    private readonly invalidation: CacheInvalidation | null = null,
    private readonly snapshots: InventorySnapshots | null = null,
  ) {
    // Filtered walks are kept per process: when the seller's inventory changes anywhere, every process forgets them.
    invalidation?.register(KIND, (userId) => this.dropMatches(userId));
  }

  async get(userId: string, api: SonletApi, opts: SummaryRequest = {}): Promise<InventorySummary> {
    if (!opts.refresh) {
      const cached = await this.cached(userId);
      if (cached && Date.now() - cached.computedAt.getTime() < this.ttlSeconds * 1000) return cached;
    }
    return this.summaryWalks.join(userId, opts.signal, (signal) => this.compute(userId, api, signal));
  }

  private async compute(userId: string, api: SonletApi, signal: AbortSignal): Promise<InventorySummary> {
    const tallies = new Tallies();
    const walk = this.snapshots?.begin() ?? null;
    try {
      for await (const items of api.walkItems({}, { signal, onSkipped: (n) => tallies.skip(n) })) {
        tallies.add(items);
        if (walk) await this.snapshots!.add(userId, walk, items);
      }
    } catch (err) {
      if (walk) await this.snapshots!.discard(userId, walk).catch(() => undefined);
      throw err;
    }
    const summary: InventorySummary = { ...tallies.summary(), ...(walk ? { walkId: walk.walkId, walkStartedAt: walk.startedAt.toISOString() } : {}) };
    if (!walk) {
      await this.save(this.prisma, userId, summary);
      return summary;
    }
    let current = summary;
    await this.snapshots!.finish(userId, walk, async (tx) => {
      const newer = await this.newerThan(tx, userId, walk);
      if (newer) {
        current = newer;
        return false;
      }
      await this.save(tx, userId, summary);
      return true;
    });
    return current;
  }

  private async save(db: Pick<PrismaClient, 'catalogCache'>, userId: string, summary: InventorySummary): Promise<void> {
    const data = { ...summary, computedAt: summary.computedAt.toISOString() } as object;
    await db.catalogCache.upsert({
      where: { userId_kind: { userId, kind: KIND } },
      create: { userId, kind: KIND, data, fetchedAt: summary.computedAt },
      update: { data, fetchedAt: summary.computedAt },
    });
  }

  /** The summary saved by a walk that started after `walk`, if one finished first. */
  private async newerThan(db: Pick<PrismaClient, 'catalogCache'>, userId: string, walk: SnapshotWalk): Promise<InventorySummary | null> {
    const row = await db.catalogCache.findUnique({ where: { userId_kind: { userId, kind: KIND } } });
    const saved = row ? (row.data as unknown as InventorySummary) : null;
    if (!row || !saved?.walkStartedAt || !saved.walkId || !startedAfter({ walkId: saved.walkId, startedAt: new Date(saved.walkStartedAt) }, walk)) return null;
    return { ...saved, computedAt: row.fetchedAt };
  }

  async cached(userId: string): Promise<InventorySummary | null> {
    const row = await this.prisma.catalogCache.findUnique({ where: { userId_kind: { userId, kind: KIND } } });
    if (!row) return null;
    return { ...(row.data as unknown as InventorySummary), computedAt: row.fetchedAt };
  }

  /** The seller's inventory changed (an item was created): the summary and every filtered walk are out of date. */
  async forget(userId: string): Promise<void> {
    this.dropMatches(userId);
    await this.prisma.catalogCache.deleteMany({ where: { userId, kind: KIND } });
    await this.invalidation?.announce(KIND, userId);
  }

  /** Forgets the filtered walks of one seller, or of everyone (null). */
  private dropMatches(userId: string | null): void {
    if (userId === null) return this.matching.clear();
    for (const key of this.matching.keys()) if (key.startsWith(`${userId}|`)) this.matching.delete(key);
  }

  /**
   * The seller's items that match `filters`, from a walk of the whole inventory (only the matches are kept),
   * reused for a minute per seller, filter and process; used when Sonlet ignores the filters.
   */
  async matchingItems(userId: string, api: SonletApi, filters: ItemMatch, opts: { signal?: AbortSignal } = {}): Promise<SonletItem[]> {
    const key = `${userId}|${filters.style ?? ''}|${filters.size ?? ''}`;
    const memo = this.matching.get(key);
    if (memo && Date.now() - memo.at < MATCHES_TTL_MS) return memo.items;
    return this.matchWalks.join(key, opts.signal, async (signal) => {
      const items: SonletItem[] = [];
      for await (const page of api.walkItems({}, { signal })) items.push(...page.filter((item) => matches(item, filters)));
      if (this.matching.size > 1000) this.matching.clear();
      this.matching.set(key, { items, at: Date.now() });
      return items;
    });
  }
}

/** Pieces and items per style and size, added to page by page. */
export class Tallies {
  private readonly byStyle = new Map<string, Tally>();
  private readonly bySize = new Map<string, Tally>();
  private readonly itemsByImage: InventorySummary['itemsByImage'] = {};
  private totalItems = 0;
  private totalPieces = 0;
  private soldOut = 0;
  private skipped = 0;

  /** Entries Sonlet sent that could not be read: left out of every count, and said so on the home page. */
  skip(entries: number): void {
    this.skipped += entries;
  }

  add(items: SonletItem[]): void {
    for (const item of items) {
      const pieces = Number.isFinite(item.quantity) ? Math.max(0, item.quantity) : 0;
      this.totalItems += 1;
      this.totalPieces += pieces;
      if (pieces === 0) this.soldOut += 1;
      for (const [map, label, id] of [
        [this.byStyle, item.style || `Style ${item.itemchoice_id}`, item.itemchoice_id],
        [this.bySize, item.size || `Size ${item.size_id}`, item.size_id],
      ] as const) {
        const tally = map.get(label) ?? { label, items: 0, pieces: 0, id };
        tally.items += 1;
        tally.pieces += pieces;
        map.set(label, tally);
      }
      if (item.image) (this.itemsByImage[item.image.pk] ??= []).push({ pk: item.pk, style: item.style, size: item.size });
    }
  }

  summary(): InventorySummary {
    const sorted = (map: Map<string, Tally>) => [...map.values()].sort((a, b) => b.pieces - a.pieces || a.label.localeCompare(b.label));
    return {
      totalItems: this.totalItems,
      totalPieces: this.totalPieces,
      soldOut: this.soldOut,
      ...(this.skipped ? { skipped: this.skipped } : {}),
      byStyle: sorted(this.byStyle),
      bySize: sorted(this.bySize),
      itemsByImage: this.itemsByImage,
      computedAt: new Date(),
    };
  }
}

export function summarise(items: SonletItem[]): InventorySummary {
  const tallies = new Tallies();
  tallies.add(items);
  return tallies.summary();
}

export function minutesAgo(date: Date, now = Date.now()): string {
  const minutes = Math.floor((now - date.getTime()) / 60_000);
  if (minutes < 1) return 'just now';
  if (minutes === 1) return '1 minute ago';
  if (minutes < 120) return `${minutes} minutes ago`;
  return `${Math.floor(minutes / 60)} hours ago`;
}

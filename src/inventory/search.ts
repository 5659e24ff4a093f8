/**
 * Finding things in the seller's inventory: words (style, size, attribute values), style, size, a price
 * range, in stock or sold out, sorted by newest, price or quantity. Answered from the last full walk of
 * the inventory kept in Postgres (inventory-snapshot.ts), refreshed by the summary's TTL or the seller's
 * Refresh, so a search of 2,000 items is one indexed query rather than a hundred Sonlet pages.
 */
import type { Prisma, PrismaClient } from '../generated/prisma/client.js';
import type { SonletApi } from '../sonlet/api-client.js';
import type { SonletItem } from '../sonlet/types.js';
import { InvalidPageError } from '../sonlet/api-client.js';
import { lastPageOf } from './page-maths.js';
import type { ItemsView } from './browse.js';
import type { InventorySummaries } from './summary.js';

export const SORTS = ['newest', 'oldest', 'price-asc', 'price-desc', 'qty-desc', 'qty-asc'] as const;
export type SortKey = (typeof SORTS)[number];
export const STOCK_FILTERS = ['in-stock', 'sold-out'] as const;
export type StockFilter = (typeof STOCK_FILTERS)[number];

export const SEARCH_PAGE_SIZE = 20;
const MAX_WORDS = 8;

export interface ItemSearch {
  words: string[];
  style: number | null;
  size: number | null;
  minPrice: number | null;
  maxPrice: number | null;
  stock: StockFilter | null;
  sort: SortKey;
}

/** The grid's query as the route's schema let it through. */
export interface SearchQuery {
  q?: string;
  style?: number;
  size?: number;
  min?: number;
  max?: number;
  stock?: StockFilter;
  sort?: SortKey;
  shop?: string;
}

/** The search the query asks for, or null when it asks only what a plain page of Sonlet answers. */
export function itemSearchOf(query: SearchQuery): ItemSearch | null {
  const words = (query.q ?? '')
    .toLowerCase()
    .split(/\s+/)
    .filter((w) => w.length > 0)
    .slice(0, MAX_WORDS);
  const asks = words.length > 0 || query.min !== undefined || query.max !== undefined || query.stock !== undefined || query.sort !== undefined || Boolean(query.shop);
  if (!asks) return null;
  let [minPrice, maxPrice] = [query.min ?? null, query.max ?? null];
  // "from 50 to 20" means between them.
  if (minPrice !== null && maxPrice !== null && minPrice > maxPrice) [minPrice, maxPrice] = [maxPrice, minPrice];
  return { words, style: query.style ?? null, size: query.size ?? null, minPrice, maxPrice, stock: query.stock ?? null, sort: query.sort ?? 'newest' };
}

const ORDER: Record<SortKey, Prisma.InventoryItemOrderByWithRelationInput[]> = {
  newest: [{ created: { sort: 'desc', nulls: 'last' } }, { pk: 'desc' }],
  oldest: [{ created: { sort: 'asc', nulls: 'last' } }, { pk: 'asc' }],
  'price-asc': [{ price: { sort: 'asc', nulls: 'last' } }, { pk: 'desc' }],
  'price-desc': [{ price: { sort: 'desc', nulls: 'last' } }, { pk: 'desc' }],
  'qty-desc': [{ quantity: 'desc' }, { pk: 'desc' }],
  'qty-asc': [{ quantity: 'asc' }, { pk: 'desc' }],
};

export interface SearchResult extends ItemsView {
  /** When the walk these results come from was made. */
  freshAt: Date;
}

/** Keeps the items a further filter (the web shop's) allows, in their order. */
export type ItemFilter = (items: SonletItem[]) => Promise<SonletItem[]>;

export class InventorySearch {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly summaries: InventorySummaries,
  ) {}

  async find(userId: string, api: SonletApi, search: ItemSearch, page: number, opts: { signal?: AbortSignal; filter?: ItemFilter | null } = {}): Promise<SearchResult> {
    let summary = await this.summaries.get(userId, api, { signal: opts.signal });
    // A summary from before search existed names no walk: walk once more.
    if (!summary.walkId) summary = await this.summaries.get(userId, api, { signal: opts.signal, refresh: true });
    const where = whereOf(userId, summary.walkId!, search);
    const filters = { style: search.style, size: search.size };
    const view = (items: SonletItem[], count: number): SearchResult => {
      const lastPage = lastPageOf(count, SEARCH_PAGE_SIZE);
      if (page > lastPage) throw new InvalidPageError();
      return { items, count, page, lastPage, pageSize: SEARCH_PAGE_SIZE, filters, freshAt: summary.computedAt };
    };
    if (opts.filter) {
      const rows = await this.prisma.inventoryItem.findMany({ where, orderBy: ORDER[search.sort], select: { item: true } });
      const kept = await opts.filter(rows.map((r) => r.item as unknown as SonletItem));
      return view(kept.slice((page - 1) * SEARCH_PAGE_SIZE, page * SEARCH_PAGE_SIZE), kept.length);
    }
    const [count, rows] = await Promise.all([
      this.prisma.inventoryItem.count({ where }),
      this.prisma.inventoryItem.findMany({ where, orderBy: ORDER[search.sort], skip: (page - 1) * SEARCH_PAGE_SIZE, take: SEARCH_PAGE_SIZE, select: { item: true } }),
    ]);
    return view(
      rows.map((r) => r.item as unknown as SonletItem),
      count,
    );
  }
}

function whereOf(userId: string, walkId: string, search: ItemSearch): Prisma.InventoryItemWhereInput {
  const price: { gte?: number; lte?: number } = {};
  if (search.minPrice !== null) price.gte = search.minPrice;
  if (search.maxPrice !== null) price.lte = search.maxPrice;
  return {
    userId,
    walkId,
    ...(search.style ? { itemchoiceId: search.style } : {}),
    ...(search.size ? { sizeId: search.size } : {}),
    ...(search.minPrice !== null || search.maxPrice !== null ? { price } : {}),
    ...(search.stock === 'in-stock' ? { quantity: { gt: 0 } } : search.stock === 'sold-out' ? { quantity: { lte: 0 } } : {}),
    // LIKE's wildcards in what the seller typed are matched as themselves.
    AND: search.words.map((word) => ({ searchText: { contains: word.replace(/[\\%_]/g, (c) => `\\${c}`) } })),
  };
}

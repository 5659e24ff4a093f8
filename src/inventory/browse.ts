import { InvalidPageError, type SonletApi } from '../sonlet/api-client.js';
import type { SonletItem, SonletPage } from '../sonlet/types.js';
import { lastPageOf, sonletPageMaths } from './page-maths.js';

export interface ItemsView {
  items: SonletItem[];
  count: number;
  page: number;
  lastPage: number;
  pageSize: number;
  filters: ItemMatch;
  /** Entries on Sonlet's page that could not be read, left out of `items`. */
  skipped?: number;
}

/** The style and size a seller filters by (null: any). */
export interface ItemMatch {
  style: number | null;
  size: number | null;
}

/** What a seller asked for on /items, already validated by the route schema. */
export interface ItemsQuery {
  page: number;
  style?: number;
  size?: number;
}

/** The items of `filters`, from a walk of the whole inventory (cached by the caller). */
export type MatchingItems = (filters: ItemMatch) => Promise<SonletItem[]>;

/**
 * One Sonlet page per console page: the console's paging follows Sonlet's, so a page costs one
 * upstream request. The last page number comes from the total count and the page size Sonlet uses.
 *
 * Filters go to Sonlet as `itemchoice_id`/`size_id`. Should a Sonlet deployment ignore them (the page
 * then holds items of other styles or sizes), the console filters the seller's whole inventory itself
 * (`matchingItems`, a walk that ends, cached by the caller) and pages through that.
 */
export async function browseItems(api: SonletApi, query: ItemsQuery, matchingItems?: MatchingItems, opts: { signal?: AbortSignal } = {}): Promise<ItemsView> {
  const page: SonletPage<SonletItem> = await api.listItems({ page: query.page, itemchoiceId: query.style, sizeId: query.size }, opts);
  const filters = { style: query.style ?? null, size: query.size ?? null };
  if (matchingItems && (filters.style || filters.size) && !page.results.every((item) => matches(item, filters))) {
    return pageLocally(await matchingItems(filters), query.page, page.results.length || DEFAULT_PAGE_SIZE, filters);
  }
  const { pageSize, lastPage } = sonletPageMaths(query.page, { count: page.count, onPage: page.results.length, hasNext: page.next !== null });
  return { items: page.results, count: page.count, page: query.page, lastPage, pageSize, filters, ...(page.skipped ? { skipped: page.skipped } : {}) };
}

const DEFAULT_PAGE_SIZE = 20;

export function matches(item: SonletItem, filters: ItemMatch): boolean {
  return (!filters.style || item.itemchoice_id === filters.style) && (!filters.size || item.size_id === filters.size);
}

export function pageLocally(items: SonletItem[], page: number, pageSize: number, filters: ItemMatch): ItemsView {
  const lastPage = lastPageOf(items.length, pageSize);
  if (page > lastPage) throw new InvalidPageError();
  return { items: items.slice((page - 1) * pageSize, page * pageSize), count: items.length, page, lastPage, pageSize, filters };
}

/** Fills in style and size names from the catalog when Sonlet named them only by pk. */
export function withCatalogNames(items: SonletItem[], catalog: { styles: Array<{ pk: number; name: string }>; sizes: Array<{ pk: number; name: string }> }): SonletItem[] {
  if (items.every((item) => item.style && item.size)) return items;
  const styles = new Map(catalog.styles.map((s) => [s.pk, s.name]));
  const sizes = new Map(catalog.sizes.map((s) => [s.pk, s.name]));
  return items.map((item) => ({ ...item, style: item.style || (styles.get(item.itemchoice_id) ?? ''), size: item.size || (sizes.get(item.size_id) ?? '') }));
}

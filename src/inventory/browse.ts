import { InvalidPageError, type SonletApi } from '../sonlet/api-client.js';
import type { SonletItem, SonletPage } from '../sonlet/types.js';
import { lastPageOf, sonletPageMaths } from './page-maths.js';

export interface ItemsView {
  items: SonletItem[];
  count: number;
  page: number;
  lastPage: number;
  pageSize: number;
  filters: { style: number | null; size: number | null };
}

/** What a seller asked for on /items, already validated by the route schema. */
export interface ItemsQuery {
  page: number;
  style?: number;
  size?: number;
}

/**
 * One Sonlet page per console page: the console's paging follows Sonlet's, so a page costs one
 * upstream request. The last page number comes from the total count and the page size Sonlet uses.
 *
 * Filters go to Sonlet as `itemchoice_id`/`size_id`. Should a Sonlet deployment ignore them (the page
 * then holds items of other styles or sizes), the console filters the seller's whole inventory itself
 * (`allItems`, walked with bounded concurrency and cached by the caller) and pages through that.
 */
export async function browseItems(api: SonletApi, query: ItemsQuery, allItems?: () => Promise<SonletItem[]>): Promise<ItemsView> {
  const page: SonletPage<SonletItem> = await api.listItems({ page: query.page, itemchoiceId: query.style, sizeId: query.size });
  const filters = { style: query.style ?? null, size: query.size ?? null };
  if (allItems && (filters.style || filters.size) && !page.results.every((item) => matches(item, filters))) {
    return pageLocally((await allItems()).filter((item) => matches(item, filters)), query.page, page.results.length || DEFAULT_PAGE_SIZE, filters);
  }
  const { pageSize, lastPage } = sonletPageMaths(query.page, { count: page.count, onPage: page.results.length, hasNext: page.next !== null });
  return { items: page.results, count: page.count, page: query.page, lastPage, pageSize, filters };
}

const DEFAULT_PAGE_SIZE = 20;

function matches(item: SonletItem, filters: ItemsView['filters']): boolean {
  return (!filters.style || item.itemchoice_id === filters.style) && (!filters.size || item.size_id === filters.size);
}

function pageLocally(items: SonletItem[], page: number, pageSize: number, filters: ItemsView['filters']): ItemsView {
  const lastPage = lastPageOf(items.length, pageSize);
  if (page > lastPage) throw new InvalidPageError();
  return { items: items.slice((page - 1) * pageSize, page * pageSize), count: items.length, page, lastPage, pageSize, filters };
}

/** Every item of the seller, fetching pages 2…N with bounded concurrency once page 1 tells how many there are. */
export async function walkAllItems(api: SonletApi, concurrency: number): Promise<SonletItem[]> {
  const first = await api.listItems({ page: 1 });
  if (!first.next) return first.results;
  const lastPage = Math.ceil(first.count / first.results.length);
  const pages: SonletItem[][] = [first.results];
  let nextPage = 2;
  const worker = async () => {
    while (nextPage <= lastPage) {
      const page = nextPage++;
      pages[page - 1] = (await api.listItems({ page })).results;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, lastPage - 1) }, worker));
  return pages.flat();
}

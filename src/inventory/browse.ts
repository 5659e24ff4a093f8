import type { SonletApi } from '../sonlet/api-client.js';
import type { SonletItem, SonletPage } from '../sonlet/types.js';
import type { Catalog } from './catalog-cache.js';

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
 */
export async function browseItems(api: SonletApi, query: ItemsQuery): Promise<ItemsView> {
  const page: SonletPage<SonletItem> = await api.listItems({ page: query.page, itemchoiceId: query.style, sizeId: query.size });
  const pageSize = page.next ? page.results.length : Math.max(page.results.length, query.page > 1 ? Math.ceil((page.count - page.results.length) / (query.page - 1)) : page.results.length);
  const lastPage = page.next ? Math.max(query.page + 1, Math.ceil(page.count / Math.max(pageSize, 1))) : query.page;
  return {
    items: page.results,
    count: page.count,
    page: query.page,
    lastPage,
    pageSize,
    filters: { style: query.style ?? null, size: query.size ?? null },
  };
}

export function styleName(catalog: Catalog, pk: number | null): string | null {
  return pk == null ? null : (catalog.styles.find((s) => s.pk === pk)?.name ?? null);
}

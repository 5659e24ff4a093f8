/** Page numbers for lists the seller pages through: pure arithmetic, tested on its own. */

/** The last page of `count` things shown `pageSize` at a time; an empty list still has page 1. */
export function lastPageOf(count: number, pageSize: number): number {
  return Math.max(1, Math.ceil(count / Math.max(pageSize, 1)));
}

/**
 * Where page `page` of one of Sonlet's lists sits, from that page alone: Sonlet does not say its
 * page size, so it is the size of a page that has a next one, or (on the last page) what the pages
 * before must have held. A page with a next one is never the last, whatever `count` says.
 */
export function sonletPageMaths(page: number, seen: { count: number; onPage: number; hasNext: boolean }): { pageSize: number; lastPage: number } {
  const earlier = page > 1 ? Math.ceil((seen.count - seen.onPage) / (page - 1)) : seen.onPage;
  const pageSize = seen.hasNext ? seen.onPage : Math.max(seen.onPage, earlier);
  const lastPage = seen.hasNext ? Math.max(page + 1, lastPageOf(seen.count, pageSize)) : page;
  return { pageSize, lastPage };
}

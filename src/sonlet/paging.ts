/**
 * Sonlet's lists are paged (`count`, `next`, `previous`, `results`); the reference says no more. So the console
 * follows the links Sonlet gives rather than building page addresses itself, learns from them what a link to
 * page N looks like, and never lets a list it follows go on for ever. Pure: no HTTP here.
 */
import { ProviderUnavailableError } from '../errors.js';

/**
 * Resolves a `next`/`previous` link, absolute or relative, against the page it came on. A link outside the
 * configured Sonlet origin and API path is refused, so the seller's bearer token only ever goes there.
 */
export function resolveLink(link: string, from: URL, apiBase: URL): URL {
  let url: URL;
  try {
    url = new URL(link, from);
  } catch {
    throw new ProviderUnavailableError('Sonlet', 'sent a link the console cannot read');
  }
  if (url.origin !== apiBase.origin || !url.pathname.startsWith(apiBase.pathname)) {
    throw new ProviderUnavailableError('Sonlet', `sent a link outside ${apiBase.origin}${apiBase.pathname}, which the console refuses to follow`);
  }
  url.hash = '';
  return url;
}

/** How the links of one list name a page: by number, by offset, or by something the console cannot compute. */
export type PageShape =
  | { kind: 'number'; param: string; extras: Array<[string, string]> }
  | { kind: 'offset'; offsetParam: string; limitParam: string; limit: number; extras: Array<[string, string]> }
  | { kind: 'opaque' };

/**
 * Learns the shape from `link`, Sonlet's link to page `linkPage` of the list first asked for as `asked`: the
 * parameters Sonlet added are the paging ones (`page=2`, or `offset=20&limit=20`); any others it added are kept.
 */
export function learnShape(link: URL, linkPage: number, asked: URL): PageShape {
  const added = [...link.searchParams].filter(([name]) => !asked.searchParams.has(name));
  const others = (...names: string[]) => added.filter(([name]) => !names.includes(name));
  const page = added.find(([name, value]) => name === 'page' && value === String(linkPage));
  if (page) return { kind: 'number', param: 'page', extras: others('page') };
  for (const [limitParam, limitValue] of added) {
    const limit = Number(limitValue);
    if (!Number.isInteger(limit) || limit <= 0) continue;
    const offset = added.find(([name, value]) => name !== limitParam && value === String((linkPage - 1) * limit));
    if (offset) return { kind: 'offset', offsetParam: offset[0], limitParam, limit, extras: others(offset[0], limitParam) };
  }
  const numbered = added.find(([, value]) => value === String(linkPage));
  if (numbered) return { kind: 'number', param: numbered[0], extras: others(numbered[0]) };
  return { kind: 'opaque' };
}

/** The address of page `n` of the list whose first page is `first`, in the learned shape; null when opaque. */
export function pageUrl(shape: PageShape, first: URL, n: number): URL | null {
  if (shape.kind === 'opaque') return null;
  const url = new URL(first);
  for (const [name, value] of shape.extras) url.searchParams.set(name, value);
  if (shape.kind === 'number') {
    if (n > 1) url.searchParams.set(shape.param, String(n));
  } else {
    url.searchParams.set(shape.limitParam, String(shape.limit));
    url.searchParams.set(shape.offsetParam, String((n - 1) * shape.limit));
  }
  return url;
}

export type WalkStop = 'repeat' | 'longer-than-said' | 'too-long';

/** A walk of `next` links was stopped because following it would not end (or not soon enough). */
export class WalkStoppedError extends ProviderUnavailableError {
  constructor(
    readonly reason: WalkStop,
    readonly pagesRead: number,
  ) {
    const pages = `${pagesRead} page${pagesRead === 1 ? '' : 's'}`;
    super(
      'Sonlet',
      reason === 'repeat'
        ? `sent a list that leads back to a page already read; the console stopped after ${pages}`
        : reason === 'longer-than-said'
          ? `sent a list longer than it said it is; the console stopped after ${pages}`
          : `has more than ${pages} in this list, more than the console reads at once`,
    );
  }
}

/**
 * How many pages a walk may read, from its first page: as many as `count` says at this page size, plus some
 * slack (the list may grow while it is walked), and never more than `maxPages`. A `count` that is not a
 * number, or a first page without results, leaves only the absolute ceiling or the slack.
 */
export function walkCeiling(count: number, pageSize: number, maxPages: number): number {
  if (!Number.isFinite(count) || count < 0) return maxPages;
  if (pageSize <= 0) return Math.min(maxPages, 1 + MIN_SLACK_PAGES);
  const said = Math.ceil(count / pageSize);
  return Math.min(maxPages, said + Math.max(MIN_SLACK_PAGES, Math.ceil(said / 10)));
}

const MIN_SLACK_PAGES = 2;

/** Keeps one walk of `next` links finite: no page twice, no more pages than its ceiling. */
export class WalkGuard {
  private readonly seen = new Set<string>();
  private pages = 0;
  private ceiling: number;

  constructor(
    private readonly maxPages: number,
    first: URL,
  ) {
    this.ceiling = maxPages;
    this.seen.add(canonical(first));
  }

  get pagesRead(): number {
    return this.pages;
  }

  /** Call with each page read, the first one setting the ceiling. */
  read(page: { count: number; results: unknown[] }): void {
    if (this.pages++ === 0) this.ceiling = walkCeiling(page.count, page.results.length, this.maxPages);
  }

  /** Call before following `next`; throws WalkStoppedError when the walk must end here. */
  follow(next: URL): void {
    const key = canonical(next);
    if (this.seen.has(key)) throw new WalkStoppedError('repeat', this.pages);
    if (this.pages >= this.ceiling) throw new WalkStoppedError(this.ceiling < this.maxPages ? 'longer-than-said' : 'too-long', this.pages);
    this.seen.add(key);
  }
}

/** The same page however its query is ordered. */
function canonical(url: URL): string {
  const params = [...url.searchParams].sort(([a, x], [b, y]) => (a === b ? x.localeCompare(y) : a.localeCompare(b)));
  return `${url.origin}${url.pathname}?${new URLSearchParams(params)}`;
}

import { NotFoundError, ProviderUnavailableError, SellerError } from '../errors.js';
import type { TokenVault } from './token-vault.js';
import type { SonletImage, SonletItem, SonletItemChoice, SonletPage, SonletSize } from './types.js';
import { parseImage, parseItem, parseItemChoice, parsePage, parseSize } from './parse.js';

export interface SonletApiConfig {
  baseUrl: string;
  timeoutMs: number;
}

export interface ItemFilters {
  page?: number;
  itemchoiceId?: number;
  sizeId?: number;
}

/** Sonlet answered 404 {"detail":"Invalid page."}: the seller asked for a page past the end. */
export class InvalidPageError extends SellerError {
  constructor() {
    super('That page does not exist; your inventory may have changed since the link was made.', 404, 'No such page', {
      href: '/items',
      label: 'Back to the first page',
    });
  }
}

/** Sonlet API v2 on behalf of one seller. Knows HTTP and Sonlet's rules, nothing about pages. */
export class SonletApi {
  private readonly apiBase: URL;

  constructor(
    private readonly vault: TokenVault,
    private readonly userId: string,
    private readonly config: SonletApiConfig,
  ) {
    this.apiBase = new URL(`${config.baseUrl}/api/v2/`);
  }

  async listItems(filters: ItemFilters = {}): Promise<SonletPage<SonletItem>> {
    const params = new URLSearchParams();
    if (filters.page && filters.page > 1) params.set('page', String(filters.page));
    if (filters.itemchoiceId) params.set('itemchoice_id', String(filters.itemchoiceId));
    if (filters.sizeId) params.set('size_id', String(filters.sizeId));
    const query = params.size ? `?${params}` : '';
    return parsePage(await this.getJson(`items/${query}`), parseItem);
  }

  async getItem(pk: number): Promise<SonletItem> {
    return parseItem(await this.getJson(`items/${pk}/`, 'That item'));
  }

  async listImages(page = 1): Promise<SonletPage<SonletImage>> {
    return parsePage(await this.getJson(page > 1 ? `images/?page=${page}` : 'images/'), parseImage);
  }

  async getImage(pk: number): Promise<SonletImage> {
    return parseImage(await this.getJson(`images/${pk}/`, 'That image'));
  }

  listAllItemChoices(): Promise<SonletItemChoice[]> {
    return this.walk('itemchoices/', parseItemChoice);
  }

  listAllSizes(): Promise<SonletSize[]> {
    return this.walk('sizes/', parseSize);
  }

  /** Follows `next` links to the end of a (small) list, such as the style catalog. */
  async walk<T>(path: string, parse: (raw: unknown) => T): Promise<T[]> {
    const results: T[] = [];
    let next: string | null = path;
    while (next) {
      const page: SonletPage<T> = parsePage(await this.getJson(next), parse);
      results.push(...page.results);
      next = page.next;
    }
    return results;
  }

  /**
   * Resolves a relative path or a `next` link. A link to any other origin is refused, so the
   * seller's bearer token is only ever sent to the configured Sonlet host.
   */
  resolve(pathOrUrl: string): URL {
    const url = new URL(pathOrUrl, this.apiBase);
    if (url.origin !== this.apiBase.origin || !url.pathname.startsWith(this.apiBase.pathname)) {
      throw new ProviderUnavailableError('Sonlet', `sent a link outside ${this.apiBase.origin}, which the console refuses to follow`);
    }
    return url;
  }

  async getJson(pathOrUrl: string, notFoundWhat?: string): Promise<unknown> {
    const url = this.resolve(pathOrUrl);
    const res = await this.send(url, { method: 'GET' });
    return this.readJson(res, notFoundWhat);
  }

  async send(url: URL, init: RequestInit): Promise<Response> {
    try {
      return await this.vault.withAccessToken(this.userId, (token) =>
        fetch(url, {
          ...init,
          headers: { ...(init.headers as Record<string, string>), accept: 'application/json', authorization: `Bearer ${token}` },
          signal: AbortSignal.timeout(this.config.timeoutMs),
        }),
      );
    } catch (err) {
      if (err instanceof SellerError) throw err;
      const name = (err as Error).name;
      if (name === 'TimeoutError' || name === 'AbortError') throw new ProviderUnavailableError('Sonlet', 'did not answer in time', 504);
      throw new ProviderUnavailableError('Sonlet', 'could not be reached');
    }
  }

  async readJson(res: Response, notFoundWhat?: string): Promise<unknown> {
    const body = await res.json().catch(() => null);
    if (res.ok) {
      if (body === null) throw new ProviderUnavailableError('Sonlet', 'sent an answer the console could not read');
      return body;
    }
    const detail = (body as { detail?: unknown } | null)?.detail;
    if (res.status === 404 && detail === 'Invalid page.') throw new InvalidPageError();
    if (res.status === 404) throw new NotFoundError(notFoundWhat ?? 'That page of Sonlet');
    if (res.status === 401) throw new ProviderUnavailableError('Sonlet', 'refused a freshly refreshed token');
    throw new ProviderUnavailableError('Sonlet', `answered ${res.status}`);
  }
}

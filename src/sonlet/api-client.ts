import { createHash, randomUUID } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { DomainError, NotFoundError, ProviderUnavailableError } from '../errors.js';
import type { TokenVault } from './token-vault.js';
import type { SonletImage, SonletItem, SonletItemChoice, SonletPage, SonletSize } from './types.js';
import { parseImage, parseItem, parseItemChoice, parsePage, parseSize } from './parse.js';
import { postFile } from './file-post.js';
import { request, Agent } from 'undici';
import { fromFetch, fromUndici, type SonletAnswer } from './answer.js';
import { observeProviderCall, operationName } from '../metrics/provider-calls.js';

/** Keep-alive connections to Sonlet, shared by every seller's client. */
const sonletAgent = new Agent({ keepAliveTimeout: 30_000, connections: 64 });

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
export class InvalidPageError extends DomainError {
  constructor() {
    super('invalid-page', 'That page does not exist; your inventory may have changed since the link was made.');
  }
}

export interface NewItemFields {
  itemchoiceId: number;
  sizeId: number;
  imageId: number;
  quantity: number;
  /** null: Sonlet uses the style's minimum advertised price. */
  price: string | null;
  attributes: Record<string, string>;
}

/**
 * 403 "Duplicate request detected.": a request with this idempotency key reached Sonlet before.
 * It says nothing about whether that one succeeded; the caller has to look.
 */
export class DuplicateRequestError extends Error {
  constructor() {
    super('Sonlet has already seen this request (duplicate idempotency key).');
  }
}

/** Sonlet refused what was sent (4xx other than auth): sending it again will not help. */
export class SonletRejectedError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
  ) {
    super(`Sonlet refused it: ${detail}`);
  }
}

function describeRejection(body: unknown): string {
  if (!body || typeof body !== 'object') return 'the request was not accepted.';
  const parts: string[] = [];
  for (const [field, value] of Object.entries(body as Record<string, unknown>)) {
    const text = Array.isArray(value) ? value.map(String).join(' ') : String(value);
    parts.push(field === 'detail' || field === 'non_field_errors' ? text : `${field}: ${text}`);
  }
  return parts.join('; ').slice(0, 500) || 'the request was not accepted.';
}

const headerSafe = (value: string) => value.replace(/["\\\r\n]/g, '_');

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

  /**
   * POST /images/ with the photo streamed from disk as multipart `image_full` (never held in
   * memory). The idempotency key makes a repeat answer 403 Duplicate (DuplicateRequestError).
   */
  async createImage(filePath: string, filename: string, contentType: string, idempotencyKey: string): Promise<SonletImage> {
    const { size } = await stat(filePath);
    const boundary = `----sonlet-console-${randomUUID()}`;
    const head = Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="image_full"; filename="${headerSafe(filename)}"\r\nContent-Type: ${headerSafe(contentType)}\r\n\r\n`,
    );
    const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
    const url = this.resolve('images/');
    // Big photos on a slow uplink need longer than an API call: allow ~1 MB/s on top.
    const timeoutMs = this.config.timeoutMs + Math.ceil(size / 1000);
    const headers = {
      'content-type': `multipart/form-data; boundary=${boundary}`,
      'content-length': String(head.length + size + tail.length),
      'x-idempotency-key': idempotencyKey,
      accept: 'application/json',
    };
    // Each call (the vault calls again after refreshing on a 401) re-opens the file: a body is read once.
    const res = await this.reaching(url, 'POST', () =>
      this.vault.withAccessToken(this.userId, (token) =>
        postFile(url, { ...headers, authorization: `Bearer ${token}` }, { head, filePath, tail }, AbortSignal.timeout(timeoutMs)).then(fromFetch),
      ),
    );
    return parseImage(await this.readCreated(res));
  }

  /** POST /items/ (form-encoded, `data` as JSON text, as Sonlet documents it). */
  async createItem(fields: NewItemFields, idempotencyKey: string): Promise<SonletItem> {
    const form = new URLSearchParams({
      itemchoice_id: String(fields.itemchoiceId),
      size_id: String(fields.sizeId),
      image_id: String(fields.imageId),
      quantity: String(fields.quantity),
    });
    if (fields.price !== null) form.set('price', fields.price);
    if (Object.keys(fields.attributes).length) form.set('data', JSON.stringify({ attributes: fields.attributes }));
    const res = await this.send(this.resolve('items/'), {
      method: 'POST',
      body: form.toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-idempotency-key': idempotencyKey },
    });
    return parseItem(await this.readCreated(res));
  }

  /**
   * SHA-256 of a media file (an image's image_full), streamed; null when its size is not
   * `expectedBytes` (no need to read it) or it cannot be fetched. Media is public, like a CDN:
   * no bearer token goes with it.
   */
  async mediaDigest(mediaUrl: string, expectedBytes?: number): Promise<string | null> {
    let url: URL;
    try {
      url = new URL(mediaUrl, this.apiBase);
    } catch {
      return null;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(this.config.timeoutMs * 3) });
      const length = Number(res.headers.get('content-length') ?? NaN);
      if (!res.ok || !res.body || (expectedBytes !== undefined && Number.isFinite(length) && length !== expectedBytes)) {
        await res.body?.cancel();
        return null;
      }
      const hash = createHash('sha256');
      for await (const chunk of res.body) hash.update(chunk);
      return hash.digest('hex');
    } catch {
      return null;
    }
  }

  /** A POST's answer: the created object, or the error that says what to do next. */
  async readCreated(res: SonletAnswer): Promise<unknown> {
    const body = await res.json().catch(() => null);
    if (res.ok && body !== null) return body;
    const detail = (body as { detail?: unknown } | null)?.detail;
    if (res.status === 403 && detail === 'Duplicate request detected.') throw new DuplicateRequestError();
    if (res.ok || res.status === 401 || res.status === 408 || res.status === 429 || res.status >= 500) {
      throw new ProviderUnavailableError('Sonlet', res.ok ? 'sent an answer the console could not read' : `answered ${res.status}`);
    }
    throw new SonletRejectedError(res.status, describeRejection(body));
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

  async send(url: URL, init: { method: 'GET' | 'POST'; body?: string; headers?: Record<string, string> }): Promise<SonletAnswer> {
    return this.reaching(url, init.method, () =>
      this.vault.withAccessToken(this.userId, async (token) =>
        fromUndici(
          await request(url, {
            method: init.method,
            body: init.body,
            headers: { ...init.headers, accept: 'application/json', authorization: `Bearer ${token}` },
            dispatcher: sonletAgent,
            signal: AbortSignal.timeout(this.config.timeoutMs),
          }),
        ),
      ),
    );
  }

  /** Network failures and timeouts become the seller's "Sonlet is not answering". Each call is measured. */
  private reaching(url: URL, method: string, call: () => Promise<SonletAnswer>): Promise<SonletAnswer> {
    const path = url.pathname.startsWith(this.apiBase.pathname) ? url.pathname.slice(this.apiBase.pathname.length) : 'other';
    return observeProviderCall('sonlet', operationName(method, path), this.answerOf(call), (res) => res.status >= 500);
  }

  private async answerOf(call: () => Promise<SonletAnswer>): Promise<SonletAnswer> {
    try {
      return await call();
    } catch (err) {
      if (err instanceof DomainError) throw err;
      const name = (err as Error).name;
      if (name === 'TimeoutError' || name === 'AbortError') throw new ProviderUnavailableError('Sonlet', 'did not answer in time', { timedOut: true });
      throw new ProviderUnavailableError('Sonlet', 'could not be reached');
    }
  }

  async readJson(res: SonletAnswer, notFoundWhat?: string): Promise<unknown> {
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

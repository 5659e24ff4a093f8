import { createHash } from 'node:crypto';
import { DomainError, NotFoundError, ProviderUnavailableError } from '../errors.js';
import type { TokenVault } from './token-vault.js';
import type { SonletImage, SonletItem, SonletItemChoice, SonletPage, SonletSize } from './types.js';
import { parseImage, parseItem, parseItemChoice, parsePage, parseSize } from './parse.js';
import type { SonletAnswer, SonletHttp } from './http.js';
import { learnShape, pageUrl, resolveLink, WalkGuard, type PageShape } from './paging.js';
import { photoForm, type PhotoSource } from './photo-body.js';

/** What every seller's client shares in one process: the HTTP stack, the vault, and what paging looks like. */
export interface SonletContext {
  http: SonletHttp;
  vault: TokenVault;
  baseUrl: string;
  maxWalkPages: number;
  /** Per list path, how Sonlet's links name a page (learned from the links it sends). */
  shapes: Map<string, PageShape>;
}

export interface ItemFilters {
  page?: number;
  itemchoiceId?: number;
  sizeId?: number;
}

/** Lets a caller stop waiting: the request to Sonlet is then abandoned. */
export interface Waiting {
  signal?: AbortSignal;
}

/** `onSkipped`: told of entries a page held that could not be read (left out of what the walk yields). */
export type WalkOptions = Waiting & { onSkipped?: (entries: number) => void };

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

/** Sonlet API v2 on behalf of one seller. Knows HTTP and Sonlet's rules, nothing about pages. */
export class SonletApi {
  private readonly apiBase: URL;

  constructor(
    private readonly sonlet: SonletContext,
    private readonly userId: string,
  ) {
    this.apiBase = new URL(`${sonlet.baseUrl}/api/v2/`);
  }

  async listItems(filters: ItemFilters = {}, opts: Waiting = {}): Promise<SonletPage<SonletItem>> {
    return this.listPage('items/', itemParams(filters), filters.page ?? 1, parseItem, opts);
  }

  /** Every item (matching `filters`), page by page, in a walk that ends (see {@link walk}). */
  walkItems(filters: Omit<ItemFilters, 'page'> = {}, opts: WalkOptions = {}): AsyncGenerator<SonletItem[]> {
    return this.walk('items/', parseItem, { ...opts, params: itemParams(filters) });
  }

  async getItem(pk: number, opts: Waiting = {}): Promise<SonletItem> {
    return parseItem(await this.getJson(this.resolve(`items/${pk}/`), opts, 'That item'));
  }

  async listImages(page = 1, opts: Waiting = {}): Promise<SonletPage<SonletImage>> {
    return this.listPage('images/', new URLSearchParams(), page, parseImage, opts);
  }

  async getImage(pk: number, opts: Waiting = {}): Promise<SonletImage> {
    return parseImage(await this.getJson(this.resolve(`images/${pk}/`), opts, 'That image'));
  }

  /**
   * POST /images/ with the photo streamed from its source as multipart `image_full` (never held in memory).
   * The idempotency key makes a repeat answer 403 Duplicate (DuplicateRequestError).
   */
  async createImage(photo: PhotoSource, idempotencyKey: string): Promise<SonletImage> {
    const url = this.resolve('images/');
    // Big photos on a slow uplink need longer than an API call: allow ~1 MB/s on top.
    const deadlineMs = this.sonlet.http.timeoutMs + Math.ceil(photo.bytes / 1000);
    // Each call (the vault calls again after refreshing on a 401) opens the photo again: a body is read once.
    const res = await this.sonlet.vault.withAccessToken(this.userId, (token) => {
      const form = photoForm('image_full', photo);
      return this.sonlet.http.exchange({
        method: 'POST',
        url,
        deadlineMs,
        body: form.body(),
        headers: {
          'content-type': form.contentType,
          'content-length': String(form.length),
          'x-idempotency-key': idempotencyKey,
          accept: 'application/json',
          authorization: `Bearer ${token}`,
        },
      });
    });
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
   * SHA-256 of a media file (an image's image_full), streamed and capped at the photo size limit; null when
   * its size is not `expectedBytes` (no need to read it), it is not an image, or it cannot be read (a host the
   * console may not reach included). Media is public, like a CDN: no bearer token goes with it.
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
      const res = await this.getMedia(url);
      const length = Number(res.header('content-length') ?? NaN);
      if (!res.ok || !isImage(res) || (expectedBytes !== undefined && Number.isFinite(length) && length !== expectedBytes)) {
        await res.discard();
        return null;
      }
      const hash = createHash('sha256');
      for await (const chunk of res.chunks()) hash.update(chunk);
      return hash.digest('hex');
    } catch {
      return null;
    }
  }

  /**
   * A media file's bytes (an image's image_full), capped at the photo size limit, for publishing a picture.
   * Media is public, like a CDN: no bearer token goes with it. Only an image is read: anything else at a photo
   * address is not a photo, and publishing it would put whatever it is on a public page.
   */
  async readMedia(mediaUrl: string): Promise<{ bytes: Buffer; contentType: string }> {
    const url = new URL(mediaUrl, this.apiBase);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ProviderUnavailableError('Sonlet', 'sent a photo address the console does not follow');
    const res = await this.getMedia(url);
    if (!res.ok) {
      await res.discard();
      throw new ProviderUnavailableError('Sonlet', `answered ${res.status} for a photo`);
    }
    if (!isImage(res)) {
      await res.discard();
      throw new ProviderUnavailableError('Sonlet', 'sent something other than an image for a photo');
    }
    const chunks: Buffer[] = [];
    for await (const chunk of res.chunks()) chunks.push(chunk);
    return { bytes: Buffer.concat(chunks), contentType: res.header('content-type')! };
  }

  /**
   * Media addresses come from Sonlet's answers: only those on the configured Sonlet's origin may be on a private
   * address (see SonletHttp); any other host is refused at connect time unless it resolves to public addresses.
   */
  private getMedia(url: URL): Promise<SonletAnswer> {
    return this.sonlet.http.exchange({ method: 'GET', url, kind: 'media', sonletOrigin: this.apiBase.origin, deadlineMs: this.sonlet.http.timeoutMs * 3 });
  }

  /** A POST's answer: the created object, or the error that says what to do next. */
  async readCreated(res: SonletAnswer): Promise<unknown> {
    const body = await res.json();
    if (res.ok && body !== null) return body;
    const detail = (body as { detail?: unknown } | null)?.detail;
    if (res.status === 403 && detail === 'Duplicate request detected.') throw new DuplicateRequestError();
    if (res.ok || res.status === 401 || res.status === 408 || res.status === 429 || res.status >= 500 || res.status < 200 || (res.status >= 300 && res.status < 400)) {
      throw new ProviderUnavailableError('Sonlet', res.ok ? 'sent an answer the console could not read' : `answered ${res.status}`);
    }
    throw new SonletRejectedError(res.status, describeRejection(body));
  }

  async listAllItemChoices(opts: Waiting = {}): Promise<SonletItemChoice[]> {
    return collect(this.walk('itemchoices/', parseItemChoice, opts));
  }

  async listAllSizes(opts: Waiting = {}): Promise<SonletSize[]> {
    return collect(this.walk('sizes/', parseSize, opts));
  }

  /**
   * Every page of a list, following Sonlet's `next` links from the first page. The walk ends: at no more
   * pages than the first page's `count` promises (plus slack) and the absolute ceiling, at a link already
   * followed, and as soon as nobody waits (`opts.signal`).
   */
  async *walk<T>(path: string, parse: (raw: unknown) => T, opts: WalkOptions & { params?: URLSearchParams } = {}): AsyncGenerator<T[]> {
    let url: URL | null = this.listUrl(path, opts.params ?? new URLSearchParams());
    const guard = new WalkGuard(this.sonlet.maxWalkPages, url);
    while (url) {
      const page: SonletPage<T> = parsePage(await this.getJson(url, opts), parse);
      if (guard.pagesRead === 0) this.learn(path, url, page);
      guard.read(page);
      if (page.skipped) opts.onSkipped?.(page.skipped);
      yield page.results;
      const next: URL | null = page.next ? resolveLink(page.next, url, this.apiBase) : null;
      if (next) guard.follow(next);
      url = next;
    }
  }

  /**
   * Page `n` of a list. Page 1 is the list's address; a later page is reached in the shape Sonlet's own links
   * use (learned from them once per list and process), or, when its links cannot be computed, by following
   * them from page 1.
   */
  private async listPage<T>(path: string, params: URLSearchParams, n: number, parse: (raw: unknown) => T, opts: Waiting): Promise<SonletPage<T>> {
    const first = this.listUrl(path, params);
    const known = this.sonlet.shapes.get(path);
    const direct = known && n > 1 ? pageUrl(known, first, n) : null;
    if (direct) return parsePage(await this.getJson(direct, opts), parse);
    let page = parsePage(await this.getJson(first, opts), parse);
    this.learn(path, first, page);
    if (n <= 1) return page;
    if (!page.next) throw new InvalidPageError();
    const shape = this.sonlet.shapes.get(path);
    const jump = shape ? pageUrl(shape, first, n) : null;
    if (jump) return parsePage(await this.getJson(jump, opts), parse);
    let url = first;
    const guard = new WalkGuard(this.sonlet.maxWalkPages, first);
    guard.read(page);
    for (let at = 1; at < n; at++) {
      if (!page.next) throw new InvalidPageError();
      const next = resolveLink(page.next, url, this.apiBase);
      guard.follow(next);
      page = parsePage(await this.getJson(next, opts), parse);
      guard.read(page);
      url = next;
    }
    return page;
  }

  private learn(path: string, first: URL, page: SonletPage<unknown>): void {
    if (!page.next || this.sonlet.shapes.has(path)) return;
    this.sonlet.shapes.set(path, learnShape(resolveLink(page.next, first, this.apiBase), 2, first));
  }

  private listUrl(path: string, params: URLSearchParams): URL {
    const url = this.resolve(path);
    for (const [name, value] of params) url.searchParams.set(name, value);
    return url;
  }

  /** A path inside the API. */
  private resolve(path: string): URL {
    return resolveLink(path, this.apiBase, this.apiBase);
  }

  private async getJson(url: URL, opts: Waiting, notFoundWhat?: string): Promise<unknown> {
    return this.readJson(await this.send(url, { method: 'GET', signal: opts.signal }), notFoundWhat);
  }

  private send(url: URL, init: { method: 'GET' | 'POST'; body?: string; headers?: Record<string, string>; signal?: AbortSignal }): Promise<SonletAnswer> {
    return this.sonlet.vault.withAccessToken(this.userId, (token) =>
      this.sonlet.http.exchange({
        method: init.method,
        url,
        body: init.body,
        signal: init.signal,
        headers: { ...init.headers, accept: 'application/json', authorization: `Bearer ${token}` },
      }),
    );
  }

  private async readJson(res: SonletAnswer, notFoundWhat?: string): Promise<unknown> {
    const body = await res.json();
    if (res.ok) {
      if (body === null) throw new ProviderUnavailableError('Sonlet', 'sent an answer the console could not read');
      return body;
    }
    const detail = (body as { detail?: unknown } | null)?.detail;
    if (res.status === 404 && detail === 'Invalid page.') throw new InvalidPageError();
    if (res.status === 404) throw new NotFoundError(notFoundWhat ?? 'That page of Sonlet');
    if (res.status === 401) throw new ProviderUnavailableError('Sonlet', 'refused a freshly refreshed token');
    if (res.status >= 300 && res.status < 400) throw new ProviderUnavailableError('Sonlet', `answered with a redirect (${res.status}), which the console does not follow`);
    throw new ProviderUnavailableError('Sonlet', `answered ${res.status}`);
  }
}

function isImage(res: SonletAnswer): boolean {
  return (res.header('content-type') ?? '').trim().toLowerCase().startsWith('image/');
}

function itemParams(filters: Omit<ItemFilters, 'page'>): URLSearchParams {
  const params = new URLSearchParams();
  if (filters.itemchoiceId) params.set('itemchoice_id', String(filters.itemchoiceId));
  if (filters.sizeId) params.set('size_id', String(filters.sizeId));
  return params;
}

async function collect<T>(pages: AsyncIterable<T[]>): Promise<T[]> {
  const all: T[] = [];
  for await (const results of pages) all.push(...results);
  return all;
}

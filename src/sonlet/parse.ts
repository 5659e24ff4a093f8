import { ProviderUnavailableError } from '../errors.js';
import type { SonletImage, SonletItem, SonletItemChoice, SonletPage, SonletSize } from './types.js';

/**
 * Provider answers become our own types here, at the client boundary. Missing optional fields get
 * safe defaults; a missing primary key is a broken answer.
 */
type Raw = Record<string, unknown>;

class MalformedAnswerError extends ProviderUnavailableError {
  constructor(detail: string) {
    super('Sonlet', detail);
  }
}

function obj(raw: unknown, what: string): Raw {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new MalformedAnswerError(`sent a malformed ${what}`);
  return raw as Raw;
}
const int = (v: unknown): number => (typeof v === 'number' ? v : Number(v));
const str = (v: unknown, fallback = ''): string => (typeof v === 'string' ? v : v == null ? fallback : String(v));
/** Only http(s) URLs from Sonlet reach our pages (as img src, links or redirects); anything else is dropped. */
const urlOrNull = (v: unknown): string | null => {
  if (typeof v !== 'string' || !v) return null;
  try {
    const { protocol } = new URL(v);
    return protocol === 'https:' || protocol === 'http:' ? v : null;
  } catch {
    return null;
  }
};
const url = (v: unknown): string => urlOrNull(v) ?? '';

function pk(raw: Raw, what: string): number {
  const value = int(raw.pk);
  if (!Number.isInteger(value)) throw new MalformedAnswerError(`sent a ${what} without a pk`);
  return value;
}

export function parsePage<T>(raw: unknown, parse: (item: unknown) => T): SonletPage<T> {
  const page = obj(raw, 'page');
  if (!Array.isArray(page.results)) throw new MalformedAnswerError('sent a page without results');
  return {
    count: int(page.count ?? page.results.length),
    next: urlOrNull(page.next),
    previous: urlOrNull(page.previous),
    results: page.results.map(parse),
  };
}

export function parseImage(raw: unknown): SonletImage {
  const image = obj(raw, 'image');
  return {
    pk: pk(image, 'image'),
    image_full: url(image.image_full),
    image_thumbnail: url(image.image_thumbnail),
    created: str(image.created),
  };
}

function attributesOf(data: unknown): Record<string, string> {
  const attributes = (data as { attributes?: unknown } | null)?.attributes;
  if (!attributes || typeof attributes !== 'object') return {};
  return Object.fromEntries(Object.entries(attributes as Raw).map(([k, v]) => [k, str(v)]));
}

export function parseItem(raw: unknown): SonletItem {
  const item = obj(raw, 'item');
  const image = item.image && typeof item.image === 'object' ? (item.image as Raw) : null;
  return {
    pk: pk(item, 'item'),
    style: str(item.style),
    size: str(item.size),
    itemchoice_id: int(item.itemchoice_id),
    size_id: int(item.size_id),
    quantity: int(item.quantity ?? 0),
    price: str(item.price, '0.00'),
    wholesale_price: str(item.wholesale_price, '0.00'),
    data: { attributes: attributesOf(typeof item.data === 'string' ? safeJson(item.data) : item.data) },
    image: image
      ? { pk: int(image.pk), image_full: url(image.image_full), image_thumbnail: url(image.image_thumbnail) }
      : null,
    image_thumbnail: urlOrNull(item.image_thumbnail) ?? (image ? urlOrNull(image.image_thumbnail) : null),
    created: str(item.created),
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

export function parseItemChoice(raw: unknown): SonletItemChoice {
  const choice = obj(raw, 'style');
  return {
    pk: pk(choice, 'style'),
    name: str(choice.name),
    min_advertised_price: str(choice.min_advertised_price, '0.00'),
    wholesale_price: str(choice.wholesale_price, '0.00'),
  };
}

export function parseSize(raw: unknown): SonletSize {
  const size = obj(raw, 'size');
  return { pk: pk(size, 'size'), name: str(size.name) };
}

import { ProviderUnavailableError } from '../errors.js';
import { withoutNul } from '../storable-text.js';
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
// Only plain values are read: an object in their place (`{"toString": 0}`) is no value, not a crash.
const int = (v: unknown): number => (typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : NaN);
/** Text as sent, without NUL (Postgres stores none, and an item's text goes into the inventory walk's rows). */
const str = (v: unknown, fallback = ''): string =>
  typeof v === 'string' ? withoutNul(v) : typeof v === 'number' || typeof v === 'boolean' ? String(v) : fallback;

/** Sonlet's ids are positive and fit the console's integer columns; anything else is no id. */
const MAX_ID = 2147483647;
export const isId = (n: number): boolean => Number.isInteger(n) && n >= 1 && n <= MAX_ID;
/**
 * Addresses already judged: a page of items carries three per item, and the same ones come back with every
 * page a seller opens, so parsing each again was a measurable share of a page's CPU time.
 */
const judged = new Map<string, boolean>();
const MAX_JUDGED = 50_000;

/** Only http(s) URLs from Sonlet reach our pages (as img src, links or redirects); anything else is dropped. */
const urlOrNull = (v: unknown): string | null => {
  if (typeof v !== 'string' || !v) return null;
  let ok = judged.get(v);
  if (ok === undefined) {
    ok = isWebAddress(v);
    if (v.length <= 2048) {
      if (judged.size >= MAX_JUDGED) judged.clear();
      judged.set(v, ok);
    }
  }
  return ok ? v : null;
};

function isWebAddress(v: string): boolean {
  // The parser would encode control characters; an address carrying them is not one to put in a page.
  // eslint-disable-next-line no-control-regex -- exactly the characters refused
  if (/[\u0000-\u001f\u007f]/.test(v)) return false;
  try {
    const { protocol } = new URL(v);
    return protocol === 'https:' || protocol === 'http:';
  } catch {
    return false;
  }
}
const url = (v: unknown): string => urlOrNull(v) ?? '';

function pk(raw: Raw, what: string): number {
  const value = int(raw.pk);
  if (!isId(value)) throw new MalformedAnswerError(`sent a ${what} without a pk`);
  return value;
}

/** A `next`/`previous` link as sent, absolute or relative; the client resolves it against the page it came on. */
const link = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 && v.length <= 2000 ? v : null);

export function parsePage<T>(raw: unknown, parse: (item: unknown) => T): SonletPage<T> {
  const page = obj(raw, 'page');
  if (!Array.isArray(page.results)) throw new MalformedAnswerError('sent a page without results');
  const count = int(page.count ?? page.results.length);
  const results = usable(page.results, parse);
  return {
    // `count` is what Sonlet says, for showing; nothing is sized by it.
    count: Number.isSafeInteger(count) && count >= 0 ? count : page.results.length,
    next: link(page.next),
    previous: link(page.previous),
    results,
    skipped: page.results.length - results.length,
  };
}

/**
 * One entry that cannot be read (no usable pk) is left out rather than failing its page: a walk of the
 * seller's inventory would otherwise fail at the same item every time, and every page that needs it with it.
 */
function usable<T>(entries: unknown[], parse: (item: unknown) => T): T[] {
  const out: T[] = [];
  for (const raw of entries) {
    try {
      out.push(parse(raw));
    } catch (err) {
      if (!(err instanceof MalformedAnswerError)) throw err;
    }
  }
  return out;
}

/** A related object's pk, whether it comes as a plain pk (`3`, `"3"`) or nested (`{"pk": 3, …}`). */
function relatedPk(v: unknown): number | null {
  const value = v && typeof v === 'object' ? int((v as Raw).pk) : typeof v === 'number' || typeof v === 'string' ? int(v) : NaN;
  return isId(value) ? value : null;
}

/**
 * A related object given by a name field and an id field (`style` + `itemchoice_id`), or by one field holding
 * a pk or a nested `{pk, name}` (`itemchoice`, or the name field itself). A bare number in the one field is a
 * pk: sizes named "10" come with their id.
 */
function related(name: unknown, id: unknown, one: unknown = name): { pk: number; name: string } {
  if (id !== undefined && id !== null) return { pk: relatedPk(id) ?? NaN, name: nameIn(name, one, id) };
  if (one && typeof one === 'object') return { pk: relatedPk(one) ?? NaN, name: nameIn(one, one, id) || nameIn(name, one, id) };
  const pk = typeof one === 'number' || (typeof one === 'string' && /^\d+$/.test(one)) ? (relatedPk(one) ?? NaN) : NaN;
  return { pk, name: nameIn(name, one, id) };
}

/** The name `v` gives, for `related`: a digits-only string in the one field, without an id, is a pk, not a name. */
function nameIn(v: unknown, one: unknown, id: unknown): string {
  if (v && typeof v === 'object') return str((v as Raw).name);
  return typeof v === 'string' && (v !== one || id != null || !/^\d+$/.test(v)) ? withoutNul(v) : '';
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
  // The answer was parsed for this call alone: when every entry is already plain text, it is kept as is
  // (copying every item's attributes on every page was a measurable share of a page's work).
  const raw = attributes as Raw;
  let plain = !Array.isArray(raw);
  for (const key in raw) {
    const value = raw[key];
    if (typeof value !== 'string' || value.includes('\0') || key.includes('\0')) {
      plain = false;
      break;
    }
  }
  if (plain) return raw as Record<string, string>;
  return Object.fromEntries(Object.entries(raw).map(([k, v]) => [withoutNul(k), str(v)]));
}

/**
 * An item, however Sonlet names its related objects: the style as `itemchoice_id` + `style`, or as `itemchoice`
 * (a pk or a nested object); the size as `size_id` + `size` (its name), or `size` as a pk or nested object; the
 * image nested or as a plain pk (then without addresses).
 */
export function parseItem(raw: unknown): SonletItem {
  const item = obj(raw, 'item');
  const imagePk = relatedPk(item.image);
  const image = item.image && typeof item.image === 'object' ? (item.image as Raw) : imagePk !== null ? { pk: imagePk } : null;
  const style = related(item.style, item.itemchoice_id, item.itemchoice ?? item.style);
  const size = related(item.size, item.size_id);
  return {
    pk: pk(item, 'item'),
    style: style.name,
    size: size.name,
    itemchoice_id: style.pk,
    size_id: size.pk,
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

/**
 * The settings a seller gives a batch of photos (style, size, quantity, price, attributes), as
 * typed in the upload form, checked against their Sonlet catalog.
 */
import { DomainError } from '../errors.js';
import { withoutNul } from '../storable-text.js';
import type { Catalog } from './catalog-cache.js';
import type { PhotoSettings } from './upload-pipeline.js';

export const MAX_ATTRIBUTES = 10;
export const MAX_QUANTITY = 10_000;

/** What the seller chose, echoed back into the form when something is wrong. */
export interface UploadFormValues {
  style: string;
  size: string;
  quantity: string;
  price: string;
  attributes: Array<{ name: string; value: string }>;
}

export class InvalidUploadError extends DomainError {
  constructor(message: string, field: string | null) {
    super('invalid-input', message, { field });
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Collects the form's text fields as they stream in (they come before the photos). */
export class UploadForm {
  private readonly fields = new Map<string, string[]>();
  private photoKey: string | null = null;
  private photosSinceKey = 0;
  private readonly keysGiven = new Set<string>();

  add(name: string, raw: string): void {
    const value = withoutNul(raw);
    if (name === 'photoKey') return this.keyNextPhotos(value);
    if (name.length > 50) return;
    const list = this.fields.get(name) ?? [];
    if (list.length < 50) list.push(value);
    this.fields.set(name, list);
  }

  private one(name: string): string {
    const list = this.fields.get(name);
    return (list?.[list.length - 1] ?? '').trim();
  }

  /**
   * The page's key for the photo whose file comes next: the `photoKey` field before it. Further photos
   * after one key (the no-JS form sends one key, made when the page was rendered, for all its photos)
   * get numbered keys of it, so posting the same form again repeats every key.
   */
  nextPhotoKey(): string | null {
    if (!this.photoKey) return null;
    const n = ++this.photosSinceKey;
    const key = n === 1 ? this.photoKey : `${this.photoKey}.${n}`;
    // A page gives each photo its own key; one key twice in a request could only end in two rows racing for it.
    if (this.keysGiven.has(key)) throw new InvalidUploadError('This upload sent two photos under one key. Reload the page and choose the photos again.', 'photos');
    this.keysGiven.add(key);
    return key;
  }

  private keyNextPhotos(value: string): void {
    const key = value.trim();
    if (!UUID.test(key)) throw new InvalidUploadError('This upload form is out of date. Reload the page and choose the photos again.', null);
    this.photoKey = key.toLowerCase();
    this.photosSinceKey = 0;
  }

  /** A batch id chosen by the page's script (so one submit's photos share a result page). */
  batchId(): string | null {
    const raw = this.one('batch');
    return UUID.test(raw) ? raw.toLowerCase() : null;
  }

  values(): UploadFormValues {
    const names = this.fields.get('attr_name') ?? [];
    const values = this.fields.get('attr_value') ?? [];
    const attributes: UploadFormValues['attributes'] = [];
    for (let i = 0; i < Math.max(names.length, values.length); i++) {
      attributes.push({ name: (names[i] ?? '').trim().slice(0, 100), value: (values[i] ?? '').trim().slice(0, 300) });
    }
    return {
      style: this.one('style').slice(0, 20),
      size: this.one('size').slice(0, 20),
      quantity: this.one('quantity').slice(0, 20),
      price: this.one('price').slice(0, 30),
      attributes,
    };
  }

  /** True once the fields needed to check the photos' settings have arrived. */
  hasSettings(): boolean {
    return this.fields.has('style') && this.fields.has('size');
  }

  /** The checked settings, or InvalidUploadError (400) naming the field and saying what to do. */
  settings(catalog: Catalog): PhotoSettings {
    return parseSettings(this.values(), catalog);
  }
}

export function parseSettings(values: UploadFormValues, catalog: Catalog): PhotoSettings {
  const id = (raw: string) => (/^\d{1,9}$/.test(raw) ? Number(raw) : null);

  if (!values.style) throw new InvalidUploadError('Choose a style for the photos.', 'style');
  const style = catalog.styles.find((s) => s.pk === id(values.style));
  if (!style) throw new InvalidUploadError('That style is not in your Sonlet catalog. Choose one from the list.', 'style');

  if (!values.size) throw new InvalidUploadError('Choose a size for the photos.', 'size');
  const size = catalog.sizes.find((s) => s.pk === id(values.size));
  if (!size) throw new InvalidUploadError('That size is not in your Sonlet catalog. Choose one from the list.', 'size');

  let quantity = 1;
  if (values.quantity !== '') {
    if (!/^[+-]?\d+$/.test(values.quantity) || Number(values.quantity) < 0 || Number(values.quantity) > MAX_QUANTITY) {
      throw new InvalidUploadError(`Quantity must be a whole number from 0 to ${MAX_QUANTITY}.`, 'quantity');
    }
    quantity = Number(values.quantity);
  }

  let price: string | null = null;
  if (values.price !== '') {
    const m = /^(\d{1,8})(?:\.(\d{1,2}))?$/.exec(values.price);
    if (!m) {
      throw new InvalidUploadError(
        `Price must be an amount such as 39 or 39.50 (digits, a dot and at most two decimals, no currency sign), or empty for the style’s price of ${style.min_advertised_price}.`,
        'price',
      );
    }
    price = `${Number(m[1])}.${(m[2] ?? '').padEnd(2, '0')}`;
  }

  const attributes: Record<string, string> = {};
  const rows = values.attributes.filter((a) => a.name || a.value);
  if (rows.length > MAX_ATTRIBUTES) throw new InvalidUploadError(`At most ${MAX_ATTRIBUTES} attributes per item.`, 'attributes');
  for (const row of rows) {
    if (!row.name) throw new InvalidUploadError(`Give the attribute “${row.value}” a name, such as Color or Collection.`, 'attributes');
    if (row.name.length > 50 || row.value.length > 200) throw new InvalidUploadError('Attribute names are at most 50 characters and values at most 200.', 'attributes');
    attributes[row.name] = row.value;
  }

  return { itemchoiceId: style.pk, sizeId: size.pk, quantity, price, attributes };
}

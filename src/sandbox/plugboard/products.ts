/** Products: what the sandbox stores, the rules a body must follow (reference + decision 004), and a GET's view. */
import type { StoredFile } from './files.js';
import { badRequest, isObject, onlyKnownKeys } from './refusal.js';
import { type Tenant } from './tenants.js';
import { patchCustomData, patchTranslations, remoteIdIn } from './texts.js';
import { decimal, money, optionalDecimal, optionalText, serverTime, wholeNumber } from './values.js';
import type { CustomDataEntry, PictureRef, PictureView, Price, ProductView, RemoteIdMap, Translations } from './wire.js';

const OPAQUE_LISTS = ['remoteUris', 'attributes', 'productCategories', 'productVariantGroups'] as const;

export interface StoredProduct {
  localId: string;
  remoteIdMap: RemoteIdMap;
  created: number;
  lastModified: number;
  title: Translations;
  shortDescription: Translations;
  description: Translations;
  customData: Record<string, CustomDataEntry>;
  state: 'visible' | 'hidden';
  purchasable: boolean;
  isDeleted: boolean;
  sku: string | null;
  gtin: string | null;
  brand: string | null;
  stock: number | null;
  stockType: string | null;
  weight: string | null;
  volume: string | null;
  vatRatePercent: string | null;
  prices: Price[];
  pictures: PictureRef[];
  /** Lists the reference shows but never describes: kept as sent. */
  opaque: Record<(typeof OPAQUE_LISTS)[number], unknown[]>;
  alternateContent: Record<string, unknown>;
}

const ACCEPTED: ReadonlySet<string> = new Set([
  'remoteId', 'localId', 'title', 'title_lang', 'shortDescription', 'shortDescription_lang', 'description', 'description_lang',
  'customData', 'state', 'purchasable', 'isDeleted', 'sku', 'gtin', 'brand', 'stock', 'stockType', 'weight', 'volume',
  'vatRatePercent', 'prices', 'pictures', 'alternateContent', ...OPAQUE_LISTS,
]);
/** Read-only fields of a GET that a client may send back unchanged; ignored. */
const ECHOED: ReadonlySet<string> = new Set(['href', 'remoteIdMap', 'created', 'lastModified', 'title_lang2', 'shortDescription_lang2', 'description_lang2']);

/** A new product is hidden and not purchasable until told otherwise (the reference's create example). */
export function newProduct(localId: string, now: number): StoredProduct {
  return {
    localId,
    remoteIdMap: {},
    created: now,
    lastModified: now,
    title: {},
    shortDescription: {},
    description: {},
    customData: {},
    state: 'hidden',
    purchasable: false,
    isDeleted: false,
    sku: null,
    gtin: null,
    brand: null,
    stock: null,
    stockType: null,
    weight: null,
    volume: null,
    vatRatePercent: null,
    prices: [],
    pictures: [],
    opaque: { remoteUris: [], attributes: [], productCategories: [], productVariantGroups: [] },
    alternateContent: {},
  };
}

/**
 * Applies a create, upsert or partial update body to `p` (a copy the caller drops on a refusal).
 * Answers the remoteId change asked for the calling connection (undefined: untouched).
 */
export function applyProductBody(p: StoredProduct, body: unknown, t: Tenant, isNew: boolean): string | null | undefined {
  if (!isObject(body)) throw badRequest('The request body must be a JSON object');
  onlyKnownKeys(body, ACCEPTED, ECHOED, 'product');
  if ('localId' in body && (isNew || body.localId !== p.localId)) throw badRequest('localId is assigned by Plugboard and cannot be provided or changed');
  for (const field of ['title', 'shortDescription', 'description'] as const) patchTranslations(p[field], body, field, t.defaultLanguage);
  if ('customData' in body) patchCustomData(p.customData, body.customData);
  if ('state' in body) {
    if (body.state !== 'visible' && body.state !== 'hidden') throw badRequest('state must be "visible" or "hidden"');
    p.state = body.state;
  }
  for (const field of ['purchasable', 'isDeleted'] as const) {
    if (!(field in body)) continue;
    if (typeof body[field] !== 'boolean') throw badRequest(`${field} must be true or false`);
    p[field] = body[field];
  }
  if ('sku' in body) p.sku = optionalText(body.sku, 'sku', 255);
  if ('brand' in body) p.brand = optionalText(body.brand, 'brand', 255);
  if ('gtin' in body) p.gtin = gtin(body.gtin);
  if ('stock' in body) p.stock = body.stock === null ? null : wholeNumber(body.stock, 'stock', 0);
  if ('stockType' in body) p.stockType = stockType(body.stockType);
  if ('weight' in body) p.weight = optionalDecimal(body.weight, 'weight');
  if ('volume' in body) p.volume = optionalDecimal(body.volume, 'volume');
  if ('vatRatePercent' in body) p.vatRatePercent = body.vatRatePercent === null ? null : decimal(body.vatRatePercent, 'vatRatePercent', { min0: true });
  if ('prices' in body) p.prices = prices(body.prices);
  if ('pictures' in body) p.pictures = pictures(body.pictures, t.files);
  for (const field of OPAQUE_LISTS) {
    if (!(field in body)) continue;
    if (!Array.isArray(body[field])) throw badRequest(`${field} must be an array`);
    p.opaque[field] = structuredClone(body[field]);
  }
  if ('alternateContent' in body) {
    if (!isObject(body.alternateContent)) throw badRequest('alternateContent must be an object');
    p.alternateContent = structuredClone(body.alternateContent);
  }
  return remoteIdIn(body);
}

function gtin(v: unknown): string | null {
  if (v === null) return null;
  if (typeof v !== 'string' || !/^(\d{8}|\d{12}|\d{13}|\d{14})$/.test(v)) throw badRequest('gtin must be a string of 8, 12, 13 or 14 digits, or null');
  return v;
}

function stockType(v: unknown): string | null {
  if (v === null) return null;
  if (typeof v !== 'string' || !/^[a-z]+(-[a-z]+)*$/.test(v)) throw badRequest('stockType must be a lower-case word such as "always-in-stock", or null');
  return v;
}

/** Decision 004: `[{ "currency", "amount" }]`, one per currency. */
function prices(v: unknown): Price[] {
  if (!Array.isArray(v)) throw badRequest('prices must be an array of money objects [{"currency", "amount"}]');
  const out = v.map((x, i) => money(x, `prices[${i}]`));
  for (const [i, price] of out.entries()) {
    if (price.amount.startsWith('-')) throw badRequest(`prices[${i}].amount must not be negative`);
    if (out.findIndex((o) => o.currency === price.currency) !== i) throw badRequest(`prices: more than one price in ${price.currency}`);
  }
  return out;
}

/** Decision 004: `[{ "fileLocalId", "sortOrder" }]`, each naming an image file of this tenant. */
function pictures(v: unknown, files: Map<string, StoredFile>): PictureRef[] {
  if (!Array.isArray(v)) throw badRequest('pictures must be an array of {"fileLocalId", "sortOrder"}');
  return v.map((x, i) => {
    const where = `pictures[${i}]`;
    if (!isObject(x)) throw badRequest(`${where} must be an object {"fileLocalId", "sortOrder"}`);
    const extra = Object.keys(x).filter((k) => k !== 'fileLocalId' && k !== 'sortOrder');
    if (extra.length) throw badRequest(`${where}: a picture has only fileLocalId and sortOrder (not ${extra.join(', ')})`);
    if (typeof x.fileLocalId !== 'string') throw badRequest(`${where}.fileLocalId must be the localId of a file`);
    const file = files.get(x.fileLocalId);
    if (!file) throw badRequest(`${where}.fileLocalId: no file ${x.fileLocalId} (create it with POST /api/file)`);
    if (!file.mimeType.startsWith('image/')) throw badRequest(`${where}: file ${x.fileLocalId} is ${file.mimeType}, not an image`);
    if (v.findIndex((o) => isObject(o) && o.fileLocalId === x.fileLocalId) !== i) throw badRequest(`${where}: file ${x.fileLocalId} is listed twice`);
    return { fileLocalId: x.fileLocalId, sortOrder: wholeNumber(x.sortOrder, `${where}.sortOrder`, 0) };
  });
}

/**
 * What a GET shows, in the reference's key order, followed by the fields decision 004 adds.
 * `fileUrl` answers where a shop reads a picture (null when it cannot).
 */
export function productView(p: StoredProduct, t: Tenant, fileUrl: (fileLocalId: string) => string | null): ProductView {
  const c = structuredClone(p);
  const lang = t.defaultLanguage;
  const pictureViews: PictureView[] = [...c.pictures].sort((a, b) => a.sortOrder - b.sortOrder).map((pic) => ({ ...pic, url: fileUrl(pic.fileLocalId) }));
  return {
    href: `/api/product/${c.localId}`,
    remoteId: c.remoteIdMap[t.seed.connectionId]?.remoteId ?? null,
    localId: c.localId,
    remoteIdMap: c.remoteIdMap,
    title: c.title[lang] ?? null,
    title_lang: c.title,
    title_lang2: {},
    pictures: pictureViews,
    created: serverTime(c.created),
    lastModified: serverTime(c.lastModified),
    customData: c.customData,
    remoteUris: c.opaque.remoteUris,
    isDeleted: c.isDeleted,
    shortDescription: c.shortDescription[lang] ?? null,
    shortDescription_lang: c.shortDescription,
    shortDescription_lang2: {},
    description: c.description[lang] ?? null,
    description_lang: c.description,
    description_lang2: {},
    attributes: c.opaque.attributes,
    alternateContent: c.alternateContent,
    state: c.state,
    purchasable: c.purchasable,
    prices: c.prices,
    vatRatePercent: c.vatRatePercent,
    productCategories: c.opaque.productCategories,
    productVariantGroups: c.opaque.productVariantGroups,
    sku: c.sku,
    gtin: c.gtin,
    brand: c.brand,
    stock: c.stock,
    stockType: c.stockType,
    weight: c.weight,
    volume: c.volume,
  };
}

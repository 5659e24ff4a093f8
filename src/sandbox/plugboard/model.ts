/**
 * Products and orders as the sandbox stores them, with Plugboard's input rules.
 * Every validation failure throws {@link SandboxHttpError} (rendered as the documented error body).
 */
import { normaliseLanguage3 } from '../../plugboard/codes.js';
import {
  countryCode,
  decimalWithMinScale,
  isCustomModuleId,
  isDecimalString,
  toCurrency,
  toDecimalString,
  toRfc3339Utc,
} from '../../plugboard/format.js';
import type {
  CustomData,
  CustomDataEntry,
  LangMap,
  Money,
  PlugboardOrder,
  PlugboardProduct,
  RemoteIdMap,
} from '../../plugboard/types.js';
import { findDecimalProblem } from '../../plugboard/validate.js';

export class SandboxHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

const bad = (message: string) => new SandboxHttpError(400, message);

export function isRecord(x: unknown): x is Record<string, unknown> {
  return x !== null && typeof x === 'object' && !Array.isArray(x);
}

const HEX32 = /^[0-9a-f]{32}$/;

/** Module ids the sandbox treats as built into Plugboard ("test" appears in the reference). */
export const BUILTIN_MODULE_IDS: ReadonlySet<string> = new Set(['test']);

export interface RequestContext {
  connectionId: string;
  connectionName: string;
  defaultLanguage: string;
}

// ---------------------------------------------------------------------------------------
// Shared field rules

function checkDecimals(body: unknown): void {
  const problem = findDecimalProblem(body);
  if (problem) throw bad(problem.message);
}

function langKey(code: string, field: string): string {
  const l = normaliseLanguage3(code);
  if (!l) throw bad(`${field}: unknown language code ${JSON.stringify(code)} (use ISO 639-2, e.g. "swe", or ISO 639-1)`);
  return l;
}

/** Applies a plain language field and its `_lang` patch (null removes a translation). */
function applyLang(target: LangMap, body: Record<string, unknown>, field: string, ctx: RequestContext): void {
  if (field in body) {
    const v = body[field];
    if (v === null) delete target[ctx.defaultLanguage];
    else if (typeof v === 'string') target[ctx.defaultLanguage] = v;
    else throw bad(`${field} must be a string or null`);
  }
  const langField = `${field}_lang`;
  if (langField in body) {
    const patch = body[langField];
    if (!isRecord(patch)) throw bad(`${langField} must be an object keyed by language code`);
    for (const [code, v] of Object.entries(patch)) {
      const l = langKey(code, langField);
      if (v === null) delete target[l];
      else if (typeof v === 'string') target[l] = v;
      else throw bad(`${langField}.${code} must be a string, or null to remove the translation`);
    }
  }
}

function parseMoney(v: unknown, where: string): Money {
  if (!isRecord(v)) throw bad(`${where} must be a money object {currency, amount}`);
  if (typeof v.currency !== 'string' || v.amount === undefined || v.amount === null) {
    throw bad(`${where}: both currency and amount are required`);
  }
  if (typeof v.amount === 'number') throw bad(`${where}.amount: decimal values must be encoded as JSON strings, not numbers`);
  if (!isDecimalString(v.amount)) throw bad(`${where}.amount is not a decimal string`);
  let currency: string;
  try {
    currency = toCurrency(v.currency);
  } catch {
    throw bad(`${where}.currency: not an ISO 4217 currency code: ${JSON.stringify(v.currency)}`);
  }
  return { currency, amount: decimalWithMinScale(v.amount, 2) };
}

function applyCustomData(target: CustomData, patch: unknown): void {
  if (!isRecord(patch)) throw bad('customData must be an object keyed by "connectionId|moduleId|key"');
  for (const [dictKey, entry] of Object.entries(patch)) {
    const parts = dictKey.split('|');
    if (parts.length !== 3 || parts.some((p) => p === '')) {
      throw bad(`customData key ${JSON.stringify(dictKey)} must be connectionId|moduleId|key (moduleId and key must not contain "|")`);
    }
    const [cid, moduleId, key] = parts as [string, string, string];
    if (!HEX32.test(cid)) throw bad(`customData key ${JSON.stringify(dictKey)}: unknown connectionId`);
    if (!isCustomModuleId(moduleId) && !BUILTIN_MODULE_IDS.has(moduleId)) {
      throw bad(`customData key ${JSON.stringify(dictKey)}: custom moduleId must begin with "x-"`);
    }
    if (entry === null) {
      delete target[dictKey];
      continue;
    }
    if (!isRecord(entry)) throw bad(`customData[${JSON.stringify(dictKey)}] must be an object, or null to remove the key`);
    for (const f of ['connectionId', 'moduleId', 'key', 'type'] as const) {
      if (typeof entry[f] !== 'string' || entry[f] === '') throw bad(`customData[${JSON.stringify(dictKey)}].${f} must be a non-empty string`);
      if ((entry[f] as string).includes('|')) throw bad(`customData[${JSON.stringify(dictKey)}].${f} must not contain "|"`);
    }
    if (entry.connectionId !== cid || entry.moduleId !== moduleId || entry.key !== key) {
      throw bad(
        `customData key ${JSON.stringify(dictKey)} does not match its entry (${String(entry.connectionId)}|${String(entry.moduleId)}|${String(entry.key)}); keys are case sensitive`,
      );
    }
    if (!('value' in entry)) throw bad(`customData[${JSON.stringify(dictKey)}].value is required`);
    const extra = Object.keys(entry).filter((k) => !['connectionId', 'moduleId', 'key', 'type', 'value'].includes(k));
    if (extra.length) throw bad(`customData[${JSON.stringify(dictKey)}]: unknown field(s) ${extra.join(', ')}`);
    let value = entry.value as unknown;
    if (entry.type === 'money') value = parseMoney(value, `customData[${JSON.stringify(dictKey)}].value`);
    target[dictKey] = {
      connectionId: cid,
      moduleId,
      key,
      type: entry.type as string,
      value: structuredClone(value),
    } satisfies CustomDataEntry;
  }
}

function checkFields(body: Record<string, unknown>, allowed: ReadonlySet<string>, ignored: ReadonlySet<string>, what: string) {
  const unknown = Object.keys(body).filter((k) => !allowed.has(k) && !ignored.has(k));
  if (unknown.length) throw bad(`Unknown ${what} field(s): ${unknown.join(', ')}`);
}

function remoteIdValue(v: unknown): string | null {
  if (v === null) return null;
  if (typeof v !== 'string' || v.trim() === '') throw bad('remoteId must be a non-empty string or null');
  if (v.length > 255) throw bad('remoteId is longer than 255 characters');
  return v;
}

function arrayField(body: Record<string, unknown>, f: string): unknown[] | undefined {
  if (!(f in body)) return undefined;
  const v = body[f];
  if (!Array.isArray(v)) throw bad(`${f} must be an array`);
  return structuredClone(v);
}

function boolField(body: Record<string, unknown>, f: string): boolean | undefined {
  if (!(f in body)) return undefined;
  if (typeof body[f] !== 'boolean') throw bad(`${f} must be true or false`);
  return body[f] as boolean;
}

// ---------------------------------------------------------------------------------------
// Products

export interface StoredProduct {
  localId: string;
  remoteIdMap: RemoteIdMap;
  title_lang: LangMap;
  shortDescription_lang: LangMap;
  description_lang: LangMap;
  pictures: unknown[];
  remoteUris: unknown[];
  attributes: unknown[];
  prices: unknown[];
  productCategories: unknown[];
  productVariantGroups: unknown[];
  alternateContent: Record<string, unknown>;
  customData: CustomData;
  state: string;
  purchasable: boolean;
  isDeleted: boolean;
  vatRatePercent: string | null;
  created: Date;
  lastModified: Date;
}

const PRODUCT_FIELDS: ReadonlySet<string> = new Set([
  'remoteId', 'title', 'title_lang', 'shortDescription', 'shortDescription_lang', 'description', 'description_lang',
  'vatRatePercent', 'customData', 'state', 'purchasable', 'isDeleted', 'pictures', 'remoteUris', 'attributes',
  'alternateContent', 'prices', 'productCategories', 'productVariantGroups', 'localId',
]);
/** Read-only fields a client may echo back (e.g. GET → modify → PUT); ignored. */
const PRODUCT_READ_ONLY: ReadonlySet<string> = new Set([
  'href', 'remoteIdMap', 'created', 'lastModified', 'title_lang2', 'shortDescription_lang2', 'description_lang2',
]);
const PRODUCT_ARRAYS = ['pictures', 'remoteUris', 'attributes', 'prices', 'productCategories', 'productVariantGroups'] as const;

export function newProduct(localId: string, now: Date): StoredProduct {
  return {
    localId,
    remoteIdMap: {},
    title_lang: {},
    shortDescription_lang: {},
    description_lang: {},
    pictures: [],
    remoteUris: [],
    attributes: [],
    prices: [],
    productCategories: [],
    productVariantGroups: [],
    alternateContent: {},
    customData: {},
    state: 'hidden',
    purchasable: false,
    isDeleted: false,
    vatRatePercent: null,
    created: now,
    lastModified: now,
  };
}

/**
 * Validates a product body and applies it to `p` (which must be a copy: on error the caller
 * drops it). Returns the remoteId change requested for the calling connection, if any
 * (undefined = untouched, null = remove).
 */
export function applyProductBody(
  p: StoredProduct,
  body: unknown,
  ctx: RequestContext,
  mode: 'create' | 'update',
): string | null | undefined {
  if (!isRecord(body)) throw bad('The request body must be a JSON object');
  checkFields(body, PRODUCT_FIELDS, PRODUCT_READ_ONLY, 'product');
  checkDecimals(body);
  if ('localId' in body && (mode === 'create' || body.localId !== p.localId)) {
    throw bad('localId is assigned by Plugboard and cannot be provided or changed');
  }
  applyLang(p.title_lang, body, 'title', ctx);
  applyLang(p.shortDescription_lang, body, 'shortDescription', ctx);
  applyLang(p.description_lang, body, 'description', ctx);
  if ('vatRatePercent' in body) {
    const v = body.vatRatePercent;
    p.vatRatePercent = v === null ? null : toDecimalString(v as string); // type checked by checkDecimals
  }
  if ('customData' in body) applyCustomData(p.customData, body.customData);
  if ('state' in body) {
    if (typeof body.state !== 'string' || body.state === '') throw bad('state must be a non-empty string');
    p.state = body.state;
  }
  const purchasable = boolField(body, 'purchasable');
  if (purchasable !== undefined) p.purchasable = purchasable;
  const isDeleted = boolField(body, 'isDeleted');
  if (isDeleted !== undefined) p.isDeleted = isDeleted;
  for (const f of PRODUCT_ARRAYS) {
    const v = arrayField(body, f);
    if (v) p[f] = v;
  }
  if ('alternateContent' in body) {
    if (!isRecord(body.alternateContent)) throw bad('alternateContent must be an object');
    p.alternateContent = structuredClone(body.alternateContent);
  }
  return 'remoteId' in body ? remoteIdValue(body.remoteId) : undefined;
}

export function renderProduct(p: StoredProduct, ctx: RequestContext): PlugboardProduct {
  const c = structuredClone(p);
  return {
    href: `/api/product/${c.localId}`,
    remoteId: c.remoteIdMap[ctx.connectionId]?.remoteId ?? null,
    localId: c.localId,
    remoteIdMap: c.remoteIdMap,
    title: c.title_lang[ctx.defaultLanguage] ?? null,
    title_lang: c.title_lang,
    // The reference shows the `_lang2` fields but never describes them; we always send {}.
    title_lang2: {},
    pictures: c.pictures,
    created: toRfc3339Utc(c.created),
    lastModified: toRfc3339Utc(c.lastModified),
    customData: c.customData,
    remoteUris: c.remoteUris,
    isDeleted: c.isDeleted,
    shortDescription: c.shortDescription_lang[ctx.defaultLanguage] ?? null,
    shortDescription_lang: c.shortDescription_lang,
    shortDescription_lang2: {},
    description: c.description_lang[ctx.defaultLanguage] ?? null,
    description_lang: c.description_lang,
    description_lang2: {},
    attributes: c.attributes,
    alternateContent: c.alternateContent,
    state: c.state,
    purchasable: c.purchasable,
    prices: c.prices,
    vatRatePercent: c.vatRatePercent,
    productCategories: c.productCategories,
    productVariantGroups: c.productVariantGroups,
  };
}

// ---------------------------------------------------------------------------------------
// Orders

export interface StoredOrder {
  localId: string;
  remoteIdMap: RemoteIdMap;
  created: Date;
  lastModified: Date;
  customData: CustomData;
  customerType: string | null;
  currency: string | null;
  totalSumExclVat: Money | null;
  totalVat: Money | null;
  billingAddress: Record<string, unknown> | null;
  shippingAddress: Record<string, unknown> | null;
  orderRows: unknown[];
  shipments: unknown[];
  source: { connectionType: string; connectionId: string; code: string | null; connectionName: string };
}

const ORDER_FIELDS: ReadonlySet<string> = new Set([
  'remoteId', 'customerType', 'currency', 'totalSumExclVat', 'totalVat', 'billingAddress', 'shippingAddress',
  'orderRows', 'customData', 'localId',
]);
const ORDER_READ_ONLY: ReadonlySet<string> = new Set(['href', 'remoteIdMap', 'created', 'lastModified', 'source', 'shipments']);

/** Money objects anywhere (e.g. in order rows): currency lower case, amount with at least two decimals. */
function normaliseMoneyDeep(v: unknown, where: string): unknown {
  if (Array.isArray(v)) return v.map((x, i) => normaliseMoneyDeep(x, `${where}[${i}]`));
  if (!isRecord(v)) return v;
  if ('amount' in v && 'currency' in v && v.amount !== null) {
    return { ...v, ...parseMoney(v, where) };
  }
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, normaliseMoneyDeep(x, `${where}.${k}`)]));
}

function parseAddress(v: unknown, f: string): Record<string, unknown> | null {
  if (v === null || v === undefined) return null;
  if (!isRecord(v)) throw bad(`${f} must be an object or null`);
  const out = structuredClone(v);
  for (const k of ['countryCode', 'country']) {
    if (typeof out[k] === 'string') {
      try {
        out[k] = countryCode(out[k] as string);
      } catch {
        throw bad(`${f}.${k}: not an ISO 3166-1 alpha-2 country code: ${JSON.stringify(out[k])}`);
      }
    }
  }
  return out;
}

export function createOrderFromBody(
  localId: string,
  body: unknown,
  ctx: RequestContext,
  now: Date,
): { order: StoredOrder; remoteId: string | null } {
  if (!isRecord(body)) throw bad('The request body must be a JSON object');
  checkFields(body, ORDER_FIELDS, ORDER_READ_ONLY, 'order');
  checkDecimals(body);
  if ('localId' in body) throw bad('localId is assigned by Plugboard and cannot be provided');
  let currency: string | null = null;
  if (body.currency !== undefined && body.currency !== null) {
    try {
      currency = toCurrency(body.currency as string);
    } catch {
      throw bad(`currency: not an ISO 4217 currency code: ${JSON.stringify(body.currency)}`);
    }
  }
  if (body.customerType !== undefined && body.customerType !== null && typeof body.customerType !== 'string') {
    throw bad('customerType must be a string');
  }
  const money = (f: string) => (body[f] === undefined || body[f] === null ? null : parseMoney(body[f], f));
  const customData: CustomData = {};
  if ('customData' in body) applyCustomData(customData, body.customData);
  const remoteId = 'remoteId' in body ? remoteIdValue(body.remoteId) : null;
  const orderRows = arrayField(body, 'orderRows') ?? [];
  const order: StoredOrder = {
    localId,
    remoteIdMap: remoteId ? { [ctx.connectionId]: { connectionId: ctx.connectionId, remoteId } } : {},
    created: now,
    lastModified: now,
    customData,
    customerType: (body.customerType as string | undefined) ?? null,
    currency,
    totalSumExclVat: money('totalSumExclVat'),
    totalVat: money('totalVat'),
    billingAddress: parseAddress(body.billingAddress, 'billingAddress'),
    shippingAddress: parseAddress(body.shippingAddress, 'shippingAddress'),
    orderRows: normaliseMoneyDeep(orderRows, 'orderRows') as unknown[],
    shipments: [],
    source: { connectionType: 'api', connectionId: ctx.connectionId, code: null, connectionName: ctx.connectionName },
  };
  return { order, remoteId };
}

export function renderOrder(o: StoredOrder, ctx: RequestContext): PlugboardOrder {
  const c = structuredClone(o);
  return {
    href: `/api/order/${c.localId}`,
    remoteId: c.remoteIdMap[ctx.connectionId]?.remoteId ?? null,
    localId: c.localId,
    remoteIdMap: c.remoteIdMap,
    created: toRfc3339Utc(c.created),
    lastModified: toRfc3339Utc(c.lastModified),
    customData: c.customData,
    customerType: c.customerType,
    currency: c.currency,
    totalSumExclVat: c.totalSumExclVat,
    totalVat: c.totalVat,
    billingAddress: c.billingAddress,
    shippingAddress: c.shippingAddress,
    orderRows: c.orderRows,
    source: c.source,
    shipments: c.shipments,
  };
}

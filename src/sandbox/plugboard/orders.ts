/** Orders: what the sandbox stores, the rules a body must follow (reference + decision 004), and a GET's view. */
import { badRequest, isObject, onlyKnownKeys } from './refusal.js';
import type { Tenant } from './tenants.js';
import { patchCustomData, remoteIdIn } from './texts.js';
import { totalsOf } from './totals.js';
import { country, currency, decimal, money, optionalText, serverTime, wholeNumber } from './values.js';
import type { OrderRow, OrderSource, OrderView } from './wire.js';

/** "new" when placed, "processing" once the seller takes it (decision 004); the sandbox also knows the two ends. */
export const ORDER_STATUSES = ['new', 'processing', 'completed', 'cancelled'] as const;
/** The reference's example says "company"; a web shop's consumer is "private". */
const CUSTOMER_TYPES = ['company', 'private'];

/** As stored: a GET's view without what is derived from it (href, the caller's remoteId), times in milliseconds. */
export type StoredOrder = Omit<OrderView, 'href' | 'remoteId' | 'created' | 'lastModified'> & { created: number; lastModified: number };

const ACCEPTED: ReadonlySet<string> = new Set([
  'remoteId', 'localId', 'customerType', 'currency', 'totalSumExclVat', 'totalVat', 'billingAddress', 'shippingAddress',
  'orderRows', 'customData', 'orderStatus', 'remoteOrderNo',
]);
const ECHOED: ReadonlySet<string> = new Set(['href', 'remoteIdMap', 'created', 'lastModified', 'source', 'shipments']);
const ROW_FIELDS = ['rowNo', 'productLocalId', 'sku', 'title', 'quantity', 'unitPrice', 'vatRatePercent'];

export function newOrder(localId: string, source: OrderSource, now: number): StoredOrder {
  return {
    localId,
    remoteIdMap: {},
    created: now,
    lastModified: now,
    customData: {},
    customerType: null,
    currency: null,
    totalSumExclVat: null,
    totalVat: null,
    billingAddress: null,
    shippingAddress: null,
    orderRows: [],
    shipments: [],
    source,
    orderStatus: 'new',
    remoteOrderNo: null,
  };
}

/**
 * Applies a create, upsert or update body to `o` (a copy the caller drops on a refusal). Totals
 * are worked out from the rows unless the client asks to keep its own (`suppressTotalsRecalc`).
 */
export function applyOrderBody(o: StoredOrder, body: unknown, t: Tenant, opts: { isNew: boolean; keepTotals: boolean }): string | null | undefined {
  if (!isObject(body)) throw badRequest('The request body must be a JSON object');
  onlyKnownKeys(body, ACCEPTED, ECHOED, 'order');
  if ('localId' in body && (opts.isNew || body.localId !== o.localId)) throw badRequest('localId is assigned by Plugboard and cannot be provided or changed');
  if ('customerType' in body) {
    if (body.customerType !== null && !CUSTOMER_TYPES.includes(body.customerType as string)) throw badRequest(`customerType must be ${CUSTOMER_TYPES.join(' or ')}`);
    o.customerType = body.customerType as string | null;
  }
  if ('currency' in body) o.currency = body.currency === null ? null : currency(body.currency, 'currency');
  for (const f of ['totalSumExclVat', 'totalVat'] as const) if (f in body) o[f] = body[f] === null ? null : money(body[f], f);
  for (const f of ['billingAddress', 'shippingAddress'] as const) if (f in body) o[f] = address(body[f], f);
  if ('customData' in body) patchCustomData(o.customData, body.customData);
  if ('orderStatus' in body) {
    if (!(ORDER_STATUSES as readonly unknown[]).includes(body.orderStatus)) throw badRequest(`orderStatus must be one of ${ORDER_STATUSES.join(', ')}`);
    o.orderStatus = body.orderStatus as string;
  }
  if ('remoteOrderNo' in body) o.remoteOrderNo = optionalText(body.remoteOrderNo, 'remoteOrderNo', 255);
  if ('orderRows' in body) {
    o.orderRows = rows(body.orderRows, t);
    const currencies = new Set(o.orderRows.map((r) => r.unitPrice.currency));
    if (currencies.size > 1) throw badRequest('orderRows: every row must be in the same currency');
    const rowCurrency = [...currencies][0];
    if (rowCurrency && o.currency && rowCurrency !== o.currency) throw badRequest(`orderRows are in ${rowCurrency} but the order is in ${o.currency}`);
    if (rowCurrency && !opts.keepTotals) Object.assign(o, { currency: rowCurrency }, totalsOf(o.orderRows, rowCurrency));
  }
  return remoteIdIn(body);
}

function address(v: unknown, where: string): Record<string, unknown> | null {
  if (v === null) return null;
  if (!isObject(v)) throw badRequest(`${where} must be an object or null`);
  const out = structuredClone(v);
  for (const k of ['countryCode', 'country']) if (k in out && out[k] !== null) out[k] = country(out[k], `${where}.${k}`);
  return out;
}

/** Decision 004: each row names a product of this tenant by localId and carries what was sold. */
function rows(v: unknown, t: Tenant): OrderRow[] {
  if (!Array.isArray(v)) throw badRequest('orderRows must be an array');
  const out = v.map((x, i): OrderRow => {
    const where = `orderRows[${i}]`;
    if (!isObject(x)) throw badRequest(`${where} must be an object`);
    const extra = Object.keys(x).filter((k) => !ROW_FIELDS.includes(k));
    if (extra.length) throw badRequest(`${where}: unknown field(s) ${extra.join(', ')}; a row has ${ROW_FIELDS.join(', ')}`);
    if (typeof x.productLocalId !== 'string' || !t.products.has(x.productLocalId)) {
      throw badRequest(`${where}.productLocalId must be the localId of one of this tenant's products`);
    }
    return {
      rowNo: wholeNumber(x.rowNo, `${where}.rowNo`, 1),
      productLocalId: x.productLocalId,
      sku: x.sku === undefined ? null : optionalText(x.sku, `${where}.sku`, 255),
      title: x.title === undefined ? null : optionalText(x.title, `${where}.title`, 1000),
      quantity: wholeNumber(x.quantity, `${where}.quantity`, 1),
      unitPrice: money(x.unitPrice, `${where}.unitPrice`),
      vatRatePercent: x.vatRatePercent === undefined || x.vatRatePercent === null ? null : decimal(x.vatRatePercent, `${where}.vatRatePercent`, { min0: true }),
    };
  });
  if (new Set(out.map((r) => r.rowNo)).size !== out.length) throw badRequest('orderRows: rowNo must be unique');
  return out;
}

/** What a GET shows: the reference's order, then orderStatus and remoteOrderNo (decision 004). */
export function orderView(o: StoredOrder, t: Tenant): OrderView {
  const c = structuredClone(o);
  return {
    href: `/api/order/${c.localId}`,
    remoteId: c.remoteIdMap[t.seed.connectionId]?.remoteId ?? null,
    localId: c.localId,
    remoteIdMap: c.remoteIdMap,
    created: serverTime(c.created),
    lastModified: serverTime(c.lastModified),
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
    orderStatus: c.orderStatus,
    remoteOrderNo: c.remoteOrderNo,
  };
}

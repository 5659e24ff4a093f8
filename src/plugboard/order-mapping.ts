/**
 * Plugboard order → what the console stores. Pure. Money stays a decimal string all the way (an
 * amount sent as a JSON number is not trusted: it is dropped rather than rounded through a float).
 * The row shape is decision 004's assumption, read here and nowhere else.
 */
import { decimalWithMinScale, isDecimalString } from './format.js';
import type { Money, PlugboardOrder } from './types.js';

export interface OrderRowRecord {
  rowNo: number;
  productLocalId: string | null;
  sku: string | null;
  title: string | null;
  quantity: number;
  unitPrice: string | null;
  currency: string | null;
}

export interface OrderRecord {
  localId: string;
  placedAt: Date;
  modifiedAt: Date;
  customerType: string | null;
  currency: string | null;
  totalSumExclVat: string | null;
  totalVat: string | null;
  orderStatus: string | null;
  sourceName: string | null;
  rows: OrderRowRecord[];
}

/** Postgres text cannot hold NUL; whatever else Plugboard sends is kept, cut to size. */
const text = (v: unknown, max = 500): string | null => {
  const s = typeof v === 'string' ? v.replaceAll('\u0000', '').slice(0, max) : '';
  return s === '' ? null : s;
};

/** A whole number a 32-bit column can hold (a returned row may count negative), else null. */
const int32 = (v: unknown): number | null => (Number.isSafeInteger(v) && (v as number) >= -(2 ** 31) && (v as number) < 2 ** 31 ? (v as number) : null);

/** No web shop took orders before this; a Plugboard clock a day ahead of ours is already broken. */
const EARLIEST = Date.parse('2000-01-01T00:00:00Z');
const AHEAD_MS = 24 * 3600_000;

/**
 * A date Plugboard states, kept only when it is plausible: a year like -271821 cannot even be stored, and
 * one far ahead would become the poll cursor and hide every later order.
 */
function date(v: unknown, fallback: Date, receivedAt: Date): Date {
  const t = typeof v === 'string' ? Date.parse(v) : NaN;
  return t >= EARLIEST && t <= receivedAt.getTime() + AHEAD_MS ? new Date(t) : fallback;
}

function amountOf(m: unknown): string | null {
  const amount = (m as Partial<Money> | null)?.amount;
  return isDecimalString(amount) ? decimalWithMinScale(amount, 2) : null;
}

function currencyOf(m: unknown): string | null {
  const c = (m as Partial<Money> | null)?.currency;
  return typeof c === 'string' && /^[A-Za-z]{3}$/.test(c) ? c.toLowerCase() : null;
}

/** Decision 004: `{ rowNo, productLocalId, sku, title, quantity, unitPrice: money, vatRatePercent }`. */
export function orderRowOf(raw: unknown, index: number): OrderRowRecord {
  const row = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const rowNo = int32(row.rowNo) ?? index + 1;
  const quantity = int32(row.quantity) ?? 0;
  return {
    rowNo,
    productLocalId: text(row.productLocalId, 100),
    sku: text(row.sku, 200),
    title: text(row.title),
    quantity,
    unitPrice: amountOf(row.unitPrice),
    currency: currencyOf(row.unitPrice),
  };
}

export function orderOf(order: PlugboardOrder, receivedAt: Date): OrderRecord {
  const rows = Array.isArray(order.orderRows) ? order.orderRows.slice(0, 500).map(orderRowOf) : [];
  const placedAt = date(order.created, receivedAt, receivedAt);
  return {
    localId: order.localId,
    placedAt,
    modifiedAt: date(order.lastModified, placedAt, receivedAt),
    customerType: text(order.customerType, 50),
    currency: text(order.currency, 3)?.toLowerCase() ?? currencyOf(order.totalSumExclVat),
    totalSumExclVat: amountOf(order.totalSumExclVat),
    totalVat: amountOf(order.totalVat),
    orderStatus: text(order.orderStatus, 50),
    sourceName: text(order.source?.connectionName, 200),
    rows: dedupeRowNumbers(rows),
  };
}

/** Row numbers are the rows' identity here; a repeated one keeps its first row. */
function dedupeRowNumbers(rows: OrderRowRecord[]): OrderRowRecord[] {
  const seen = new Set<number>();
  return rows.filter((r) => (seen.has(r.rowNo) ? false : (seen.add(r.rowNo), true)));
}

/**
 * Plugboard's basic types as the reference's "Basic types" section states them: decimals as JSON
 * strings, money objects, RFC 3339 date-times, ISO codes for countries, languages and currencies.
 */
import { badRequest, isObject } from './refusal.js';
import type { Decimal, Money } from './wire.js';

const DECIMAL = /^-?\d+(\.\d+)?$/;

/** A decimal sent as a JSON string; a JSON number is refused, as the reference demands. */
export function decimal(v: unknown, where: string, opts: { min0?: boolean } = {}): Decimal {
  if (typeof v === 'number') throw badRequest(`${where}: decimal values must be encoded as JSON strings, not numbers (got ${v})`);
  if (typeof v !== 'string' || !DECIMAL.test(v)) throw badRequest(`${where}: not a decimal string: ${JSON.stringify(v)}`);
  if (opts.min0 && v.startsWith('-') && /[1-9]/.test(v)) throw badRequest(`${where} must not be negative`);
  return v.replace(/^-(?=0+(\.0+)?$)/, '');
}

export function optionalDecimal(v: unknown, where: string): Decimal | null {
  return v === null ? null : decimal(v, where, { min0: true });
}

/** Amounts are answered with at least two decimals ("1.0" → "1.00"), as the reference's order example shows. */
function amountOf(v: unknown, where: string): Decimal {
  const d = decimal(v, where);
  const [whole, frac = ''] = d.split('.');
  return `${whole}.${frac.padEnd(2, '0')}`;
}

/** ISO 4217 numeric codes a client MAY send, for the currencies of the region the sandbox seeds. */
const NUMERIC_CURRENCIES: Record<string, string> = {
  '752': 'sek', '578': 'nok', '208': 'dkk', '978': 'eur', '840': 'usd', '826': 'gbp', '756': 'chf',
  '352': 'isk', '985': 'pln', '203': 'czk', '348': 'huf', '124': 'cad', '036': 'aud', '392': 'jpy',
};

/** The server always answers currencies as lower-case alphabetic codes. */
export function currency(v: unknown, where: string): string {
  if (typeof v === 'string' && /^[A-Za-z]{3}$/.test(v)) return v.toLowerCase();
  if (typeof v === 'string' && /^\d{3}$/.test(v) && NUMERIC_CURRENCIES[v]) return NUMERIC_CURRENCIES[v];
  throw badRequest(`${where}: not an ISO 4217 currency code: ${JSON.stringify(v)}`);
}

/** "Both currency and amount is required when sending a monetary value." */
export function money(v: unknown, where: string): Money {
  if (!isObject(v)) throw badRequest(`${where} must be a money object {"currency", "amount"}`);
  if (v.currency === undefined || v.currency === null || v.amount === undefined || v.amount === null) {
    throw badRequest(`${where}: both currency and amount are required`);
  }
  const extra = Object.keys(v).filter((k) => k !== 'currency' && k !== 'amount');
  if (extra.length) throw badRequest(`${where}: a money object has only currency and amount (not ${extra.join(', ')})`);
  return { currency: currency(v.currency, `${where}.currency`), amount: amountOf(v.amount, `${where}.amount`) };
}

const RFC3339 = /^(\d{4})-(\d\d)-(\d\d)[Tt](\d\d):(\d\d):(\d\d)(\.\d+)?([Zz]|[+-]\d\d:\d\d)$/;

/** Any RFC 3339 date-time a client MAY send; answers epoch milliseconds. */
export function dateTime(v: string, where: string): number {
  const m = RFC3339.exec(v);
  const ms = m ? Date.parse(v.toUpperCase()) : Number.NaN;
  if (!m || Number.isNaN(ms) || Number(m[2]) > 12 || Number(m[3]) > 31 || Number(m[4]) > 23 || Number(m[5]) > 59 || Number(m[6]) > 60) {
    const hint = / /.test(v) ? ' (a "+" in a query string must be sent as %2B)' : '';
    throw badRequest(`${where}: not an RFC 3339 date-time: ${JSON.stringify(v)}${hint}`);
  }
  return ms;
}

/** The server's form: UTC, 'Z', whole seconds (as every example in the reference). */
export function serverTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** Upper-case ISO 3166-1 alpha-2, as the server always sends it. */
export function country(v: unknown, where: string): string {
  if (typeof v === 'string' && /^[A-Za-z]{2}$/.test(v)) return v.toUpperCase();
  throw badRequest(`${where}: not an ISO 3166-1 alpha-2 country code: ${JSON.stringify(v)}`);
}

/** ISO 639-1 → ISO 639-2/T for the languages a Plugboard shop in the region is likely to carry. */
const TWO_TO_THREE: Record<string, string> = {
  sv: 'swe', en: 'eng', nb: 'nob', nn: 'nno', no: 'nor', da: 'dan', fi: 'fin', is: 'isl', de: 'deu', fr: 'fra',
  es: 'spa', it: 'ita', nl: 'nld', pl: 'pol', pt: 'por', et: 'est', lv: 'lav', lt: 'lit', ru: 'rus', uk: 'ukr',
  cs: 'ces', sk: 'slk', hu: 'hun', ro: 'ron', el: 'ell', tr: 'tur', ar: 'ara', he: 'heb', zh: 'zho', ja: 'jpn',
  ko: 'kor', se: 'sme',
};
/** ISO 639-2/B spellings of the same languages. */
const BIBLIOGRAPHIC: Record<string, string> = { ger: 'deu', fre: 'fra', dut: 'nld', ice: 'isl', cze: 'ces', slo: 'slk', rum: 'ron', gre: 'ell', chi: 'zho' };
const THREE = new Set(Object.values(TWO_TO_THREE));

/** The server's lower-case three-letter code; clients MAY send ISO 639-1. Null when unknown. */
export function language(code: string): string | null {
  const c = code.toLowerCase();
  if (c.length === 2) return TWO_TO_THREE[c] ?? null;
  if (THREE.has(c)) return c;
  return BIBLIOGRAPHIC[c] ?? null;
}

export function languageTwoLetter(code3: string): string | null {
  return Object.entries(TWO_TO_THREE).find(([, three]) => three === code3)?.[0] ?? null;
}

/** A whole JSON number (stock, quantities, sort orders). */
export function wholeNumber(v: unknown, where: string, min: number): number {
  if (typeof v === 'string') throw badRequest(`${where} must be a JSON integer, not a string`);
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw badRequest(`${where} must be an integer`);
  if (v < min) throw badRequest(`${where} must be at least ${min}`);
  return v;
}

export function text(v: unknown, where: string, max = 1000): string {
  if (typeof v !== 'string') throw badRequest(`${where} must be a string`);
  if (v.length > max) throw badRequest(`${where} is longer than ${max} characters`);
  return v;
}

export function optionalText(v: unknown, where: string, max = 1000): string | null {
  return v === null ? null : text(v, where, max);
}

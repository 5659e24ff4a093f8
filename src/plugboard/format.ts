/**
 * Formatting helpers for Plugboard's basic types. All of them are pure and throw a
 * {@link PlugboardFormatError} (a plain TypeError subclass) on invalid input.
 */
import { normaliseCurrency, normaliseLanguage3 } from './codes.js';
import type { CustomDataEntry, Money } from './types.js';

export class PlugboardFormatError extends TypeError {
  override name = 'PlugboardFormatError';
}

const DECIMAL_RE = /^([+-]?)(\d*)(?:\.(\d*))?$/;

/**
 * Validates a decimal given as a string and returns it in canonical form: no leading '+',
 * no superfluous leading zeros, fraction digits kept exactly as given ("25" stays "25",
 * "1.0" stays "1.0", ".5" becomes "0.5", "-0" becomes "0"). Never goes through a float.
 * Numbers are refused on purpose: Plugboard requires decimals to be JSON strings.
 */
export function toDecimalString(x: string): string {
  if (typeof x !== 'string') {
    throw new PlugboardFormatError(`Decimal must be given as a string, got ${typeof x}`);
  }
  const m = DECIMAL_RE.exec(x.trim());
  if (!m || (m[2] === '' && (m[3] === undefined || m[3] === ''))) {
    throw new PlugboardFormatError(`Not a decimal number: ${JSON.stringify(x)}`);
  }
  const sign = m[1] === '-' ? '-' : '';
  const intPart = (m[2] ?? '').replace(/^0+(?=\d)/, '') || '0';
  const frac = m[3] ?? '';
  const isZero = /^0$/.test(intPart) && /^0*$/.test(frac);
  return `${isZero ? '' : sign}${intPart}${frac ? `.${frac}` : ''}`;
}

/** True when `x` is a string holding a decimal {@link toDecimalString} accepts. */
export function isDecimalString(x: unknown): x is string {
  if (typeof x !== 'string') return false;
  try {
    toDecimalString(x);
    return true;
  } catch {
    return false;
  }
}

/**
 * Pads a decimal string to at least `scale` fraction digits ("1.0" → "1.00", "3" → "3.00").
 * Never rounds or drops digits ("1.005" stays "1.005").
 */
export function decimalWithMinScale(x: string, scale: number): string {
  const d = toDecimalString(x);
  const [i, f = ''] = d.split('.');
  return `${i}.${f.padEnd(scale, '0')}`;
}

/** Lower-case ISO 4217 alphabetic code; accepts upper case and known numeric codes. */
export function toCurrency(code: string): string {
  const c = normaliseCurrency(code);
  if (!c) throw new PlugboardFormatError(`Not an ISO 4217 currency code: ${JSON.stringify(code)}`);
  return c;
}

/** A Plugboard money object: `{ currency, amount }` with the amount a decimal string. */
export function money(currency: string, amount: string): Money {
  return { currency: toCurrency(currency), amount: toDecimalString(amount) };
}

/** ISO 639-1 ('sv') or ISO 639-2 ('swe', 'ger') → Plugboard's lower-case three-letter code. */
export function toLanguage3(code: string): string {
  const c = normaliseLanguage3(code);
  if (!c) throw new PlugboardFormatError(`Unknown or unsupported language code: ${JSON.stringify(code)}`);
  return c;
}

/**
 * A language Plugboard itself named (its API root's default language), or null when it named none usable.
 * Any three-letter code is taken as sent, in our table or not ("smj", "fil"): Plugboard knows its own
 * languages, and refusing one would fail every publish of that shop.
 */
export function plugboardLanguage(code: unknown): string | null {
  if (typeof code !== 'string') return null;
  const c = code.trim().toLowerCase();
  if (/^[a-z]{3}$/.test(c)) return normaliseLanguage3(c) ?? c;
  return normaliseLanguage3(c);
}

/** ISO 3166-1 alpha-2 country code in upper case, as Plugboard wants it. */
export function countryCode(x: string): string {
  const c = typeof x === 'string' ? x.trim().toUpperCase() : '';
  if (!/^[A-Z]{2}$/.test(c)) {
    throw new PlugboardFormatError(`Not an ISO 3166-1 alpha-2 country code: ${JSON.stringify(x)}`);
  }
  return c;
}

/** Server form of a date-time: RFC 3339, UTC, 'Z' suffix, whole seconds. */
export function toRfc3339Utc(d: Date): string {
  if (!(d instanceof Date) || Number.isNaN(d.getTime())) throw new PlugboardFormatError('Invalid date');
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Custom module ids (ours, or any not built into Plugboard) MUST start with "x-". */
export function isCustomModuleId(moduleId: string): boolean {
  return moduleId.startsWith('x-');
}

/**
 * The customData dictionary key: `connectionId|moduleId|key` (all case sensitive).
 * Throws when a part is empty or contains a pipe, or when the module id is not a custom
 * "x-" module (everything this client writes is custom data).
 */
export function customDataKey(connectionId: string, moduleId: string, key: string): string {
  for (const [name, v] of [['connectionId', connectionId], ['moduleId', moduleId], ['key', key]] as const) {
    if (typeof v !== 'string' || v === '') throw new PlugboardFormatError(`customData ${name} must be a non-empty string`);
    if (v.includes('|')) throw new PlugboardFormatError(`customData ${name} must not contain "|": ${JSON.stringify(v)}`);
  }
  if (!isCustomModuleId(moduleId)) {
    throw new PlugboardFormatError(`Custom customData moduleId must start with "x-": ${JSON.stringify(moduleId)}`);
  }
  return `${connectionId}|${moduleId}|${key}`;
}

/** Builds one customData entry together with its dictionary key. */
export function customDataEntry(
  connectionId: string,
  moduleId: string,
  key: string,
  type: string,
  value: unknown,
): [string, CustomDataEntry] {
  return [customDataKey(connectionId, moduleId, key), { connectionId, moduleId, key, type, value }];
}

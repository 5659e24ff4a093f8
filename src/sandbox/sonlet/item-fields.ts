/**
 * Field rules of POST /api/v2/items/, as Django REST framework's serializer fields state them
 * (PrimaryKeyRelatedField, DecimalField, IntegerField, the item's `data` JSON) with DRF's messages.
 */

export const MAX_INT = 2147483647;

export type FieldErrors = Record<string, string[]>;

export function relatedPk<T>(raw: unknown, name: string, errors: FieldErrors, lookup: (pk: number) => T | undefined): T | undefined {
  if (raw === undefined) {
    errors[name] = ['This field is required.'];
    return undefined;
  }
  if (raw === null || raw === '') {
    errors[name] = ['This field may not be null.'];
    return undefined;
  }
  let pk: number | null = null;
  if (typeof raw === 'number' && Number.isInteger(raw)) pk = raw;
  else if (typeof raw === 'string' && /^\s*\d+\s*$/.test(raw)) pk = Number(raw.trim());
  if (pk === null) {
    const kind =
      typeof raw === 'string' ? 'str' : typeof raw === 'boolean' ? 'bool' : typeof raw === 'number' ? 'float' : Array.isArray(raw) ? 'list' : 'dict';
    errors[name] = [`Incorrect type. Expected pk value, received ${kind}.`];
    return undefined;
  }
  const found = lookup(pk);
  if (found === undefined) errors[name] = [`Invalid pk "${String(raw).trim()}" - object does not exist.`];
  return found;
}

/** DRF DecimalField(max_digits=10, decimal_places=2, min_value=0). Absent or blank: null (use default). */
export function decimal(raw: unknown, name: string, errors: FieldErrors): string | null {
  if (raw === undefined || raw === null || raw === '') return null;
  const text = typeof raw === 'number' && Number.isFinite(raw) ? String(raw) : typeof raw === 'string' ? raw.trim() : null;
  const m = text === null ? null : /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(text);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) {
    errors[name] = ['A valid number is required.'];
    return null;
  }
  const whole = m[2].replace(/^0+(?=\d)/, '') || '0';
  const frac = m[3] ?? '';
  if (frac.length > 2) {
    errors[name] = ['Ensure that there are no more than 2 decimal places.'];
    return null;
  }
  if (whole.length > 8) {
    errors[name] = ['Ensure that there are no more than 8 digits before the decimal point.'];
    return null;
  }
  const negative = m[1] === '-' && /[1-9]/.test(whole + frac);
  if (negative) {
    errors[name] = ['Ensure this value is greater than or equal to 0.'];
    return null;
  }
  return `${whole}.${frac.padEnd(2, '0')}`;
}

/** DRF IntegerField(min_value=0). Absent or blank: null (use default). */
export function integer(raw: unknown, name: string, errors: FieldErrors): number | null {
  if (raw === undefined || raw === null || raw === '') return null;
  let n: number | null = null;
  if (typeof raw === 'number' && Number.isInteger(raw)) n = raw;
  else if (typeof raw === 'string' && /^\s*[+-]?\d+(\.0*)?\s*$/.test(raw)) n = Number.parseInt(raw, 10);
  if (n === null || !Number.isSafeInteger(n)) {
    errors[name] = ['A valid integer is required.'];
    return null;
  }
  if (n < 0) {
    errors[name] = ['Ensure this value is greater than or equal to 0.'];
    return null;
  }
  if (n > MAX_INT) {
    errors[name] = [`Ensure this value is less than or equal to ${MAX_INT}.`];
    return null;
  }
  return n;
}

/** The item's `data`: a JSON string (form) or object of the form {"attributes": {"Key": "Value"}}. */
export function itemData(raw: unknown, errors: FieldErrors): Record<string, string> | null {
  if (raw === undefined || raw === null || raw === '') return {};
  let value: unknown = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw);
    } catch {
      errors.data = ['Value must be valid JSON.'];
      return null;
    }
  }
  const shape = 'Expected an object of the form {"attributes": {"Key": "Value", ...}}.';
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    errors.data = [shape];
    return null;
  }
  const attrs = (value as Record<string, unknown>).attributes;
  if (attrs === undefined || attrs === null) return {};
  if (typeof attrs !== 'object' || Array.isArray(attrs)) {
    errors.data = [shape];
    return null;
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(attrs as Record<string, unknown>)) {
    if (typeof v === 'string') out[k] = v;
    else if (typeof v === 'number' || typeof v === 'boolean') out[k] = String(v);
    else {
      errors.data = [`Attribute "${k}" must be a string.`];
      return null;
    }
  }
  return out;
}


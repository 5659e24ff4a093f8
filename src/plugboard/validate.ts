/**
 * Body checks shared by the client (before sending) and the sandbox (on receipt):
 * decimals MUST be JSON strings, money needs both currency and amount.
 */
import { isDecimalString } from './format.js';

/** Field names that carry decimals anywhere in a Plugboard document. */
export function isDecimalField(key: string): boolean {
  return key === 'amount' || /Percent$/.test(key);
}

export interface BodyProblem {
  path: string;
  message: string;
}

/**
 * Walks a JSON document and reports the first decimal sent as a JSON number (or otherwise
 * malformed) and the first money object missing its currency or amount.
 */
export function findDecimalProblem(value: unknown, path = '$'): BodyProblem | null {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const p = findDecimalProblem(value[i], `${path}[${i}]`);
      if (p) return p;
    }
    return null;
  }
  if (value === null || typeof value !== 'object') return null;
  const obj = value as Record<string, unknown>;
  for (const [k, v] of Object.entries(obj)) {
    const here = `${path}.${k}`;
    if (isDecimalField(k) && v !== null && v !== undefined) {
      if (typeof v === 'number') {
        return { path: here, message: `Decimal values must be encoded as JSON strings, not numbers: ${here} = ${String(v)}` };
      }
      if (!isDecimalString(v)) return { path: here, message: `Not a decimal string: ${here} = ${JSON.stringify(v)}` };
    }
  }
  if ('amount' in obj && obj.amount !== null && !('currency' in obj && typeof obj.currency === 'string')) {
    return { path, message: `Money at ${path} needs both currency and amount` };
  }
  if ('currency' in obj && 'amount' in obj && obj.amount == null) {
    return { path, message: `Money at ${path} needs both currency and amount` };
  }
  for (const [k, v] of Object.entries(obj)) {
    const p = findDecimalProblem(v, `${path}.${k}`);
    if (p) return p;
  }
  return null;
}

/** Order totals from rows, in exact decimal arithmetic (never floats, as the reference asks of amounts). */
import type { Money, OrderRow } from './wire.js';

const SCALE = 8;
const ONE = 10n ** BigInt(SCALE);

function scaled(d: string): bigint {
  const negative = d.startsWith('-');
  const [whole, frac = ''] = d.replace('-', '').split('.');
  const v = BigInt(whole!) * ONE + BigInt(frac.slice(0, SCALE).padEnd(SCALE, '0'));
  return negative ? -v : v;
}

/** Rounds half away from zero to two decimals. */
function cents(v: bigint): string {
  const unit = ONE / 100n;
  const negative = v < 0n;
  const abs = negative ? -v : v;
  const c = (abs + unit / 2n) / unit;
  const text = `${c / 100n}.${(c % 100n).toString().padStart(2, '0')}`;
  return negative && c !== 0n ? `-${text}` : text;
}

/**
 * Unit prices include VAT (decision 004), so each row's amount excluding VAT is
 * gross × 100 / (100 + rate); the totals are the sums, rounded once at the end.
 */
export function totalsOf(rows: readonly OrderRow[], currency: string): { totalSumExclVat: Money; totalVat: Money } {
  let excl = 0n;
  let gross = 0n;
  for (const row of rows) {
    const rowGross = scaled(row.unitPrice.amount) * BigInt(row.quantity);
    const rate = scaled(row.vatRatePercent ?? '0');
    excl += (rowGross * 100n * ONE) / (100n * ONE + rate);
    gross += rowGross;
  }
  return { totalSumExclVat: { currency, amount: cents(excl) }, totalVat: { currency, amount: cents(gross - excl) } };
}

/** "39.00" × 2 → "78.00": a row's amount as a shop shows it. */
export function times(amount: string, quantity: number): string {
  return cents(scaled(amount) * BigInt(quantity));
}

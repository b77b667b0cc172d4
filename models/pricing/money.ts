import { DomainError } from '../errors.ts';

/**
 * Money is an integer number of minor units of one currency: no floating point touches a price.
 *
 * THE ROUNDING RULE: rounding always goes against the discount, by less than one minor unit.
 * A percentage of an amount is rounded down (`percentOf`), so a percent discount never gives the
 * shopper a fraction of a minor unit it has not earned; the margin floor cost * (100 + m) / 100 is
 * rounded up (`marginFloorUnit`), so rounding never takes a line below it. Nothing else rounds:
 * order-level discounts are split over lines by largest remainder (allocate.ts), which places every
 * minor unit of the discount exactly.
 */

/** ISO 4217 minor-unit exponents of the currencies a catalog may use. */
export const CURRENCY_EXPONENT: Readonly<Record<string, number>> = {
  CNY: 2,
  HKD: 2,
  TWD: 2,
  USD: 2,
  EUR: 2,
  GBP: 2,
  SGD: 2,
  AUD: 2,
  CAD: 2,
  JPY: 0,
  KRW: 0,
};

const SYMBOL: Readonly<Record<string, string>> = {
  CNY: '¥',
  JPY: '¥',
  USD: '$',
  EUR: '€',
  GBP: '£',
  KRW: '₩',
  HKD: 'HK$',
  TWD: 'NT$',
  SGD: 'S$',
  AUD: 'A$',
  CAD: 'C$',
};

export function currencyExponent(currency: string): number {
  const e = CURRENCY_EXPONENT[currency];
  if (e === undefined) throw new DomainError('invalid', `unsupported currency ${currency}`, 'currency');
  return e;
}

/** Throws unless `n` is a non-negative safe integer: every amount the engine handles is one. */
export function assertMinor(n: number, what: string): number {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new DomainError('invalid', `${what} must be a non-negative integer number of minor units`, what);
  }
  return n;
}

/** floor(a * b / c) for non-negative integers: exact even when a * b passes 2^53 (the result must not). */
export function mulDivFloor(a: number, b: number, c: number): number {
  const p = a * b;
  if (Number.isSafeInteger(p)) return (p - (p % c)) / c;
  return Number((BigInt(a) * BigInt(b)) / BigInt(c));
}

/** ceil(a * b / c) for non-negative integers. */
export function mulDivCeil(a: number, b: number, c: number): number {
  const f = mulDivFloor(a, b, c);
  const p = a * b;
  const exact = Number.isSafeInteger(p) ? p % c === 0 : (BigInt(a) * BigInt(b)) % BigInt(c) === 0n;
  return exact ? f : f + 1;
}

/** `percent`% of `amount`, rounded down (the rounding rule). */
export const percentOf = (amount: number, percent: number): number => mulDivFloor(amount, percent, 100);

/**
 * The lowest unit price that keeps the minimum margin: cost * (1 + m/100), rounded up. When the
 * list price is already below it the list price is the floor: discounts stop there, prices never
 * rise above list.
 */
export function marginFloorUnit(cost: number, listPrice: number, minMarginPercent: number): number {
  return Math.min(listPrice, mulDivCeil(cost, 100 + minMarginPercent, 100));
}

/**
 * `¥300`, `¥299.50`, `¥1,299`, `$12.05`: for explanations, not for arithmetic. Whole amounts drop
 * their zero decimals; CNY and JPY both show `¥`; currencies without a symbol show their code.
 */
export function formatMoney(minor: number, currency: string): string {
  const exp = currencyExponent(currency);
  const sign = minor < 0 ? '-' : '';
  const abs = Math.abs(minor);
  const base = 10 ** exp;
  const frac = abs % base;
  const major = (abs - frac) / base;
  const grouped = String(major).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const decimals = frac === 0 ? '' : `.${String(frac).padStart(exp, '0')}`;
  const symbol = SYMBOL[currency];
  return symbol === undefined
    ? `${sign}${currency} ${grouped}${decimals}`
    : `${sign}${symbol}${grouped}${decimals}`;
}

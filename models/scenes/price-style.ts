import type { Product } from '../../events/catalog.ts';

export type PriceStyle = 'value' | 'premium' | 'balanced';

export interface PriceStyleVerdict {
  style: PriceStyle;
  /** Plain words, en, e.g. "looks at products 23% below their category's median price". */
  reason: string;
}

/** Fewer products than this say nothing reliable about a shopper's taste in price. */
export const MIN_SEEN = 3;
/** Thresholds on the median price ratio, as fractions: 0.85 and 1.2. */
const VALUE_MAX = { num: 85n, den: 100n } as const;
const PREMIUM_MIN = { num: 120n, den: 100n } as const;

/** A price ratio kept exact: price over the category median, both in half minor units. */
interface Ratio {
  num: bigint;
  den: bigint;
}
const cmp = (a: Ratio, b: Ratio): number => {
  const d = a.num * b.den - b.num * a.den;
  return d < 0n ? -1 : d > 0n ? 1 : 0;
};

/**
 * Whether the shopper leans to cheaper or dearer products than usual. Each product the shopper
 * looked at is compared with its own category's median price (a 300-yuan tent is cheap, a
 * 300-yuan mug is not), and the median of those ratios decides, so one outlier does not. A product
 * is counted once, however often it was seen; one whose category has no known median is skipped.
 * Ratios are exact fractions (BigInt), so a shopper exactly on a threshold gets the same verdict
 * everywhere: in floating point, the mean of 0.8 and 0.9 is not 0.85.
 */
export function priceStyleOf(
  seen: readonly Product[],
  categoryMedianPrice: ReadonlyMap<string, number>,
): PriceStyleVerdict {
  const counted = new Set<string>();
  const ratios: Ratio[] = [];
  for (const p of seen) {
    if (counted.has(p.productId)) continue;
    const median = categoryMedianPrice.get(p.category);
    if (median === undefined || !Number.isFinite(median) || median <= 0) continue;
    counted.add(p.productId);
    // Half units: a category median of an even count may end in .5 of a minor unit.
    ratios.push({
      num: BigInt(Math.round(p.listPrice)) * 2n,
      den: BigInt(Math.max(1, Math.round(median * 2))),
    });
  }
  if (ratios.length < MIN_SEEN) return { style: 'balanced', reason: 'not enough history' };

  ratios.sort(cmp);
  const mid = ratios.length >> 1;
  const hi = ratios[mid]!;
  const lo = ratios[mid - 1]!;
  const median: Ratio =
    ratios.length % 2 === 1 ? hi : { num: lo.num * hi.den + hi.num * lo.den, den: 2n * lo.den * hi.den };
  const percent = Math.round(Math.abs(Number(median.num) / Number(median.den) - 1) * 100);
  if (cmp(median, VALUE_MAX) <= 0) {
    return { style: 'value', reason: `looks at products ${percent}% below their category's median price` };
  }
  if (cmp(median, PREMIUM_MIN) >= 0) {
    return { style: 'premium', reason: `looks at products ${percent}% above their category's median price` };
  }
  const side = cmp(median, { num: 1n, den: 1n }) < 0 ? 'below' : 'above';
  const off = percent === 0 ? 'at it' : `${percent}% ${side}`;
  return { style: 'balanced', reason: `looks at products near their category's median price (${off})` };
}

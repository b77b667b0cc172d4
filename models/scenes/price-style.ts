import type { Product } from '../../events/catalog.ts';

export type PriceStyle = 'value' | 'premium' | 'balanced';

export interface PriceStyleVerdict {
  style: PriceStyle;
  /** Plain words, en, e.g. "looks at products 23% below their category's median price". */
  reason: string;
}

/** Fewer products than this say nothing reliable about a shopper's taste in price. */
export const MIN_SEEN = 3;
/**
 * Thresholds on the median price ratio, in basis points (1/10,000): ratios are compared as
 * integers, so a shopper exactly on a threshold gets the same verdict on every machine.
 */
const BP = 10_000;
const VALUE_MAX_BP = 8_500;
const PREMIUM_MIN_BP = 12_000;

/**
 * Whether the shopper leans to cheaper or dearer products than usual. Each product the shopper
 * looked at is compared with its own category's median price (a 300-yuan tent is cheap, a
 * 300-yuan mug is not), and the median of those ratios decides, so one outlier does not. A product
 * is counted once, however often it was seen; one whose category has no known median is skipped.
 */
export function priceStyleOf(
  seen: readonly Product[],
  categoryMedianPrice: ReadonlyMap<string, number>,
): PriceStyleVerdict {
  const counted = new Set<string>();
  const ratios: number[] = [];
  for (const p of seen) {
    if (counted.has(p.productId)) continue;
    const median = categoryMedianPrice.get(p.category);
    if (median === undefined || !Number.isFinite(median) || median <= 0) continue;
    counted.add(p.productId);
    // Integer basis points: prices are at most 1e11 minor units, so price * 1e4 stays exact.
    ratios.push(Math.round((p.listPrice * BP) / median));
  }
  if (ratios.length < MIN_SEEN) return { style: 'balanced', reason: 'not enough history' };

  ratios.sort((a, b) => a - b);
  const mid = ratios.length >> 1;
  // An even count takes the mean of the middle two: a half basis point at most, still exact.
  const medianBp = ratios.length % 2 === 1 ? ratios[mid]! : (ratios[mid - 1]! + ratios[mid]!) / 2;
  const percent = Math.round(Math.abs(medianBp - BP) / 100);
  if (medianBp <= VALUE_MAX_BP) {
    return { style: 'value', reason: `looks at products ${percent}% below their category's median price` };
  }
  if (medianBp >= PREMIUM_MIN_BP) {
    return { style: 'premium', reason: `looks at products ${percent}% above their category's median price` };
  }
  const off = percent === 0 ? 'at it' : `${percent}% ${medianBp < BP ? 'below' : 'above'}`;
  return { style: 'balanced', reason: `looks at products near their category's median price (${off})` };
}

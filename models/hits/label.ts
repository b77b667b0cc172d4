import type { ProductInfo } from './features.ts';
import { DAY_MS, type SeriesIndex, windowCounts } from './signals.ts';

/**
 * The label: a product *breaks out* at t when it is among its category's top sellers (by units) in
 * the next `horizonDays` after t while it was not among them over the `lookbackDays` before t.
 * Only the label reads events after t; features never do (see dataset.ts).
 */

export interface LabelOptions {
  /** Days after t in which the product must be a top seller. */
  horizonDays: number;
  /** Days before t in which it must not have been one. */
  lookbackDays: number;
  /** Top-K per category. */
  topK: number;
  /**
   * Units a top seller must sell in its window: with sparse sales, one unit can be "top 3" of a quiet
   * category, which is noise rather than a hit.
   */
  minUnits: number;
}

export const DEFAULT_LABEL: LabelOptions = { horizonDays: 7, lookbackDays: 28, topK: 3, minUnits: 3 };

/**
 * Products among their category's top-K by units in [fromMs, toMs), with at least `minUnits`.
 * Ties share a rank (rank = 1 + number of products that sold strictly more), so a tie at the K-th
 * place admits every tied product.
 */
export function topSellers(
  series: SeriesIndex,
  products: readonly ProductInfo[],
  fromMs: number,
  toMs: number,
  opts: Pick<LabelOptions, 'topK' | 'minUnits'>,
): Set<string> {
  const byCategory = new Map<string, { productId: string; units: number }[]>();
  for (const p of products) {
    const units = windowCounts(series.get(p.productId), fromMs, toMs).units;
    if (units < opts.minUnits) continue;
    const list = byCategory.get(p.category) ?? [];
    list.push({ productId: p.productId, units });
    byCategory.set(p.category, list);
  }
  const out = new Set<string>();
  for (const list of byCategory.values()) {
    for (const x of list) {
      let above = 0;
      for (const y of list) if (y.units > x.units) above++;
      if (above < opts.topK) out.add(x.productId);
    }
  }
  return out;
}

export interface Labels {
  /** Top sellers over the lookback before t: not candidates, they are already there. */
  incumbents: Set<string>;
  /** Candidates that become top sellers in the horizon after t. */
  breakouts: Set<string>;
}

export function breakoutLabels(
  series: SeriesIndex,
  products: readonly ProductInfo[],
  t: number,
  opts: LabelOptions = DEFAULT_LABEL,
): Labels {
  const incumbents = topSellers(series, products, t - opts.lookbackDays * DAY_MS, t, opts);
  const next = topSellers(series, products, t, t + opts.horizonDays * DAY_MS, opts);
  const breakouts = new Set([...next].filter((id) => !incumbents.has(id)));
  return { incumbents, breakouts };
}

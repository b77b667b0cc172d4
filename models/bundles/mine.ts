import type { BehaviourEvent } from '../../events/behaviour.ts';
import { type Bundle, bestBundleFor, mineRules, type Rule } from './mining.ts';

/**
 * Frequently-bought-together bundles for the service: order baskets from the lake (models/lake/jobs/bundle-itemsets.ts), rules
 * mined at an evidence floor (`minCount` orders, or `minSupport` of the orders for a large shop:
 * supportFloor), and for every product the
 * best rule-backed bundle holding it (see `bestBundleFor` for why lift).
 */
export const BUNDLE_DEFAULTS = {
  /** Orders that must hold the whole bundle, at least. */
  minCount: 5,
  /**
   * Or this share of the window's orders, where that is more: from 500,000 orders in 90 days up.
   * At an absolute floor the frequent itemsets (and the miner's work) grow faster than the orders,
   * as ever rarer combinations reach it; at a share they converge (see supportFloor).
   */
  minSupport: 0.00001,
  minConfidence: 0.1,
  /** The product and up to three more. */
  maxItems: 4,
  /** How far back the baskets go. */
  historyDays: 90,
} as const;

/** One basket per order: its distinct products. */
export function basketsOf(events: Iterable<BehaviourEvent>): string[][] {
  const out: string[][] = [];
  for (const e of events)
    if (e.type === 'OrderPlaced') out.push([...new Set(e.lines.map((l) => l.productId))]);
  return out;
}

export interface MinedBundles {
  baskets: number;
  rules: number;
  bundles: Map<string, Bundle>;
}

export function mineBundles(
  baskets: readonly (readonly string[])[],
  {
    minCount = BUNDLE_DEFAULTS.minCount,
    minSupport = BUNDLE_DEFAULTS.minSupport,
    minConfidence = BUNDLE_DEFAULTS.minConfidence,
    maxItems = BUNDLE_DEFAULTS.maxItems,
  }: { minCount?: number; minSupport?: number; minConfidence?: number; maxItems?: number } = {},
): MinedBundles {
  if (baskets.length === 0) return { baskets: 0, rules: 0, bundles: new Map() };
  const floor = supportFloor(baskets.length, { minCount, minSupport });
  const { rules } = mineRules(baskets, {
    minSupport: Math.min(1, floor / baskets.length),
    minConfidence,
    maxLen: maxItems,
  });
  return bundlesFromRules(rules, baskets.length, { minCount: floor, maxItems });
}

/**
 * Orders an itemset needs among `baskets`: `minCount`, or `minSupport` of them where that is more
 * (the lake's SQL computes the same, models/lake/jobs/bundle-itemsets.ts). The absolute part keeps a
 * small shop from being held to a fraction made for a big one; the relative part keeps a big shop's
 * bundles to combinations that are not rare for it (5 orders in 6 million is noise), and its
 * frequent itemsets converging as orders grow, so the mining grows with the orders and no faster.
 */
export function supportFloor(
  baskets: number,
  {
    minCount = BUNDLE_DEFAULTS.minCount,
    minSupport = BUNDLE_DEFAULTS.minSupport,
  }: { minCount?: number; minSupport?: number } = {},
): number {
  // ceil(baskets x minSupport) in integers, on the share as the SQL literal writes it (supportDigits).
  const scale = 10n ** BigInt(SUPPORT_PLACES);
  const share = (BigInt(baskets) * BigInt(supportDigits(minSupport).replace('.', '')) + scale - 1n) / scale;
  return Math.max(minCount, Number(share));
}

/** Decimal places a share is taken to: the SQL's DECIMAL literal and supportFloor read the same digits. */
export const SUPPORT_PLACES = 12;

/** A share between 0 and 1 as a decimal numeral of SUPPORT_PLACES places (`0.000010000000`). */
export function supportDigits(x: number): string {
  if (!(Number.isFinite(x) && x >= 0 && x <= 1)) throw new RangeError(`a share between 0 and 1, got ${x}`);
  return x.toFixed(SUPPORT_PLACES);
}

/** Each product's best bundle among the rules (shared by the in-memory miner and the lake's counts). */
export function bundlesFromRules(
  rules: readonly Rule[],
  baskets: number,
  { minCount, maxItems }: { minCount: number; maxItems: number },
): MinedBundles {
  const products = new Set(rules.flatMap((r) => [...r.lhs, r.rhs]));
  const bundles = new Map<string, Bundle>();
  for (const id of [...products].sort()) {
    const b = bestBundleFor(id, rules, { maxItems, minCount });
    if (b) bundles.set(id, b);
  }
  return { baskets, rules: rules.length, bundles };
}

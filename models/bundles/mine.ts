import type { BehaviourEvent } from '../../events/behaviour.ts';
import { type Bundle, bestBundleFor, mineRules, type Rule } from './mining.ts';

/**
 * Frequently-bought-together bundles for the service: order baskets from the lake (models/lake/jobs/bundle-itemsets.ts), rules
 * mined at an absolute evidence floor (a rule needs `minCount` orders, whatever the shop's size, so
 * a small shop is not held to a support fraction made for a big one), and for every product the
 * best rule-backed bundle holding it (see `bestBundleFor` for why lift).
 */
export const BUNDLE_DEFAULTS = {
  /** Orders that must hold the whole bundle. */
  minCount: 5,
  minConfidence: 0.1,
  /** The product and up to three more. */
  maxItems: 4,
  /** How far back the baskets go. */
  historyDays: 90,
  /** New orders after which the bundles are mined again (besides the daily schedule). */
  mineAfterOrders: 500,
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
    minConfidence = BUNDLE_DEFAULTS.minConfidence,
    maxItems = BUNDLE_DEFAULTS.maxItems,
  }: { minCount?: number; minConfidence?: number; maxItems?: number } = {},
): MinedBundles {
  if (baskets.length === 0) return { baskets: 0, rules: 0, bundles: new Map() };
  const { rules } = mineRules(baskets, {
    minSupport: Math.min(1, minCount / baskets.length),
    minConfidence,
    maxLen: maxItems,
  });
  return bundlesFromRules(rules, baskets.length, { minCount, maxItems });
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

import type { BehaviourEvent } from '../../events/behaviour.ts';
import type { RfmCutPoints, RfmProfile } from '../../events/segments.ts';
import { type OrderFact, orderFactOf, type PriceLookup, profilesFromOrders } from './profile.ts';
import { computeCutPoints } from './scoring.ts';

/**
 * A price lookup over a whole catalog in memory (the demo load, replays): each product's list price
 * and category, and each category's list prices ascending, as the hit priors store them.
 */
export function catalogPriceLookup(
  products: Iterable<{ productId: string; listPrice: number; category: string }>,
): PriceLookup {
  const byId = new Map<string, { listPrice: number; category: string }>();
  const byCategory = new Map<string, number[]>();
  for (const p of products) {
    byId.set(p.productId, { listPrice: p.listPrice, category: p.category });
    byCategory.set(p.category, [...(byCategory.get(p.category) ?? []), p.listPrice]);
  }
  for (const prices of byCategory.values()) prices.sort((a, b) => a - b);
  return { productOf: (id) => byId.get(id), categoryPrices: (c) => byCategory.get(c) ?? [] };
}

/** The signed-in shoppers' orders of an event history. */
export function orderFactsOf(events: Iterable<BehaviourEvent>): OrderFact[] {
  const out: OrderFact[] = [];
  for (const e of events) {
    if (e.type !== 'OrderPlaced') continue;
    const f = orderFactOf(e);
    if (f !== undefined) out.push(f);
  }
  return out;
}

/** Every profile of a history and the cut points as of `now`: what the demo load stores. */
export function profilesOfHistory(
  events: Iterable<BehaviourEvent>,
  products: Iterable<{ productId: string; listPrice: number; category: string }>,
  now: number,
): { profiles: RfmProfile[]; cuts: RfmCutPoints } {
  const profiles = [...profilesFromOrders(orderFactsOf(events), catalogPriceLookup(products)).values()];
  return { profiles, cuts: computeCutPoints(profiles, now) };
}

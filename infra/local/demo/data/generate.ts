import type { BehaviourEvent } from '../../../../events/behaviour.ts';
import type { Customer, Product, Promotion, Scene } from '../../../../events/catalog.ts';
import { simulateBehaviour } from './behaviour.ts';
import { DAY_MS, isoInstant, peakOccurrences } from './calendar.ts';
import { generateProducts } from './catalog.ts';
import { generateCustomers } from './customers.ts';
import { Rng } from './prng.ts';
import { generatePromotions } from './promotions.ts';
import { assignRoles } from './roles.ts';
import { SCENE_PLANS } from './scenes.ts';

/**
 * A deterministic demo storefront: catalog, scenes, promotions, customers and two months of
 * shopper behaviour with planted structure (hits, seasons, co-view/co-buy groups, dead stock).
 * The output is a pure function of the options: no clock, no Math.random, no I/O.
 */

export interface DemoData {
  products: Product[];
  scenes: Scene[];
  promotions: Promotion[];
  customers: Customer[];
  /** Sorted by occurredAt ascending. */
  events: BehaviourEvent[];
  /** What the generator planted, for later evaluations. */
  truth: DemoTruth;
}

export interface DemoTruth {
  /** Products planted to break out into hits: searches and reviews rise first, then sales from breakoutAt. */
  hits: { productId: string; category: string; breakoutAt: string }[];
  /** Products whose buzz started in the last days and whose sales have not: rising now. */
  rising: { productId: string; category: string; buzzFrom: string }[];
  /** Product ids nobody buys (and hardly anybody views). */
  deadStock: string[];
  /** Products viewed together in one visit: complements and compared alternatives. */
  coViewGroups: string[][];
  /** Products bought together in one order (every one is also a co-view group). */
  coBuyGroups: string[][];
  /**
   * Seasonal scenes whose peak overlaps the window. Their products ramp up over the three weeks
   * before peakFrom and down over the three weeks after peakTo (instants: local midnight, UTC+8).
   */
  seasonalScenes: { sceneId: string; peakFrom: string; peakTo: string }[];
}

export interface DemoOptions {
  seed?: number;
  endAt?: Date;
  days?: number;
  products?: number;
  events?: number;
}

export const DEMO_DEFAULTS = {
  seed: 42,
  /** Callers normally pass their own endAt; this keeps the default output fixed. */
  endAt: '2026-11-23T00:00:00Z',
  days: 60,
  products: 2_400,
  events: 110_000,
  customers: 3_000,
} as const;

/** Independent random streams, so e.g. asking for more events does not change the catalog. */
const STREAM = { catalog: 1, roles: 2, promotions: 3, customers: 4, behaviour: 5, rising: 6 } as const;

export function generateDemoData(opts: DemoOptions = {}): DemoData {
  const seed = opts.seed ?? DEMO_DEFAULTS.seed;
  const endMs = opts.endAt?.getTime() ?? Date.parse(DEMO_DEFAULTS.endAt);
  const days = opts.days ?? DEMO_DEFAULTS.days;
  const productCount = opts.products ?? DEMO_DEFAULTS.products;
  const targetEvents = opts.events ?? DEMO_DEFAULTS.events;
  if (!Number.isInteger(seed)) throw new RangeError(`seed must be an integer, got ${seed}`);
  if (!Number.isFinite(endMs)) throw new RangeError('endAt must be a valid date');
  if (!Number.isInteger(days) || days < 14 || days > 366)
    throw new RangeError(`days must be 14-366, got ${days}`);
  if (!Number.isInteger(productCount) || productCount < 300 || productCount > 99_999) {
    throw new RangeError(`products must be 300-99,999, got ${productCount}`);
  }
  if (!Number.isInteger(targetEvents) || targetEvents < 1_000 || targetEvents > 5_000_000) {
    throw new RangeError(`events must be 1,000-5,000,000, got ${targetEvents}`);
  }

  const endAlignedMs = Math.floor(endMs / 1000) * 1000;
  const startMs = endAlignedMs - days * DAY_MS;

  const plans = generateProducts(new Rng(seed, STREAM.catalog), productCount, endAlignedMs);
  const roles = assignRoles(
    new Rng(seed, STREAM.roles),
    new Rng(seed, STREAM.rising),
    plans,
    SCENE_PLANS,
    startMs,
    endAlignedMs,
    days,
  );
  const promotions = generatePromotions(new Rng(seed, STREAM.promotions), plans, roles, endAlignedMs);
  const customerPlans = generateCustomers(
    new Rng(seed, STREAM.customers),
    DEMO_DEFAULTS.customers,
    endAlignedMs,
  );
  const events = simulateBehaviour({
    r: new Rng(seed, STREAM.behaviour),
    seed,
    startMs,
    endMs: endAlignedMs,
    days,
    targetEvents,
    plans,
    scenePlans: SCENE_PLANS,
    roles,
    customers: customerPlans,
  });

  const id = (i: number) => plans[i]!.product.productId;
  const seasonalScenes: DemoTruth['seasonalScenes'] = [];
  for (const plan of SCENE_PLANS) {
    if (plan.peak === undefined) continue;
    const touching = peakOccurrences((startMs + endAlignedMs) / 2, plan.peak.from, plan.peak.to).find(
      (o) => o.start < endAlignedMs && o.end > startMs,
    );
    if (touching !== undefined) {
      seasonalScenes.push({
        sceneId: plan.scene.sceneId,
        peakFrom: isoInstant(touching.start),
        peakTo: isoInstant(touching.end),
      });
    }
  }

  return {
    products: plans.map((p) => p.product),
    // Scenes are shared constants: hand out copies so callers cannot change them for the next run.
    scenes: SCENE_PLANS.map((p) => structuredClone(p.scene)),
    promotions,
    customers: customerPlans.map((c) => c.customer),
    events,
    truth: {
      hits: roles.hits.map((h) => ({
        productId: id(h.index),
        category: plans[h.index]!.product.category,
        breakoutAt: isoInstant(startMs + h.breakoutDay * DAY_MS),
      })),
      rising: roles.rising.map((h) => ({
        productId: id(h.index),
        category: plans[h.index]!.product.category,
        buzzFrom: isoInstant(startMs + h.buzzDay * DAY_MS),
      })),
      deadStock: roles.dead.map(id),
      coViewGroups: [...roles.complements, ...roles.substitutes].map((g) => g.map(id)),
      coBuyGroups: roles.complements.map((g) => g.map(id)),
      seasonalScenes,
    },
  };
}

import { DAY_MS } from './calendar.ts';
import type { ProductPlan } from './catalog.ts';
import type { Rng } from './prng.ts';
import { fitsConstraint, type ScenePlan } from './scenes.ts';

/** A product planted to break out: buzz (searches, reviews) from `buzzDay`, sales from `breakoutDay`. */
export interface HitPlan {
  index: number;
  /** Day indices within the window (0 = first day). */
  buzzDay: number;
  breakoutDay: number;
  /** How big this hit gets relative to the others. */
  strength: number;
}

/** What the generator plants in the catalog before simulating shoppers. */
export interface Roles {
  bestSellers: number[];
  hits: HitPlan[];
  /**
   * Products rising right now: buzz (searches, views, carts, reviews) over the window's last days,
   * sales not yet (they break out after it ends). What a live "rising now" shelf should find.
   */
  rising: HitPlan[];
  /** Complementary products bought together (a tent with its lamp, stove and chairs). */
  complements: number[][];
  /** Alternatives compared in one visit (three similar dome tents); viewed together, one is bought. */
  substitutes: number[][];
  dead: number[];
  isDead: Uint8Array;
}

const clamp = (x: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, x));

export function assignRoles(
  r: Rng,
  /** A stream of its own, so that adding rising products left every other draw as it was. */
  rr: Rng,
  plans: ProductPlan[],
  scenePlans: readonly ScenePlan[],
  startMs: number,
  endMs: number,
  days: number,
): Roles {
  const n = plans.length;
  const used = new Uint8Array(n);
  // Products that have been on sale for the whole window and can be sold today.
  const established = (p: ProductPlan) => p.launchMs <= startMs && p.product.stock > 0;
  const byCategory = new Map<number, ProductPlan[]>();
  for (const p of plans) {
    const list = byCategory.get(p.cat) ?? [];
    list.push(p);
    byCategory.set(p.cat, list);
  }

  // Best-sellers: the very top of broadly popular categories, viewed with everything.
  const bestSellers: number[] = [];
  const wantBest = Math.max(5, Math.round(n / 100));
  const bestPool = plans
    .filter((p) => established(p) && p.spec.demand >= 1)
    .sort((a, b) => b.popularity - a.popularity || a.index - b.index);
  const perCategoryBest = new Map<number, number>();
  for (const p of bestPool) {
    if (bestSellers.length >= wantBest) break;
    const k = perCategoryBest.get(p.cat) ?? 0;
    if (k >= 2) continue;
    perCategoryBest.set(p.cat, k + 1);
    bestSellers.push(p.index);
    used[p.index] = 1;
    p.popularity *= 6;
    p.product.stock = Math.max(p.product.stock, 1500 + r.int(0, 3000));
  }

  // Complementary groups drawn from the scenes' slots, in one price tier where possible.
  const complements: number[][] = [];
  const wantGroups = clamp(Math.round(n / 80), 6, 40);
  const groupScenes = scenePlans.filter((s) => s.scene.slots.length >= 3);
  for (let g = 0; complements.length < wantGroups && g < wantGroups * 3; g++) {
    const plan = groupScenes[g % groupScenes.length]!;
    const tier = r.weighted(['budget', 'mid', 'premium'] as const, (t) => (t === 'mid' ? 0.5 : 0.25));
    const required = plan.scene.slots.filter((s) => s.required).slice(0, 4);
    const optional = plan.scene.slots.filter((s) => !s.required);
    const chosenSlots =
      required.length < 4 && optional.length > 0 && r.chance(0.5) ? [...required, optional[0]!] : required;
    const group: number[] = [];
    for (const slot of chosenSlots) {
      const fitting = plans.filter(
        (p) => established(p) && used[p.index] === 0 && fitsConstraint(p.product, slot.constraint),
      );
      const sameTier = fitting.filter((p) => p.tier === tier);
      const pool = sameTier.length > 0 ? sameTier : fitting;
      if (pool.length === 0) continue;
      const chosen = r.weighted(pool, (p) => 0.3 + p.popularity);
      group.push(chosen.index);
      used[chosen.index] = 1;
    }
    if (group.length >= 3) complements.push(group);
    else for (const i of group) used[i] = 0;
  }

  // Substitute groups: the same kind of product in the same tier, compared side by side.
  const substitutes: number[][] = [];
  const wantSubstitutes = clamp(Math.round(n / 160), 4, 20);
  const categories = [...byCategory.keys()];
  for (let tries = 0; substitutes.length < wantSubstitutes && tries < wantSubstitutes * 10; tries++) {
    const cat = r.pick(categories);
    const members = byCategory.get(cat)!;
    const anchor = r.pick(members);
    const pool = members.filter(
      (p) => established(p) && used[p.index] === 0 && p.item === anchor.item && p.tier === anchor.tier,
    );
    if (pool.length < 3) continue;
    const group = r.sample(pool, r.chance(0.3) ? 4 : 3).map((p) => p.index);
    for (const i of group) used[i] = 1;
    substitutes.push(group);
  }

  // Planted hits: tail products (some of them new launches) spread over the categories.
  const wantHits = clamp(Math.round(n / 80), 5, 40);
  const breakoutMin = Math.max(Math.floor(days / 2), days - 16);
  const breakoutMax = Math.max(breakoutMin, days - 10);
  const hits: HitPlan[] = [];
  const hitCategories = r.shuffle([...categories]);
  for (let round = 0; hits.length < wantHits && round < 3; round++) {
    for (const cat of hitCategories) {
      if (hits.length >= wantHits) break;
      const members = byCategory.get(cat)!;
      const top = [...members].sort((a, b) => b.popularity - a.popularity).slice(0, 3);
      const breakoutDay = r.int(breakoutMin, breakoutMax);
      const buzzDay = Math.max(0, breakoutDay - r.int(4, 8));
      const buzzMs = startMs + buzzDay * DAY_MS;
      const pool = members.filter(
        (p) =>
          used[p.index] === 0 &&
          !top.includes(p) &&
          p.launchMs <= buzzMs - 7 * DAY_MS &&
          (p.tier !== 'premium' || r.chance(0.3)),
      );
      if (pool.length === 0) continue;
      const p =
        r.chance(0.3) && pool.some((q) => q.isNew) ? r.pick(pool.filter((q) => q.isNew)) : r.pick(pool);
      used[p.index] = 1;
      p.product.stock = Math.max(p.product.stock, 400 + r.int(0, 2000));
      hits.push({ index: p.index, buzzDay, breakoutDay, strength: r.between(0.8, 1.5) });
    }
  }

  // Dead stock: established products nobody wants, at most 15% of any category.
  const wantDead = Math.round(n * 0.05);
  const dead: number[] = [];
  const isDead = new Uint8Array(n);
  const deadPerCategory = new Map<number, number>();
  const oldEnough = endMs - 90 * DAY_MS;
  for (const p of r.shuffle(plans.filter((q) => used[q.index] === 0 && q.launchMs <= oldEnough))) {
    if (dead.length >= wantDead) break;
    const k = deadPerCategory.get(p.cat) ?? 0;
    if (k >= Math.ceil(byCategory.get(p.cat)!.length * 0.15)) continue;
    deadPerCategory.set(p.cat, k + 1);
    dead.push(p.index);
    isDead[p.index] = 1;
    used[p.index] = 1;
    p.popularity *= 0.002;
    // Stock that sits: plenty of it.
    p.product.stock = Math.max(p.product.stock, 80 + r.int(0, 600));
  }
  dead.sort((a, b) => a - b);

  // Rising products: drawn last, from their own stream, among the products nothing else claimed.
  const wantRising = clamp(Math.round(wantHits / 3), 3, 12);
  const rising: HitPlan[] = [];
  for (const cat of rr.shuffle([...categories])) {
    if (rising.length >= wantRising) break;
    const members = byCategory.get(cat)!;
    const top = [...members].sort((a, b) => b.popularity - a.popularity).slice(0, 3);
    const buzzDay = days - rr.int(2, 5);
    const pool = members.filter(
      (p) =>
        used[p.index] === 0 &&
        isDead[p.index] === 0 &&
        !top.includes(p) &&
        p.launchMs <= startMs + (buzzDay - 14) * DAY_MS,
    );
    if (pool.length === 0) continue;
    const p = rr.pick(pool);
    used[p.index] = 1;
    p.product.stock = Math.max(p.product.stock, 300 + rr.int(0, 1500));
    rising.push({ index: p.index, buzzDay, breakoutDay: days + rr.int(0, 2), strength: rr.between(1, 1.6) });
  }

  return { bestSellers, hits, rising, complements, substitutes, dead, isDead };
}

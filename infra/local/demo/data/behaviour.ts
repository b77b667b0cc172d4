import type { BehaviourEvent, OrderLine, SearchPerformed } from '../../../../events/behaviour.ts';
import type { MemberTier } from '../../../../events/common.ts';
import {
  conversionFactor,
  DAY_MS,
  HOUR_MS,
  isoInstant,
  LOCAL_HOUR_WEIGHTS,
  LOCAL_OFFSET_MS,
  seasonStrength,
  trafficFactor,
} from './calendar.ts';
import { type ProductPlan, pad } from './catalog.ts';
import { CATEGORIES } from './categories.ts';
import type { CustomerPlan } from './customers.ts';
import { type Rng, searchCumulative } from './prng.ts';
import { MEMBER_PRICE } from './promotions.ts';
import { drawRating, reviewText } from './reviews.ts';
import type { HitPlan, Roles } from './roles.ts';
import { fitsConstraint, followsSeason, type ScenePlan } from './scenes.ts';

/**
 * Simulates shoppers on the demo storefront, session by session, and returns their behaviour
 * events sorted by time. What is planted (hits, seasons, groups, dead stock) comes in `roles` and
 * the scene plans; everything else is organic noise around it.
 */

export interface SimulationInput {
  r: Rng;
  /** Goes into event ids. */
  seed: number;
  startMs: number;
  endMs: number;
  days: number;
  targetEvents: number;
  plans: ProductPlan[];
  scenePlans: readonly ScenePlan[];
  roles: Roles;
  customers: CustomerPlan[];
}

/** Off-season products sell at 45% of normal, in-season at 3x, with a three-week ramp either side. */
const SEASON_OFF = 0.45;
const SEASON_PEAK = 3;
export const SEASON_RAMP_DAYS = 21;

const SESSION_MIX = [
  ['browse', 0.47],
  ['scene', 0.12],
  ['complement', 0.15],
  ['compare', 0.1],
  ['bounce', 0.16],
] as const;
type SessionKind = (typeof SESSION_MIX)[number][0];

const SIGNED_IN_SHARE = 0.6;

/** Per-day intensities for a planted hit. */
interface HitDay {
  /** Multiplier on organic interest. */
  organic: number;
  /** Expected hit-led shopping sessions, searches and buzz reviews that day (before scaling). */
  shop: number;
  search: number;
  review: number;
  /** Probability that a hit-led session puts the hit in the cart. */
  cart: number;
}

function hitDay(h: HitPlan, d: number): HitDay {
  if (d < h.buzzDay) return { organic: 1, shop: 0.08, search: 0.06, review: 0, cart: 0.12 };
  if (d < h.breakoutDay) {
    const progress = (d - h.buzzDay + 1) / (h.breakoutDay - h.buzzDay);
    return {
      organic: 1.2,
      shop: 0.15 + 0.35 * progress,
      search: 0.4 + 2 * progress,
      review: 0.3 + 1 * progress,
      cart: 0.15,
    };
  }
  const ramp = 1 - Math.exp(-(d - h.breakoutDay + 1) / 2.5);
  return { organic: 1 + 3 * ramp, shop: 0.4 + 2.4 * ramp, search: 1 + 0.8 * ramp, review: 0.15, cart: 0.4 };
}

const Kind = { View: 0, Cart: 1, Order: 2, Search: 3, Review: 4 } as const;
type Kind = (typeof Kind)[keyof typeof Kind];

const REFERRERS = [
  'search',
  'related',
  'category',
  'home',
  'ad',
  'recommended',
  'scene',
  'scene-slot',
  'trending',
  'share',
] as const;
type Referrer = (typeof REFERRERS)[number];
const REFERRER_CODE = Object.fromEntries(REFERRERS.map((x, i) => [x, i])) as Record<Referrer, number>;

interface Ctx {
  /** Index into sessionIds. */
  session: number;
  /** Index into customers, -1 for a guest. */
  user: number;
  tier: MemberTier;
  t: number;
  d: number;
  conv: number;
  cart: Map<number, number>;
  viewed: number[];
}

export function simulateBehaviour(input: SimulationInput): BehaviourEvent[] {
  const { r, seed, startMs, endMs, days, plans, scenePlans, roles, customers } = input;
  const n = plans.length;
  const nCat = CATEGORIES.length;
  const isDead = roles.isDead;
  const dayStart = (d: number) => startMs + d * DAY_MS;

  // Size of the hit schedule relative to the default storefront (110k events, 2,400 products, 60 days).
  const scale = input.targetEvents / (days * n) / (110_000 / (60 * 2_400));

  // ------------------------------------------------------------------ per-day interest
  const sceneSeason: Float64Array[] = [];
  for (let d = 0; d < days; d++) {
    const mid = dayStart(d) + DAY_MS / 2;
    sceneSeason.push(
      Float64Array.from(scenePlans, (s) =>
        s.peak === undefined
          ? 1
          : SEASON_OFF +
            (SEASON_PEAK - SEASON_OFF) * seasonStrength(mid, s.peak.from, s.peak.to, SEASON_RAMP_DAYS),
      ),
    );
  }
  const productScenes = plans.map((p) =>
    scenePlans.flatMap((s, k) => (s.peak !== undefined && followsSeason(p.product, s) ? [k] : [])),
  );
  const seasonal = (i: number, d: number) => {
    const ks = productScenes[i]!;
    if (ks.length === 0) return 1;
    let m = 0;
    for (const k of ks) m = Math.max(m, sceneSeason[d]![k]!);
    return m;
  };

  const hitOf = new Int32Array(n).fill(-1);
  roles.hits.forEach((h, k) => {
    hitOf[h.index] = k;
  });

  const weights: Float64Array[] = [];
  for (let d = 0; d < days; d++) {
    const w = new Float64Array(n);
    const from = dayStart(d);
    for (let i = 0; i < n; i++) {
      const p = plans[i]!;
      if (p.launchMs > from) continue;
      const h = hitOf[i]!;
      w[i] = p.popularity * seasonal(i, d) * (h >= 0 ? hitDay(roles.hits[h]!, d).organic : 1);
    }
    weights.push(w);
  }

  const catMembers: number[][] = Array.from({ length: nCat }, () => []);
  for (const p of plans) catMembers[p.cat]!.push(p.index);
  const catCum: Float64Array[][] = [];
  const catAcross: Float64Array[] = [];
  for (let d = 0; d < days; d++) {
    const w = weights[d]!;
    const perCat: Float64Array[] = [];
    const across = new Float64Array(nCat);
    let acc = 0;
    for (let c = 0; c < nCat; c++) {
      const members = catMembers[c]!;
      const cum = new Float64Array(members.length);
      let s = 0;
      for (let k = 0; k < members.length; k++) {
        s += w[members[k]!]!;
        cum[k] = s;
      }
      perCat.push(cum);
      acc += s;
      across[c] = acc;
    }
    catCum.push(perCat);
    catAcross.push(across);
  }

  const sampleCategory = (d: number): number => {
    const across = catAcross[d]!;
    return searchCumulative(across, r.next() * across[nCat - 1]!);
  };
  const sampleInCategory = (c: number, d: number): number => {
    const cum = catCum[d]![c]!;
    const total = cum[cum.length - 1] ?? 0;
    if (total <= 0) return -1;
    return catMembers[c]![searchCumulative(cum, r.next() * total)]!;
  };
  const sampleFrom = (list: readonly number[], d: number, exclude?: readonly number[]): number => {
    const w = weights[d]!;
    let total = 0;
    for (const i of list) total += w[i]!;
    if (total <= 0) return -1;
    let lastPositive = -1;
    for (const i of list) if (w[i]! > 0) lastPositive = i;
    for (let attempt = 0; attempt < 4; attempt++) {
      let x = r.next() * total;
      let chosen = lastPositive;
      for (const i of list) {
        x -= w[i]!;
        if (x < 0) {
          chosen = i;
          break;
        }
      }
      if (exclude === undefined || !exclude.includes(chosen)) return chosen;
    }
    return -1;
  };

  // Scenes, their slots' candidates and the planted groups, weighted per day.
  const slotCandidates = scenePlans.map((s) =>
    s.scene.slots.map((slot) =>
      plans.filter((p) => fitsConstraint(p.product, slot.constraint)).map((p) => p.index),
    ),
  );
  const sceneCum = Array.from({ length: days }, (_, d) => {
    let acc = 0;
    return Float64Array.from(scenePlans, (s, k) => {
      acc += s.popularity * sceneSeason[d]![k]!;
      return acc;
    });
  });
  const groupCum = (groups: number[][]) =>
    Array.from({ length: days }, (_, d) => {
      let acc = 0;
      return Float64Array.from(groups, (g) => {
        acc += g.reduce((s, i) => s + seasonal(i, d), 0) / g.length;
        return acc;
      });
    });
  const complementCum = groupCum(roles.complements);
  const substituteCum = groupCum(roles.substitutes);
  const pickCum = (cum: Float64Array) => searchCumulative(cum, r.next() * cum[cum.length - 1]!);

  const coViewPartners: number[][] = Array.from({ length: n }, () => []);
  for (const g of [...roles.complements, ...roles.substitutes]) {
    for (const i of g) coViewPartners[i] = g.filter((j) => j !== i);
  }
  const isBestSeller = new Uint8Array(n);
  for (const i of roles.bestSellers) isBestSeller[i] = 1;

  // Days and hours shoppers come.
  let dayAcc = 0;
  const dayCum = Float64Array.from({ length: days }, (_, d) => {
    dayAcc += trafficFactor(dayStart(d) + DAY_MS / 2) * (0.92 + (0.16 * d) / days);
    return dayAcc;
  });
  let hourAcc = 0;
  const hourCum = Float64Array.from(LOCAL_HOUR_WEIGHTS, (w) => {
    hourAcc += w;
    return hourAcc;
  });
  let customerAcc = 0;
  const customerCum = Float64Array.from(customers, (c) => {
    customerAcc += c.activity;
    return customerAcc;
  });
  const pickCustomer = () => searchCumulative(customerCum, r.next() * customerAcc);

  // ------------------------------------------------------------------ event log
  // Events are logged in columns while simulating and built as objects once, in time order at the
  // end: far less garbage than building (and re-sorting) 100k+ objects as we go.
  const log = {
    kind: [] as number[],
    sec: [] as number[],
    session: [] as number[],
    user: [] as number[],
    product: [] as number[],
    num: [] as number[],
  };
  const sessionIds: string[] = [];
  const searches = { query: [] as string[], results: [] as number[][], clicked: [] as number[] };
  const orders = { lines: [] as OrderLine[][] };
  const reviews = { rating: [] as number[], text: [] as string[], verified: [] as boolean[] };

  const pid = (i: number) => plans[i]!.product.productId;
  const record = (kind: Kind, t: number, session: number, user: number, product: number, num: number) => {
    if (t >= endMs || t < startMs) return;
    log.kind.push(kind);
    log.sec.push((t - startMs) / 1000);
    log.session.push(session);
    log.user.push(user);
    log.product.push(product);
    log.num.push(num);
  };
  const advance = (ctx: Ctx, min: number, max: number) => {
    ctx.t += r.int(min, max) * 1000;
  };

  const dayLocalHour = Array.from({ length: days }, (_, d) =>
    new Date(dayStart(d) + LOCAL_OFFSET_MS).getUTCHours(),
  );
  const dayConversion = Array.from({ length: days }, (_, d) => conversionFactor(dayStart(d) + DAY_MS / 2));
  const startSession = (d: number, signedIn = r.chance(SIGNED_IN_SHARE)): Ctx => {
    const from = dayStart(d);
    const hour = searchCumulative(hourCum, r.next() * hourAcc);
    let t = from + ((hour - dayLocalHour[d]! + 24) % 24) * HOUR_MS + r.int(0, 3599) * 1000;
    if (t > endMs - HOUR_MS) t -= 12 * HOUR_MS;
    t = Math.floor(Math.max(t, startMs) / 1000) * 1000;
    const user = signedIn ? pickCustomer() : -1;
    sessionIds.push(`s-${pad(sessionIds.length + 1, 6)}`);
    return {
      session: sessionIds.length - 1,
      user,
      tier: user < 0 ? 'none' : customers[user]!.customer.memberTier,
      t,
      d,
      conv: dayConversion[d]!,
      cart: new Map(),
      viewed: [],
    };
  };

  const view = (ctx: Ctx, i: number, referrer: Referrer) => {
    advance(ctx, 8, 150);
    record(Kind.View, ctx.t, ctx.session, ctx.user, i, REFERRER_CODE[referrer]);
    ctx.viewed.push(i);
  };

  const search = (ctx: Ctx, query: string, results: number[], clicked: number | undefined) => {
    advance(ctx, 3, 40);
    record(Kind.Search, ctx.t, ctx.session, ctx.user, -1, searches.query.length);
    searches.query.push(query);
    searches.results.push(results);
    searches.clicked.push(clicked ?? -1);
  };

  const quantityFor = (i: number): number => {
    const p = plans[i]!;
    if (p.spec.consumable) {
      const x = r.next();
      return x < 0.6 ? 1 : x < 0.85 ? 2 : 3;
    }
    if (p.spec.slug === 'camping-chairs') return r.chance(0.6) ? 2 : 1;
    return r.chance(0.06) ? 2 : 1;
  };

  const cartPropensity = (i: number, d: number): number => {
    if (isDead[i] === 1) return 0;
    const p = plans[i]!;
    let f = p.tier === 'premium' ? 0.75 : 1;
    if (isBestSeller[i] === 1) f *= 1.5;
    const h = hitOf[i]!;
    if (h >= 0 && d >= roles.hits[h]!.breakoutDay) f *= 2.5;
    return f;
  };

  const maybeCart = (ctx: Ctx, i: number, p: number, quantity?: number) => {
    if (i < 0 || !r.chance(p * cartPropensity(i, ctx.d))) return;
    const q = quantity ?? quantityFor(i);
    advance(ctx, 5, 90);
    record(Kind.Cart, ctx.t, ctx.session, ctx.user, i, q);
    ctx.cart.set(i, (ctx.cart.get(i) ?? 0) + q);
  };

  const memberCategories: readonly string[] = MEMBER_PRICE.categories;
  const paidPrice = (ctx: Ctx, i: number): number => {
    const product = plans[i]!.product;
    const member = MEMBER_PRICE.tiers.find((t) => t.tier === ctx.tier);
    let percent = 0;
    if (member !== undefined && memberCategories.includes(product.category)) {
      percent = member.percentOff;
    } else if (r.chance(ctx.conv > 1 ? 0.7 : 0.25)) {
      percent = r.int(3, 12);
    }
    return Math.round((product.listPrice * (100 - percent)) / 100);
  };

  const review = (t: number, user: number, i: number, verifiedPurchase: boolean, delight: number) => {
    if (t >= endMs) return;
    const rating = drawRating(r, delight);
    record(Kind.Review, t, -1, user, i, reviews.rating.length);
    reviews.rating.push(rating);
    reviews.text.push(reviewText(r, rating, plans[i]!.spec.family));
    reviews.verified.push(verifiedPurchase);
  };
  const delightOf = (i: number) => (hitOf[i]! >= 0 ? 0.8 : plans[i]!.tier === 'premium' ? 0.3 : 0.15);

  const checkout = (ctx: Ctx, p: number) => {
    if (ctx.cart.size === 0 || !r.chance(Math.min(0.95, p * ctx.conv))) return;
    advance(ctx, 30, 400);
    if (ctx.t >= endMs) return;
    const bought = [...ctx.cart].slice(0, 4);
    record(Kind.Order, ctx.t, ctx.session, ctx.user, -1, orders.lines.length);
    orders.lines.push(
      bought.map(([i, quantity]) => ({ productId: pid(i), quantity, paidPrice: paidPrice(ctx, i) })),
    );
    if (ctx.user < 0) return;
    for (const [i] of bought) {
      if (r.chance(0.2)) {
        const at = ctx.t + r.int(2 * 24 * 3600, 14 * 24 * 3600) * 1000;
        review(at, ctx.user, i, r.chance(0.96), delightOf(i));
      }
    }
  };

  /** Ranked results for a category query; `pinned` products are placed near the top. */
  const scoreBuffer = new Float64Array(64);
  const idBuffer = new Int32Array(64);
  const categoryResults = (c: number, d: number, k: number, pinned: readonly number[] = []): number[] => {
    const w = weights[d]!;
    const want = Math.max(0, k - pinned.length);
    // Keep the best `want` by weight x relevance noise (about 10x between a lucky and an unlucky
    // draw) in a small sorted buffer.
    let size = 0;
    for (const i of catMembers[c]!) {
      if (w[i]! <= 0 || pinned.includes(i)) continue;
      const u = 0.35 + r.next();
      const score = w[i]! * u * u;
      if (size === want && (want === 0 || score <= scoreBuffer[size - 1]!)) continue;
      let at = size < want ? size++ : size - 1;
      while (at > 0 && scoreBuffer[at - 1]! < score) {
        scoreBuffer[at] = scoreBuffer[at - 1]!;
        idBuffer[at] = idBuffer[at - 1]!;
        at--;
      }
      scoreBuffer[at] = score;
      idBuffer[at] = i;
    }
    const results = Array.from(idBuffer.subarray(0, size));
    for (const i of pinned) results.splice(Math.min(results.length, r.int(0, 2)), 0, i);
    return results;
  };
  const clickFrom = (results: number[]): number | undefined => {
    if (results.length === 0) return undefined;
    const k = r.weightedIndex(results.map((i, pos) => (isDead[i] === 1 ? 0.02 : 1) / (pos + 1)));
    return results[k];
  };

  const maybeBestSeller = (ctx: Ctx, p: number) => {
    if (roles.bestSellers.length === 0 || !r.chance(p)) return;
    const i = sampleFrom(roles.bestSellers, ctx.d, ctx.viewed);
    if (i < 0) return;
    view(ctx, i, 'recommended');
    maybeCart(ctx, i, 0.08);
  };

  // ------------------------------------------------------------------ session kinds
  const browse = (d: number) => {
    const ctx = startSession(d);
    const c = sampleCategory(d);
    const spec = CATEGORIES[c]!;
    let searched = false;
    if (r.chance(0.4)) {
      searched = true;
      const results = categoryResults(c, d, r.int(8, 20));
      const clicked = r.chance(0.65) ? clickFrom(results) : undefined;
      search(ctx, r.pick(spec.queries), results, clicked);
      if (clicked !== undefined) {
        view(ctx, clicked, 'search');
        maybeCart(ctx, clicked, 0.07);
      } else if (r.chance(0.5)) return;
    }
    const views = 1 + Math.min(r.geometric(0.38), 7);
    for (let k = 0; k < views; k++) {
      const last = ctx.viewed[ctx.viewed.length - 1];
      const partners = last === undefined ? [] : coViewPartners[last]!;
      let i: number;
      let referrer: Referrer;
      if (partners.length > 0 && r.chance(0.3)) {
        i = r.pick(partners);
        referrer = 'related';
      } else {
        i = sampleInCategory(c, d);
        referrer = k === 0 && !searched ? r.pick(['home', 'category', 'ad'] as const) : 'category';
      }
      if (i < 0) break;
      view(ctx, i, referrer);
      maybeCart(ctx, i, 0.07);
      if (k === 0) maybeBestSeller(ctx, 0.3);
    }
    if (ctx.user >= 0 && r.chance(0.012)) {
      const i = ctx.viewed[0];
      if (i !== undefined && isDead[i] === 0) review(ctx.t + 60_000, ctx.user, i, false, delightOf(i));
    }
    checkout(ctx, 0.45);
  };

  const scene = (d: number) => {
    const ctx = startSession(d);
    const k = pickCum(sceneCum[d]!);
    const plan = scenePlans[k]!;
    let first = true;
    plan.scene.slots.forEach((slot, s) => {
      if (!r.chance(slot.required ? 0.85 : 0.35)) return;
      const alternatives = r.chance(0.3) ? 2 : 1;
      let choice = -1;
      for (let a = 0; a < alternatives; a++) {
        const i = sampleFrom(slotCandidates[k]![s]!, d, ctx.viewed);
        if (i < 0) break;
        view(ctx, i, first ? 'scene' : 'scene-slot');
        first = false;
        choice = i;
      }
      if (choice >= 0) maybeCart(ctx, choice, 0.22, plan.scene.slots[s]!.quantity);
    });
    maybeBestSeller(ctx, 0.2);
    checkout(ctx, 0.5);
  };

  const complement = (d: number) => {
    const ctx = startSession(d, r.chance(0.65));
    const members = r.shuffle([...roles.complements[pickCum(complementCum[d]!)]!]);
    const k = members.length >= 4 && r.chance(0.35) ? members.length - 1 : members.length;
    const entry = r.pick(['scene', 'home', 'search', 'recommended'] as const);
    const head = members[0]!;
    if (entry === 'search') {
      const c = plans[head]!.cat;
      search(ctx, r.pick(CATEGORIES[c]!.queries), categoryResults(c, d, r.int(8, 20), [head]), head);
    }
    members.slice(0, k).forEach((i, pos) => {
      view(ctx, i, pos === 0 ? entry : 'related');
      maybeCart(ctx, i, 0.5);
    });
    if (r.chance(0.35)) {
      const i = sampleInCategory(plans[r.pick(members)]!.cat, d);
      if (i >= 0 && !ctx.viewed.includes(i)) {
        view(ctx, i, 'category');
        maybeCart(ctx, i, 0.04);
      }
    }
    maybeBestSeller(ctx, 0.2);
    checkout(ctx, 0.6);
  };

  const compare = (d: number) => {
    const ctx = startSession(d);
    const members = r.shuffle([...roles.substitutes[pickCum(substituteCum[d]!)]!]);
    const c = plans[members[0]!]!.cat;
    let entry: Referrer = 'category';
    if (r.chance(0.5)) {
      search(ctx, r.pick(CATEGORIES[c]!.queries), categoryResults(c, d, r.int(10, 20), members), members[0]);
      entry = 'search';
    }
    const k = r.int(2, members.length);
    members.slice(0, k).forEach((i, pos) => {
      view(ctx, i, pos === 0 ? entry : 'related');
    });
    maybeCart(ctx, r.pick(members.slice(0, k)), 0.3);
    maybeBestSeller(ctx, 0.2);
    checkout(ctx, 0.5);
  };

  const bounce = (d: number) => {
    const ctx = startSession(d);
    const i = sampleInCategory(sampleCategory(d), d);
    if (i < 0) return;
    view(ctx, i, r.pick(['home', 'ad', 'share', 'recommended'] as const));
    maybeCart(ctx, i, 0.02);
    checkout(ctx, 0.4);
  };

  const hitQuery = (i: number): string => {
    const p = plans[i]!;
    const noun = p.spec.items[p.item]!.noun;
    const brand = p.product.brand ?? '';
    return r.pick([
      `${brand} ${noun}`.toLowerCase(),
      `${brand} ${p.spec.name.zh}`,
      noun.toLowerCase(),
      `${brand} ${noun}`,
    ]);
  };

  const hitShop = (h: HitPlan, d: number, day: HitDay) => {
    const ctx = startSession(d);
    const i = h.index;
    const c = plans[i]!.cat;
    if (r.chance(0.5)) {
      const results = categoryResults(c, d, r.int(8, 20), [i]);
      const clicked = r.chance(0.8) ? i : clickFrom(results);
      search(ctx, hitQuery(i), results, clicked);
      if (clicked !== undefined && clicked !== i) view(ctx, clicked, 'search');
      view(ctx, i, clicked === i ? 'search' : 'related');
    } else {
      view(ctx, i, r.pick(['trending', 'home', 'recommended', 'share'] as const));
    }
    maybeCart(ctx, i, day.cart);
    const extra = r.int(0, 2);
    for (let k = 0; k < extra; k++) {
      const j = sampleInCategory(c, d);
      if (j < 0 || ctx.viewed.includes(j)) continue;
      view(ctx, j, 'related');
      maybeCart(ctx, j, 0.05);
    }
    checkout(ctx, 0.55);
  };

  const hitSearch = (h: HitPlan, d: number) => {
    const ctx = startSession(d);
    const i = h.index;
    const results = categoryResults(plans[i]!.cat, d, r.int(8, 20), [i]);
    const clicked = r.chance(0.35) ? i : undefined;
    search(ctx, hitQuery(i), results, clicked);
    if (clicked !== undefined) view(ctx, i, 'search');
  };

  // ------------------------------------------------------------------ the schedule
  for (const h of roles.hits) {
    const launch = plans[h.index]!.launchMs;
    for (let d = 0; d < days; d++) {
      if (dayStart(d) < launch) continue;
      const day = hitDay(h, d);
      const k = scale * h.strength;
      for (let s = r.poisson(day.shop * k); s > 0; s--) hitShop(h, d, day);
      for (let s = r.poisson(day.search * k); s > 0; s--) hitSearch(h, d);
      for (let s = r.poisson(day.review * k); s > 0; s--) {
        const t = dayStart(d) + r.int(0, 86_399) * 1000;
        review(t, pickCustomer(), h.index, false, 0.8);
      }
    }
  }

  const kinds: Record<SessionKind, (d: number) => void> = { browse, scene, complement, compare, bounce };
  // A small catalog may have no group to complete or compare: those sessions do not happen there
  // (their draw would pick from nothing). Elsewhere the weights, and so the draws, are unchanged.
  const mixWeights = SESSION_MIX.map(([kind, w]) =>
    (kind === 'complement' && roles.complements.length === 0) ||
    (kind === 'compare' && roles.substitutes.length === 0)
      ? 0
      : w,
  );
  for (let guard = 0; log.kind.length < input.targetEvents && guard < input.targetEvents * 4; guard++) {
    const d = searchCumulative(dayCum, r.next() * dayAcc);
    kinds[SESSION_MIX[r.weightedIndex(mixWeights)]![0]](d);
  }

  // Rising products, after everything else so that the draws above are as they were without them:
  // buzz only (searches, views, carts left in the cart, unverified reviews); sales come after the window.
  for (const h of roles.rising) {
    for (let d = h.buzzDay; d < days; d++) {
      const day = hitDay(h, d);
      const k = scale * h.strength;
      for (let s = r.poisson(day.shop * k * 1.5); s > 0; s--) {
        const ctx = startSession(d);
        const i = h.index;
        const results = categoryResults(plans[i]!.cat, d, r.int(8, 20), [i]);
        search(ctx, hitQuery(i), results, r.chance(0.8) ? i : undefined);
        view(ctx, i, 'search');
        maybeCart(ctx, i, day.cart * 2);
      }
      for (let s = r.poisson(day.search * k * 1.5); s > 0; s--) hitSearch(h, d);
      for (let s = r.poisson(day.review * k); s > 0; s--) {
        const t = dayStart(d) + r.int(0, 86_399) * 1000;
        review(t, pickCustomer(), h.index, false, 0.8);
      }
    }
  }

  // ------------------------------------------------------------------ order by time, then number
  // One numeric key per event (seconds since the window start, then log order) sorts fast.
  const count = log.kind.length;
  const SHIFT = 2 ** 23;
  if (count >= SHIFT) throw new RangeError('too many events to order');
  const keys = new Float64Array(count);
  for (let j = 0; j < count; j++) keys[j] = log.sec[j]! * SHIFT + j;
  keys.sort();

  const instant = instantFormatter();
  const userIds = customers.map((c) => c.customer.userId);
  const referrerOf: readonly string[] = REFERRERS;
  const out: BehaviourEvent[] = new Array(count);
  for (let k = 0; k < count; k++) {
    const j = keys[k]! % SHIFT;
    const eventId = `evt-${seed}-${pad(k + 1, 7)}`;
    const occurredAt = instant(startMs + log.sec[j]! * 1000);
    const user = log.user[j]!;
    const userId = user < 0 ? undefined : userIds[user]!;
    const num = log.num[j]!;
    const kind = log.kind[j] as Kind;
    if (kind === Kind.Review) {
      out[k] = {
        type: 'ReviewPosted',
        eventId,
        occurredAt,
        version: 1,
        reviewId: `r-${pad(num + 1, 6)}`,
        userId: userId!,
        productId: pid(log.product[j]!),
        rating: reviews.rating[num]!,
        text: reviews.text[num]!,
        verifiedPurchase: reviews.verified[num]!,
      };
      continue;
    }
    // The rest belong to a session; `userId` sits right after `sessionId`, as in the schemas.
    // (Two literals per type rather than a spread: this loop builds every event.)
    const sessionId = sessionIds[log.session[j]!]!;
    if (kind === Kind.View) {
      const productId = pid(log.product[j]!);
      const referrer = referrerOf[num];
      out[k] =
        userId === undefined
          ? { type: 'ProductViewed', eventId, occurredAt, version: 1, sessionId, productId, referrer }
          : {
              type: 'ProductViewed',
              eventId,
              occurredAt,
              version: 1,
              sessionId,
              userId,
              productId,
              referrer,
            };
    } else if (kind === Kind.Cart) {
      const productId = pid(log.product[j]!);
      out[k] =
        userId === undefined
          ? {
              type: 'ProductAddedToCart',
              eventId,
              occurredAt,
              version: 1,
              sessionId,
              productId,
              quantity: num,
            }
          : {
              type: 'ProductAddedToCart',
              eventId,
              occurredAt,
              version: 1,
              sessionId,
              userId,
              productId,
              quantity: num,
            };
    } else if (kind === Kind.Order) {
      const orderId = `o-${pad(num + 1, 6)}`;
      const lines = orders.lines[num]!;
      out[k] =
        userId === undefined
          ? { type: 'OrderPlaced', eventId, occurredAt, version: 1, sessionId, orderId, lines }
          : { type: 'OrderPlaced', eventId, occurredAt, version: 1, sessionId, userId, orderId, lines };
    } else {
      const query = searches.query[num]!;
      const resultProductIds = searches.results[num]!.map(pid);
      const event: SearchPerformed =
        userId === undefined
          ? { type: 'SearchPerformed', eventId, occurredAt, version: 1, sessionId, query, resultProductIds }
          : {
              type: 'SearchPerformed',
              eventId,
              occurredAt,
              version: 1,
              sessionId,
              userId,
              query,
              resultProductIds,
            };
      const clicked = searches.clicked[num]!;
      if (clicked >= 0) event.clickedProductId = pid(clicked);
      out[k] = event;
    }
  }
  return out;
}

/** isoInstant, but caching the date part: formatting 100k+ instants is then cheap. */
function instantFormatter(): (ms: number) => string {
  const two = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));
  let cachedDay = Number.NaN;
  let prefix = '';
  return (ms) => {
    const day = Math.floor(ms / DAY_MS);
    if (day !== cachedDay) {
      cachedDay = day;
      prefix = isoInstant(day * DAY_MS).slice(0, 11);
    }
    const secondOfDay = Math.floor((ms - day * DAY_MS) / 1000);
    return `${prefix}${two[Math.floor(secondOfDay / 3600)]}:${two[Math.floor(secondOfDay / 60) % 60]}:${two[secondOfDay % 60]}Z`;
  };
}

import type { BehaviourEvent } from '../../events/behaviour.ts';

/**
 * Item-to-item evidence: per product, its own decayed totals and its decayed co-occurrence with
 * other products, bought together (same order) and viewed together (same session, within a time
 * gap). Pure and incremental: a batch of events becomes per-product deltas (`evidenceDeltas`), and
 * each delta is folded into the stored evidence (`applyDelta`), which decays, adds and prunes. The
 * state is plain JSON and bounded (`maxPairs`), so one product is one DynamoDB item.
 */

export interface RelatedConfig {
  /** Evidence loses half its weight in this many days. */
  halfLifeDays: number;
  /** Two interactions of one session pair up when at most this far apart. */
  sessionGapMinutes: number;
  /** Pairs kept per product after each update (the strongest by decayed weight). */
  maxPairs: number;
  /** Neighbours kept per product. */
  topK: number;
  /** Weight of a cart interaction against a view (1), in totals and in the pairs it makes. */
  cartWeight: number;
  /** A pair in an order of n distinct products weighs 1 / (n - 1)^basketDamping (0: every pair 1). */
  basketDamping: number;
  /** Distinct products of a session considered for pairing; matches the shopper record's length. */
  recentLimit: number;
  /** Pairs whose decayed weight (bought + viewed) falls below this are dropped. */
  minPairWeight: number;
  /**
   * Popularity correction: a pair's count is divided by anchorTotal^(1 - beta) * partnerTotal^beta.
   * 0 ranks by P(partner | anchor), which favours best-sellers; 0.5 is cosine; 1 is lift-like.
   */
  popularityBeta: number;
  /** Shrinkage: a score is multiplied by count / (count + shrinkage), so a pair seen once counts little. */
  shrinkage: number;
  /** Weights of the bought-together and viewed-together evidence in a neighbour's score. */
  boughtWeight: number;
  viewedWeight: number;
  /** Neighbours scoring below this are dropped (noise). */
  minScore: number;
  /**
   * The popularity blend: the shop's popular products join every answer's candidates at this share
   * of the anchor's best neighbour score (times their popularity against the most popular one's).
   * 0 for a shop whose shoppers follow the evidence; basket-shaped shops, whose next item is often a
   * staple, gain from more. Applied by the answer (models/related/answer.ts) to the popular lists it
   * reads anyway; evidence and neighbour scores ignore it.
   */
  popularityBlend: number;
}

export const defaultRelatedConfig: RelatedConfig = Object.freeze({
  halfLifeDays: 30,
  sessionGapMinutes: 30,
  maxPairs: 200,
  topK: 20,
  cartWeight: 2,
  basketDamping: 0.5,
  recentLimit: 20,
  minPairWeight: 1e-3,
  popularityBeta: 0.5,
  shrinkage: 2,
  boughtWeight: 1,
  viewedWeight: 0.5,
  minScore: 1e-4,
  popularityBlend: 0,
});

export interface PairEvidence {
  bought: number;
  viewed: number;
}

/** Decayed per-product evidence: its own totals and its co-occurrence with other products. */
export interface ProductEvidence {
  productId: string;
  /** Epoch ms the decayed values refer to. */
  at: number;
  /** Decayed count of sessions that viewed (or carted, weighted) the product. */
  views: number;
  /** Decayed count of orders that contained the product. */
  orders: number;
  pairs: Record<string, PairEvidence>;
}

/** A delta has the shape of evidence: increments, decayed to `at` (the batch's newest event). */
export type EvidenceDelta = ProductEvidence;

/** A recent interaction of a session, which the incremental path needs to pair a new view with. */
export interface RecentInteraction {
  productId: string;
  at: number;
  kind: 'view' | 'cart';
}

const MS_PER_DAY = 86_400_000;

/** The factor that takes a value from `from` to `to` (epoch ms); never grows a value. */
export function decayFactor(from: number, to: number, halfLifeDays: number): number {
  if (to <= from) return 1;
  return 2 ** (-(to - from) / (halfLifeDays * MS_PER_DAY));
}

/** Evidence decayed to `to` (no pruning); values already newer than `to` are returned unchanged. */
export function decayEvidence(ev: ProductEvidence, to: number, config: RelatedConfig = defaultRelatedConfig) {
  const f = decayFactor(ev.at, to, config.halfLifeDays);
  if (f === 1) return ev;
  const pairs: Record<string, PairEvidence> = {};
  for (const [id, p] of Object.entries(ev.pairs)) pairs[id] = { bought: p.bought * f, viewed: p.viewed * f };
  return {
    productId: ev.productId,
    at: Math.max(ev.at, to),
    views: ev.views * f,
    orders: ev.orders * f,
    pairs,
  };
}

/** Events in the order every path applies them: time, then event id. */
export function eventOrder(a: BehaviourEvent, b: BehaviourEvent): number {
  return (
    Date.parse(a.occurredAt) - Date.parse(b.occurredAt) ||
    (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0)
  );
}

/**
 * The events in `eventOrder` with their instants (epoch ms), each parsed once; an input already in
 * order (a history replayed in time order) is not sorted again.
 */
export function inTimeOrder(events: Iterable<BehaviourEvent>): { events: BehaviourEvent[]; times: number[] } {
  const list = [...events];
  const times = list.map((e) => Date.parse(e.occurredAt));
  const ids = (i: number) => list[i]!.eventId;
  const cmp = (a: number, b: number) =>
    times[a]! - times[b]! || (ids(a) < ids(b) ? -1 : ids(a) > ids(b) ? 1 : 0);
  let ordered = true;
  for (let i = 1; i < list.length && ordered; i++) ordered = cmp(i - 1, i) <= 0;
  if (ordered) return { events: list, times };
  const index = list.map((_, i) => i).sort(cmp);
  return { events: index.map((i) => list[i]!), times: index.map((i) => times[i]!) };
}

/** Most recent first, then by product id: the order the shopper record keeps. */
const recentOrder = (a: RecentInteraction, b: RecentInteraction) =>
  b.at - a.at || (a.productId < b.productId ? -1 : a.productId > b.productId ? 1 : 0);

/** Internal accumulator with a Map of pairs: the same arithmetic serves the batch and incremental paths. */
export interface MutableEvidence {
  productId: string;
  at: number;
  views: number;
  orders: number;
  pairs: Map<string, PairEvidence>;
}

export const emptyMutable = (productId: string, at: number): MutableEvidence => ({
  productId,
  at,
  views: 0,
  orders: 0,
  pairs: new Map(),
});

export interface DeltaResult<D = EvidenceDelta> {
  deltas: Map<string, D>;
  /** Each session's recent interactions after the batch (newest first, one per product, bounded). */
  sessions: Map<string, RecentInteraction[]>;
}

/**
 * Per-product deltas of a batch of events (deduplicated by the caller), plus each touched session's
 * recent interactions after the batch. See `evidenceDeltas` for the rules.
 */
export function computeDeltas(
  events: readonly BehaviourEvent[],
  recentOf: (sessionId: string) => readonly RecentInteraction[],
  config: RelatedConfig = defaultRelatedConfig,
): DeltaResult {
  const { deltas, sessions } = computeMutableDeltas(events, recentOf, config);
  const out = new Map<string, EvidenceDelta>();
  for (const id of [...deltas.keys()].sort()) out.set(id, toPlain(deltas.get(id)!));
  return { deltas: out, sessions };
}

/**
 * `computeDeltas` with the deltas left as Maps. `accumulatorFor(productId, at)` may supply where a
 * product's increments go (the rebuild passes the product's evidence, decayed to `at`, the batch's
 * newest event, so the increments add to it directly: the same sums as merging a delta, in another
 * order). By default each product gets an empty delta.
 */
export function computeMutableDeltas(
  events: readonly BehaviourEvent[],
  recentOf: (sessionId: string) => readonly RecentInteraction[],
  config: RelatedConfig = defaultRelatedConfig,
  accumulatorFor: (productId: string, at: number) => MutableEvidence = emptyMutable,
): DeltaResult<MutableEvidence> {
  const relevant = events.filter(
    (e) => e.type === 'ProductViewed' || e.type === 'ProductAddedToCart' || e.type === 'OrderPlaced',
  );
  const deltas = new Map<string, MutableEvidence>();
  const sessions = new Map<string, Map<string, RecentInteraction>>();
  if (relevant.length === 0) return { deltas: new Map(), sessions: new Map() };
  const { events: sorted, times } = inTimeOrder(relevant);
  const ref = times[times.length - 1]!;
  const gapMs = config.sessionGapMinutes * 60_000;
  const half = config.halfLifeDays;
  const of = (productId: string) => {
    let d = deltas.get(productId);
    if (!d) {
      d = accumulatorFor(productId, ref);
      deltas.set(productId, d);
    }
    return d;
  };
  const addOne = (x: string, y: string, field: keyof PairEvidence, w: number) => {
    const pairs = of(x).pairs;
    const p = pairs.get(y);
    if (p) p[field] += w;
    else pairs.set(y, field === 'bought' ? { bought: w, viewed: 0 } : { bought: 0, viewed: w });
  };
  const addPair = (a: string, b: string, field: keyof PairEvidence, w: number) => {
    addOne(a, b, field, w);
    addOne(b, a, field, w);
  };
  const sessionOf = (sessionId: string) => {
    let s = sessions.get(sessionId);
    if (!s) {
      s = new Map();
      for (const r of [...recentOf(sessionId)].sort(recentOrder).slice(0, config.recentLimit)) {
        if (!s.has(r.productId)) s.set(r.productId, { productId: r.productId, at: r.at, kind: r.kind });
      }
      sessions.set(sessionId, s);
    }
    return s;
  };

  for (let k = 0; k < sorted.length; k++) {
    const e = sorted[k]!;
    const at = times[k]!;
    const f = decayFactor(at, ref, half);
    if (e.type === 'OrderPlaced') {
      const products = [...new Set(e.lines.map((l) => l.productId))].sort();
      const n = products.length;
      for (const p of products) of(p).orders += f;
      if (n < 2) continue;
      const w = f / (n - 1) ** config.basketDamping;
      // n^2 pairs per order: the hot loop of a rebuild, so each product's pair map is looked up once.
      const maps = products.map((p) => of(p).pairs);
      for (let i = 0; i < n; i++) {
        const mi = maps[i]!;
        const pi = products[i]!;
        for (let j = i + 1; j < n; j++) {
          const pj = products[j]!;
          const a = mi.get(pj);
          if (a) a.bought += w;
          else mi.set(pj, { bought: w, viewed: 0 });
          const mj = maps[j]!;
          const b = mj.get(pi);
          if (b) b.bought += w;
          else mj.set(pi, { bought: w, viewed: 0 });
        }
      }
      continue;
    }
    if (e.type !== 'ProductViewed' && e.type !== 'ProductAddedToCart') continue;
    const kind = e.type === 'ProductViewed' ? 'view' : 'cart';
    const weight = kind === 'cart' ? config.cartWeight : 1;
    const session = sessionOf(e.sessionId);
    const prev = session.get(e.productId);
    if (prev && Math.abs(at - prev.at) <= gapMs) {
      // A repeat within the visit: no new pairs; like the shopper record, the entry becomes this event.
      session.set(e.productId, { productId: e.productId, at, kind });
    } else {
      of(e.productId).views += f * weight;
      for (const r of session.values()) {
        if (r.productId === e.productId || Math.abs(at - r.at) > gapMs) continue;
        const pairWeight = Math.max(weight, r.kind === 'cart' ? config.cartWeight : 1);
        addPair(e.productId, r.productId, 'viewed', f * pairWeight);
      }
      session.set(e.productId, { productId: e.productId, at, kind });
    }
    if (session.size > config.recentLimit) {
      const keep = [...session.values()].sort(recentOrder).slice(0, config.recentLimit);
      session.clear();
      for (const r of keep) session.set(r.productId, r);
    }
  }

  const recents = new Map<string, RecentInteraction[]>();
  for (const [id, s] of sessions) recents.set(id, [...s.values()].sort(recentOrder));
  return { deltas, sessions: recents };
}

/**
 * Per-product deltas from a batch of events (already deduplicated by the caller).
 * `recentOf(sessionId)` gives that session's interactions before this batch (the shopper record's
 * `recent`: one entry per product, its latest); only the `recentLimit` newest are used.
 *
 * - An order adds 1 to each distinct product's `orders`, and 1 / (n - 1)^basketDamping to
 *   `bought` of every pair of its n distinct products.
 * - A view (cart: `cartWeight`) pairs with each other product the session touched within
 *   `sessionGapMinutes` of it; a product seen again within the gap makes no new pairs and does not
 *   count again, so one visit counts a pair once.
 * - Every increment is decayed from its event's time to the batch's newest event, which is the
 *   delta's `at`. Other event types make no evidence.
 */
export function evidenceDeltas(
  events: readonly BehaviourEvent[],
  recentOf: (sessionId: string) => readonly RecentInteraction[],
  config: RelatedConfig = defaultRelatedConfig,
): Map<string, EvidenceDelta> {
  return computeDeltas(events, recentOf, config).deltas;
}

export function toMutable(ev: ProductEvidence): MutableEvidence {
  const pairs = new Map<string, PairEvidence>();
  for (const [id, p] of Object.entries(ev.pairs)) pairs.set(id, { bought: p.bought, viewed: p.viewed });
  return { productId: ev.productId, at: ev.at, views: ev.views, orders: ev.orders, pairs };
}

export function toPlain(m: MutableEvidence): ProductEvidence {
  const pairs: Record<string, PairEvidence> = {};
  for (const id of [...m.pairs.keys()].sort()) {
    const p = m.pairs.get(id)!;
    pairs[id] = { bought: p.bought, viewed: p.viewed };
  }
  return { productId: m.productId, at: m.at, views: m.views, orders: m.orders, pairs };
}

/** Folds a delta into mutable evidence: decay both to the later time, add, prune. */
export function mergeInto(
  target: MutableEvidence,
  delta: EvidenceDelta | MutableEvidence,
  config: RelatedConfig,
): void {
  const at = Math.max(target.at, delta.at);
  const fd = decayFactor(delta.at, at, config.halfLifeDays);
  decayInPlace(target, at, config);
  target.views += delta.views * fd;
  target.orders += delta.orders * fd;
  const pairs = delta.pairs instanceof Map ? delta.pairs : Object.entries(delta.pairs);
  for (const [id, d] of pairs) {
    const p = target.pairs.get(id);
    if (p) {
      p.bought += d.bought * fd;
      p.viewed += d.viewed * fd;
    } else target.pairs.set(id, { bought: d.bought * fd, viewed: d.viewed * fd });
  }
  prune(target, config);
}

/** Decays mutable evidence to `at` in place (never back in time). */
export function decayInPlace(target: MutableEvidence, at: number, config: RelatedConfig): void {
  const ft = decayFactor(target.at, at, config.halfLifeDays);
  if (ft !== 1) {
    target.views *= ft;
    target.orders *= ft;
    for (const p of target.pairs.values()) {
      p.bought *= ft;
      p.viewed *= ft;
    }
  }
  target.at = Math.max(target.at, at);
}

/** Drops pairs below `minPairWeight`, then keeps the `maxPairs` strongest (ties: lowest ids). */
export function prune(target: MutableEvidence, config: RelatedConfig): void {
  const pairs = target.pairs;
  const ids: string[] = [];
  const values: number[] = [];
  for (const [id, p] of pairs) {
    if (p.bought + p.viewed < config.minPairWeight) pairs.delete(id);
    else {
      ids.push(id);
      values.push(p.bought * config.boughtWeight + p.viewed * config.viewedWeight);
    }
  }
  const over = pairs.size - config.maxPairs;
  if (over <= 0) return;
  // Keep the maxPairs strongest; among pairs exactly as strong as the last one kept, the lowest ids.
  const strengths = Float64Array.from(values);
  const sorted = Float64Array.from(strengths).sort();
  const threshold = sorted[over]!; // the weakest strength that is (partly) kept
  let keepAtThreshold = 0;
  for (let i = over; i < sorted.length && sorted[i] === threshold; i++) keepAtThreshold++;
  const atThreshold: string[] = [];
  ids.forEach((id, i) => {
    const v = strengths[i]!;
    if (v < threshold) pairs.delete(id);
    else if (v === threshold) atThreshold.push(id);
  });
  atThreshold.sort();
  for (const id of atThreshold.slice(keepAtThreshold)) pairs.delete(id);
}

/**
 * The stored evidence after a delta: both decayed to the later of their times, added, pairs below
 * `minPairWeight` dropped and the rest pruned to the `maxPairs` strongest. Pure.
 */
export function applyDelta(
  current: ProductEvidence | undefined,
  delta: EvidenceDelta,
  config: RelatedConfig = defaultRelatedConfig,
): ProductEvidence {
  const target = current ? toMutable(current) : emptyMutable(delta.productId, delta.at);
  mergeInto(target, delta, config);
  return toPlain(target);
}

/** One view or cart of a visit, as the live updater keeps the visit (its own log, not the shopper record). */
export interface VisitEntry {
  eventId: string;
  productId: string;
  at: number;
  kind: 'view' | 'cart';
}

/** How far back a visit log reaches: an event arriving later than this after its visit pairs without it. */
export const VISIT_HORIZON_MS = 24 * 3_600_000;
/** At most this many entries per visit log (the newest). */
export const VISIT_LOG_LIMIT = 200;

const asEvent = (e: VisitEntry): BehaviourEvent =>
  e.kind === 'view'
    ? {
        type: 'ProductViewed',
        eventId: e.eventId,
        occurredAt: new Date(e.at).toISOString(),
        version: 1,
        sessionId: 'visit',
        productId: e.productId,
      }
    : {
        type: 'ProductAddedToCart',
        eventId: e.eventId,
        occurredAt: new Date(e.at).toISOString(),
        version: 1,
        sessionId: 'visit',
        productId: e.productId,
        quantity: 1,
      };

/**
 * The change a visit's new views and carts make to the evidence, whatever order they arrive in:
 * the visit's evidence recomputed in time order with them, minus the same without them (decayed
 * to the same instant). So a view that arrives after a later one of the same visit changes the
 * pairs exactly as if it had come first, and the sums equal a rebuild from the whole history. Values
 * may be negative (a late view can turn a later one into a repeat). Returns the log to keep.
 */
export function visitDelta(
  stored: readonly VisitEntry[],
  added: readonly VisitEntry[],
  config: RelatedConfig = defaultRelatedConfig,
): { deltas: Map<string, MutableEvidence>; log: VisitEntry[] } {
  const known = new Set(stored.map((e) => e.eventId));
  const fresh = added.filter((e) => !known.has(e.eventId));
  const all = [...stored, ...fresh].sort((a, b) => a.at - b.at || (a.eventId < b.eventId ? -1 : 1));
  const deltas = new Map<string, MutableEvidence>();
  if (fresh.length > 0) {
    const after = computeMutableDeltas(all.map(asEvent), () => [], config).deltas;
    const before = computeMutableDeltas(stored.map(asEvent), () => [], config).deltas;
    const at = all[all.length - 1]!.at;
    for (const [id, a] of after) {
      decayInPlace(a, at, config);
      deltas.set(id, a);
    }
    for (const [id, b] of before) {
      decayInPlace(b, at, config);
      const d = deltas.get(id) ?? emptyMutable(id, at);
      d.views -= b.views;
      for (const [partner, p] of b.pairs) {
        const q = d.pairs.get(partner) ?? { bought: 0, viewed: 0 };
        q.viewed -= p.viewed;
        q.bought -= p.bought;
        d.pairs.set(partner, q);
      }
      deltas.set(id, d);
    }
  }
  const newest = all.length ? all[all.length - 1]!.at : 0;
  const log = all.filter((e) => e.at >= newest - VISIT_HORIZON_MS).slice(-VISIT_LOG_LIMIT);
  return { deltas, log };
}

/** Adds one delta to another without pruning: deltas may carry negative parts until applied. */
export function addUnpruned(target: MutableEvidence, delta: MutableEvidence, config: RelatedConfig): void {
  const at = Math.max(target.at, delta.at);
  decayInPlace(target, at, config);
  const fd = decayFactor(delta.at, at, config.halfLifeDays);
  target.views += delta.views * fd;
  target.orders += delta.orders * fd;
  for (const [id, d] of delta.pairs) {
    const p = target.pairs.get(id);
    if (p) {
      p.bought += d.bought * fd;
      p.viewed += d.viewed * fd;
    } else target.pairs.set(id, { bought: d.bought * fd, viewed: d.viewed * fd });
  }
}

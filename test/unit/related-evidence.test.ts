import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { BehaviourEvent } from '../../events/behaviour.ts';
import { buildEvidence } from '../../models/related/batch.ts';
import {
  applyDelta,
  decayEvidence,
  decayFactor,
  defaultRelatedConfig,
  type EvidenceDelta,
  evidenceDeltas,
  inTimeOrder,
  type ProductEvidence,
  type RecentInteraction,
  type RelatedConfig,
} from '../../models/related/evidence.ts';

const T0 = Date.parse('2026-11-01T00:00:00Z');
const MINUTE = 60_000;
const DAY = 86_400_000;

let seq = 0;
const nextId = () => `evt-test-${String(seq++).padStart(8, '0')}`;

function view(sessionId: string, productId: string, at: number, eventId = nextId()): BehaviourEvent {
  return {
    type: 'ProductViewed',
    eventId,
    occurredAt: new Date(at).toISOString(),
    version: 1,
    sessionId,
    productId,
  };
}

function cart(sessionId: string, productId: string, at: number, eventId = nextId()): BehaviourEvent {
  return {
    type: 'ProductAddedToCart',
    eventId,
    occurredAt: new Date(at).toISOString(),
    version: 1,
    sessionId,
    productId,
    quantity: 1,
  };
}

function order(productIds: readonly string[], at: number, eventId = nextId()): BehaviourEvent {
  return {
    type: 'OrderPlaced',
    eventId,
    occurredAt: new Date(at).toISOString(),
    version: 1,
    orderId: `o-${eventId}`,
    lines: productIds.map((productId) => ({ productId, quantity: 1, paidPrice: 100 })),
  };
}

/**
 * What the shopper record keeps of a session after a batch: one entry per product (its latest
 * event), newest first, at most `limit`. The incremental path is fed from this, as in production.
 */
function foldRecent(
  recent: readonly RecentInteraction[],
  batch: readonly BehaviourEvent[],
  sessionId: string,
  limit = 20,
): RecentInteraction[] {
  let out = [...recent];
  for (const e of batch) {
    if (e.type !== 'ProductViewed' && e.type !== 'ProductAddedToCart') continue;
    if (e.sessionId !== sessionId) continue;
    const kind = e.type === 'ProductViewed' ? 'view' : 'cart';
    out = [
      { productId: e.productId, at: Date.parse(e.occurredAt), kind },
      ...out.filter((r) => r.productId !== e.productId),
    ];
  }
  return out.sort((a, b) => b.at - a.at || (a.productId < b.productId ? -1 : 1)).slice(0, limit);
}

const none = () => [];
/** The half-life the property tests compare with (set per run). */
let config0: RelatedConfig = defaultRelatedConfig;

const close = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));

/** Same products, pairs and values once both are decayed to one instant (`at` is only a reference time). */
function expectSameEvidence(
  a: ReadonlyMap<string, ProductEvidence>,
  b: ReadonlyMap<string, ProductEvidence>,
) {
  expect([...a.keys()].sort()).toEqual([...b.keys()].sort());
  const to = Math.max(...[...a.values(), ...b.values()].map((e) => e.at));
  for (const [id, before] of a) {
    const x = decayEvidence(before, to, config0);
    const y = decayEvidence(b.get(id)!, to, config0);
    expect(Object.keys(x.pairs).sort(), id).toEqual(Object.keys(y.pairs).sort());
    expect(close(x.views, y.views) && close(x.orders, y.orders), id).toBe(true);
    for (const [p, v] of Object.entries(x.pairs)) {
      const w = y.pairs[p]!;
      expect(close(v.bought, w.bought) && close(v.viewed, w.viewed), `${id}->${p}`).toBe(true);
    }
  }
}

/** The incremental path as the Lambda runs it: per batch, deltas from the session records, then applyDelta. */
function incremental(batches: readonly BehaviourEvent[][], config: RelatedConfig) {
  const state = new Map<string, ProductEvidence>();
  const sessions = new Map<string, RecentInteraction[]>();
  for (const batch of batches) {
    const deltas = evidenceDeltas(batch, (s) => sessions.get(s) ?? [], config);
    for (const [id, delta] of deltas) state.set(id, applyDelta(state.get(id), delta, config));
    const touched = new Set(batch.flatMap((e) => ('sessionId' in e && e.sessionId ? [e.sessionId] : [])));
    for (const s of touched) sessions.set(s, foldRecent(sessions.get(s) ?? [], batch, s, config.recentLimit));
  }
  return state;
}

describe('related evidence', () => {
  describe('decay', () => {
    it('halves a value every half-life and never grows one', () => {
      expect(decayFactor(T0, T0 + 30 * DAY, 30)).toBeCloseTo(0.5, 12);
      expect(decayFactor(T0, T0 + 60 * DAY, 30)).toBeCloseTo(0.25, 12);
      expect(decayFactor(T0 + DAY, T0, 30)).toBe(1);
    });

    it('decays the stored evidence to the delta time before adding', () => {
      const config = { ...defaultRelatedConfig, halfLifeDays: 30 };
      const current: ProductEvidence = {
        productId: 'a',
        at: T0,
        views: 4,
        orders: 2,
        pairs: { b: { bought: 2, viewed: 4 } },
      };
      const delta: EvidenceDelta = {
        productId: 'a',
        at: T0 + 30 * DAY,
        views: 1,
        orders: 0,
        pairs: { b: { bought: 0, viewed: 1 }, c: { bought: 1, viewed: 0 } },
      };
      const next = applyDelta(current, delta, config);
      expect(next.at).toBe(T0 + 30 * DAY);
      expect(next.views).toBeCloseTo(3, 12);
      expect(next.orders).toBeCloseTo(1, 12);
      expect(next.pairs.b!.viewed).toBeCloseTo(3, 12);
      expect(next.pairs.b!.bought).toBeCloseTo(1, 12);
      expect(next.pairs.c).toEqual({ bought: 1, viewed: 0 });
    });

    it('decays a late delta to the stored time instead of going back in time', () => {
      const current: ProductEvidence = { productId: 'a', at: T0 + 30 * DAY, views: 1, orders: 0, pairs: {} };
      const late: EvidenceDelta = { productId: 'a', at: T0, views: 2, orders: 0, pairs: {} };
      const next = applyDelta(current, late, { ...defaultRelatedConfig, halfLifeDays: 30 });
      expect(next.at).toBe(T0 + 30 * DAY);
      expect(next.views).toBeCloseTo(2, 12);
    });

    it('decays each event of a batch to the batch newest event', () => {
      const deltas = evidenceDeltas([view('s1', 'a', T0), view('s2', 'a', T0 + 30 * DAY)], none, {
        ...defaultRelatedConfig,
        halfLifeDays: 30,
      });
      expect(deltas.get('a')!.at).toBe(T0 + 30 * DAY);
      expect(deltas.get('a')!.views).toBeCloseTo(1.5, 12);
    });
  });

  describe('evidenceDeltas', () => {
    it('pairs every two distinct products of an order, damped by the basket size', () => {
      const config = { ...defaultRelatedConfig, basketDamping: 1 };
      const deltas = evidenceDeltas([order(['a', 'b', 'c', 'a'], T0)], none, config);
      expect([...deltas.keys()]).toEqual(['a', 'b', 'c']);
      expect(deltas.get('a')!.orders).toBe(1);
      expect(deltas.get('a')!.pairs).toEqual({
        b: { bought: 0.5, viewed: 0 },
        c: { bought: 0.5, viewed: 0 },
      });
      expect(deltas.get('b')!.pairs.a).toEqual({ bought: 0.5, viewed: 0 });
    });

    it('pairs views of one session within the gap, once per visit, and carts with more weight', () => {
      const config = { ...defaultRelatedConfig, sessionGapMinutes: 30, cartWeight: 2 };
      const events = [
        view('s', 'a', T0),
        view('s', 'b', T0 + 5 * MINUTE),
        view('s', 'a', T0 + 6 * MINUTE), // a repeat: nothing new
        cart('s', 'c', T0 + 10 * MINUTE),
        view('s', 'd', T0 + 90 * MINUTE), // beyond the gap of everything else
        view('other', 'a', T0 + 91 * MINUTE),
      ];
      const d = evidenceDeltas(events, none, { ...config, halfLifeDays: 1e9 });
      expect(d.get('a')!.views).toBeCloseTo(2, 6);
      expect(d.get('a')!.pairs.b!.viewed).toBeCloseTo(1, 6);
      expect(d.get('a')!.pairs.c!.viewed).toBeCloseTo(2, 6);
      expect(d.get('c')!.views).toBeCloseTo(2, 6);
      expect(d.get('d')!.pairs).toEqual({});
      expect(d.get('a')!.pairs.d).toBeUndefined();
    });

    it('pairs a new view with what the session did before the batch', () => {
      const recent: RecentInteraction[] = [{ productId: 'x', at: T0 - 10 * MINUTE, kind: 'view' }];
      const d = evidenceDeltas([view('s', 'y', T0)], (s) => (s === 's' ? recent : []));
      expect(Object.keys(d.get('y')!.pairs)).toEqual(['x']);
      expect(Object.keys(d.get('x')!.pairs)).toEqual(['y']);
      expect(d.get('x')!.views).toBe(0);
    });

    it('makes no evidence from searches and reviews', () => {
      const search: BehaviourEvent = {
        type: 'SearchPerformed',
        eventId: 'evt-search-1',
        occurredAt: new Date(T0).toISOString(),
        version: 1,
        sessionId: 's',
        query: 'tent',
        resultProductIds: ['a', 'b'],
      };
      expect(evidenceDeltas([search], none).size).toBe(0);
    });
  });

  describe('pruning', () => {
    it('keeps at most maxPairs pairs, the strongest, and an item stays far below 100 KB', () => {
      const config = { ...defaultRelatedConfig, maxPairs: 200 };
      const id = (i: number) => `P${String(i).padStart(63, '0')}`; // the longest product id
      const pairs: ProductEvidence['pairs'] = {};
      for (let i = 0; i < 500; i++) pairs[id(i)] = { bought: i / 7, viewed: (500 - i) / 13 + 1 / 3 };
      const next = applyDelta(
        undefined,
        { productId: id(999), at: T0, views: 500, orders: 500, pairs },
        config,
      );
      expect(Object.keys(next.pairs)).toHaveLength(200);
      const strength = (p: { bought: number; viewed: number }) =>
        p.bought * config.boughtWeight + p.viewed * config.viewedWeight;
      const kept = Object.values(next.pairs).map(strength);
      const dropped = Object.entries(pairs)
        .filter(([k]) => !(k in next.pairs))
        .map(([, p]) => strength(p));
      expect(Math.min(...kept)).toBeGreaterThanOrEqual(Math.max(...dropped));
      expect(Buffer.byteLength(JSON.stringify(next))).toBeLessThan(100_000);
    });

    it('breaks ties at the cut by product id', () => {
      const pairs = { c: { bought: 1, viewed: 0 }, a: { bought: 1, viewed: 0 }, b: { bought: 1, viewed: 0 } };
      const next = applyDelta(
        undefined,
        { productId: 'x', at: T0, views: 0, orders: 3, pairs },
        {
          ...defaultRelatedConfig,
          maxPairs: 2,
        },
      );
      expect(Object.keys(next.pairs)).toEqual(['a', 'b']);
    });

    it('drops pairs that decayed below minPairWeight', () => {
      const current: ProductEvidence = {
        productId: 'a',
        at: T0,
        views: 1,
        orders: 1,
        pairs: { old: { bought: 1, viewed: 0 } },
      };
      const next = applyDelta(current, {
        productId: 'a',
        at: T0 + 400 * DAY,
        views: 1,
        orders: 0,
        pairs: {},
      });
      expect(next.pairs).toEqual({});
    });

    it('bounds every product of a rebuild by maxPairs and keeps the strongest pairs', () => {
      const events: BehaviourEvent[] = [];
      for (let i = 0; i < 40; i++) events.push(order(['hub', `p${i}`, `q${i % 5}`], T0 + i * MINUTE));
      const free = buildEvidence(events, { ...defaultRelatedConfig, maxPairs: 1000 });
      const bounded = buildEvidence(events, { ...defaultRelatedConfig, maxPairs: 10 });
      for (const ev of bounded.values()) expect(Object.keys(ev.pairs).length).toBeLessThanOrEqual(10);
      const hubAll = Object.entries(free.get('hub')!.pairs).sort(
        ([a, x], [b, y]) => y.bought - x.bought || (a < b ? -1 : 1),
      );
      expect(Object.keys(bounded.get('hub')!.pairs).sort()).toEqual(
        hubAll
          .slice(0, 10)
          .map(([k]) => k)
          .sort(),
      );
    });
  });

  describe('incremental and batch', () => {
    const products = ['a', 'b', 'c', 'd', 'e', 'f'];
    const eventArb = fc.record({
      kind: fc.constantFrom('view', 'view', 'cart', 'order'),
      session: fc.constantFrom('s1', 's2', 's3'),
      product: fc.constantFrom(...products),
      lines: fc.uniqueArray(fc.constantFrom(...products), { minLength: 1, maxLength: 4 }),
      // Mostly minutes apart (visits), sometimes days (decay, new visits).
      step: fc.oneof(fc.integer({ min: 0, max: 40 * MINUTE }), fc.integer({ min: 0, max: 9 * DAY })),
    });
    const sequenceArb = fc.array(eventArb, { minLength: 1, maxLength: 60 }).map((specs) => {
      let at = T0;
      return specs.map((s, i) => {
        at += s.step;
        const id = `evt-prop-${String(i).padStart(6, '0')}`;
        if (s.kind === 'order') return order(s.lines, at, id);
        return s.kind === 'cart' ? cart(s.session, s.product, at, id) : view(s.session, s.product, at, id);
      });
    });
    const cutsArb = fc.array(fc.integer({ min: 1, max: 8 }), { minLength: 1, maxLength: 30 });

    const split = (events: BehaviourEvent[], sizes: number[]) => {
      const batches: BehaviourEvent[][] = [];
      for (let i = 0, k = 0; i < events.length; k++) {
        const size = sizes[k % sizes.length]!;
        batches.push(events.slice(i, i + size));
        i += size;
      }
      return batches;
    };

    it('gives the same evidence fed in any batches as a rebuild (no pruning binds)', () => {
      fc.assert(
        fc.property(sequenceArb, cutsArb, fc.integer({ min: 1, max: 60 }), (events, sizes, halfLifeDays) => {
          const config = { ...defaultRelatedConfig, halfLifeDays, minPairWeight: 0, maxPairs: 1000 };
          config0 = config;
          const rebuilt = buildEvidence([...events].reverse(), config);
          expectSameEvidence(incremental(split(events, sizes), config), rebuilt);
          expectSameEvidence(buildEvidence(events, config, { batchSize: sizes[0]! }), rebuilt);
        }),
        { numRuns: 200 },
      );
    });

    it('gives the same evidence as a rebuild with the same batches when pruning binds', () => {
      fc.assert(
        fc.property(sequenceArb, fc.integer({ min: 1, max: 8 }), (events, size) => {
          // Integer weights keep the sums exact, so pruning ties break the same way in both paths.
          const config = { ...defaultRelatedConfig, halfLifeDays: 1e12, basketDamping: 0, maxPairs: 2 };
          config0 = config;
          const rebuilt = buildEvidence(events, config, { batchSize: size });
          const fed = incremental(split(inTimeOrder(events).events, [size]), config);
          expectSameEvidence(fed, rebuilt);
          for (const ev of fed.values()) expect(Object.keys(ev.pairs).length).toBeLessThanOrEqual(2);
        }),
        { numRuns: 200 },
      );
    });

    it('keeps its state JSON-serialisable', () => {
      const evidence = buildEvidence([
        order(['a', 'b'], T0),
        view('s', 'a', T0),
        view('s', 'c', T0 + MINUTE),
      ]);
      for (const ev of evidence.values()) expect(JSON.parse(JSON.stringify(ev))).toEqual(ev);
    });
  });
});

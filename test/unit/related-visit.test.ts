import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { BehaviourEvent } from '../../events/behaviour.ts';
import {
  addUnpruned,
  computeMutableDeltas,
  defaultRelatedConfig,
  emptyMutable,
  type MutableEvidence,
  type VisitEntry,
  visitDelta,
} from '../../models/related/evidence.ts';

const T0 = Date.UTC(2026, 10, 23, 10);

/** One visit's events applied in time order at once: what a rebuild from the whole history computes. */
function inOneGo(entries: VisitEntry[]): Map<string, MutableEvidence> {
  const events: BehaviourEvent[] = entries.map((e) =>
    e.kind === 'view'
      ? {
          type: 'ProductViewed',
          eventId: e.eventId,
          occurredAt: new Date(e.at).toISOString(),
          version: 1,
          sessionId: 's',
          productId: e.productId,
        }
      : {
          type: 'ProductAddedToCart',
          eventId: e.eventId,
          occurredAt: new Date(e.at).toISOString(),
          version: 1,
          sessionId: 's',
          productId: e.productId,
          quantity: 1,
        },
  );
  return computeMutableDeltas(events, () => [], defaultRelatedConfig).deltas;
}

/** The same visit delivered as batches in any order, each batch's delta added up. */
function inBatches(batches: VisitEntry[][]): Map<string, MutableEvidence> {
  let log: VisitEntry[] = [];
  const total = new Map<string, MutableEvidence>();
  for (const batch of batches) {
    const { deltas, log: next } = visitDelta(log, batch);
    log = next;
    for (const d of deltas.values()) {
      const t = total.get(d.productId) ?? emptyMutable(d.productId, d.at);
      addUnpruned(t, d, defaultRelatedConfig);
      total.set(d.productId, t);
    }
  }
  return total;
}

/** Evidence decayed to one instant, pairs at or near zero dropped, for comparison. */
function normalized(m: Map<string, MutableEvidence>, at: number) {
  const out: Record<string, { views: number; pairs: Record<string, number> }> = {};
  for (const [id, e] of m) {
    const f = 2 ** (-(at - e.at) / (defaultRelatedConfig.halfLifeDays * 86_400_000));
    const pairs: Record<string, number> = {};
    for (const [p, v] of e.pairs) if (Math.abs(v.viewed) > 1e-9) pairs[p] = Number((v.viewed * f).toFixed(9));
    if (Math.abs(e.views) > 1e-9 || Object.keys(pairs).length)
      out[id] = { views: Number((e.views * f).toFixed(9)), pairs };
  }
  return out;
}

describe('visitDelta', () => {
  it('gives the same evidence as the visit in time order, however its events are batched and ordered', () => {
    const entry = fc.record({
      productId: fc.constantFrom('p-1', 'p-2', 'p-3', 'p-4', 'p-5'),
      minute: fc.integer({ min: 0, max: 120 }),
      kind: fc.constantFrom<'view' | 'cart'>('view', 'view', 'cart'),
    });
    fc.assert(
      fc.property(
        fc.array(entry, { minLength: 1, maxLength: 25 }),
        fc.array(fc.nat(), { minLength: 25, maxLength: 25 }),
        fc.integer({ min: 1, max: 6 }),
        (raw, order, batchCount) => {
          const entries: VisitEntry[] = raw.map((r, i) => ({
            eventId: `evt-${String(i).padStart(3, '0')}`,
            productId: r.productId,
            at: T0 + r.minute * 60_000,
            kind: r.kind,
          }));
          const timeOrder = [...entries].sort((a, b) => a.at - b.at || (a.eventId < b.eventId ? -1 : 1));
          // A shuffled arrival, cut into batches, with one batch delivered twice.
          const shuffled = entries
            .map((e, i) => ({ e, k: order[i]! }))
            .sort((a, b) => a.k - b.k)
            .map((x) => x.e);
          const size = Math.ceil(shuffled.length / batchCount);
          const batches: VisitEntry[][] = [];
          for (let i = 0; i < shuffled.length; i += size) batches.push(shuffled.slice(i, i + size));
          batches.push(batches[0]!);
          const at = timeOrder[timeOrder.length - 1]!.at;
          expect(normalized(inBatches(batches), at)).toEqual(normalized(inOneGo(timeOrder), at));
        },
      ),
      { numRuns: 300, seed: 20261123 },
    );
  });

  it('keeps a bounded log: entries within the horizon of the newest, at most the limit', () => {
    const old: VisitEntry = { eventId: 'evt-old', productId: 'p-1', at: T0 - 25 * 3_600_000, kind: 'view' };
    const now: VisitEntry = { eventId: 'evt-now', productId: 'p-2', at: T0, kind: 'view' };
    expect(visitDelta([old], [now]).log.map((e) => e.eventId)).toEqual(['evt-now']);
  });
});

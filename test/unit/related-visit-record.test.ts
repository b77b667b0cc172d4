import { describe, expect, it } from 'vitest';
import type { BehaviourEvent } from '../../events/behaviour.ts';
import {
  applyToShopper,
  emptyVisit,
  foldCandidates,
  RECENT_MAX,
  sessionKey,
  userKey,
  visitKeysOf,
} from '../../models/related/visit.ts';

const at = (min: number) => new Date(Date.UTC(2026, 10, 20, 10, min)).toISOString();
const view = (n: number, productId: string, extra: Partial<BehaviourEvent> = {}): BehaviourEvent =>
  ({
    type: 'ProductViewed',
    eventId: `e-${n}`,
    occurredAt: at(n),
    version: 1,
    sessionId: 's-1',
    productId,
    ...extra,
  }) as BehaviourEvent;
const lists: Record<string, { productId: string; score: number }[]> = {
  'p-a': [
    { productId: 'p-x', score: 0.9 },
    { productId: 'p-y', score: 0.5 },
  ],
  'p-b': [
    { productId: 'p-y', score: 0.8 },
    { productId: 'p-z', score: 0.4 },
  ],
};
const neighboursOf = (id: string) => lists[id] ?? [];
const notConsumable = () => false;

describe('shopper records', () => {
  it('names one record per session and per user a batch touches', () => {
    expect(visitKeysOf([view(1, 'p-a'), view(2, 'p-b', { userId: 'u-1' }), view(3, 'p-a')])).toEqual([
      sessionKey('s-1'),
      userKey('u-1'),
    ]);
  });

  it('keeps the newest views first and folds their neighbours in, weighted by recency', () => {
    const r = applyToShopper(
      emptyVisit(sessionKey('s-1')),
      [view(1, 'p-a'), view(2, 'p-b')],
      neighboursOf,
      notConsumable,
    );
    expect(r.recent.map((i) => i.productId)).toEqual(['p-b', 'p-a']);
    // p-y is a neighbour of both, so it leads; p-x comes from the older view only.
    expect(r.candidates[0]).toMatchObject({ productId: 'p-y', via: 'p-b' });
    expect(r.candidates.map((c) => c.productId)).toEqual(expect.arrayContaining(['p-x', 'p-z']));
    expect(r.version).toBe(1);
    expect(r.expiresAt).toBeGreaterThan(Date.parse(at(2)) / 1000);
  });

  it('changes nothing for a redelivered event, nor for events of another session', () => {
    const once = applyToShopper(emptyVisit(sessionKey('s-1')), [view(1, 'p-a')], neighboursOf, notConsumable);
    expect(applyToShopper(once, [view(1, 'p-a')], neighboursOf, notConsumable)).toBe(once);
    expect(applyToShopper(once, [view(5, 'p-b', { sessionId: 's-2' })], neighboursOf, notConsumable)).toBe(
      once,
    );
  });

  it('gives the same record whatever order the events arrive in', () => {
    const events = [view(1, 'p-a'), view(2, 'p-b'), view(3, 'p-c')];
    const forward = applyToShopper(emptyVisit(sessionKey('s-1')), events, neighboursOf, notConsumable);
    const backward = applyToShopper(
      emptyVisit(sessionKey('s-1')),
      [...events].reverse(),
      neighboursOf,
      notConsumable,
    );
    expect(backward.recent).toEqual(forward.recent);
    expect(backward.candidates).toEqual(forward.candidates);
  });

  it('keeps at most RECENT_MAX recent items, one per product', () => {
    const events = Array.from({ length: 30 }, (_, n) => view(n, `p-${n % 25}`));
    const r = applyToShopper(emptyVisit(sessionKey('s-1')), events, neighboursOf, notConsumable);
    expect(r.recent).toHaveLength(RECENT_MAX);
    expect(new Set(r.recent.map((i) => i.productId)).size).toBe(RECENT_MAX);
  });

  it("remembers a user's non-consumable purchases only", () => {
    const order = {
      type: 'OrderPlaced',
      eventId: 'o-1',
      occurredAt: at(9),
      version: 1,
      userId: 'u-1',
      orderId: 'ord-1',
      lines: [
        { productId: 'p-tent', quantity: 1, paidPrice: 10000 },
        { productId: 'p-gas', quantity: 2, paidPrice: 1500 },
      ],
    } as BehaviourEvent;
    const r = applyToShopper(emptyVisit(userKey('u-1')), [order], neighboursOf, (id) => id === 'p-gas');
    expect(r.bought).toEqual(['p-tent']);
  });

  it('weighs a cart above a view of the same rank', () => {
    const viewed = foldCandidates([{ productId: 'p-a', kind: 'view', at: 1 }], neighboursOf);
    const carted = foldCandidates([{ productId: 'p-a', kind: 'cart', at: 1 }], neighboursOf);
    expect(carted[0]!.weight).toBeGreaterThan(viewed[0]!.weight);
  });
});

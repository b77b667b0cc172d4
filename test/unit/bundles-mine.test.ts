import { describe, expect, it } from 'vitest';
import type { BehaviourEvent } from '../../events/behaviour.ts';
import { basketsOf, mineBundles } from '../../models/bundles/mine.ts';

let seq = 0;
const order = (...productIds: string[]): BehaviourEvent => ({
  type: 'OrderPlaced',
  eventId: `evt-bundle-${seq++}`,
  occurredAt: '2026-11-20T10:00:00Z',
  version: 1,
  orderId: `o-${seq}`,
  lines: productIds.map((productId) => ({ productId, quantity: 1, paidPrice: 100 })),
});

describe('basketsOf', () => {
  it('takes one basket per order with its distinct products, and nothing else', () => {
    const view: BehaviourEvent = {
      type: 'ProductViewed',
      eventId: 'evt-bundle-v',
      occurredAt: '2026-11-20T10:00:00Z',
      version: 1,
      sessionId: 's',
      productId: 'a',
    };
    expect(basketsOf([order('a', 'b', 'a'), view, order('c')])).toEqual([['a', 'b'], ['c']]);
  });
});

describe('mineBundles', () => {
  const shop = (pairs: number) => [
    ...Array.from({ length: pairs }, () => ['tent', 'lamp']),
    ...Array.from({ length: 995 }, (_, i) => [`filler-${i % 300}`]),
  ];

  it('holds a rule to an absolute number of orders, whatever the shop size', () => {
    const five = mineBundles(shop(5));
    expect(five.bundles.get('tent')?.items).toEqual(['tent', 'lamp']);
    expect(five.bundles.get('lamp')?.items).toEqual(['lamp', 'tent']);
    expect(five.bundles.get('tent')?.rule.count).toBe(5);
    expect(mineBundles(shop(4)).bundles.size).toBe(0);
  });

  it('keeps bundles within maxItems and prefers the stronger association', () => {
    const baskets = [
      ...Array.from({ length: 6 }, () => ['desk', 'chair', 'lamp', 'arm']),
      ...Array.from({ length: 30 }, () => ['desk', 'mat']),
      ...Array.from({ length: 300 }, (_, i) => [`other-${i % 50}`, 'mat']),
    ];
    const mined = mineBundles(baskets, { maxItems: 3 });
    for (const b of mined.bundles.values()) expect(b.items.length).toBeLessThanOrEqual(3);
    // desk+mat is frequent but mat is in every other basket (lift near 1): the desk's bundle is its set.
    expect(mined.bundles.get('desk')!.items).not.toContain('mat');
    expect(mineBundles([]).bundles.size).toBe(0);
  });
});

import { beforeAll, describe, expect, it } from 'vitest';
import type { BehaviourEvent } from '../../events/behaviour.ts';
import { aggregateSignals, readSignals } from '../../functions/adapters/signals-store.ts';
import { freshTables } from '../support/dynamo.ts';

let db: Awaited<ReturnType<typeof freshTables>>;
beforeAll(async () => {
  db = await freshTables();
});

const at = (min: number) => new Date(Date.UTC(2026, 10, 22, 9, min)).toISOString();
let seq = 0;
const base = (min: number) => ({ eventId: `evt-sig-${seq++}`, occurredAt: at(min), version: 1 as const });
const view = (productId: string, min = 5): BehaviourEvent => ({
  ...base(min),
  type: 'ProductViewed',
  sessionId: 's-1',
  productId,
});
const search = (results: string[], clicked?: string): BehaviourEvent => ({
  ...base(10),
  type: 'SearchPerformed',
  sessionId: 's-1',
  query: 'lamp',
  resultProductIds: results,
  ...(clicked ? { clickedProductId: clicked } : {}),
});
const order = (productId: string, quantity: number): BehaviourEvent => ({
  ...base(20),
  type: 'OrderPlaced',
  userId: 'u-1',
  orderId: `o-${seq}`,
  lines: [{ productId, quantity, paidPrice: 1999 }],
});
const countsOf = async (productId: string) => {
  const rows = await readSignals(db.names.signals, productId, Date.UTC(2026, 10, 22), db.doc);
  return rows.map(([, c]) => c);
};

describe('aggregateSignals on DynamoDB Local', () => {
  it('adds a batch once, one bucket per product-hour, however often it is delivered', async () => {
    const batch = [
      view('p-00001'),
      view('p-00001', 30),
      search(['p-00001', 'p-00002'], 'p-00001'),
      order('p-00001', 3),
    ];
    expect(await aggregateSignals(db.names, batch, db.doc)).toMatchObject({ applied: 4, updates: 2 });
    expect(await aggregateSignals(db.names, [...batch].reverse(), db.doc)).toMatchObject({
      applied: 0,
      duplicates: 4,
    });
    const [p1] = await countsOf('p-00001');
    expect(p1).toMatchObject({ views: 2, searches: 1, searchClicks: 1, orders: 1, units: 3, revenue: 5997 });
    expect((await countsOf('p-00002'))[0]).toMatchObject({ searches: 1, views: 0 });
  });

  it('loses no update when concurrent batches hit one hot product, and counts duplicates once', async () => {
    const batches = Array.from({ length: 10 }, () => Array.from({ length: 20 }, () => view('p-00100', 40)));
    await Promise.all(
      [...batches, batches[0]!, batches[5]!].map((b) => aggregateSignals(db.names, b, db.doc)),
    );
    expect((await countsOf('p-00100'))[0]?.views).toBe(200);
  });

  it('stores a search listing 100 products (more than one transaction) exactly once', async () => {
    const ids = Array.from({ length: 100 }, (_, i) => `p-${String(500 + i).padStart(5, '0')}`);
    const big = search(ids, ids[7]);
    expect(await aggregateSignals(db.names, [big, view('p-00700')], db.doc)).toMatchObject({ applied: 2 });
    expect(await aggregateSignals(db.names, [big], db.doc)).toMatchObject({ applied: 0, duplicates: 1 });
    expect((await countsOf(ids[0]!))[0]?.searches).toBe(1);
    expect((await countsOf(ids[99]!))[0]?.searches).toBe(1);
    expect((await countsOf(ids[7]!))[0]?.searchClicks).toBe(1);
  });
});

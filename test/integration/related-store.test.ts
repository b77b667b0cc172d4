import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import type { BehaviourEvent } from '../../events/behaviour.ts';
import type { Product } from '../../events/catalog.ts';
import { batchWriteAll } from '../../functions/adapters/dynamo/batch-write.ts';
import {
  dynamoRelatedReader,
  updateShopperRecords,
  writeNeighbourLists,
  writePopularLists,
} from '../../functions/adapters/related-store.ts';
import { relatedProducts } from '../../models/related/answer.ts';
import { buildPopular } from '../../models/related/popular.ts';
import { sessionKey } from '../../models/related/visit.ts';
import { catalogProduct } from '../support/builders.ts';
import { freshTables } from '../support/dynamo.ts';

let db: Awaited<ReturnType<typeof freshTables>>;
const id = (n: number) => `p-${String(n).padStart(5, '0')}`;
const product = (n: number): Product =>
  catalogProduct(id(n), `cat-${n % 5}`, {
    title: `Product ${n}`,
    listPrice: 1000 + n,
    cost: 500,
    stock: n % 9 === 0 ? 0 : 3,
  });

beforeAll(async () => {
  db = await freshTables();
  await batchWriteAll(
    db.names.products,
    Array.from({ length: 60 }, (_, n) => product(n)),
    { client: db.doc },
  );
  // Every product's neighbours are the next 30 products, decreasing.
  await writeNeighbourLists(
    db.names.related,
    Array.from({ length: 60 }, (_, n) => ({
      productId: id(n),
      neighbours: Array.from({ length: 30 }, (_, k) => ({
        productId: id((n + k + 1) % 60),
        score: 1 - k / 30,
        reasons: ['viewed_together'],
      })),
      updatedAt: '2026-11-20T00:00:00Z',
    })),
    { client: db.doc },
  );
});

const view = (n: number, productId: string, sessionId = 's-int'): BehaviourEvent => ({
  type: 'ProductViewed',
  eventId: `evt-rs-${sessionId}-${n}`,
  occurredAt: new Date(Date.UTC(2026, 10, 20, 10, n)).toISOString(),
  version: 1,
  sessionId,
  productId,
});

describe('related products on DynamoDB Local', () => {
  it('answers with at most two round trips, even with a session and a user', async () => {
    await updateShopperRecords(db.names, [view(1, id(10)), view(2, id(12))], db.doc);
    let calls = 0;
    const reader = dynamoRelatedReader(db.names, { client: db.doc, onCall: () => calls++ });
    const out = await relatedProducts(
      reader,
      { productId: id(1), sessionId: 's-int', userId: 'u-nobody' },
      { limit: 10, exclude: [], perCategory: 3 },
      'CNY',
    );
    expect(calls).toBe(2);
    expect(out.items.length).toBe(10);
    expect(out.items.some((i) => i.reasons.some((r) => r.startsWith('session:')))).toBe(true);
    for (const item of out.items) expect(item.product.inStock).toBe(true);
  });

  it('fills a thin list from the popular lists read in the first round trip, still two in all', async () => {
    const lists = buildPopular(
      Array.from({ length: 60 }, (_, n) => product(n)),
      (productId) => Number(productId.slice(2)),
      '2026-11-20T00:00:00Z',
    );
    await writePopularLists(db.names.related, lists, db.doc);
    await writeNeighbourLists(
      db.names.related,
      [
        {
          productId: id(2),
          neighbours: [{ productId: id(3), score: 1, reasons: ['bought_together'] }],
          updatedAt: '2026-11-20T00:00:00Z',
        },
      ],
      { client: db.doc },
    );
    let calls = 0;
    const reader = dynamoRelatedReader(db.names, { client: db.doc, onCall: () => calls++ });
    const out = await relatedProducts(
      reader,
      { productId: id(2) },
      { limit: 10, exclude: [], perCategory: 3 },
      'CNY',
    );
    expect(calls).toBe(2);
    expect(out.items).toHaveLength(10);
    expect(out.items[0]!.product.productId).toBe(id(3));
    expect(out.items[1]!.reasons).toEqual(['popular_in_category:cat-2']);
    expect(out.items.some((i) => i.reasons.includes('popular'))).toBe(true);
  });

  it('loses no update when many batches of one session are folded in concurrently', async () => {
    const batches = Array.from({ length: 12 }, (_, b) => [
      view(b * 2, id(b), 's-race'),
      view(b * 2 + 1, id(b + 20), 's-race'),
    ]);
    await Promise.all(batches.map((events) => updateShopperRecords(db.names, events, db.doc)));
    // And once more, as a redelivery: nothing may change.
    await updateShopperRecords(db.names, batches[3]!, db.doc);
    const out = await db.doc.send(
      new GetCommand({ TableName: db.names.visits, Key: { visitKey: sessionKey('s-race') } }),
    );
    expect(out.Item?.applied).toHaveLength(24);
    expect(out.Item?.recent).toHaveLength(20);
    expect(out.Item?.recent[0].productId).toBe(id(31));
  });
});

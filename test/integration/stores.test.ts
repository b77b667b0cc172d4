import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Product } from '../../events/catalog.ts';
import { dynamoCatalogReader, putIfNewer } from '../../functions/adapters/catalog-store.ts';
import { batchWriteAll, UnprocessedItemsError } from '../../functions/adapters/dynamo/batch-write.ts';
import { listProducts } from '../../models/catalog.ts';
import { DomainError } from '../../models/errors.ts';
import { catalogProduct } from '../support/builders.ts';
import { freshTables } from '../support/dynamo.ts';

const product = (n: number, category: string): Product =>
  catalogProduct(`p-${String(n).padStart(5, '0')}`, category, {
    title: `Product ${n}`,
    listPrice: 1000 + n,
    cost: 500,
    stock: n % 7,
  });

let db: Awaited<ReturnType<typeof freshTables>>;

beforeAll(async () => {
  db = await freshTables();
  const products = Array.from({ length: 55 }, (_, i) =>
    product(i + 1, i % 2 === 0 ? 'tents' : 'camping-lamps'),
  );
  await batchWriteAll(
    db.names.products,
    products.map((p) => ({ ...p, updatedAt: '2026-01-01T00:00:00.000Z' })),
    { client: db.doc },
  );
});

describe('catalog store', () => {
  describe('listProducts on DynamoDB', () => {
    it('pages through the whole catalog with cursors, each product once', async () => {
      const reader = dynamoCatalogReader(db.names, db.doc);
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await listProducts(reader, { limit: 20, cursor }, 'CNY');
        seen.push(...page.items.map((p) => p.productId));
        cursor = page.nextCursor ?? undefined;
        pages++;
      } while (cursor);
      expect(seen).toHaveLength(55);
      expect(new Set(seen).size).toBe(55);
      expect(pages).toBeGreaterThanOrEqual(3);
    });

    it('pages one category through the index, and hides cost', async () => {
      const reader = dynamoCatalogReader(db.names, db.doc);
      const first = await listProducts(reader, { category: 'tents', limit: 10 }, 'CNY');
      expect(first.items).toHaveLength(10);
      expect(first.items.every((p) => p.category === 'tents')).toBe(true);
      expect(first.items[0]).not.toHaveProperty('cost');
      expect(first.items[0]).toHaveProperty('inStock');
      const second = await listProducts(
        reader,
        { category: 'tents', limit: 50, cursor: first.nextCursor! },
        'CNY',
      );
      expect(second.items).toHaveLength(18);
      expect(second.nextCursor).toBeNull();
    });

    it('refuses a cursor from another listing or a forged one with a field-named error', async () => {
      const reader = dynamoCatalogReader(db.names, db.doc);
      const tents = await listProducts(reader, { category: 'tents', limit: 5 }, 'CNY');
      await expect(
        listProducts(reader, { category: 'camping-lamps', limit: 5, cursor: tents.nextCursor! }, 'CNY'),
      ).rejects.toMatchObject({
        kind: 'invalid',
        field: 'query.cursor',
      });
      const forged = Buffer.from(JSON.stringify({ productId: { S: 'x' } })).toString('base64url');
      await expect(listProducts(reader, { limit: 5, cursor: forged }, 'CNY')).rejects.toBeInstanceOf(
        DomainError,
      );
      await expect(listProducts(reader, { limit: 5, cursor: '%%%' }, 'CNY')).rejects.toBeInstanceOf(
        DomainError,
      );
    });
  });

  describe('putIfNewer', () => {
    it('keeps the newest version whatever order the events arrive in', async () => {
      const p = product(900, 'tents');
      expect(
        await putIfNewer(
          db.names.products,
          'productId',
          { ...p, title: 'v2' },
          '2026-02-02T00:00:00Z',
          db.doc,
        ),
      ).toBe(true);
      expect(
        await putIfNewer(
          db.names.products,
          'productId',
          { ...p, title: 'v1' },
          '2026-02-01T00:00:00Z',
          db.doc,
        ),
      ).toBe(false);
      // The same instant written with an offset is the same time, so it is a duplicate, not newer.
      expect(
        await putIfNewer(
          db.names.products,
          'productId',
          { ...p, title: 'v2-dup' },
          '2026-02-02T08:00:00+08:00',
          db.doc,
        ),
      ).toBe(false);
      const out = await db.doc.send(
        new GetCommand({ TableName: db.names.products, Key: { productId: p.productId } }),
      );
      expect(out.Item?.title).toBe('v2');
    });
  });
});

describe('batchWriteAll', () => {
  it('retries UnprocessedItems until every item is written', async () => {
    const mock = mockClient(DynamoDBDocumentClient);
    let calls = 0;
    mock.callsFake((input: { RequestItems: Record<string, unknown[]> }) => {
      calls++;
      const requests = input.RequestItems.t!;
      // The first answer leaves half of the batch unprocessed, as a throttled table does.
      return calls === 1
        ? { UnprocessedItems: { t: requests.slice(0, Math.floor(requests.length / 2)) } }
        : {};
    });
    const client = DynamoDBDocumentClient.from(db.client);
    const written = await batchWriteAll(
      't',
      Array.from({ length: 20 }, (_, i) => ({ id: i })),
      { client, wait: async () => {} },
    );
    expect(written).toBe(20);
    expect(calls).toBe(2);
    mock.restore();
  });

  it('throws, naming what is left, when items stay unprocessed', async () => {
    const mock = mockClient(DynamoDBDocumentClient);
    mock.callsFake((input: { RequestItems: Record<string, unknown[]> }) => ({
      UnprocessedItems: input.RequestItems,
    }));
    const client = DynamoDBDocumentClient.from(db.client);
    await expect(
      batchWriteAll('t', [{ id: 1 }, { id: 2 }], { client, wait: async () => {}, maxAttempts: 3 }),
    ).rejects.toEqual(new UnprocessedItemsError('t', 2));
    mock.restore();
  });
});

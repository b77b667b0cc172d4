import { describe, expect, it } from 'vitest';
import type { Product } from '../../events/catalog.ts';
import { DomainError } from '../../models/errors.ts';
import {
  blendForStore,
  listToStore,
  type RelatedReader,
  relatedProducts,
  type StoredNeighbour,
} from '../../models/related/answer.ts';
import { emptyVisit, sessionKey, userKey, type VisitRecord } from '../../models/related/visit.ts';
import { catalogProduct } from '../support/builders.ts';

const catalog = new Map<string, Product>(
  [
    catalogProduct('p-anchor', 'lamps'),
    catalogProduct('p-1', 'tents'),
    catalogProduct('p-2', 'tents'),
    catalogProduct('p-3', 'tents'),
    catalogProduct('p-4', 'tents'),
    catalogProduct('p-5', 'stoves', { listPrice: 50_000 }),
    catalogProduct('p-6', 'stoves', { stock: 0 }),
    catalogProduct('p-7', 'chairs'),
    catalogProduct('p-8', 'chairs'),
  ].map((p) => [p.productId, p]),
);
const n = (productId: string, score: number, reasons = ['bought_together']): StoredNeighbour => ({
  productId,
  score,
  reasons,
});
const anchorList = [
  n('p-1', 0.9),
  n('p-2', 0.8),
  n('p-3', 0.7),
  n('p-4', 0.6),
  n('p-5', 0.5),
  n('p-6', 0.45),
  n('p-7', 0.1),
];

function reader(opts: { session?: VisitRecord; user?: VisitRecord; neighbours?: StoredNeighbour[] } = {}) {
  let calls = 0;
  const r: RelatedReader & { calls: () => number } = {
    calls: () => calls,
    async first({ productId }) {
      calls++;
      return {
        anchor: catalog.get(productId),
        neighbours: opts.neighbours ?? anchorList,
        session: opts.session,
        user: opts.user,
      };
    },
    async products(ids) {
      calls++;
      return new Map(ids.filter((id) => catalog.has(id)).map((id) => [id, catalog.get(id)!]));
    },
  };
  return r;
}
const q = { limit: 10, exclude: [] as string[], perCategory: 3 };

describe('relatedProducts', () => {
  it('answers in two reads, without the anchor or out-of-stock items, a fourth item of one category after the rest', async () => {
    const r = reader();
    const out = await relatedProducts(r, { productId: 'p-anchor' }, q, 'CNY');
    const ids = out.items.map((i) => i.product.productId);
    // The fourth tent (p-4) scores above p-5 and p-7 but waits for them: diversity re-ranks.
    expect(ids).toEqual(['p-1', 'p-2', 'p-3', 'p-5', 'p-7', 'p-4']);
    expect(r.calls()).toBe(2);
    expect(out.items[0]).toMatchObject({ reasons: ['bought_together'] });
    expect(out.items[0]!.product).not.toHaveProperty('cost');
  });

  it('applies the caller exclusions, category and price filters', async () => {
    const out = await relatedProducts(
      reader(),
      { productId: 'p-anchor' },
      { ...q, exclude: ['p-1'], maxPrice: 20_000 },
      'CNY',
    );
    expect(out.items.map((i) => i.product.productId)).toEqual(['p-2', 'p-3', 'p-4', 'p-7']);
    const tents = await relatedProducts(
      reader(),
      { productId: 'p-anchor' },
      { ...q, category: 'tents' },
      'CNY',
    );
    expect(tents.items.map((i) => i.product.productId)).toEqual(['p-1', 'p-2', 'p-3', 'p-4']);
  });

  it('fills the list from a full category rather than answering short, and only as far as the limit', async () => {
    const two = await relatedProducts(reader(), { productId: 'p-anchor' }, { ...q, perCategory: 1 }, 'CNY');
    // One tent first, then one of each other category, then the held-back tents in score order.
    expect(two.items.map((i) => i.product.productId)).toEqual(['p-1', 'p-5', 'p-7', 'p-2', 'p-3', 'p-4']);
    const four = await relatedProducts(
      reader(),
      { productId: 'p-anchor' },
      { ...q, limit: 4, perCategory: 1 },
      'CNY',
    );
    expect(four.items.map((i) => i.product.productId)).toEqual(['p-1', 'p-5', 'p-7', 'p-2']);
  });

  it('raises what the session looked at, with a session reason', async () => {
    const session = {
      ...emptyVisit(sessionKey('s-1')),
      candidates: [{ productId: 'p-7', weight: 1, via: 'p-8' }],
    };
    const plain = await relatedProducts(reader(), { productId: 'p-anchor' }, q, 'CNY');
    const visit = await relatedProducts(
      reader({ session }),
      { productId: 'p-anchor', sessionId: 's-1' },
      q,
      'CNY',
    );
    const rank = (o: typeof plain) => o.items.findIndex((i) => i.product.productId === 'p-7');
    expect(rank(visit)).toBeLessThan(rank(plain));
    expect(visit.items.find((i) => i.product.productId === 'p-7')!.reasons).toContain('session:p-8');
  });

  it('leaves out durable products the user already bought', async () => {
    const user = { ...emptyVisit(userKey('u-1')), bought: ['p-1'] };
    const out = await relatedProducts(reader({ user }), { productId: 'p-anchor', userId: 'u-1' }, q, 'CNY');
    expect(out.items.map((i) => i.product.productId)).not.toContain('p-1');
  });

  it('never offers the anchor itself, even when its neighbour list and the session hold it', async () => {
    const session = {
      ...emptyVisit(sessionKey('s-1')),
      candidates: [
        { productId: 'p-anchor', weight: 1, via: 'p-8' },
        { productId: 'p-7', weight: 0.5, via: 'p-8' },
      ],
    };
    const user = {
      ...emptyVisit(userKey('u-1')),
      candidates: [{ productId: 'p-anchor', weight: 1, via: 'p-1' }],
    };
    const out = await relatedProducts(
      reader({ session, user, neighbours: [n('p-anchor', 0.95), ...anchorList] }),
      { productId: 'p-anchor', sessionId: 's-1', userId: 'u-1' },
      q,
      'CNY',
    );
    const ids = out.items.map((i) => i.product.productId);
    expect(ids).not.toContain('p-anchor');
    expect(ids).toEqual(['p-1', 'p-2', 'p-3', 'p-5', 'p-7', 'p-4']);
  });

  it('is 404 for an unknown product', async () => {
    await expect(relatedProducts(reader(), { productId: 'p-nope' }, q, 'CNY')).rejects.toBeInstanceOf(
      DomainError,
    );
  });
});

describe('blendForStore and listToStore', () => {
  const b = [n('p-1', 0.05, ['viewed_together']), n('p-2', 0.02, ['bought_together'])];
  const c = [n('p-9', 0.9, ['similar_content']), n('p-2', 0.6, ['same_scene:camping-kit'])];

  it('keeps evidence ahead of content and lets agreeing content raise a neighbour', () => {
    const out = blendForStore(b, c);
    expect(out.map((x) => x.productId)).toEqual(['p-1', 'p-2', 'p-9']);
    expect(out[1]!.score).toBeGreaterThan(0.02);
    expect(out[1]!.reasons).toEqual(['bought_together', 'same_scene:camping-kit']);
    expect(out[2]!.score).toBeLessThan(0.02);
  });

  it('is content alone for a product with no evidence', () => {
    expect(blendForStore([], c).map((x) => x.productId)).toEqual(['p-9', 'p-2']);
  });

  it('stores a bounded list with at most a dozen of one category', () => {
    const many = Array.from({ length: 100 }, (_, i) => n(`p-${i}`, 1 - i / 100));
    const out = listToStore(many, (id) => `cat-${Number(id.slice(2)) % 3}`, { length: 30, perCategory: 8 });
    expect(out).toHaveLength(24);
    const counts = new Map<string, number>();
    for (const x of out)
      counts.set(
        `cat-${Number(x.productId.slice(2)) % 3}`,
        (counts.get(`cat-${Number(x.productId.slice(2)) % 3}`) ?? 0) + 1,
      );
    expect([...counts.values()]).toEqual([8, 8, 8]);
  });
});

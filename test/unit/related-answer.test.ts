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
import { buildPopular, type PopularLists, popularFallbacks } from '../../models/related/popular.ts';
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

function reader(
  opts: {
    session?: VisitRecord;
    user?: VisitRecord;
    neighbours?: StoredNeighbour[];
    popular?: PopularLists;
  } = {},
) {
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
        popular: opts.popular,
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

  describe('the fallback chain', () => {
    // The shop's popular lists: lamps (the anchor's category) and the rest of the catalog.
    const more = [
      catalogProduct('p-lamp-1', 'lamps', { listPrice: 30_000 }),
      catalogProduct('p-lamp-2', 'lamps', { listPrice: 8_000 }),
      catalogProduct('p-lamp-3', 'lamps', { stock: 0 }),
      catalogProduct('p-mug', 'mugs', { listPrice: 900 }),
      catalogProduct('p-bag', 'bags', { listPrice: 12_000 }),
    ];
    for (const p of more) catalog.set(p.productId, p);
    const popularity: Record<string, number> = {
      'p-lamp-1': 9,
      'p-lamp-2': 5,
      'p-bag': 7,
      'p-mug': 1,
      'p-5': 8,
    };
    const popular = buildPopular([...catalog.values()], (id) => popularity[id] ?? 0, '2026-11-20T00:00:00Z');

    it('fills a thin list with the category’s popular products, then the shop’s, each with its reason', async () => {
      const r = reader({ neighbours: [n('p-1', 0.9), n('p-7', 0.5)], popular });
      const out = await relatedProducts(r, { productId: 'p-anchor' }, { ...q, limit: 6 }, 'CNY');
      expect(r.calls()).toBe(2);
      expect(out.items.map((i) => [i.product.productId, i.reasons])).toEqual([
        ['p-1', ['bought_together']],
        ['p-7', ['bought_together']],
        ['p-lamp-1', ['popular_in_category:lamps']],
        ['p-lamp-2', ['popular_in_category:lamps']],
        ['p-5', ['popular']],
        ['p-bag', ['popular']],
      ]);
      // Fallbacks score below every neighbour.
      for (const item of out.items.slice(2)) expect(item.score).toBeLessThan(0.5);
    });

    it('keeps the business filters on the fallbacks: price cap, exclusions, stock, the asked category', async () => {
      const capped = await relatedProducts(
        reader({ neighbours: [], popular }),
        { productId: 'p-anchor' },
        { ...q, maxPrice: 10_000, exclude: ['p-mug'] },
        'CNY',
      );
      const ids = capped.items.map((i) => i.product.productId);
      expect(ids).toContain('p-lamp-2');
      expect(ids).not.toContain('p-lamp-1');
      expect(ids).not.toContain('p-mug');
      expect(ids).not.toContain('p-lamp-3');
      for (const i of capped.items) expect(i.product.listPrice).toBeLessThanOrEqual(10_000);
      const bags = await relatedProducts(
        reader({ neighbours: [], popular }),
        { productId: 'p-anchor' },
        { ...q, category: 'bags' },
        'CNY',
      );
      expect(bags.items.map((i) => [i.product.productId, i.reasons])).toEqual([
        ['p-bag', ['popular_in_category:bags']],
      ]);
    });

    it('puts a new category’s popular product ahead of a category over its share', async () => {
      const out = await relatedProducts(
        reader({ neighbours: [n('p-1', 0.9), n('p-2', 0.8)], popular }),
        { productId: 'p-anchor' },
        { ...q, limit: 4, perCategory: 1 },
        'CNY',
      );
      expect(out.items.map((i) => i.product.productId)).toEqual(['p-1', 'p-lamp-1', 'p-5', 'p-bag']);
    });

    it('lets the shop’s popular products compete with the evidence at its popularity blend', async () => {
      const neighbours = [n('p-1', 0.9), n('p-7', 0.2)];
      const none = await relatedProducts(
        reader({ neighbours, popular }),
        { productId: 'p-anchor' },
        q,
        'CNY',
      );
      // Blend 0 (the default): popular products only after every neighbour.
      expect(none.items.slice(0, 2).map((i) => i.product.productId)).toEqual(['p-1', 'p-7']);
      const blended = { ...popular, popularityBlend: 0.5 };
      const out = await relatedProducts(
        reader({ neighbours, popular: blended }),
        { productId: 'p-anchor' },
        q,
        'CNY',
      );
      const scores = new Map(out.items.map((i) => [i.product.productId, i]));
      // The most popular product (p-lamp-1, 9) scores blend * the best neighbour's score.
      expect(scores.get('p-lamp-1')!.score).toBeCloseTo(0.5 * 0.9, 4);
      expect(scores.get('p-lamp-1')!.reasons).toEqual(['popular_in_category:lamps']);
      expect(scores.get('p-bag')!.score).toBeCloseTo((0.5 * 0.9 * 7) / 9, 4);
      expect(scores.get('p-bag')!.reasons).toEqual(['popular']);
      // Now above the weaker neighbour; the evidence's best stays first.
      expect(out.items.map((i) => i.product.productId).slice(0, 3)).toEqual(['p-1', 'p-lamp-1', 'p-5']);
      // A neighbour that is popular too adds both scores.
      const both = await relatedProducts(
        reader({ neighbours: [n('p-1', 0.9), n('p-5', 0.1)], popular: blended }),
        { productId: 'p-anchor' },
        q,
        'CNY',
      );
      const p5 = both.items.find((i) => i.product.productId === 'p-5')!;
      expect(p5.score).toBeCloseTo(0.1 + (0.5 * 0.9 * 8) / 9, 4);
      expect(p5.reasons).toEqual(['bought_together', 'popular']);
    });

    it('answers as before without popular lists (no rebuild yet)', async () => {
      const out = await relatedProducts(
        reader({ neighbours: [n('p-1', 0.9)] }),
        { productId: 'p-anchor' },
        q,
        'CNY',
      );
      expect(out.items.map((i) => i.product.productId)).toEqual(['p-1']);
    });
  });

  it('is 404 for an unknown product', async () => {
    await expect(relatedProducts(reader(), { productId: 'p-nope' }, q, 'CNY')).rejects.toBeInstanceOf(
      DomainError,
    );
  });
});

describe('buildPopular and popularFallbacks', () => {
  const products = Array.from({ length: 300 }, (_, i) =>
    catalogProduct(`p-${String(i).padStart(3, '0')}`, `cat-${i % 4}`, {
      listPrice: 1_000 + i * 10,
      stock: i % 10 === 9 ? 0 : 5,
    }),
  );
  const lists = buildPopular(products, (id) => Number(id.slice(2)) % 37, '2026-11-20T00:00:00Z');

  it('keeps in-stock products only, the shop and each category best first', () => {
    expect(lists.shop).toHaveLength(50);
    const all = [...lists.shop, ...Object.values(lists.categories).flat(), ...lists.ladder];
    expect(all.every(([id]) => Number(id.slice(2)) % 10 !== 9)).toBe(true);
    expect(Object.keys(lists.categories)).toEqual(['cat-0', 'cat-1', 'cat-2', 'cat-3']);
    const popularities = [
      lists.shop.map((r) => r[3]),
      ...Object.values(lists.categories).map((rows) => rows.map((r) => r[2])),
    ];
    for (const p of popularities)
      for (let i = 1; i < p.length; i++) expect(p[i - 1]).toBeGreaterThanOrEqual(p[i]!);
  });

  it('leaves min(n, 20) ladder rows under any price cap that leaves n products', () => {
    const inStock = products.filter((p) => p.stock > 0);
    for (const cap of [999, 1_000, 1_055, 1_200, 1_500, 2_000, 3_990]) {
      const n = inStock.filter((p) => p.listPrice <= cap).length;
      const got = popularFallbacks(lists, { category: 'cat-0', maxPrice: cap, skip: new Set(), budget: 500 });
      expect(got.length, `cap ${cap}`).toBeGreaterThanOrEqual(Math.min(n, 20));
      expect(got.every((f) => products.find((p) => p.productId === f.productId)!.listPrice <= cap)).toBe(
        true,
      );
    }
  });

  it('orders the category first, skips what it is told to, and stops at the budget', () => {
    const got = popularFallbacks(lists, {
      category: 'cat-2',
      skip: new Set([lists.categories['cat-2']![0]![0]]),
      budget: 25,
    });
    expect(got).toHaveLength(25);
    expect(got[0]!.reason).toBe('popular_in_category:cat-2');
    expect(got[0]!.productId).toBe(lists.categories['cat-2']![1]![0]);
    expect(got.at(-1)!.reason).toBe('popular');
    expect(new Set(got.map((f) => f.productId)).size).toBe(25);
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

  it('is content alone for a product with no evidence, scene partners before look-alikes', () => {
    // The fallback chain: a scene partner (what goes with it) ranks above a closer look-alike.
    expect(blendForStore([], c).map((x) => x.productId)).toEqual(['p-2', 'p-9']);
    const more = [...c, n('p-8', 0.3, ['similar_content', 'same_scene:beach'])];
    expect(blendForStore(b, more).map((x) => x.productId)).toEqual(['p-1', 'p-2', 'p-8', 'p-9']);
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

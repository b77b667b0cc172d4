import { describe, expect, it } from 'vitest';
import type { Product, Promotion } from '../../events/catalog.ts';
import {
  type BundleFacts,
  type BundlePorts,
  bundleAnswer,
  bundleForShopper,
  bundleReason,
} from '../../models/bundles/answer.ts';
import type { Bundle } from '../../models/bundles/mining.ts';
import { DomainError } from '../../models/errors.ts';
import { DEFAULT_SEGMENT_POLICY } from '../../models/segments/policy.ts';
import { NOW } from '../support/builders.ts';
import { coffee, giftMug, memberPantry, mug, snack } from '../support/pricing-fixtures.ts';

const asProduct = (p: typeof coffee, stock = 10): Product => ({
  ...p,
  attributes: {},
  stock,
  launchDate: '2026-01-01',
  consumable: false,
});
const opts = { now: new Date(NOW), currency: 'CNY', minMarginPercent: 10, locale: 'en' as const };
const MINED_AT = '2026-11-23T03:00:00.000Z';
const rule = { lhs: ['p-coffee'], rhs: 'p-snack', support: 0.02, confidence: 0.4, lift: 3.14, count: 12 };
const coffeeAndSnack: Bundle = { items: ['p-coffee', 'p-snack'], rule };

const facts = (over: Partial<BundleFacts> = {}): BundleFacts => ({
  bundle: coffeeAndSnack,
  minedAt: MINED_AT,
  products: new Map([coffee, snack].map((p) => [p.productId, asProduct(p)])),
  pricing: { promotions: [memberPantry], scenes: [], giftProducts: [] },
  shopper: undefined,
  ...over,
});

describe('models/bundles/answer', () => {
  describe('bundleReason', () => {
    it('says how many orders and how many times chance, in English or Chinese', () => {
      expect(bundleReason({ count: 12, lift: 3.14 }, 'en')).toBe(
        'bought together in 12 orders, 3.1x as often as by chance',
      );
      expect(bundleReason({ count: 12, lift: 3.14 }, 'zh-CN')).toBe(
        '12 笔订单同时购买了这些商品，是随机搭配的 3.1 倍',
      );
    });

    it.each([
      [1.04, '1'],
      [2.25, '2.3'],
      [9.94, '9.9'],
      [9.96, '10'],
      [12.5, '13'],
      [37.2, '37'],
    ])('shows a lift of %d as %sx: one decimal below 10, whole from 10 on', (lift, shown) => {
      expect(bundleReason({ count: 5, lift }, 'en')).toBe(
        `bought together in 5 orders, ${shown}x as often as by chance`,
      );
    });
  });

  describe('bundleAnswer', () => {
    it('answers the bundle: its items as cards, the rule as evidence, the reason and a guest price', () => {
      const answer = bundleAnswer('p-coffee', facts(), opts);
      expect(answer).toMatchObject({
        productId: 'p-coffee',
        minedAt: MINED_AT,
        bundle: {
          evidence: { orders: 12, support: 0.02, confidence: 0.4, lift: 3.14 },
          reason: 'bought together in 12 orders, 3.1x as often as by chance',
          price: { pricedFor: 'guest', subtotal: 13_800, total: 13_800, savings: 0 },
        },
      });
      expect(answer.bundle?.items.map((c) => [c.productId, c.currency, c.inStock])).toEqual([
        ['p-coffee', 'CNY', true],
        ['p-snack', 'CNY', true],
      ]);
      expect(answer.bundle?.items[0]).not.toHaveProperty('cost');
      expect(answer.note).toBeUndefined();
    });

    it("prices it for a signed-in shopper with their member tier, in the shopper's language", () => {
      const shopper = {
        userId: 'u-gold',
        memberTier: 'gold' as const,
        segment: null,
        withheld: new Set<string>(),
      };
      const answer = bundleAnswer('p-coffee', facts({ shopper }), { ...opts, locale: 'zh-CN' });
      // 5% off 13,800 for gold.
      expect(answer.bundle?.price).toMatchObject({ pricedFor: 'shopper', total: 13_110, savings: 690 });
      expect(answer.bundle?.reason).toBe('12 笔订单同时购买了这些商品，是随机搭配的 3.1 倍');
    });

    it('answers no bundle, with a note, when none is mined for the product', () => {
      expect(bundleAnswer('p-coffee', facts({ bundle: undefined }), opts)).toEqual({
        productId: 'p-coffee',
        bundle: null,
        note: 'no product is bought together with this one often enough yet',
        minedAt: MINED_AT,
      });
    });

    it('answers no bundle when an item is out of stock or gone from the catalog', () => {
      const soldOut = new Map([
        ['p-coffee', asProduct(coffee)],
        ['p-snack', asProduct(snack, 0)],
      ]);
      const gone = new Map([['p-coffee', asProduct(coffee)]]);
      for (const products of [soldOut, gone]) {
        expect(bundleAnswer('p-coffee', facts({ products }), opts)).toEqual({
          productId: 'p-coffee',
          bundle: null,
          note: 'an item of its bundle is out of stock',
          minedAt: MINED_AT,
        });
      }
    });

    it('is a 404 naming path.productId when the product does not exist', () => {
      const run = () => bundleAnswer('p-nope', facts({ bundle: undefined }), opts);
      expect(run).toThrow(DomainError);
      expect(run).toThrow(expect.objectContaining({ kind: 'not_found', field: 'path.productId' }));
    });
  });

  describe('bundleForShopper', () => {
    const portsFor = (promotions: Promotion[]) => {
      const calls = { products: [] as string[][], standing: [] as string[], experiments: 0 };
      const catalog = new Map([coffee, snack, mug].map((p) => [p.productId, asProduct(p)]));
      const ports: BundlePorts = {
        bundle: async (productId) => ({
          bundle: productId === 'p-coffee' ? coffeeAndSnack : undefined,
          minedAt: MINED_AT,
        }),
        promotions: async () => promotions,
        scenes: async () => [],
        products: async (ids) => {
          calls.products.push([...ids]);
          return new Map(ids.flatMap((id) => (catalog.has(id) ? [[id, catalog.get(id)!] as const] : [])));
        },
        experiments: async () => {
          calls.experiments++;
          return [];
        },
        standingOf: async (userId) => {
          calls.standing.push(userId);
          return { segment: null, policy: DEFAULT_SEGMENT_POLICY, profile: undefined, memberTier: 'gold' };
        },
      };
      return { ports, calls };
    };

    it("reads the product, its bundle's items and the gift products in one call; a guest's standing not at all", async () => {
      const { ports, calls } = portsFor([memberPantry, giftMug]);
      const answer = await bundleForShopper(ports, { productId: 'p-coffee', userId: null }, opts);
      expect(calls.products).toEqual([['p-coffee', 'p-coffee', 'p-snack', 'p-mug']]);
      expect(calls).toMatchObject({ standing: [], experiments: 0 });
      expect(answer.bundle?.price.pricedFor).toBe('guest');
    });

    it('prices for a signed-in shopper from their standing and experiments', async () => {
      const { ports, calls } = portsFor([memberPantry]);
      const answer = await bundleForShopper(ports, { productId: 'p-coffee', userId: 'u-gold' }, opts);
      expect(calls).toMatchObject({ standing: ['u-gold'], experiments: 1 });
      expect(answer.bundle?.price).toMatchObject({ pricedFor: 'shopper', total: 13_110 });
    });

    it('answers no bundle for a product without one, and a 404 for an unknown product', async () => {
      const { ports } = portsFor([]);
      expect((await bundleForShopper(ports, { productId: 'p-mug', userId: null }, opts)).bundle).toBeNull();
      await expect(
        bundleForShopper(ports, { productId: 'p-nope', userId: null }, opts),
      ).rejects.toBeInstanceOf(DomainError);
    });
  });
});

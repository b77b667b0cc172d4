import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Promotion } from '../../events/catalog.ts';
import type { MemberTier } from '../../events/common.ts';
import { QuoteBody } from '../../events/pricing.ts';
import { allocate } from '../../models/pricing/allocate.ts';
import { priceQuote } from '../../models/pricing/engine.ts';
import { canonicalJson, signQuote, verifyQuote } from '../../models/pricing/sign.ts';
import type { PricedProduct, QuoteInput } from '../../models/pricing/types.ts';
import { NOW, WINDOW } from '../support/builders.ts';
import { campingScene, mug } from '../support/pricing-fixtures.ts';

// Random carts against random promotion sets: the invariants of the issue hold for every quote.

const IDS = ['p-0', 'p-1', 'p-2', 'p-3', 'p-4', 'p-5', 'p-6', 'p-7'];
const CATEGORIES = ['tents', 'camping-lamps', 'camping-stoves', 'coffee', 'snacks'];
const title = { en: 'promo', 'zh-CN': '促销' };

const productArb = (productId: string): fc.Arbitrary<PricedProduct> =>
  fc
    .record({
      category: fc.constantFrom(...CATEGORIES),
      listPrice: fc.oneof(fc.integer({ min: 0, max: 200_000 }), fc.constantFrom(1, 99, 100, 30_000)),
      // Cost from 0 to 120% of the list price: some products are listed below their floor.
      costPct: fc.integer({ min: 0, max: 120 }),
    })
    .map(({ category, listPrice, costPct }) => ({
      productId,
      title: productId,
      category,
      tags: [],
      listPrice,
      cost: Math.floor((listPrice * costPct) / 100),
    }));

const money = (max: number) => fc.integer({ min: 1, max });
const pct = fc.integer({ min: 1, max: 99 });
const pid = fc.constantFrom(...IDS);
const base = (n: number) =>
  fc.record({
    stackable: fc.boolean(),
    priority: fc.integer({ min: 0, max: 3 }),
    // Mostly active; some expired, some not started.
    window: fc.constantFrom(WINDOW, WINDOW, WINDOW, WINDOW, {
      validFrom: '2026-01-01T00:00:00Z',
      validTo: '2026-02-01T00:00:00Z',
    }),
    n: fc.constant(n),
  });

const promotionArb = (n: number): fc.Arbitrary<Promotion> =>
  fc
    .tuple(
      base(n),
      fc.oneof(
        fc.record({
          kind: fc.constant('memberPrice' as const),
          categories: fc.option(fc.subarray(CATEGORIES, { minLength: 1 }), { nil: undefined }),
          tiers: fc.constantFrom<MemberTier[]>(['gold'], ['silver', 'gold', 'platinum'], ['platinum']),
          percentOff: pct,
        }),
        fc.record({ kind: fc.constant('groupBuy' as const), productId: pid, groupPrice: money(150_000) }),
        fc.record({
          kind: fc.constant('flashSale' as const),
          productId: pid,
          price: money(150_000),
          perUserCap: fc.integer({ min: 1, max: 3 }),
          stockCap: fc.integer({ min: 1, max: 5 }),
        }),
        fc.record({
          kind: fc.constant('bundle' as const),
          productIds: fc.option(fc.uniqueArray(pid, { minLength: 2, maxLength: 3 }), { nil: undefined }),
          discount: fc.oneof(
            fc.record({ type: fc.constant('percentOff' as const), percent: pct }),
            fc.record({ type: fc.constant('amountOff' as const), amount: money(50_000) }),
            fc.record({
              type: fc.constant('fixedPrice' as const),
              price: fc.integer({ min: 0, max: 200_000 }),
            }),
          ),
        }),
        fc.record({
          kind: fc.constant('threshold' as const),
          categories: fc.option(fc.subarray(CATEGORIES, { minLength: 1 }), { nil: undefined }),
          rule: fc.oneof(
            fc.record({
              mode: fc.constant('tiers' as const),
              tiers: fc.array(fc.record({ minSpend: money(300_000), off: money(100_000) }), {
                minLength: 1,
                maxLength: 3,
              }),
            }),
            fc.record({
              mode: fc.constant('repeat' as const),
              every: money(100_000),
              off: money(20_000),
              maxOff: fc.option(money(60_000), { nil: undefined }),
            }),
          ),
        }),
        fc.record({
          kind: fc.constant('coupon' as const),
          discount: fc.oneof(
            fc.record({ type: fc.constant('amountOff' as const), amount: money(100_000) }),
            fc.record({
              type: fc.constant('percentOff' as const),
              percent: pct,
              maxOff: fc.option(money(50_000), { nil: undefined }),
            }),
          ),
          minSpend: fc.integer({ min: 0, max: 200_000 }),
        }),
        fc.record({ kind: fc.constant('gift' as const), minSpend: money(300_000) }),
      ),
    )
    .map(([b, k]) => {
      const common = {
        promotionId: `promo-${b.n}`,
        title,
        ...b.window,
        stackable: b.stackable,
        priority: b.priority,
      };
      switch (k.kind) {
        case 'memberPrice':
          return {
            ...common,
            kind: k.kind,
            ...(k.categories === undefined ? {} : { categories: k.categories }),
            tiers: k.tiers.map((tier) => ({ tier: tier as 'gold', percentOff: k.percentOff })),
          };
        case 'groupBuy':
          return { ...common, ...k, groupSize: 3, groupTtlHours: 24 };
        case 'bundle':
          return k.productIds === undefined
            ? { ...common, kind: k.kind, sceneId: 'camping-kit', discount: k.discount }
            : { ...common, kind: k.kind, productIds: k.productIds, discount: k.discount };
        case 'threshold':
          return {
            ...common,
            kind: k.kind,
            rule: k.rule,
            ...(k.categories === undefined ? {} : { categories: k.categories }),
          };
        case 'coupon':
          return { ...common, ...k, code: `CODE-${b.n}`, perUserLimit: 1, totalBudgetUses: 10 };
        case 'gift':
          return { ...common, ...k, giftProductId: 'p-mug', quantity: 1 };
        default:
          return { ...common, ...k };
      }
    }) as fc.Arbitrary<Promotion>;

const inputArb: fc.Arbitrary<QuoteInput> = fc
  .record({
    ids: fc.uniqueArray(pid, { minLength: 1, maxLength: 6 }),
    products: fc.tuple(...IDS.map(productArb)),
    quantities: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 6, maxLength: 6 }),
    promotionCount: fc.integer({ min: 0, max: 8 }),
    promotionSeeds: fc.array(fc.integer({ min: 0, max: 6 }), { minLength: 8, maxLength: 8 }),
    promotions: fc.tuple(...Array.from({ length: 8 }, (_, i) => promotionArb(i))),
    tier: fc.constantFrom<MemberTier>('none', 'silver', 'gold', 'platinum'),
    guest: fc.boolean(),
    group: fc.option(
      fc.record({
        n: fc.integer({ min: 0, max: 7 }),
        status: fc.constantFrom('open', 'completed', 'expired' as const),
      }),
      { nil: undefined },
    ),
    codes: fc.subarray(['CODE-0', 'CODE-1', 'CODE-2', 'CODE-3', 'CODE-4', 'CODE-5', 'NOPE']),
    sold: fc.integer({ min: 0, max: 3 }),
    margin: fc.integer({ min: 0, max: 40 }),
    currency: fc.constantFrom('CNY', 'JPY', 'USD'),
    locale: fc.constantFrom('en' as const, 'zh-CN' as const),
  })
  .map((r) => {
    const promotions = r.promotions.slice(0, r.promotionCount);
    const byId = new Map(r.products.map((p) => [p.productId, p]));
    return {
      lines: r.ids.map((id, i) => ({ product: byId.get(id)!, quantity: r.quantities[i]! })),
      promotions,
      scenes: [campingScene],
      giftProducts: [mug],
      shopper: {
        userId: r.guest ? null : 'u-1',
        memberTier: r.tier,
        ...(r.group === undefined
          ? {}
          : {
              group: {
                groupId: 'g-1',
                promotionId: `promo-${r.group.n}`,
                members: r.group.status === 'completed' ? 3 : 1,
                size: 3,
                status: r.group.status,
              },
            }),
        couponUses: { 'promo-1': 1 },
        flashSold: Object.fromEntries(promotions.map((p) => [p.promotionId, r.sold])),
      },
      couponCodes: r.codes,
      now: NOW,
      currency: r.currency,
      minMarginPercent: r.margin,
      locale: r.locale,
    } satisfies QuoteInput;
  });

const floorUnit = (p: PricedProduct, m: number) =>
  Math.min(p.listPrice, Math.ceil((p.cost * (100 + m)) / 100));
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const runs = { numRuns: 400 };

describe('pricing engine properties', () => {
  it('lines sum exactly to the total, and the totals add up', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const q = priceQuote(input);
        expect(sum(q.lines.map((l) => l.lineTotal))).toBe(q.total);
        expect(q.subtotal - q.itemDiscount - q.orderDiscount).toBe(q.total);
        expect(sum(q.lines.map((l) => l.discount))).toBe(q.orderDiscount);
        expect(sum(q.applied.map((a) => a.amount))).toBe(q.savings);
        for (const l of q.lines) expect(l.lineTotal).toBe(l.unitPrice * l.quantity - l.discount);
        expect(QuoteBody.safeParse(q).success).toBe(true);
        // Every promotion is either applied or missed, and every code entered is answered.
        const applied = new Set(q.applied.map((a) => a.promotionId));
        for (const m of q.missed)
          if (m.promotionId !== undefined) expect(applied.has(m.promotionId)).toBe(false);
        for (const code of input.couponCodes ?? []) {
          expect([...q.applied, ...q.missed].some((x) => x.code === code)).toBe(true);
        }
      }),
      runs,
    );
  });

  it('puts no line below zero or below its margin floor', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const q = priceQuote(input);
        const products = new Map(input.lines.map((l) => [l.product.productId, l.product]));
        for (const l of q.lines) {
          expect(l.lineTotal).toBeGreaterThanOrEqual(0);
          if (l.kind === 'gift') continue;
          const p = products.get(l.productId)!;
          expect(l.unitPrice).toBeLessThanOrEqual(p.listPrice);
          expect(l.lineTotal).toBeGreaterThanOrEqual(floorUnit(p, input.minMarginPercent) * l.quantity);
        }
        const qty = (id: string) =>
          sum(q.lines.filter((l) => l.productId === id && l.kind !== 'gift').map((l) => l.quantity));
        for (const l of input.lines) expect(qty(l.product.productId)).toBe(l.quantity);
      }),
      runs,
    );
  });

  it('never saves more than the subtotal', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const q = priceQuote(input);
        expect(q.savings).toBeGreaterThanOrEqual(0);
        expect(q.savings).toBeLessThanOrEqual(q.subtotal);
      }),
      runs,
    );
  });

  it('gives the same quote whatever the order of items, promotions and codes', () => {
    fc.assert(
      fc.property(inputArb, fc.integer(), (input, seed) => {
        const shuffle = <T>(xs: readonly T[]) => {
          const a = [...xs];
          let s = seed >>> 0;
          for (let i = a.length - 1; i > 0; i--) {
            s = (Math.imul(s, 1_103_515_245) + 12_345) >>> 0;
            const j = s % (i + 1);
            [a[i], a[j]] = [a[j]!, a[i]!];
          }
          return a;
        };
        const shuffled = {
          ...input,
          lines: shuffle(input.lines),
          promotions: shuffle(input.promotions),
          couponCodes: shuffle(input.couponCodes ?? []),
        };
        expect(canonicalJson(priceQuote(shuffled))).toBe(canonicalJson(priceQuote(input)));
      }),
      runs,
    );
  });

  it('gives the same signed quote for the same input, and it verifies', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const opts = { quoteId: 'q-1', issuedAt: NOW, ttlSeconds: 600, key: 'k' };
        const a = signQuote(priceQuote(input), opts);
        const b = signQuote(priceQuote(structuredClone(input)), opts);
        expect(b).toEqual(a);
        expect(verifyQuote(a, 'k', NOW)).toEqual({ ok: true });
      }),
      { numRuns: 100 },
    );
  });

  it('allocate: places min(total, room) exactly, within each cap, by largest remainder', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 1e9 }), fc.integer({ min: 0, max: 1e9 })), {
          minLength: 1,
          maxLength: 8,
        }),
        fc.integer({ min: 0, max: 5e9 }),
        (pairs, total) => {
          const weights = pairs.map((p) => p[0]);
          const caps = pairs.map((p) => p[1]);
          const { shares, placed } = allocate(total, weights, caps);
          const room = sum(caps.filter((_, i) => weights[i]! > 0));
          expect(placed).toBe(Math.min(total, room));
          expect(sum(shares)).toBe(placed);
          shares.forEach((s, i) => {
            expect(Number.isInteger(s)).toBe(true);
            expect(s).toBeGreaterThanOrEqual(0);
            expect(s).toBeLessThanOrEqual(weights[i]! > 0 ? caps[i]! : 0);
          });
        },
      ),
    );
    expect(allocate(100, [1, 1, 1], [100, 100, 100]).shares).toEqual([34, 33, 33]);
    expect(allocate(10, [2, 1], [3, 100]).shares).toEqual([3, 7]);
  });
});

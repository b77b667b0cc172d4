import { performance } from 'node:perf_hooks';
import { beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import {
  BehaviourEvent,
  type OrderPlaced,
  type ProductViewed,
  type ReviewPosted,
  type SearchPerformed,
} from '../../events/behaviour.ts';
import { Customer, Product, Promotion, Scene } from '../../events/catalog.ts';
import { type DemoData, generateDemoData } from '../../infra/local/demo/data/generate.ts';

const DAY = 86_400_000;
const END = Date.parse('2026-11-23T00:00:00Z');
const START = END - 60 * DAY;
const SMALL = { products: 600, events: 12_000, days: 30 } as const;

let data: DemoData;
let elapsedMs = 0;
let orders: OrderPlaced[];
let views: ProductViewed[];
let searches: SearchPerformed[];
let reviews: ReviewPosted[];
let productsById: Map<string, Product>;

const at = (iso: string) => Date.parse(iso);
const countBy = <T>(items: Iterable<T>, key: (item: T) => string | undefined) => {
  const out = new Map<string, number>();
  for (const item of items) {
    const k = key(item);
    if (k !== undefined) out.set(k, (out.get(k) ?? 0) + 1);
  }
  return out;
};
/** Order lines of `productId` placed in [from, to). */
const orderedBetween = (productId: string, from: number, to: number) =>
  orders
    .filter((o) => at(o.occurredAt) >= from && at(o.occurredAt) < to)
    .reduce((n, o) => n + o.lines.filter((l) => l.productId === productId).length, 0);
/** The strict reading of a slot constraint: in one of the categories and carrying every tag. */
const fits = (p: Product, c: { categories?: string[] | undefined; tags?: string[] | undefined }) =>
  (c.categories === undefined || c.categories.includes(p.category)) &&
  (c.tags === undefined || c.tags.every((t) => p.tags.includes(t)));
const han = /\p{Script=Han}/u;

beforeAll(() => {
  const started = performance.now();
  data = generateDemoData();
  elapsedMs = performance.now() - started;
  orders = data.events.filter((e): e is OrderPlaced => e.type === 'OrderPlaced');
  views = data.events.filter((e): e is ProductViewed => e.type === 'ProductViewed');
  searches = data.events.filter((e): e is SearchPerformed => e.type === 'SearchPerformed');
  reviews = data.events.filter((e): e is ReviewPosted => e.type === 'ReviewPosted');
  productsById = new Map(data.products.map((p) => [p.productId, p]));
});

describe('demo data', () => {
  it('generates the default storefront in well under 3 seconds', () => {
    expect(elapsedMs).toBeLessThan(3_000);
  });

  it('parses every object with its schema, unchanged', () => {
    expect(z.array(Product).parse(data.products)).toEqual(data.products);
    expect(z.array(Scene).parse(data.scenes)).toEqual(data.scenes);
    expect(z.array(Promotion).parse(data.promotions)).toEqual(data.promotions);
    expect(z.array(Customer).parse(data.customers)).toEqual(data.customers);
    const parsed = z.array(BehaviourEvent).safeParse(data.events);
    expect(parsed.error?.issues.slice(0, 5) ?? []).toEqual([]);
    // Same fields, same order: nothing dropped, defaulted or added by the schemas.
    expect(JSON.stringify(parsed.data)).toBe(JSON.stringify(data.events));
  });

  it('meets the minimum sizes', () => {
    expect(data.products.length).toBeGreaterThanOrEqual(2_000);
    expect(new Set(data.products.map((p) => p.category)).size).toBeGreaterThanOrEqual(20);
    expect(data.scenes.length).toBeGreaterThanOrEqual(12);
    expect(data.customers.length).toBeGreaterThanOrEqual(3_000);
    expect(data.promotions.length).toBeGreaterThanOrEqual(6);
    expect(data.promotions.length).toBeLessThanOrEqual(12);
    expect(data.events.length).toBeGreaterThanOrEqual(110_000);
  });

  it('spreads the events over the 60 days before endAt, sorted, with unique deterministic ids', () => {
    const times = data.events.map((e) => at(e.occurredAt));
    expect(times[0]!).toBeGreaterThanOrEqual(START);
    expect(times[0]!).toBeLessThan(START + DAY);
    expect(times[times.length - 1]!).toBeLessThan(END);
    expect(times[times.length - 1]!).toBeGreaterThan(END - DAY);
    expect(times.every((t, i) => i === 0 || times[i - 1]! <= t)).toBe(true);
    expect(data.events.every((e) => e.occurredAt.endsWith('Z') && e.version === 1)).toBe(true);
    expect(new Set(data.events.map((e) => e.eventId)).size).toBe(data.events.length);
    expect(data.events[0]!.eventId).toMatch(/^evt-42-\d{7}$/);
    expect(new Set(orders.map((o) => o.orderId)).size).toBe(orders.length);
    expect(new Set(reviews.map((r) => r.reviewId)).size).toBe(reviews.length);
    // Every day of the window is busy.
    const perDay = countBy(data.events, (e) => e.occurredAt.slice(0, 10));
    expect(perDay.size).toBeGreaterThanOrEqual(60);
    expect(Math.min(...[...perDay.values()].slice(1, -1))).toBeGreaterThan(500);
  });

  it('is a pure function of its options: same seed, same data; another seed, other data', () => {
    // The defaults spelled out: the same data, to the byte.
    const again = generateDemoData({
      seed: 42,
      endAt: new Date(END),
      days: 60,
      products: 2_400,
      events: 110_000,
    });
    expect(JSON.stringify(again) === JSON.stringify(data)).toBe(true);
    const small = generateDemoData({ seed: 7, ...SMALL });
    const other = generateDemoData({ seed: 8, ...SMALL });
    expect(other.products.map((p) => p.title)).not.toEqual(small.products.map((p) => p.title));
    expect(other.events.slice(0, 50)).not.toEqual(small.events.slice(0, 50));
  });

  // A catalog this small may have no group of substitutes to compare: those visits do not happen.
  it.each([300, 350, 400])(
    'generates a catalog of %i products, the smallest it accepts and near it',
    (products) => {
      for (const seed of [1, 7, 11]) {
        const small = generateDemoData({ seed, products, days: 56, events: 5_000, endAt: new Date(END) });
        expect(small.products).toHaveLength(products);
        expect(small.events.length).toBeGreaterThanOrEqual(5_000);
      }
    },
  );

  it('honours endAt, days and the sizes asked for', () => {
    const endAt = new Date('2026-06-18T12:00:00Z');
    const small = generateDemoData({ seed: 3, endAt, ...SMALL });
    expect(small.products).toHaveLength(SMALL.products);
    expect(small.events.length).toBeGreaterThanOrEqual(SMALL.events);
    expect(at(small.events[0]!.occurredAt)).toBeGreaterThanOrEqual(endAt.getTime() - SMALL.days * DAY);
    expect(at(small.events[small.events.length - 1]!.occurredAt)).toBeLessThan(endAt.getTime());
    for (const p of small.promotions) {
      expect(at(p.validFrom)).toBeLessThanOrEqual(endAt.getTime());
      expect(at(p.validTo)).toBeGreaterThan(endAt.getTime());
    }
    // Early summer: the beach scene is in season, the winter hot pot is not.
    const seasonal = small.truth.seasonalScenes.map((s) => s.sceneId);
    expect(seasonal).toContain('beach-day');
    expect(seasonal).not.toContain('winter-hot-pot');
    expect(() => generateDemoData({ products: 10 })).toThrow(RangeError);
  });

  it('builds a realistic catalog: ids, titles, prices in tiers, costs, stock, launches, images', () => {
    expect(data.products.map((p) => p.productId).slice(0, 3)).toEqual(['p-00001', 'p-00002', 'p-00003']);
    expect(productsById.size).toBe(data.products.length);
    const odd = data.products.filter(
      (p) =>
        !p.title.startsWith(`${p.brand} `) ||
        p.cost < Math.floor(p.listPrice * 0.45) ||
        p.cost > Math.ceil(p.listPrice * 0.75) ||
        p.imageUrl !== `https://img.example.com/p/${p.productId}.jpg` ||
        Object.keys(p.attributes).length === 0,
    );
    expect(odd).toEqual([]);
    expect(new Set(data.products.map((p) => p.title)).size).toBe(data.products.length);
    // Budget items are cheaper than premium ones in every category.
    for (const category of new Set(data.products.map((p) => p.category))) {
      const inCategory = data.products.filter((p) => p.category === category);
      const budget = inCategory.filter((p) => p.tags.includes('budget')).map((p) => p.listPrice);
      const premium = inCategory.filter((p) => p.tags.includes('premium')).map((p) => p.listPrice);
      expect(budget.length, category).toBeGreaterThan(0);
      expect(premium.length, category).toBeGreaterThan(0);
      expect(Math.max(...budget), category).toBeLessThan(Math.min(...premium));
    }
    // A tent lamp costs tens to hundreds of yuan, not fen or millions.
    const lamps = data.products.filter((p) => p.category === 'camping-lamps').map((p) => p.listPrice);
    expect(Math.min(...lamps)).toBeGreaterThanOrEqual(2_900);
    expect(Math.max(...lamps)).toBeLessThanOrEqual(59_900);
    const consumable = new Set(data.products.filter((p) => p.consumable).map((p) => p.category));
    expect([...consumable]).toEqual(expect.arrayContaining(['coffee', 'tea', 'snacks', 'skincare']));
    expect(consumable.has('tents')).toBe(false);
    const outOfStock = data.products.filter((p) => p.stock === 0).length / data.products.length;
    expect(outOfStock).toBeGreaterThan(0.01);
    expect(outOfStock).toBeLessThan(0.1);
    const fresh = data.products.filter((p) => Date.parse(p.launchDate) > START).length / data.products.length;
    expect(fresh).toBeGreaterThan(0.03);
    expect(fresh).toBeLessThan(0.15);
  });

  it('gives every scene bilingual text and slots that at least 3 in-stock products fit', () => {
    const inStock = data.products.filter((p) => p.stock > 0);
    for (const scene of data.scenes) {
      const zh = [
        scene.title['zh-CN'],
        scene.summary['zh-CN'],
        ...scene.guide['zh-CN'],
        ...scene.slots.map((s) => s.title['zh-CN']),
      ];
      expect(
        zh.every((text) => han.test(text)),
        scene.sceneId,
      ).toBe(true);
      expect(han.test(scene.title.en)).toBe(false);
      for (const slot of scene.slots) {
        const fitting = inStock.filter((p) => fits(p, slot.constraint)).length;
        expect(fitting, `${scene.sceneId}/${slot.slotId}`).toBeGreaterThanOrEqual(3);
      }
    }
    const seasonOf = new Map(data.scenes.map((s) => [s.sceneId, s.season]));
    expect(seasonOf.get('camping-kit')).toBe('autumn');
    expect(seasonOf.get('spring-picnic')).toBe('spring');
    expect(seasonOf.get('winter-hot-pot')).toBe('winter');
    expect(seasonOf.get('home-office')).toBe('all-year');
    expect(
      data.scenes.find((s) => s.sceneId === 'camping-kit')!.slots.find((s) => s.slotId === 'chairs')!
        .quantity,
    ).toBe(2);
  });

  it('runs promotions of every kind, all valid at endAt', () => {
    expect(new Set(data.promotions.map((p) => p.kind))).toEqual(
      new Set(['bundle', 'threshold', 'memberPrice', 'groupBuy', 'coupon', 'flashSale', 'gift']),
    );
    for (const p of data.promotions) {
      expect(at(p.validFrom)).toBeLessThanOrEqual(END);
      expect(at(p.validTo)).toBeGreaterThan(END);
    }
    const ids = (p: Promotion) =>
      p.kind === 'bundle'
        ? (p.productIds ?? [])
        : p.kind === 'groupBuy' || p.kind === 'flashSale'
          ? [p.productId]
          : p.kind === 'gift'
            ? [p.giftProductId]
            : [];
    for (const id of data.promotions.flatMap(ids)) expect(productsById.get(id)?.stock).toBeGreaterThan(0);
    expect(data.promotions).toContainEqual(
      expect.objectContaining({
        kind: 'bundle',
        sceneId: 'camping-kit',
        discount: { type: 'percentOff', percent: 10 },
      }),
    );
    expect(data.promotions).toContainEqual(
      expect.objectContaining({
        kind: 'threshold',
        rule: expect.objectContaining({ mode: 'repeat', every: 30_000, off: 5_000 }),
      }),
    );
    const flash = data.promotions.find((p) => p.kind === 'flashSale');
    expect(flash?.kind === 'flashSale' && flash.stockCap <= productsById.get(flash.productId)!.stock).toBe(
      true,
    );
  });

  it('mixes member tiers plausibly and signs in about 60% of sessions', () => {
    const tiers = countBy(data.customers, (c) => c.memberTier);
    expect(tiers.get('none')!).toBeGreaterThan(tiers.get('silver')!);
    expect(tiers.get('silver')!).toBeGreaterThan(tiers.get('gold')!);
    expect(tiers.get('gold')!).toBeGreaterThan(tiers.get('platinum')!);
    expect(tiers.get('platinum')!).toBeGreaterThan(0);
    const sessions = new Map<string, boolean>();
    for (const e of data.events) {
      if (e.type !== 'ReviewPosted' && e.sessionId !== undefined)
        sessions.set(e.sessionId, e.userId !== undefined);
    }
    const signedIn = [...sessions.values()].filter(Boolean).length / sessions.size;
    expect(signedIn).toBeGreaterThan(0.55);
    expect(signedIn).toBeLessThan(0.65);
    const userIds = new Set(data.customers.map((c) => c.userId));
    expect(data.events.every((e) => e.userId === undefined || userIds.has(e.userId))).toBe(true);
  });

  it('shapes sessions like a storefront: views, searches, carts, 1-4 line orders at or a bit under list price', () => {
    const types = countBy(data.events, (e) => e.type);
    expect(types.get('ProductViewed')!).toBeGreaterThan(types.get('ProductAddedToCart')!);
    expect(types.get('ProductAddedToCart')!).toBeGreaterThan(types.get('OrderPlaced')!);
    expect(types.get('SearchPerformed')!).toBeGreaterThan(5_000);
    expect(types.get('ReviewPosted')!).toBeGreaterThan(500);
    expect(orders.filter((o) => o.lines.length < 1 || o.lines.length > 4)).toEqual([]);
    const lines = orders.flatMap((o) => o.lines);
    const overOrUnder = lines.filter((l) => {
      const list = productsById.get(l.productId)!.listPrice;
      return l.paidPrice > list || l.paidPrice < Math.floor(list * 0.85);
    });
    expect(overOrUnder).toEqual([]);
    expect(
      lines.filter((l) => l.paidPrice < productsById.get(l.productId)!.listPrice).length,
    ).toBeGreaterThan(0);
    // Whatever is ordered was put in the cart earlier in the same session.
    const carted = new Set<string>();
    const notCarted: string[] = [];
    for (const e of data.events) {
      if (e.type === 'ProductAddedToCart') carted.add(`${e.sessionId}|${e.productId}`);
      if (e.type === 'OrderPlaced') {
        for (const l of e.lines) if (!carted.has(`${e.sessionId}|${l.productId}`)) notCarted.push(e.orderId);
      }
    }
    expect(notCarted).toEqual([]);
    // Searches return something, and a click is one of the results.
    expect(searches.filter((s) => s.resultProductIds.length === 0)).toEqual([]);
    expect(
      searches.filter(
        (s) => s.clickedProductId !== undefined && !s.resultProductIds.includes(s.clickedProductId),
      ),
    ).toEqual([]);
    expect(searches.filter((s) => s.clickedProductId !== undefined).length / searches.length).toBeGreaterThan(
      0.3,
    );
    // Nothing is viewed before it launched.
    expect(
      views.filter((v) => v.occurredAt.slice(0, 10) < productsById.get(v.productId)!.launchDate),
    ).toEqual([]);
  });

  it('skews popularity to a long tail with best-sellers on top', () => {
    const perProduct = [...countBy(views, (v) => v.productId).values()].sort((a, b) => b - a);
    const total = perProduct.reduce((s, n) => s + n, 0);
    const top1 = perProduct.slice(0, Math.round(data.products.length / 100)).reduce((s, n) => s + n, 0);
    expect(top1 / total).toBeGreaterThan(0.1);
    expect(perProduct[Math.floor(perProduct.length / 2)]!).toBeLessThan(perProduct[0]! / 20);
  });

  it('skews review ratings to 4-5, verified for buyers', () => {
    const ratings = reviews.map((r) => r.rating);
    expect(ratings.filter((r) => r >= 4).length / ratings.length).toBeGreaterThan(0.7);
    const bought = new Set<string>();
    let byBuyers = 0;
    let verifiedByBuyers = 0;
    for (const e of data.events) {
      if (e.type === 'OrderPlaced' && e.userId !== undefined)
        for (const l of e.lines) bought.add(`${e.userId}|${l.productId}`);
      if (e.type === 'ReviewPosted' && bought.has(`${e.userId}|${e.productId}`)) {
        byBuyers++;
        if (e.verifiedPurchase) verifiedByBuyers++;
      }
    }
    expect(byBuyers).toBeGreaterThan(300);
    expect(verifiedByBuyers / byBuyers).toBeGreaterThan(0.9);
    expect(reviews.every((r) => r.text.length > 0)).toBe(true);
  });

  it('plants 20-40 hits whose searches and reviews rise first, then orders climb in the last 14 days', () => {
    const { hits } = data.truth;
    expect(hits.length).toBeGreaterThanOrEqual(20);
    expect(hits.length).toBeLessThanOrEqual(40);
    let last14 = 0;
    let previous14 = 0;
    let rising = 0;
    let buzzBefore = 0;
    let buzzEarlier = 0;
    for (const h of hits) {
      const product = productsById.get(h.productId)!;
      expect(product.category).toBe(h.category);
      expect(product.stock).toBeGreaterThan(0);
      const breakout = at(h.breakoutAt);
      expect(breakout).toBeGreaterThanOrEqual(END - 20 * DAY);
      expect(breakout).toBeLessThanOrEqual(END - 10 * DAY);
      const l = orderedBetween(h.productId, END - 14 * DAY, END);
      const p = orderedBetween(h.productId, END - 28 * DAY, END - 14 * DAY);
      last14 += l;
      previous14 += p;
      if (l >= 2 * p + 3) rising++;
      const mentions = (from: number, to: number) =>
        searches.filter(
          (s) =>
            at(s.occurredAt) >= from && at(s.occurredAt) < to && s.resultProductIds.includes(h.productId),
        ).length +
        reviews.filter(
          (r) => r.productId === h.productId && at(r.occurredAt) >= from && at(r.occurredAt) < to,
        ).length;
      buzzBefore += mentions(breakout - 7 * DAY, breakout);
      buzzEarlier += mentions(breakout - 14 * DAY, breakout - 7 * DAY);
    }
    expect(last14).toBeGreaterThan(4 * previous14);
    expect(rising / hits.length).toBeGreaterThanOrEqual(0.9);
    expect(buzzBefore).toBeGreaterThan(2 * buzzEarlier);
  });

  it('makes seasonal scenes rise with their season: winter hot pot towards late November', () => {
    const hotPot = data.truth.seasonalScenes.find((s) => s.sceneId === 'winter-hot-pot');
    expect(hotPot?.sceneId).toBe('winter-hot-pot');
    expect(at(hotPot!.peakFrom)).toBeLessThan(END);
    const ids = new Set(data.products.filter((p) => p.tags.includes('hot-pot')).map((p) => p.productId));
    const first14 = views.filter((v) => ids.has(v.productId) && at(v.occurredAt) < START + 14 * DAY).length;
    const last14 = views.filter((v) => ids.has(v.productId) && at(v.occurredAt) >= END - 14 * DAY).length;
    expect(last14).toBeGreaterThan(3 * first14);
  });

  it('leaves dead stock (about 5%) unbought and almost unseen', () => {
    const dead = new Set(data.truth.deadStock);
    expect(dead.size / data.products.length).toBeGreaterThan(0.03);
    expect(dead.size / data.products.length).toBeLessThan(0.07);
    expect([...dead].filter((id) => productsById.get(id)!.stock === 0)).toEqual([]);
    expect(orders.flatMap((o) => o.lines).filter((l) => dead.has(l.productId))).toEqual([]);
    const deadViews = countBy(views, (v) => (dead.has(v.productId) ? v.productId : undefined));
    expect(Math.max(0, ...deadViews.values())).toBeLessThanOrEqual(3);
  });

  it('makes co-bought groups co-occur in orders and co-viewed groups in sessions', () => {
    const { coBuyGroups, coViewGroups } = data.truth;
    expect(coBuyGroups.length).toBeGreaterThanOrEqual(20);
    for (const g of coBuyGroups) {
      expect(new Set(g.map((id) => productsById.get(id)!.category)).size).toBe(g.length);
      const together = orders.filter(
        (o) => o.lines.filter((l) => g.includes(l.productId)).length >= 2,
      ).length;
      expect(together, g.join('+')).toBeGreaterThanOrEqual(8);
    }
    const viewedInSession = new Map<string, Set<string>>();
    for (const v of views) {
      const seen = viewedInSession.get(v.sessionId) ?? new Set<string>();
      seen.add(v.productId);
      viewedInSession.set(v.sessionId, seen);
    }
    const sessions = [...viewedInSession.values()];
    for (const g of coViewGroups) {
      const together = sessions.filter((s) => g.filter((id) => s.has(id)).length >= 2).length;
      expect(together, g.join('+')).toBeGreaterThanOrEqual(30);
    }
  });
});

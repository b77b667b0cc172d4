import { parseArgs } from 'node:util';
import type { Promotion } from '../events/catalog.ts';
import { priceQuote } from '../models/pricing/engine.ts';
import { signQuote } from '../models/pricing/sign.ts';
import type { QuoteInput } from '../models/pricing/types.ts';
import { catalogScene, categorySlot, pricedProduct, promotion } from '../test/support/builders.ts';
import { percentile, round } from './stats.ts';

/**
 * In-process pricing throughput: a 5-item cart (a camping scene bundle, a member-priced coffee, a
 * flash-sale hot pot) against 10 active promotions (3 of them exclusive, so the engine weighs
 * their combinations), with a coupon code, priced then signed, for `--seconds` (default 3).
 * `--json` prints one JSON object.
 */
const { values } = parseArgs({
  options: { json: { type: 'boolean', default: false }, seconds: { type: 'string', default: '3' } },
});
const seconds = Number(values.seconds);

const title = (en: string, zh: string) => ({ en, 'zh-CN': zh });

const scene = catalogScene(
  'camping-kit',
  ['tents', 'camping-lamps', 'camping-stoves'].map((c) => categorySlot(c, c)),
  {
    title: title('Camping kit', '露营装备'),
    summary: title('Everything for a night out.', '露营需要的一切。'),
    guide: { en: ['Pick a bigger tent.'], 'zh-CN': ['帐篷选大一号。'] },
  },
);

// Each titled by its id, in November 2026 (the tests' promotion builders).
const promotions: Promotion[] = [
  promotion.bundle({
    promotionId: 'promo-kit',
    priority: 50,
    sceneId: 'camping-kit',
    discount: { type: 'percentOff', percent: 10 },
  }),
  promotion.bundle({
    promotionId: 'promo-lamp-stove',
    priority: 40,
    productIds: ['p-lamp', 'p-stove'],
    discount: { type: 'amountOff', amount: 2_000 },
  }),
  promotion.threshold({
    promotionId: 'promo-every-300',
    priority: 20,
    rule: { mode: 'repeat', every: 30_000, off: 5_000, maxOff: 30_000 },
  }),
  promotion.threshold({
    promotionId: 'promo-outdoor-tiers',
    stackable: false,
    priority: 30,
    categories: ['tents', 'camping-lamps', 'camping-stoves'],
    rule: {
      mode: 'tiers',
      tiers: [
        { minSpend: 50_000, off: 6_000 },
        { minSpend: 80_000, off: 12_000 },
      ],
    },
  }),
  promotion.memberPrice({
    promotionId: 'promo-member',
    priority: 10,
    categories: ['coffee'],
    tiers: [
      { tier: 'gold', percentOff: 5 },
      { tier: 'platinum', percentOff: 10 },
    ],
  }),
  promotion.flashSale({
    promotionId: 'promo-flash',
    stackable: false,
    priority: 90,
    productId: 'p-hot-pot',
    price: 13_900,
    perUserCap: 1,
    stockCap: 200,
  }),
  promotion.groupBuy({
    promotionId: 'promo-group',
    stackable: false,
    priority: 60,
    productId: 'p-coffee',
    groupSize: 3,
    groupPrice: 7_900,
    groupTtlHours: 24,
  }),
  promotion.coupon({
    promotionId: 'promo-winter-30',
    priority: 5,
    code: 'WINTER-30',
    discount: { type: 'amountOff', amount: 3_000 },
    minSpend: 19_900,
    perUserLimit: 1,
    totalBudgetUses: 5_000,
  }),
  promotion.coupon({
    promotionId: 'promo-ten-pct',
    priority: 5,
    code: 'TEN-PCT',
    discount: { type: 'percentOff', percent: 10, maxOff: 5_000 },
    minSpend: 0,
    perUserLimit: 1,
    totalBudgetUses: 5_000,
  }),
  promotion.gift({
    promotionId: 'promo-gift',
    priority: 15,
    minSpend: 49_900,
    giftProductId: 'p-mug',
    quantity: 1,
  }),
];

const input: QuoteInput = {
  lines: [
    { product: pricedProduct('p-tent', 'tents', 59_900, 30_000), quantity: 1 },
    { product: pricedProduct('p-lamp', 'camping-lamps', 12_900, 6_000), quantity: 2 },
    { product: pricedProduct('p-stove', 'camping-stoves', 19_900, 9_000), quantity: 1 },
    { product: pricedProduct('p-coffee', 'coffee', 8_900, 4_000), quantity: 3 },
    { product: pricedProduct('p-hot-pot', 'electric-cookers', 19_900, 9_000), quantity: 2 },
  ],
  promotions,
  scenes: [scene],
  giftProducts: [pricedProduct('p-mug', 'tableware', 3_900, 1_200)],
  shopper: {
    userId: 'u-bench',
    memberTier: 'gold',
    flashSold: { 'promo-flash': 120 },
  },
  couponCodes: ['WINTER-30'],
  now: '2026-11-23T10:00:00Z',
  currency: 'CNY',
  minMarginPercent: 10,
  locale: 'zh-CN',
};
const key = 'bench-key';

function quote(i: number) {
  const body = priceQuote(input);
  return signQuote(body, { quoteId: `q-${i}`, issuedAt: input.now, ttlSeconds: 900, key });
}

// Warm up the JIT, then run for the given time, timing each quote.
for (let i = 0; i < 2_000; i++) quote(i);
const sample: number[] = [];
const start = performance.now();
const until = start + seconds * 1000;
let n = 0;
let last = quote(0);
while (performance.now() < until) {
  const t = performance.now();
  last = quote(n++);
  sample.push((performance.now() - t) * 1000);
}
const elapsedMs = performance.now() - start;
const figures = {
  quotes: n,
  seconds: round(elapsedMs / 1000, 2),
  quotesPerSecond: Math.round((n / elapsedMs) * 1000),
  p50us: round(percentile(sample, 50), 1),
  p99us: round(percentile(sample, 99), 1),
  cart: {
    items: input.lines.length,
    activePromotions: promotions.length,
    total: last.total,
    savings: last.savings,
  },
  applied: last.applied.map((a) => a.promotionId),
};

if (values.json) console.log(JSON.stringify(figures));
else {
  console.log(
    `pricing in-process: ${figures.cart.items}-item cart, ${figures.cart.activePromotions} active promotions`,
  );
  console.log(`  ${figures.quotes} quotes (priced and signed) in ${figures.seconds} s`);
  console.log(
    `  ${figures.quotesPerSecond} quotes/s, p50 ${figures.p50us} µs, p99 ${figures.p99us} µs per quote`,
  );
  console.log(
    `  total ${figures.cart.total}, savings ${figures.cart.savings}, applied: ${figures.applied.join(', ')}`,
  );
}

import { parseArgs } from 'node:util';
import type { Promotion, Scene } from '../events/catalog.ts';
import { priceQuote } from '../models/pricing/engine.ts';
import { signQuote } from '../models/pricing/sign.ts';
import type { PricedProduct, QuoteInput } from '../models/pricing/types.ts';
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

const window = { validFrom: '2026-11-01T00:00:00Z', validTo: '2026-12-01T00:00:00Z' };
const title = (en: string, zh: string) => ({ en, 'zh-CN': zh });
const product = (productId: string, category: string, listPrice: number, cost: number): PricedProduct => ({
  productId,
  title: productId,
  category,
  tags: [],
  listPrice,
  cost,
});

const scene: Scene = {
  sceneId: 'camping-kit',
  title: title('Camping kit', '露营装备'),
  summary: title('Everything for a night out.', '露营需要的一切。'),
  guide: { en: ['Pick a bigger tent.'], 'zh-CN': ['帐篷选大一号。'] },
  season: 'autumn',
  slots: (['tents', 'camping-lamps', 'camping-stoves'] as const).map((c) => ({
    slotId: c,
    title: title(c, c),
    constraint: { categories: [c] },
    quantity: 1,
    required: true,
  })),
  active: true,
};

const base = (id: string, stackable: boolean, priority: number) => ({
  promotionId: id,
  title: title(id, id),
  ...window,
  stackable,
  priority,
});
const promotions: Promotion[] = [
  {
    ...base('promo-kit', true, 50),
    kind: 'bundle',
    sceneId: 'camping-kit',
    discount: { type: 'percentOff', percent: 10 },
  },
  {
    ...base('promo-lamp-stove', true, 40),
    kind: 'bundle',
    productIds: ['p-lamp', 'p-stove'],
    discount: { type: 'amountOff', amount: 2_000 },
  },
  {
    ...base('promo-every-300', true, 20),
    kind: 'threshold',
    rule: { mode: 'repeat', every: 30_000, off: 5_000, maxOff: 30_000 },
  },
  {
    ...base('promo-outdoor-tiers', false, 30),
    kind: 'threshold',
    categories: ['tents', 'camping-lamps', 'camping-stoves'],
    rule: {
      mode: 'tiers',
      tiers: [
        { minSpend: 50_000, off: 6_000 },
        { minSpend: 80_000, off: 12_000 },
      ],
    },
  },
  {
    ...base('promo-member', true, 10),
    kind: 'memberPrice',
    categories: ['coffee'],
    tiers: [
      { tier: 'gold', percentOff: 5 },
      { tier: 'platinum', percentOff: 10 },
    ],
  },
  {
    ...base('promo-flash', false, 90),
    kind: 'flashSale',
    productId: 'p-hot-pot',
    price: 13_900,
    perUserCap: 1,
    stockCap: 200,
  },
  {
    ...base('promo-group', false, 60),
    kind: 'groupBuy',
    productId: 'p-coffee',
    groupSize: 3,
    groupPrice: 7_900,
    groupTtlHours: 24,
  },
  {
    ...base('promo-winter-30', true, 5),
    kind: 'coupon',
    code: 'WINTER-30',
    discount: { type: 'amountOff', amount: 3_000 },
    minSpend: 19_900,
    perUserLimit: 1,
    totalBudgetUses: 5_000,
  },
  {
    ...base('promo-ten-pct', true, 5),
    kind: 'coupon',
    code: 'TEN-PCT',
    discount: { type: 'percentOff', percent: 10, maxOff: 5_000 },
    minSpend: 0,
    perUserLimit: 1,
    totalBudgetUses: 5_000,
  },
  { ...base('promo-gift', true, 15), kind: 'gift', minSpend: 49_900, giftProductId: 'p-mug', quantity: 1 },
];

const input: QuoteInput = {
  lines: [
    { product: product('p-tent', 'tents', 59_900, 30_000), quantity: 1 },
    { product: product('p-lamp', 'camping-lamps', 12_900, 6_000), quantity: 2 },
    { product: product('p-stove', 'camping-stoves', 19_900, 9_000), quantity: 1 },
    { product: product('p-coffee', 'coffee', 8_900, 4_000), quantity: 3 },
    { product: product('p-hot-pot', 'electric-cookers', 19_900, 9_000), quantity: 2 },
  ],
  promotions,
  scenes: [scene],
  giftProducts: [product('p-mug', 'tableware', 3_900, 1_200)],
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

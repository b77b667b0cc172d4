import type { Promotion } from '../../../../events/catalog.ts';
import { DAY_MS, HOUR_MS, isoInstant } from './calendar.ts';
import type { ProductPlan } from './catalog.ts';
import type { Rng } from './prng.ts';
import type { Roles } from './roles.ts';

/** Member prices the demo runs; the behaviour simulation charges them to gold and platinum shoppers. */
export const MEMBER_PRICE = {
  categories: ['coffee', 'tea', 'snacks', 'skincare'],
  tiers: [
    { tier: 'gold', percentOff: 5 },
    { tier: 'platinum', percentOff: 10 },
  ],
} as const;

const KITCHEN = ['cookware', 'tableware', 'dinnerware', 'kitchen-knives', 'electric-cookers'];

export function generatePromotions(r: Rng, plans: ProductPlan[], roles: Roles, endMs: number): Promotion[] {
  const window = (fromDays: number, toDays: number) => ({
    validFrom: isoInstant(endMs - fromDays * DAY_MS),
    validTo: isoInstant(endMs + toDays * DAY_MS),
  });
  const sellable = (p: ProductPlan) =>
    p.product.stock > 0 && roles.isDead[p.index] === 0 && p.launchMs < endMs;
  const promotions: Promotion[] = [];

  promotions.push({
    promotionId: 'promo-camping-kit-10',
    kind: 'bundle',
    title: { en: 'Camping kit bundle: 10% off', 'zh-CN': '露营装备套装立享9折' },
    ...window(21, 14),
    stackable: true,
    priority: 50,
    sceneId: 'camping-kit',
    discount: { type: 'percentOff', percent: 10 },
  });

  const office = roles.complements.find((g) => g.some((i) => plans[i]!.product.category === 'desks'));
  if (office !== undefined) {
    promotions.push({
      promotionId: 'promo-office-set',
      kind: 'bundle',
      title: { en: 'Home office set: ¥100 off together', 'zh-CN': '居家办公组合，同买立减100元' },
      ...window(10, 20),
      stackable: true,
      priority: 40,
      productIds: office.map((i) => plans[i]!.product.productId),
      discount: { type: 'amountOff', amount: 10_000 },
    });
  }

  promotions.push({
    promotionId: 'promo-every-300-off-50',
    kind: 'threshold',
    title: { en: '¥50 off every ¥300, up to ¥300', 'zh-CN': '每满300减50，上不封顶300元' },
    ...window(14, 7),
    stackable: true,
    priority: 20,
    rule: { mode: 'repeat', every: 30_000, off: 5_000, maxOff: 30_000 },
  });

  promotions.push({
    promotionId: 'promo-kitchen-tiers',
    kind: 'threshold',
    title: {
      en: 'Kitchen: ¥20 off ¥199, ¥50 off ¥399, ¥100 off ¥699',
      'zh-CN': '厨房好物满199减20，满399减50，满699减100',
    },
    ...window(7, 21),
    stackable: false,
    priority: 30,
    rule: {
      mode: 'tiers',
      tiers: [
        { minSpend: 19_900, off: 2_000 },
        { minSpend: 39_900, off: 5_000 },
        { minSpend: 69_900, off: 10_000 },
      ],
    },
    categories: KITCHEN,
  });

  promotions.push({
    promotionId: 'promo-member-pantry',
    kind: 'memberPrice',
    title: {
      en: 'Member prices on coffee, tea, snacks and skincare',
      'zh-CN': '会员专享价：咖啡、茶叶、零食、护肤',
    },
    ...window(60, 60),
    stackable: true,
    priority: 10,
    categories: [...MEMBER_PRICE.categories],
    tiers: MEMBER_PRICE.tiers.map((t) => ({ ...t })),
  });

  const groupPick =
    roles.bestSellers
      .map((i) => plans[i]!)
      .find((p) => sellable(p) && ['snacks', 'coffee', 'water-bottles'].includes(p.product.category)) ??
    plans.find((p) => sellable(p) && p.product.category === 'snacks')!;
  promotions.push({
    promotionId: 'promo-group-buy-3',
    kind: 'groupBuy',
    title: {
      en: `Team up for 3: ${groupPick.product.title}`,
      'zh-CN': `3人拼团价：${groupPick.product.title}`,
    },
    ...window(5, 9),
    stackable: false,
    priority: 60,
    productId: groupPick.product.productId,
    groupSize: 3,
    groupPrice: Math.round((groupPick.product.listPrice * 0.8) / 100) * 100,
    groupTtlHours: 24,
  });

  promotions.push({
    promotionId: 'promo-coupon-winter-30',
    kind: 'coupon',
    title: { en: '¥30 off orders over ¥199', 'zh-CN': '冬季券：满199减30' },
    ...window(10, 20),
    stackable: true,
    priority: 5,
    code: 'WINTER-30',
    discount: { type: 'amountOff', amount: 3_000 },
    minSpend: 19_900,
    perUserLimit: 1,
    totalBudgetUses: 5_000,
  });

  const flashPool = plans.filter(
    (p) =>
      sellable(p) &&
      p.product.category === 'electric-cookers' &&
      p.product.tags.includes('hot-pot') &&
      p.product.stock >= 20,
  );
  const flash =
    flashPool.length > 0 ? r.pick(flashPool) : plans.find((p) => sellable(p) && p.product.stock >= 20)!;
  promotions.push({
    promotionId: 'promo-flash-hot-pot',
    kind: 'flashSale',
    title: { en: `Flash sale: ${flash.product.title}`, 'zh-CN': `限时秒杀：${flash.product.title}` },
    validFrom: isoInstant(endMs - 12 * HOUR_MS),
    validTo: isoInstant(endMs + 36 * HOUR_MS),
    stackable: false,
    priority: 90,
    productId: flash.product.productId,
    price: Math.round((flash.product.listPrice * 0.7) / 100) * 100,
    perUserCap: 1,
    stockCap: Math.min(200, flash.product.stock),
  });

  const giftPool = plans.filter(
    (p) =>
      sellable(p) &&
      p.product.category === 'tableware' &&
      p.product.tags.includes('coffee') &&
      p.tier === 'budget',
  );
  const gift = giftPool.length > 0 ? r.pick(giftPool) : plans.find(sellable)!;
  promotions.push({
    promotionId: 'promo-gift-mug-499',
    kind: 'gift',
    title: {
      en: `Free ${gift.product.title} with orders over ¥499`,
      'zh-CN': `满499元赠${gift.product.title}`,
    },
    ...window(7, 14),
    stackable: true,
    priority: 15,
    minSpend: 49_900,
    giftProductId: gift.product.productId,
    quantity: 1,
  });

  // Segment offers (models/segments): the segment is the server's, from the shopper's order
  // history. Picked without the random stream, so every promotion above stays as it was.
  promotions.push({
    promotionId: 'promo-win-back-40',
    kind: 'coupon',
    title: { en: 'Welcome back: ¥40 off orders over ¥149', 'zh-CN': '欢迎回来：满149减40' },
    ...window(30, 30),
    stackable: true,
    priority: 8,
    segments: ['dormant'],
    code: 'WELCOME-BACK',
    discount: { type: 'amountOff', amount: 4_000 },
    minSpend: 14_900,
    perUserLimit: 1,
    totalBudgetUses: 2_000,
  });
  const bottle =
    plans.find((p) => sellable(p) && p.product.category === 'water-bottles' && p.tier === 'budget') ?? gift;
  promotions.push({
    promotionId: 'promo-gift-promising-299',
    kind: 'gift',
    title: {
      en: `For our rising regulars: free ${bottle.product.title} with orders over ¥299`,
      'zh-CN': `潜力顾客专享：满299元赠${bottle.product.title}`,
    },
    ...window(14, 30),
    stackable: true,
    priority: 12,
    segments: ['promising'],
    minSpend: 29_900,
    giftProductId: bottle.product.productId,
    quantity: 1,
  });

  return promotions;
}

import type { QuoteInput } from '../../models/pricing/types.ts';
import { catalogScene, categorySlot, NOW, pricedProduct, promotion } from './builders.ts';

/**
 * Shared data of the pricing tests (not a test file itself): the products, scene and promotions of
 * models/pricing/EXAMPLES.md. Amounts in minor units; NOW and WINDOW are in builders.ts.
 */

export const tent = pricedProduct('p-tent', 'tents', 59_900, 30_000);
export const lamp = pricedProduct('p-lamp', 'camping-lamps', 12_900, 6_000);
export const stove = pricedProduct('p-stove', 'camping-stoves', 19_900, 9_000);
export const coffee = pricedProduct('p-coffee', 'coffee', 8_900, 4_000);
export const snack = pricedProduct('p-snack', 'snacks', 4_900, 2_000);
export const hotPot = pricedProduct('p-hot-pot', 'electric-cookers', 19_900, 9_000, ['hot-pot']);
export const mug = pricedProduct('p-mug', 'tableware', 3_900, 1_200, ['coffee']);

const title = (en: string, zh: string) => ({ en, 'zh-CN': zh });

export const campingScene = catalogScene(
  'camping-kit',
  [
    categorySlot('tent', 'tents', { title: title('Tent', '帐篷') }),
    categorySlot('lamp', 'camping-lamps', { title: title('Lantern', '营地灯') }),
    categorySlot('stove', 'camping-stoves', { title: title('Stove', '炉具') }),
    categorySlot('chair', 'camping-chairs', { title: title('Chair', '椅子'), required: false }),
  ],
  {
    title: title('Camping kit', '露营装备'),
    summary: title('Everything for a first night out.', '第一次露营需要的一切。'),
    guide: { en: ['Pick a bigger tent.'], 'zh-CN': ['帐篷选大一号。'] },
  },
);

export const campingBundle = promotion.bundle({
  promotionId: 'promo-camping-kit-10',
  title: title('Camping kit bundle: 10% off', '露营装备套装立享9折'),
  priority: 50,
  sceneId: 'camping-kit',
  discount: { type: 'percentOff', percent: 10 },
});

export const every300off50 = promotion.threshold({
  promotionId: 'promo-every-300-off-50',
  title: title('¥50 off every ¥300, up to ¥300', '每满300减50，最多减300元'),
  priority: 20,
  rule: { mode: 'repeat', every: 30_000, off: 5_000, maxOff: 30_000 },
});

export const tiers300off50 = promotion.threshold({
  promotionId: 'promo-tiers-300-50',
  title: title('¥50 off ¥300, ¥100 off ¥500', '满300减50，满500减100'),
  priority: 20,
  rule: {
    mode: 'tiers',
    tiers: [
      { minSpend: 30_000, off: 5_000 },
      { minSpend: 50_000, off: 10_000 },
    ],
  },
});

export const memberPantry = promotion.memberPrice({
  promotionId: 'promo-member-pantry',
  title: title('Member prices on coffee and snacks', '会员专享价：咖啡、零食'),
  priority: 10,
  categories: ['coffee', 'snacks'],
  tiers: [
    { tier: 'gold', percentOff: 5 },
    { tier: 'platinum', percentOff: 10 },
  ],
});

export const winter30 = promotion.coupon({
  promotionId: 'promo-coupon-winter-30',
  title: title('¥30 off orders over ¥199', '冬季券：满199减30'),
  priority: 5,
  code: 'WINTER-30',
  discount: { type: 'amountOff', amount: 3_000 },
  minSpend: 19_900,
  perUserLimit: 1,
  totalBudgetUses: 50,
});

export const groupBuySnack = promotion.groupBuy({
  promotionId: 'promo-group-buy-3',
  title: title('Team up for 3: snacks', '3人拼团：零食'),
  stackable: false,
  priority: 60,
  productId: 'p-snack',
  groupSize: 3,
  groupPrice: 3_900,
  groupTtlHours: 24,
});

export const flashHotPot = promotion.flashSale({
  promotionId: 'promo-flash-hot-pot',
  title: title('Flash sale: hot pot', '限时秒杀：电火锅'),
  stackable: false,
  priority: 90,
  productId: 'p-hot-pot',
  price: 13_900,
  perUserCap: 1,
  stockCap: 200,
});

export const giftMug = promotion.gift({
  promotionId: 'promo-gift-mug-499',
  title: title('Free mug with orders over ¥499', '满499元赠马克杯'),
  priority: 15,
  minSpend: 49_900,
  giftProductId: 'p-mug',
  quantity: 1,
});

export const baseInput = (over: Partial<QuoteInput> = {}): QuoteInput => ({
  lines: [],
  promotions: [],
  scenes: [campingScene],
  giftProducts: [mug],
  shopper: { userId: 'u-1', memberTier: 'none' },
  couponCodes: [],
  now: NOW,
  currency: 'CNY',
  minMarginPercent: 10,
  locale: 'en',
  ...over,
});

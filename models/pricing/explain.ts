import type { Promotion } from '../../events/catalog.ts';
import type { Locale, MemberTier } from '../../events/common.ts';
import type { MissReason } from '../../events/pricing.ts';
import { formatMoney } from './money.ts';

/**
 * The plain-language sentences of a quote, in the shopper's language. Only wording lives here:
 * every number comes from the engine, already computed in minor units.
 */
export interface Voice {
  locale: Locale;
  currency: string;
}

type Of<K extends Promotion['kind']> = Extract<Promotion, { kind: K }>;

const TIER: Record<Exclude<MemberTier, 'none'>, { en: string; 'zh-CN': string }> = {
  silver: { en: 'Silver', 'zh-CN': '银卡' },
  gold: { en: 'Gold', 'zh-CN': '金卡' },
  platinum: { en: 'Platinum', 'zh-CN': '铂金' },
};

/** What the engine knows about one applied promotion, for its sentence. */
export type AppliedFacts =
  | { promotion: Of<'memberPrice'>; amount: number; tier: MemberTier; percent: number }
  | { promotion: Of<'groupBuy'>; amount: number; unitPrice: number; listPrice: number }
  | { promotion: Of<'flashSale'>; amount: number; unitPrice: number; quantity: number }
  | { promotion: Of<'bundle'>; amount: number; sets: number }
  | { promotion: Of<'threshold'>; amount: number; base: number }
  | { promotion: Of<'coupon'>; amount: number; base: number }
  | { promotion: Of<'gift'>; amount: number; giftTitle: string; quantity: number };

export interface MissFacts {
  reason: MissReason;
  promotion?: Promotion | undefined;
  code?: string | undefined;
  needed?: number | undefined;
  have?: number | undefined;
  /** perUserLimitReached: the limit; incompleteBundle: how many items are missing. */
  count?: number | undefined;
  /** groupNotJoined / groupOpen: the group price and state. */
  unitPrice?: number | undefined;
  members?: number | undefined;
  size?: number | undefined;
  /** notStackable: the exclusive promotions that won (ids from the engine, titles for the text). */
  exclusiveIds?: string[] | undefined;
  exclusiveTitles?: string[] | undefined;
}

/**
 * The default segments (models/segments/rules.ts) as a shopper reads them: kind words, not the
 * marketing slugs (nobody wants to be told they are `dormant`); another segment shows its slug.
 */
const SEGMENT: Record<string, { en: string; 'zh-CN': string }> = {
  'core-loyal': { en: 'core loyal', 'zh-CN': '核心忠实' },
  new: { en: 'new', 'zh-CN': '新' },
  promising: { en: 'promising', 'zh-CN': '潜力' },
  'at-risk': { en: 'at-risk', 'zh-CN': '流失风险' },
  'about-to-sleep': { en: 'occasional', 'zh-CN': '偶尔光顾' },
  dormant: { en: 'welcome-back', 'zh-CN': '久未光顾' },
};

function segmentNames(segments: readonly string[] | undefined, locale: Locale): string {
  const names = (segments ?? []).map((s) => SEGMENT[s]?.[locale] ?? s);
  return locale === 'zh-CN' ? names.join('、') : names.join(' or ');
}

/**
 * Why a segment-limited offer applied: it names the segments it is for and that the shopper's own
 * order history (the server's profile, never the request) put them there. Empty for other offers.
 */
function segmentNote(p: Promotion, v: Voice): string {
  if (p.segments === undefined || p.segments.length === 0) return '';
  const names = segmentNames(p.segments, v.locale);
  return v.locale === 'zh-CN'
    ? `（${names}顾客专享，依据您的购买记录）`
    : ` (for ${names} shoppers, going by your order history)`;
}

export function explainApplied(f: AppliedFacts, v: Voice): string {
  return appliedSentence(f, v) + segmentNote(f.promotion, v);
}

function appliedSentence(f: AppliedFacts, v: Voice): string {
  const m = (n: number) => formatMoney(n, v.currency);
  const zh = v.locale === 'zh-CN';
  const save = zh ? `，省${m(f.amount)}` : `, you save ${m(f.amount)}`;
  switch (f.promotion.kind) {
    case 'memberPrice': {
      const { tier, percent } = f as Extract<AppliedFacts, { tier: MemberTier }>;
      const name = tier === 'none' ? '' : TIER[tier][v.locale];
      return zh ? `${name}会员价：立减${percent}%${save}` : `${name} member price: ${percent}% off${save}`;
    }
    case 'groupBuy': {
      const { unitPrice, listPrice } = f as Extract<AppliedFacts, { listPrice: number }>;
      const size = f.promotion.groupSize;
      return zh
        ? `${size}人团价${m(unitPrice)}（原价${m(listPrice)}）${save}`
        : `Group price ${m(unitPrice)} instead of ${m(listPrice)} (group of ${size})${save}`;
    }
    case 'flashSale': {
      const { unitPrice, quantity } = f as Extract<AppliedFacts, { promotion: Of<'flashSale'> }>;
      const cap = f.promotion.perUserCap;
      return zh
        ? `限时秒杀：${quantity}件${m(unitPrice)}（每人限购${cap}件）${save}`
        : `Flash sale: ${quantity} at ${m(unitPrice)} (limit ${cap} per shopper)${save}`;
    }
    case 'bundle': {
      const d = f.promotion.discount;
      if (d.type === 'percentOff')
        return zh ? `套装同买立减${d.percent}%${save}` : `Bought together: ${d.percent}% off the set${save}`;
      if (d.type === 'amountOff')
        return zh
          ? `套装同买每套立减${m(d.amount)}${save}`
          : `Bought together: ${m(d.amount)} off each set${save}`;
      return zh ? `套装价${m(d.price)}${save}` : `Bought together: the set for ${m(d.price)}${save}`;
    }
    case 'threshold': {
      const { base } = f as Extract<AppliedFacts, { promotion: Of<'threshold'> }>;
      const r = f.promotion.rule;
      if (r.mode === 'tiers') {
        const reached = [...r.tiers]
          .sort((a, b) => a.minSpend - b.minSpend)
          .filter((t) => t.minSpend <= base);
        const t = reached[reached.length - 1] ?? r.tiers[0]!;
        return zh
          ? `满${m(t.minSpend)}减${m(t.off)}：已购${m(base)}${save}`
          : `${m(t.off)} off ${m(t.minSpend)}: you have ${m(base)}${save}`;
      }
      const cap = r.maxOff === undefined ? '' : zh ? `，最多减${m(r.maxOff)}` : ` (up to ${m(r.maxOff)})`;
      return zh
        ? `每满${m(r.every)}减${m(r.off)}${cap}：已购${m(base)}${save}`
        : `${m(r.off)} off every ${m(r.every)}${cap}: you have ${m(base)}${save}`;
    }
    case 'coupon':
      return zh ? `优惠券${f.promotion.code}${save}` : `Coupon ${f.promotion.code}${save}`;
    case 'gift': {
      const { giftTitle, quantity } = f as Extract<AppliedFacts, { giftTitle: string }>;
      return zh
        ? `满${m(f.promotion.minSpend)}赠${giftTitle}×${quantity}`
        : `Spend ${m(f.promotion.minSpend)}, get ${quantity} × ${giftTitle} free`;
    }
  }
}

export function explainMissed(f: MissFacts, v: Voice): string {
  const m = (n: number | undefined) => formatMoney(n ?? 0, v.currency);
  const zh = v.locale === 'zh-CN';
  switch (f.reason) {
    case 'unknownCode':
      return zh ? `优惠券码${f.code}无效` : `Coupon code ${f.code} is not recognised`;
    case 'notStarted':
      return zh ? '活动尚未开始' : 'This offer has not started yet';
    case 'expired':
      return zh ? '活动已结束' : 'This offer has ended';
    case 'signInRequired':
      return zh ? '登录后可享此优惠' : 'Sign in to use this offer';
    case 'membersOnly': {
      const p = f.promotion?.kind === 'memberPrice' ? f.promotion : undefined;
      const tiers = (p?.tiers ?? []).map((t) => TIER[t.tier][v.locale]);
      return zh ? `${tiers.join('、')}会员专享` : `For ${tiers.join(' and ')} members`;
    }
    case 'perUserLimitReached':
      return zh ? `已达每人限额（${f.count}）` : `Limit reached (${f.count} per shopper)`;
    case 'budgetExhausted':
      return zh ? '优惠券已领完' : 'This coupon has run out';
    case 'belowMinSpend': {
      const short = (f.needed ?? 0) - (f.have ?? 0);
      return zh
        ? `满${m(f.needed)}可用，当前${m(f.have)}，还差${m(short)}`
        : `Needs ${m(f.needed)}, you have ${m(f.have)}`;
    }
    case 'soldOut':
      return zh ? '秒杀库存已抢完' : 'Sold out at the flash-sale price';
    case 'groupNotJoined':
      return zh
        ? `${f.size}人成团，每件${m(f.unitPrice)}`
        : `Team up: ${m(f.unitPrice)} each in a group of ${f.size}`;
    case 'groupOpen': {
      const more = (f.size ?? 0) - (f.members ?? 0);
      return zh
        ? `拼团中（${f.members}/${f.size}人），再有${more}人加入即享${m(f.unitPrice)}`
        : `Group ${f.members}/${f.size}: ${m(f.unitPrice)} each once ${more} more join`;
    }
    case 'groupExpired':
      return zh ? '拼团已过期' : 'The group expired before it filled';
    case 'notInCart':
      return zh ? '购物车中没有该拼团商品' : "The group's product is not in the cart";
    case 'incompleteBundle':
      return zh ? `还差${f.count}件即可成套` : `Add the ${f.count} missing item(s) to complete the set`;
    case 'notStackable': {
      const t = f.exclusiveTitles ?? [];
      if (t.length === 0) return zh ? '已为您选择更优惠的组合' : 'A better combination of offers was applied';
      return zh ? `不可与${t.join('、')}同享` : `Cannot be combined with ${t.join(', ')}`;
    }
    case 'betterOfferApplied':
      return zh ? '已享更低价格' : 'A lower price already applies';
    case 'marginFloor':
      return zh ? '商品已是最低价，无法再优惠' : 'The price is already at its lowest';
    case 'giftUnavailable':
      return zh ? '赠品暂不可用' : 'The gift is unavailable';
    case 'segmentOnly': {
      const names = segmentNames(f.promotion?.segments, v.locale);
      return zh
        ? `仅限${names}顾客（依据购买记录），您的账户暂不适用`
        : `Only for ${names} shoppers (going by order history): not this account`;
    }
  }
}

export function explainNextTier(add: number, extraSaving: number, v: Voice): string {
  const m = (n: number) => formatMoney(n, v.currency);
  return v.locale === 'zh-CN'
    ? `再买${m(add)}，可再省${m(extraSaving)}`
    : `Add ${m(add)} to save ${m(extraSaving)} more`;
}

export function explainCap(capped: number, v: Voice): string {
  const m = formatMoney(capped, v.currency);
  return v.locale === 'zh-CN'
    ? `受最低毛利限制，少减${m}`
    : `Capped by the minimum margin: ${m} of this offer could not be given`;
}

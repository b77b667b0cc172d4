import type { Promotion } from '../../events/catalog.ts';
import type { MemberTier } from '../../events/common.ts';
import type {
  AppliedPromotion,
  GroupQuote,
  MissedPromotion,
  NextTier,
  PricingStage,
  QuoteBody,
  QuoteLine,
  Reservation,
} from '../../events/pricing.ts';
import {
  type AppliedFacts,
  explainApplied,
  explainMissed,
  explainNextTier,
  type MissFacts,
  type Voice,
} from './explain.ts';
import { byPriority } from './rules.ts';
import { marginCaps } from './stages/margin.ts';
import { type Context, cmp, net, type Outcome, type StageApplied, sortedIds } from './stages/work.ts';

/** The quote body of the outcome the engine chose: lines, applied and missed promotions, explained. */

const STAGE: Record<Promotion['kind'], PricingStage> = {
  memberPrice: 'item',
  groupBuy: 'item',
  flashSale: 'item',
  bundle: 'bundle',
  threshold: 'threshold',
  coupon: 'coupon',
  gift: 'gift',
};
const STAGE_RANK: Record<PricingStage, number> = { item: 0, bundle: 1, threshold: 2, coupon: 3, gift: 4 };

export function render(
  ctx: Context,
  o: Outcome,
  off: Promotion[],
  group: GroupQuote | null,
  extraMisses: [string, MissFacts][],
): QuoteBody {
  const { input } = ctx;
  const voice: Voice = { locale: input.locale, currency: input.currency };
  const title = (p: Promotion) => p.title[input.locale];
  const applied = withItemPromotions(o, input.shopper.memberTier);
  const appliedList = appliedPromotions(applied, title, voice);
  let subtotal = 0;
  let itemDiscount = 0;
  let orderDiscountTotal = 0;
  for (const l of o.lines) {
    subtotal += l.product.listPrice * l.quantity;
    itemDiscount += (l.product.listPrice - l.unitPrice) * l.quantity;
    orderDiscountTotal += l.discount;
  }
  return {
    currency: input.currency,
    locale: input.locale,
    userId: input.shopper.userId,
    pricedAt: new Date(ctx.nowMs).toISOString(),
    lines: quoteLines(o),
    applied: appliedList,
    missed: missedPromotions(ctx, o, applied, off, extraMisses, title, voice),
    nextTier: nextTierOf(o, voice),
    marginCaps: marginCaps(o.caps, voice),
    group,
    reservations: reservationsOf(o, appliedList),
    subtotal,
    itemDiscount,
    orderDiscount: orderDiscountTotal,
    total: o.total,
    savings: subtotal - o.total,
    giftValue: o.giftValue,
  };
}

/** The priced lines, then one gift line per gift product (the quantities of its promotions summed). */
function quoteLines(o: Outcome): QuoteLine[] {
  const lines: QuoteLine[] = o.lines.map((l) => ({
    lineId: l.lineId,
    productId: l.product.productId,
    title: l.product.title,
    kind: l.kind,
    listPrice: l.product.listPrice,
    unitPrice: l.unitPrice,
    quantity: l.quantity,
    discount: l.discount,
    lineTotal: net(l),
    promotionIds: sortedIds(l.promotionIds),
  }));
  for (const { promotion, product } of [...o.gifts].sort((a, b) =>
    cmp(a.product.productId, b.product.productId),
  )) {
    const existing = lines.find((l) => l.lineId === `${product.productId}#gift`);
    if (existing !== undefined) {
      existing.quantity += promotion.quantity;
      existing.promotionIds = sortedIds([...existing.promotionIds, promotion.promotionId]);
      continue;
    }
    lines.push({
      lineId: `${product.productId}#gift`,
      productId: product.productId,
      title: product.title,
      kind: 'gift',
      listPrice: product.listPrice,
      unitPrice: 0,
      quantity: promotion.quantity,
      discount: 0,
      lineTotal: 0,
      promotionIds: [promotion.promotionId],
    });
  }
  return lines;
}

/** What the stages applied, plus the item-level promotions: what each saved, from the lines it priced. */
function withItemPromotions(o: Outcome, tier: MemberTier): Map<string, StageApplied> {
  const applied = new Map<string, StageApplied>(o.applied);
  for (const l of o.lines) {
    const p = l.itemPromotion;
    if (p === null) continue;
    const saved = (l.product.listPrice - l.unitPrice) * l.quantity;
    const seen = applied.get(p.promotionId);
    if (seen !== undefined) {
      seen.facts.amount += saved;
      seen.productIds.add(l.product.productId);
      if (seen.facts.promotion.kind === 'flashSale')
        (seen.facts as { quantity: number }).quantity += l.quantity;
      continue;
    }
    let facts: AppliedFacts;
    if (p.kind === 'memberPrice') {
      facts = {
        promotion: p,
        amount: saved,
        tier,
        percent: p.tiers.find((t) => t.tier === tier)?.percentOff ?? 0,
      };
    } else if (p.kind === 'groupBuy') {
      facts = { promotion: p, amount: saved, unitPrice: l.unitPrice, listPrice: l.product.listPrice };
    } else if (p.kind === 'flashSale') {
      facts = { promotion: p, amount: saved, unitPrice: l.unitPrice, quantity: l.quantity };
    } else continue;
    applied.set(p.promotionId, { facts, productIds: new Set([l.product.productId]) });
  }
  return applied;
}

/** The applied promotions in stage order (then promotionId), explained. */
function appliedPromotions(
  applied: Map<string, StageApplied>,
  title: (p: Promotion) => string,
  voice: Voice,
): AppliedPromotion[] {
  return [...applied.values()]
    .sort(
      (a, b) =>
        STAGE_RANK[STAGE[a.facts.promotion.kind]] - STAGE_RANK[STAGE[b.facts.promotion.kind]] ||
        cmp(a.facts.promotion.promotionId, b.facts.promotion.promotionId),
    )
    .map(({ facts, productIds }) => ({
      promotionId: facts.promotion.promotionId,
      kind: facts.promotion.kind,
      stage: STAGE[facts.promotion.kind],
      title: title(facts.promotion),
      amount: facts.amount,
      explanation: explainApplied(facts, voice),
      productIds: sortedIds(productIds),
      ...(facts.promotion.kind === 'coupon' ? { code: facts.promotion.code } : {}),
    }));
}

/**
 * The promotions that did not apply, by key, explained: what the stages missed, what priceQuote
 * adds (a group's), and the exclusive ones the chosen combination switched off.
 */
function missedPromotions(
  ctx: Context,
  o: Outcome,
  applied: Map<string, StageApplied>,
  off: Promotion[],
  extraMisses: [string, MissFacts][],
  title: (p: Promotion) => string,
  voice: Voice,
): MissedPromotion[] {
  const winners = [...applied.values()].map((a) => a.facts.promotion).filter((p) => !p.stackable);
  const titlesOf = (ids: string[] | undefined) =>
    sortedIds(ids ?? winners.map((p) => p.promotionId)).flatMap((id) => {
      const p = ctx.all.find((x) => x.promotionId === id);
      return p === undefined ? [] : [title(p)];
    });
  const missedFacts = new Map<string, MissFacts>(o.missed);
  for (const [k, f] of extraMisses) missedFacts.set(k, f);
  for (const p of off) {
    missedFacts.set(p.promotionId, {
      reason: 'notStackable',
      promotion: p,
      ...(p.kind === 'coupon' ? { code: p.code } : {}),
    });
  }
  return [...missedFacts.entries()]
    .filter(([k]) => !applied.has(k))
    .sort((a, b) => cmp(a[0], b[0]))
    .map(([, f]) => {
      const facts = f.reason === 'notStackable' ? { ...f, exclusiveTitles: titlesOf(f.exclusiveIds) } : f;
      return {
        ...(f.promotion === undefined
          ? {}
          : { promotionId: f.promotion.promotionId, kind: f.promotion.kind }),
        ...(f.code === undefined ? {} : { code: f.code }),
        reason: f.reason,
        explanation: explainMissed(facts, voice),
        ...(f.reason === 'belowMinSpend' && f.needed !== undefined && f.have !== undefined
          ? { needed: f.needed, have: f.have, shortfall: f.needed - f.have }
          : {}),
      };
    });
}

/** The nearest next threshold tier (the least to add, then the most it saves). */
function nextTierOf(o: Outcome, voice: Voice): NextTier | null {
  const next = [...o.next].sort(
    (a, b) => a.add - b.add || b.extraSaving - a.extraSaving || byPriority(a.promotion, b.promotion),
  )[0];
  return next === undefined
    ? null
    : {
        promotionId: next.promotion.promotionId,
        add: next.add,
        extraSaving: next.extraSaving,
        explanation: explainNextTier(next.add, next.extraSaving, voice),
      };
}

/** What redeeming the quote consumes: one use per applied coupon, the flash-sale units. */
function reservationsOf(o: Outcome, appliedList: AppliedPromotion[]): Reservation[] {
  const reservations: Reservation[] = [];
  for (const a of appliedList)
    if (a.kind === 'coupon') reservations.push({ promotionId: a.promotionId, kind: 'coupon', quantity: 1 });
  for (const l of o.lines) {
    if (l.kind === 'flash' && l.itemPromotion !== null) {
      reservations.push({
        promotionId: l.itemPromotion.promotionId,
        kind: 'flashSale',
        quantity: l.quantity,
      });
    }
  }
  return reservations.sort((a, b) => cmp(a.promotionId, b.promotionId));
}

import type { Product, Promotion, Scene } from '../../events/catalog.ts';
import type { Locale, MemberTier } from '../../events/common.ts';
import type { Experiment } from '../../events/experiments.ts';
import type { AppliedPromotion, MissedPromotion, QuoteBody } from '../../events/pricing.ts';
import { planPromotions } from '../experiments/promotions.ts';
import type { ShopperStanding } from '../segments/policy.ts';
import { priceQuote } from './engine.ts';

/**
 * The price a bundle or a filled scene is shown with: the pricing engine on those lines, for a
 * guest, or for a signed-in shopper whose token the route verified (their member tier and segment
 * from the server's records, their promotion experiment arms). It is a preview, not a quote:
 * nothing is signed or stored, coupons and group prices are not tried, and coupon and flash-sale
 * usage is not read; the quote (`POST /v1/quotes`) is what checkout trusts.
 */
export interface PricePreview {
  currency: string;
  /** List value of the lines. */
  subtotal: number;
  total: number;
  savings: number;
  applied: Pick<AppliedPromotion, 'promotionId' | 'title' | 'amount' | 'explanation'>[];
  /** Promotions the lines narrowly miss (a spend threshold just out of reach, members only). */
  missed: Pick<MissedPromotion, 'promotionId' | 'reason' | 'explanation'>[];
  pricedFor: 'guest' | 'shopper';
}

/** Who a preview is priced for, from the server's records (never from the request). */
export interface PreviewShopper {
  userId: string;
  memberTier: MemberTier;
  /** Their segment (null: no order yet), for segment-limited promotions. */
  segment: string | null;
  /** Promotions a promotion experiment withholds from them, as their quote would. */
  withheld: ReadonlySet<string>;
}

/**
 * Who a signed-in shopper's previews are priced for: their member tier and segment as read, and
 * the promotions their promotion experiment arms withhold, as their quote would (a preview exposes
 * nobody: only the quote does).
 */
export function previewShopperOf(
  userId: string,
  standing: Pick<ShopperStanding, 'segment' | 'memberTier'>,
  experiments: readonly Experiment[],
  now: number,
): PreviewShopper {
  return {
    userId,
    memberTier: standing.memberTier ?? 'none',
    segment: standing.segment,
    withheld: planPromotions(experiments, { userId, segment: standing.segment }, now).withheld,
  };
}

export interface PreviewSources {
  promotions: readonly Promotion[];
  scenes: readonly Scene[];
  giftProducts: readonly Product[];
}

export function previewPrice(
  lines: readonly { product: Product; quantity: number }[],
  sources: PreviewSources,
  {
    now,
    currency,
    minMarginPercent,
    locale,
  }: { now: Date; currency: string; minMarginPercent: number; locale: Locale },
  shopper?: PreviewShopper,
): PricePreview {
  const body: QuoteBody = priceQuote({
    lines,
    promotions: shopper?.withheld.size
      ? sources.promotions.filter((p) => !shopper.withheld.has(p.promotionId))
      : sources.promotions,
    scenes: sources.scenes,
    giftProducts: sources.giftProducts,
    shopper: {
      userId: shopper?.userId ?? null,
      memberTier: shopper?.memberTier ?? 'none',
      segment: shopper?.segment ?? null,
      group: undefined,
      couponUses: {},
      couponBudgetUsed: {},
      flashSold: {},
      flashBought: {},
    },
    now: now.toISOString(),
    currency,
    minMarginPercent,
    locale,
  });
  return {
    currency: body.currency,
    subtotal: body.subtotal,
    total: body.total,
    savings: body.savings,
    applied: body.applied.map(({ promotionId, title, amount, explanation }) => ({
      promotionId,
      title,
      amount,
      explanation,
    })),
    missed: body.missed
      .filter(
        (m) => m.reason === 'belowMinSpend' || m.reason === 'membersOnly' || m.reason === 'signInRequired',
      )
      .map((m) => ({
        ...(m.promotionId ? { promotionId: m.promotionId } : {}),
        reason: m.reason,
        explanation: m.explanation,
      })),
    pricedFor: shopper ? 'shopper' : 'guest',
  };
}

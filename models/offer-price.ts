import type { Product, Promotion, Scene } from '../events/catalog.ts';
import type { Locale } from '../events/common.ts';
import type { AppliedPromotion, MissedPromotion, QuoteBody } from '../events/pricing.ts';
import { priceQuote } from './pricing/engine.ts';

/**
 * The price a bundle or a filled scene is shown with: the pricing engine on those lines, for a
 * guest. It is a preview, not a quote: nothing is signed or stored, and member and group prices
 * (which come from the server's record of the shopper) apply only when the storefront asks for a
 * quote (`POST /v1/quotes`) with the shopper's token.
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
  pricedFor: 'guest';
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
): PricePreview {
  const body: QuoteBody = priceQuote({
    lines,
    promotions: sources.promotions,
    scenes: sources.scenes,
    giftProducts: sources.giftProducts,
    shopper: {
      userId: null,
      memberTier: 'none',
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
    pricedFor: 'guest',
  };
}

import type { Redemption } from '../../events/api.ts';
import type { Promotion } from '../../events/catalog.ts';
import type { Reservation } from '../../events/pricing.ts';
import { CodedError } from '../errors.ts';
import type { CappedReservation } from './counters.ts';
import { ownQuote, type QuoteStore } from './quotes.ts';
import { type QuoteKeys, verifyQuote } from './sign.ts';

/**
 * Redeeming a quote: once per quote, the same answer for a retry with the same Idempotency-Key
 * (looked up before anything else, so a retry after the quote expired still gets it), and the
 * capped counters (coupon budgets, flash stock, per-shopper limits) consumed all at once or not at
 * all by the store (functions/adapters/pricing-store.ts).
 */

export interface RedemptionPlan {
  userId: string;
  quoteId: string;
  idempotencyKey: string;
  reservations: CappedReservation[];
  result: Redemption;
}

export interface RedemptionStore {
  /** The result stored under this user's key, if any. */
  previous(userId: string, idempotencyKey: string): Promise<Redemption | undefined>;
  /** Consumes everything at once or nothing: throws ExhaustedError or a CodedError conflict. */
  redeem(plan: RedemptionPlan): Promise<Redemption>;
}

export async function redeemQuote(
  ports: {
    quotes: QuoteStore;
    redemptions: RedemptionStore;
    promotions: (ids: string[]) => Promise<Promotion[]>;
  },
  {
    quoteId,
    userId,
    idempotencyKey,
    now,
    signingKey,
  }: {
    quoteId: string;
    userId: string;
    idempotencyKey: string;
    now: Date;
    signingKey: QuoteKeys;
  },
): Promise<Redemption> {
  const previous = await ports.redemptions.previous(userId, idempotencyKey);
  if (previous) return sameQuoteOrConflict(previous, quoteId);
  const quote = await ownQuote(ports.quotes, quoteId, userId);
  if (quote.userId === null) {
    throw new CodedError(
      'conflict',
      'GuestQuote',
      'a guest quote cannot be redeemed: quote again signed in',
      'path.quoteId',
    );
  }
  const check = verifyQuote(quote, signingKey, now);
  if (!check.ok && check.reason === 'tampered') {
    throw new CodedError(
      'conflict',
      'QuoteTampered',
      'the quote does not match its signature',
      'path.quoteId',
    );
  }
  if (!check.ok) {
    throw new CodedError(
      'gone',
      'QuoteExpired',
      `the quote expired at ${quote.expiresAt}: ask for a new one`,
      'path.quoteId',
    );
  }
  const ids = [...new Set(quote.reservations.map((r) => r.promotionId))];
  const byId = new Map((ids.length ? await ports.promotions(ids) : []).map((p) => [p.promotionId, p]));
  const reservations = quote.reservations.map((r) => capped(r, byId.get(r.promotionId)));
  const result: Redemption = {
    quoteId,
    userId,
    status: 'redeemed',
    redeemedAt: now.toISOString(),
    currency: quote.currency,
    total: quote.total,
    reservations: quote.reservations,
  };
  const stored = await ports.redemptions.redeem({ userId, quoteId, idempotencyKey, reservations, result });
  return sameQuoteOrConflict(stored, quoteId);
}

function sameQuoteOrConflict(stored: Redemption, quoteId: string): Redemption {
  if (stored.quoteId !== quoteId) {
    throw new CodedError(
      'conflict',
      'IdempotencyKeyReused',
      `this Idempotency-Key already redeemed quote ${stored.quoteId}`,
      'header.idempotency-key',
    );
  }
  return stored;
}

function capped(r: Reservation, p: Promotion | undefined): CappedReservation {
  if (p?.kind === 'coupon' && r.kind === 'coupon') {
    return { ...r, perUserCap: p.perUserLimit, totalCap: p.totalBudgetUses };
  }
  if (p?.kind === 'flashSale' && r.kind === 'flashSale') {
    return { ...r, perUserCap: p.perUserCap, totalCap: p.stockCap };
  }
  throw new CodedError(
    'conflict',
    'PromotionUnavailable',
    `promotion ${r.promotionId} is no longer offered: ask for a new quote`,
    `promotion.${r.promotionId}`,
  );
}

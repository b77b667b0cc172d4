import { describe, expect, it } from 'vitest';
import type { Redemption } from '../../events/api.ts';
import type { Promotion } from '../../events/catalog.ts';
import type { MemberTier } from '../../events/common.ts';
import { QuoteRequest } from '../../events/pricing.ts';
import { createQuote, type PricingSources, type QuoteStore } from '../../models/pricing/quotes.ts';
import { type RedemptionPlan, type RedemptionStore, redeemQuote } from '../../models/pricing/redemption.ts';
import { memoryQuotes, NOW, pricingSources, quoteContext, stocked } from '../support/builders.ts';
import { coffee, memberPantry, tent, winter30 } from '../support/pricing-fixtures.ts';

/** The pricing and redemption use cases (models/quoting.ts) against in-memory ports. */

const KEY = 'unit-signing-key';
const MINUTE = 60_000;
const T = Date.parse(NOW);
const at = (minutes: number) => new Date(T + minutes * MINUTE);

const promotions: Promotion[] = [memberPantry, winter30];

/** Sources that report `tier` for whatever user id they are asked about, null included. */
const sourcesReporting = (tier: MemberTier): PricingSources =>
  pricingSources(promotions, [stocked(tent), stocked(coffee)], { memberTier: tier });

/**
 * A redemption store that answers a stored result only through `previous`: unlike the DynamoDB
 * store it has no fallback inside `redeem`, so the use case itself must look the key up first.
 */
function memoryRedemptions(): RedemptionStore & { plans: RedemptionPlan[] } {
  const results = new Map<string, Redemption>();
  const plans: RedemptionPlan[] = [];
  return {
    plans,
    previous: async (userId, key) => results.get(`${userId}#${key}`),
    async redeem(plan) {
      const k = `${plan.userId}#${plan.idempotencyKey}`;
      if (results.has(k)) throw new Error(`key ${plan.idempotencyKey} was redeemed a second time`);
      plans.push(plan);
      results.set(k, plan.result);
      return plan.result;
    },
  };
}

const quote = (
  ports: { sources: PricingSources; quotes: QuoteStore },
  userId: string | null,
  { quoteId = 'q-1', couponCodes = [] as string[] } = {},
) =>
  createQuote(
    ports,
    QuoteRequest.parse({
      items: [
        { productId: coffee.productId, quantity: 1 },
        { productId: tent.productId, quantity: 1 },
      ],
      couponCodes,
    }),
    quoteContext(userId, { now: at(0), quoteId, ttlSeconds: 15 * 60, signingKey: KEY }),
  );

describe('createQuote: member prices', () => {
  it('never gives a guest the member price, even when the pricing source reports a tier', async () => {
    const ports = { sources: sourcesReporting('gold'), quotes: memoryQuotes() };
    const guest = await quote(ports, null);
    expect(guest.userId).toBeNull();
    expect(guest.applied).toEqual([]);
    expect(guest.lines.find((l) => l.lineId === coffee.productId)).toMatchObject({
      unitPrice: coffee.listPrice,
    });
    expect(guest.missed).toEqual([
      expect.objectContaining({ promotionId: memberPantry.promotionId, reason: 'membersOnly' }),
    ]);
    expect(guest.total).toBe(coffee.listPrice + tent.listPrice);
    // The same source, asked for a signed-in shopper, does price them as gold.
    const member = await quote(ports, 'u-gold', { quoteId: 'q-2' });
    expect(member.applied.map((a) => a.promotionId)).toEqual([memberPantry.promotionId]);
    expect(member.total).toBeLessThan(guest.total);
  });
});

describe('redeemQuote: retries', () => {
  const setup = async () => {
    const quotes = memoryQuotes();
    const redemptions = memoryRedemptions();
    const issued = await quote({ sources: sourcesReporting('none'), quotes }, 'u-1', {
      couponCodes: ['WINTER-30'],
    });
    const ports = {
      quotes,
      redemptions,
      promotions: async (ids: string[]) => promotions.filter((p) => ids.includes(p.promotionId)),
    };
    const redeem = (minutes: number, idempotencyKey = 'idem-key-1') =>
      redeemQuote(ports, {
        quoteId: issued.quoteId,
        userId: 'u-1',
        idempotencyKey,
        now: at(minutes),
        signingKey: KEY,
      });
    return { issued, redemptions, redeem };
  };

  it('answers a retry with the same key after the quote expired with the stored redemption, not 410', async () => {
    const { issued, redemptions, redeem } = await setup();
    expect(issued.expiresAt).toBe(at(15).toISOString());
    const first = await redeem(14);
    expect(first).toMatchObject({ quoteId: 'q-1', status: 'redeemed', redeemedAt: at(14).toISOString() });
    // The shopper's client timed out and retries an hour later, long after the quote's 15 minutes.
    expect(await redeem(74)).toEqual(first);
    expect(redemptions.plans).toHaveLength(1);
    expect(redemptions.plans[0]!.reservations).toEqual([
      expect.objectContaining({ promotionId: winter30.promotionId, kind: 'coupon', quantity: 1 }),
    ]);
  });

  it('still refuses with 410 an expired quote that was never redeemed', async () => {
    const { redemptions, redeem } = await setup();
    await expect(redeem(16)).rejects.toMatchObject({ kind: 'gone', code: 'QuoteExpired' });
    expect(redemptions.plans).toEqual([]);
  });
});

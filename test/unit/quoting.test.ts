import { describe, expect, it } from 'vitest';
import type { Product, Promotion } from '../../events/catalog.ts';
import type { MemberTier } from '../../events/common.ts';
import { type Quote, QuoteRequest } from '../../events/pricing.ts';
import type { PricedProduct } from '../../models/pricing/types.ts';
import { createQuote, type PricingSources, type QuoteStore } from '../../models/quoting.ts';
import { coffee, memberPantry, NOW, tent, winter30 } from './pricing-fixtures.ts';

/** The pricing use cases (models/quoting.ts) against in-memory ports. */

const KEY = 'unit-signing-key';
const MINUTE = 60_000;
const T = Date.parse(NOW);
const at = (minutes: number) => new Date(T + minutes * MINUTE);

const stocked = (p: PricedProduct): Product => ({
  ...p,
  attributes: {},
  stock: 5,
  launchDate: '2026-01-01',
  consumable: false,
});
const catalog = new Map([tent, coffee].map((p) => [p.productId, stocked(p)]));
const promotions: Promotion[] = [memberPantry, winter30];

/** Sources that report `tier` for whatever user id they are asked about, null included. */
const sourcesReporting = (tier: MemberTier): PricingSources => ({
  promotions: async () => promotions,
  facts: async () => ({
    products: catalog,
    scenes: [],
    memberTier: tier,
    group: undefined,
    counters: new Map(),
  }),
});

function memoryQuotes(): QuoteStore {
  const quotes = new Map<string, Quote>();
  return {
    put: async (q) => void quotes.set(q.quoteId, q),
    get: async (id) => quotes.get(id),
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
    {
      userId,
      locale: 'en',
      now: at(0),
      quoteId,
      currency: 'CNY',
      minMarginPercent: 10,
      ttlSeconds: 15 * 60,
      signingKey: KEY,
    },
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

import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Promotion } from '../../events/catalog.ts';
import type { Quote, QuoteBody, Reservation } from '../../events/pricing.ts';
import {
  dynamoGroupStore,
  dynamoQuoteStore,
  dynamoRedemptionStore,
} from '../../functions/adapters/pricing-store.ts';
import { DomainError } from '../../models/errors.ts';
import { COUNTER_SHARDS, shardKey } from '../../models/pricing/counters.ts';
import { joinGroup, openGroup } from '../../models/pricing/groups.ts';
import { redeemQuote } from '../../models/pricing/redemption.ts';
import { signQuote } from '../../models/pricing/sign.ts';
import { promotion, windowAround } from '../support/builders.ts';
import { TEST_NOW } from '../support/clock.ts';
import { freshTables } from '../support/dynamo.ts';

const KEY = 'integration-signing-key-0123456789';
const NOW = TEST_NOW;
const WINDOW = windowAround(NOW.getTime());
const title = { en: 't', 'zh-CN': 't' };

const coupon = (promotionId: string, totalBudgetUses: number, perUserLimit = 1) =>
  promotion.coupon({
    promotionId,
    title,
    ...WINDOW,
    code: 'TEST-CODE',
    discount: { type: 'amountOff', amount: 100 },
    minSpend: 0,
    perUserLimit,
    totalBudgetUses,
  });
const flash = (promotionId: string, stockCap: number, perUserCap: number) =>
  promotion.flashSale({
    promotionId,
    title,
    ...WINDOW,
    stackable: false,
    productId: 'p-1',
    price: 100,
    perUserCap,
    stockCap,
  });
const groupBuy = promotion.groupBuy({
  promotionId: 'promo-group',
  title,
  ...WINDOW,
  stackable: false,
  productId: 'p-1',
  groupSize: 3,
  groupPrice: 100,
  groupTtlHours: 24,
});

const body = (userId: string, reservations: Reservation[]): QuoteBody => ({
  currency: 'CNY',
  locale: 'en',
  userId,
  pricedAt: NOW.toISOString(),
  lines: [],
  applied: [],
  missed: [],
  nextTier: null,
  marginCaps: [],
  group: null,
  reservations,
  subtotal: 1000,
  itemDiscount: 0,
  orderDiscount: 100,
  total: 900,
  savings: 100,
  giftValue: 0,
});

let db: Awaited<ReturnType<typeof freshTables>>;
let ports: Parameters<typeof redeemQuote>[0];
const promotions = new Map<string, Promotion>();

async function issue(
  quoteId: string,
  userId: string,
  reservations: Reservation[],
  ttlSeconds = 900,
): Promise<Quote> {
  const quote = signQuote(body(userId, reservations), {
    quoteId,
    issuedAt: NOW.toISOString(),
    ttlSeconds,
    key: KEY,
  });
  await ports.quotes.put(quote);
  return quote;
}
const redeem = (quoteId: string, userId: string, idempotencyKey = `key-${quoteId}`, now = NOW) =>
  redeemQuote(ports, { quoteId, userId, idempotencyKey, now, signingKey: KEY });
const counterTotal = async (kind: 'coupon' | 'flashSale', promotionId: string) => {
  let total = 0;
  for (let s = 0; s < COUNTER_SHARDS; s++) {
    const out = await db.doc.send(
      new GetCommand({
        TableName: db.names.redemptions,
        Key: { redemptionKey: shardKey(kind, promotionId, s) },
      }),
    );
    total += Number(out.Item?.used ?? 0);
  }
  return total;
};
const codeOf = (error: unknown) => (error as { code?: string }).code;

beforeAll(async () => {
  db = await freshTables();
  for (const p of [
    coupon('promo-c50', 50),
    coupon('promo-c10', 10, 2),
    coupon('promo-c-late', 10),
    flash('promo-flash', 3, 2),
    groupBuy,
  ]) {
    promotions.set(p.promotionId, p);
  }
  ports = {
    quotes: dynamoQuoteStore(db.names.quotes, db.doc),
    redemptions: dynamoRedemptionStore(db.names.redemptions, { client: db.doc }),
    promotions: async (ids) => ids.flatMap((id) => (promotions.has(id) ? [promotions.get(id)!] : [])),
  };
});

describe('pricing store', () => {
  describe('redeemQuote', () => {
    it('lets exactly 50 of 200 concurrent redemptions through a coupon budget of 50', async () => {
      const coupon50: Reservation[] = [{ promotionId: 'promo-c50', kind: 'coupon', quantity: 1 }];
      await Promise.all(Array.from({ length: 200 }, (_, i) => issue(`q-load-${i}`, `u-load-${i}`, coupon50)));
      const outcomes = await Promise.allSettled(
        Array.from({ length: 200 }, (_, i) => redeem(`q-load-${i}`, `u-load-${i}`)),
      );
      const ok = outcomes.filter((o) => o.status === 'fulfilled');
      const refused = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason] : []));
      expect(ok).toHaveLength(50);
      expect(refused).toHaveLength(150);
      for (const e of refused) {
        expect(e).toBeInstanceOf(DomainError);
        expect(e).toMatchObject({
          kind: 'conflict',
          code: 'BudgetExhausted',
          field: 'promotion.promo-c50.budget',
        });
      }
      expect(await counterTotal('coupon', 'promo-c50')).toBe(50);
    });

    it('answers a retry with the same key with the same result, and consumes once', async () => {
      await issue('q-retry', 'u-retry', [{ promotionId: 'promo-c10', kind: 'coupon', quantity: 1 }]);
      const first = await redeem('q-retry', 'u-retry', 'idem-retry-1');
      const again = await redeem('q-retry', 'u-retry', 'idem-retry-1', new Date(NOW.getTime() + 5_000));
      expect(again).toEqual(first);
      expect(first).toMatchObject({ quoteId: 'q-retry', status: 'redeemed', total: 900 });
      expect(await counterTotal('coupon', 'promo-c10')).toBe(1);
      // The same quote under another key: redeemed once only.
      await expect(redeem('q-retry', 'u-retry', 'idem-retry-2')).rejects.toMatchObject({
        code: 'QuoteAlreadyRedeemed',
      });
      // The same key for another quote: refused, naming the header.
      await issue('q-retry-2', 'u-retry', []);
      await expect(redeem('q-retry-2', 'u-retry', 'idem-retry-1')).rejects.toMatchObject({
        code: 'IdempotencyKeyReused',
        field: 'header.idempotency-key',
      });
    });

    it('answers a retry with the same key after the quote expired with the stored result, consuming once', async () => {
      // A fixed clock: issued at 10:00 for 15 minutes, redeemed at 10:14, retried at 11:14.
      const issuedAt = new Date('2026-11-23T10:00:00.000Z');
      const minutes = (m: number) => new Date(issuedAt.getTime() + m * 60_000);
      const late: Reservation[] = [{ promotionId: 'promo-c-late', kind: 'coupon', quantity: 1 }];
      await ports.quotes.put(
        signQuote(body('u-late', late), {
          quoteId: 'q-late',
          issuedAt: issuedAt.toISOString(),
          ttlSeconds: 900,
          key: KEY,
        }),
      );
      const first = await redeem('q-late', 'u-late', 'idem-late-1', minutes(14));
      expect(first).toMatchObject({
        quoteId: 'q-late',
        status: 'redeemed',
        redeemedAt: minutes(14).toISOString(),
      });
      expect(await redeem('q-late', 'u-late', 'idem-late-1', minutes(74))).toEqual(first);
      expect(await counterTotal('coupon', 'promo-c-late')).toBe(1);
      // Only the key brings the result back: under another key the quote is refused.
      await expect(redeem('q-late', 'u-late', 'idem-late-2', minutes(74))).rejects.toBeInstanceOf(
        DomainError,
      );
    });

    it('answers concurrent retries with the same key with one result', async () => {
      await issue('q-race', 'u-race', [{ promotionId: 'promo-c10', kind: 'coupon', quantity: 1 }]);
      const results = await Promise.all(
        Array.from({ length: 5 }, () => redeem('q-race', 'u-race', 'idem-race-1')),
      );
      for (const r of results) expect(r).toEqual(results[0]);
    });

    it('refuses a shopper past the per-user limit, naming it', async () => {
      const one: Reservation[] = [{ promotionId: 'promo-c10', kind: 'coupon', quantity: 1 }];
      await issue('q-pu-1', 'u-pu', one);
      await issue('q-pu-2', 'u-pu', one);
      await issue('q-pu-3', 'u-pu', one);
      await redeem('q-pu-1', 'u-pu');
      await redeem('q-pu-2', 'u-pu');
      await expect(redeem('q-pu-3', 'u-pu')).rejects.toMatchObject({
        code: 'PerUserLimitReached',
        field: 'promotion.promo-c10.perUser',
      });
    });

    it('sells flash stock up to its cap, then 409 naming the stock', async () => {
      const two: Reservation[] = [{ promotionId: 'promo-flash', kind: 'flashSale', quantity: 2 }];
      const one: Reservation[] = [{ promotionId: 'promo-flash', kind: 'flashSale', quantity: 1 }];
      await issue('q-fl-1', 'u-fl-1', two);
      await issue('q-fl-2', 'u-fl-2', one);
      await issue('q-fl-3', 'u-fl-3', one);
      await redeem('q-fl-1', 'u-fl-1');
      await redeem('q-fl-2', 'u-fl-2');
      await expect(redeem('q-fl-3', 'u-fl-3')).rejects.toMatchObject({
        code: 'StockExhausted',
        field: 'promotion.promo-flash.stock',
      });
      expect(await counterTotal('flashSale', 'promo-flash')).toBe(3);
    });

    it('refuses an expired quote with 410 and a tampered one with 409', async () => {
      await issue('q-old', 'u-old', [], 60);
      await expect(
        redeem('q-old', 'u-old', 'idem-old-1', new Date(NOW.getTime() + 61_000)),
      ).rejects.toMatchObject({
        kind: 'gone',
        code: 'QuoteExpired',
      });
      const quote = await issue('q-bent', 'u-bent', []);
      await db.doc.send(
        new PutCommand({
          TableName: db.names.quotes,
          Item: { quoteId: 'q-bent', quote: JSON.stringify({ ...quote, total: 1 }), expiresAt: 0 },
        }),
      );
      await expect(redeem('q-bent', 'u-bent')).rejects.toMatchObject({
        kind: 'conflict',
        code: 'QuoteTampered',
      });
    });

    it("hides another shopper's quote as not found", async () => {
      await issue('q-mine', 'u-owner', []);
      await expect(redeem('q-mine', 'u-thief')).rejects.toMatchObject({
        kind: 'not_found',
        field: 'path.quoteId',
      });
    });
  });

  describe('groups', () => {
    it('completes at its size under concurrent joins, once per user', async () => {
      const groups = dynamoGroupStore(db.names.groups, db.doc);
      const opened = await openGroup(
        { groups, promotions: ports.promotions },
        { promotionId: 'promo-group', userId: 'u-g0', now: NOW, groupId: 'g-int-1' },
      );
      expect(opened).toMatchObject({ members: 1, size: 3, status: 'open', member: true });
      const joins = await Promise.allSettled(
        Array.from({ length: 6 }, (_, i) =>
          joinGroup(groups, { groupId: 'g-int-1', userId: `u-g${i + 1}`, now: NOW }),
        ),
      );
      const joined = joins.filter((j) => j.status === 'fulfilled');
      expect(joined).toHaveLength(2);
      for (const j of joins) if (j.status === 'rejected') expect(codeOf(j.reason)).toBe('GroupFull');
      const stored = (await groups.get('g-int-1'))!;
      expect(stored).toMatchObject({ status: 'completed' });
      expect(stored.members).toHaveLength(3);
      // Joining again is idempotent.
      expect(await joinGroup(groups, { groupId: 'g-int-1', userId: 'u-g0', now: NOW })).toMatchObject({
        joined: false,
        member: true,
        status: 'completed',
      });
    });

    it('refuses joins after the group closed with 410', async () => {
      const groups = dynamoGroupStore(db.names.groups, db.doc);
      await openGroup(
        { groups, promotions: ports.promotions },
        { promotionId: 'promo-group', userId: 'u-h0', now: NOW, groupId: 'g-int-2' },
      );
      const later = new Date(NOW.getTime() + 25 * 3_600_000);
      await expect(
        joinGroup(groups, { groupId: 'g-int-2', userId: 'u-h1', now: later }),
      ).rejects.toMatchObject({
        kind: 'gone',
        code: 'GroupExpired',
      });
    });
  });
});

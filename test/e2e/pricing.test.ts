import { randomUUID } from 'node:crypto';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Promotion } from '../../events/catalog.ts';
import type { Schemas } from '../../events/client/index.ts';
import { signJwtHs256 } from '../../functions/lib/auth.ts';
import { shardKey, shardSlice } from '../../models/pricing/counters.ts';
import { answer, apiClient } from '../support/api.ts';
import { promotion, stocked, windowAround } from '../support/builders.ts';
import { TEST_NOW } from '../support/clock.ts';
import {
  campingBundle,
  campingScene,
  coffee,
  every300off50,
  flashHotPot,
  giftMug,
  groupBuySnack,
  hotPot,
  lamp,
  memberPantry,
  mug,
  snack,
  stove,
  tent,
  winter30,
} from '../support/pricing-fixtures.ts';
import { startTestRuntime, type TestRuntime } from '../support/runtime.ts';
import { shopperToken } from '../support/tokens.ts';

/**
 * Pricing through the local gateway: the demo storefront, plus the products and promotions of
 * models/pricing/EXAMPLES.md published as catalog events (valid around the runtime's clock, since
 * the service prices at the time of the request). The examples reuse the demo's promotion ids, so the
 * published definitions replace the demo's; the two demo promotions the examples do not use are
 * replaced by ones that have ended, so the active set is exactly the examples'.
 */

let rt: TestRuntime;
let doc: DynamoDBDocumentClient;
const now = TEST_NOW.getTime();
const WINDOW = windowAround(now);
const ENDED = {
  validFrom: new Date(now - 3 * 86_400_000).toISOString(),
  validTo: new Date(now - 2 * 86_400_000).toISOString(),
};

const products = [tent, lamp, stove, coffee, snack, hotPot, mug].map((p) => stocked(p, 500));
const live = (p: Promotion): Promotion => ({ ...p, ...WINDOW });
const promotions: Promotion[] = [
  live(campingBundle),
  live(every300off50),
  live(memberPantry),
  live(winter30),
  live(giftMug),
  live(groupBuySnack),
  live({ ...flashHotPot, perUserCap: 2 }),
  promotion.threshold({
    promotionId: 'promo-kitchen-tiers',
    title: { en: 'ended', 'zh-CN': '已结束' },
    ...ENDED,
    rule: { mode: 'tiers', tiers: [{ minSpend: 100, off: 1 }] },
  }),
  promotion.bundle({
    promotionId: 'promo-office-set',
    title: { en: 'ended', 'zh-CN': '已结束' },
    ...ENDED,
    productIds: ['p-x', 'p-y'],
    discount: { type: 'amountOff', amount: 1 },
  }),
];
const customers = [
  { userId: 'u-e2e-gold', memberTier: 'gold' },
  { userId: 'u-e2e-plain', memberTier: 'none' },
] as const;

const tokenFor = (userId: string) => shopperToken(userId);

async function publish(type: string, detail: Record<string, unknown>[]) {
  const eb = new EventBridgeClient({
    endpoint: `${rt.url}/_local/eventbridge`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  for (let i = 0; i < detail.length; i += 10) {
    const out = await eb.send(
      new PutEventsCommand({
        Entries: detail.slice(i, i + 10).map((d) => ({
          EventBusName: 'merchandiser-local',
          Source: 'merchandiser.catalog',
          DetailType: type,
          Detail: JSON.stringify({
            type,
            eventId: `evt-e2e-${randomUUID()}`,
            occurredAt: new Date(rt.now()).toISOString(),
            version: 1,
            ...d,
          }),
        })),
      }),
    );
    expect(out.FailedEntryCount).toBe(0);
  }
}

beforeAll(async () => {
  rt = await startTestRuntime('prc', { seed: 'always' });
  await rt.seedDone;
  doc = rt.doc;
  await publish(
    'ProductUpserted',
    products.map((product) => ({ product })),
  );
  await publish('SceneUpserted', [{ scene: campingScene }]);
  await publish(
    'PromotionUpserted',
    promotions.map((promotion) => ({ promotion })),
  );
  await publish(
    'CustomerUpserted',
    customers.map((customer) => ({ customer })),
  );
  await rt.bus.drain();
  // Example (c): 199 of the hot pot's 200 flash units are already sold (spread over the shards).
  let left = 199;
  for (let shard = 0; shard < 4; shard++) {
    const used = Math.min(left, shardSlice(200, shard));
    left -= used;
    await doc.send(
      new PutCommand({
        TableName: rt.tableNames.redemptions,
        Item: { redemptionKey: shardKey('flashSale', 'promo-flash-hot-pot', shard), used },
      }),
    );
  }
});
afterAll(async () => rt?.stop());

async function call(
  method: string,
  path: string,
  { body, user, headers = {} }: { body?: unknown; user?: string; headers?: Record<string, string> } = {},
) {
  const res = await fetch(`${rt.url}${path}`, {
    method,
    headers: {
      'content-type': 'application/json',
      ...(user ? { authorization: `Bearer ${tokenFor(user)}` } : {}),
      ...headers,
    },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as any };
}
/** POST /v1/quotes through the typed client (bodies the document refuses are sent as they are). */
const quote = (body: unknown, user?: string, headers?: Record<string, string>) =>
  answer(
    apiClient(rt.url, user).POST('/v1/quotes', {
      body: body as Schemas['QuoteRequest'],
      ...(headers ? { headers } : {}),
    }),
  );
/** POST /v1/quotes/{quoteId}/redeem through the typed client, with the Idempotency-Key it requires. */
const redeemQuote = (quoteId: string, user: string | undefined, key: string) =>
  answer(
    apiClient(rt.url, user).POST('/v1/quotes/{quoteId}/redeem', {
      params: { path: { quoteId }, header: { 'Idempotency-Key': key } },
    }),
  );
const campingCart = {
  items: [
    { productId: 'p-tent', quantity: 1 },
    { productId: 'p-lamp', quantity: 1 },
    { productId: 'p-stove', quantity: 1 },
    { productId: 'p-coffee', quantity: 1 },
  ],
  couponCodes: ['winter-30'],
};
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

describe('pricing, end to end', () => {
  describe('POST /v1/quotes', () => {
    it('(a) prices the camping kit for a gold member: member price, bundle, threshold, coupon, gift', async () => {
      const { status, body } = await quote(campingCart, 'u-e2e-gold');
      expect(status).toBe(201);
      expect(body).toMatchObject({ userId: 'u-e2e-gold', subtotal: 101_600, total: 73_885, savings: 27_715 });
      expect(body.applied.map((a: any) => [a.promotionId, a.amount])).toEqual([
        ['promo-member-pantry', 445],
        ['promo-camping-kit-10', 9_270],
        ['promo-every-300-off-50', 15_000],
        ['promo-coupon-winter-30', 3_000],
        ['promo-gift-mug-499', 0],
      ]);
      expect(body.lines.find((l: any) => l.lineId === 'p-coffee')).toMatchObject({ unitPrice: 8_455 });
      expect(body.lines.find((l: any) => l.lineId === 'p-mug#gift')).toMatchObject({ lineTotal: 0 });
      expect(sum(body.lines.map((l: any) => l.lineTotal))).toBe(body.total);
      expect(body.reservations).toEqual([
        { promotionId: 'promo-coupon-winter-30', kind: 'coupon', quantity: 1 },
      ]);
      // Signed with the local ring's current key, named in the signature (so the key can rotate).
      expect(body.signature).toMatch(/^v2\.local-1\./);
      expect(body.nextTier).toMatchObject({ add: 28_115, extraSaving: 5_000 });
      expect(body).not.toHaveProperty('lines.0.cost');
    });

    it('prices the same cart for a guest at list prices, without member price or coupon', async () => {
      const { status, body } = await quote(campingCart);
      expect(status).toBe(201);
      expect(body.userId).toBeNull();
      expect(body.lines.find((l: any) => l.lineId === 'p-coffee')).toMatchObject({ unitPrice: 8_900 });
      const applied = body.applied.map((a: any) => a.promotionId);
      expect(applied).not.toContain('promo-member-pantry');
      expect(applied).not.toContain('promo-coupon-winter-30');
      expect(body.missed.map((m: any) => m.promotionId)).toContain('promo-member-pantry');
      expect(body.total).toBeGreaterThan(73_885);
    });

    it('explains in zh-CN from Accept-Language', async () => {
      const { body } = await quote(campingCart, 'u-e2e-gold', {
        'accept-language': 'zh-CN,zh;q=0.9,en;q=0.5',
      });
      expect(body.locale).toBe('zh-CN');
      expect(body.applied[0].explanation).toMatch(/[\u4e00-\u9fff]/);
    });

    it('refuses a tier, user or price in the body (400 naming it): the server decides who the shopper is', async () => {
      for (const extra of [{ memberTier: 'platinum' }, { userId: 'u-e2e-gold' }]) {
        const { status, body } = await quote({ ...campingCart, ...extra });
        expect(status).toBe(400);
        expect(body.error.message).toContain(Object.keys(extra)[0]);
      }
      const priced = await quote(
        { items: [{ productId: 'p-coffee', quantity: 1, unitPrice: 1 }] },
        'u-e2e-plain',
      );
      expect(priced.status).toBe(400);
      expect(priced.body.error.issues[0].path).toBe('body.items.0');
    });

    it('answers 404 naming the item for an unknown product, 400 for a bad quantity, 401 for a bad token', async () => {
      const missing = await quote({
        items: [
          { productId: 'p-coffee', quantity: 1 },
          { productId: 'p-nope', quantity: 1 },
        ],
      });
      expect(missing.status).toBe(404);
      expect(missing.body.error.issues[0].path).toBe('body.items.1.productId');
      const bad = await quote({ items: [{ productId: 'p-coffee', quantity: 0 }] });
      expect(bad.status).toBe(400);
      expect(bad.body.error.issues[0].path).toBe('body.items.0.quantity');
      const forged = await call('POST', '/v1/quotes', {
        body: campingCart,
        headers: { authorization: `Bearer ${signJwtHs256({ sub: 'u-e2e-gold' }, 'not-the-service-secret')}` },
      });
      expect(forged.status).toBe(401);
    });
  });

  describe('GET /v1/quotes/{quoteId}', () => {
    it('returns the quote, valid, to its shopper; 404 to anyone else or for an unknown id', async () => {
      const created = (await quote(campingCart, 'u-e2e-gold')).body;
      const got = await call('GET', `/v1/quotes/${created.quoteId}`, { user: 'u-e2e-gold' });
      expect(got.status).toBe(200);
      expect(got.body).toEqual({ ...created, valid: true });
      expect((await call('GET', `/v1/quotes/${created.quoteId}`, { user: 'u-e2e-plain' })).status).toBe(404);
      expect((await call('GET', `/v1/quotes/${created.quoteId}`)).status).toBe(404);
      expect((await call('GET', '/v1/quotes/q-unknown')).status).toBe(404);
    });
  });

  describe('POST /v1/quotes/{quoteId}/redeem', () => {
    it('redeems once: the same key answers the same result, another key 409, no key 400', async () => {
      const q = (await quote(campingCart, 'u-e2e-gold')).body;
      const path = `/v1/quotes/${q.quoteId}/redeem`;
      expect((await call('POST', path, { user: 'u-e2e-gold' })).body.error).toEqual({
        code: 'ValidationError',
        message: 'invalid header.idempotency-key: required',
        issues: [{ path: 'header.idempotency-key', message: 'required' }],
      });
      const malformed = await call('POST', path, {
        user: 'u-e2e-gold',
        headers: { 'idempotency-key': 'k 1' },
      });
      expect(malformed.status).toBe(400);
      expect(malformed.body.error.message).toBe(
        'invalid header.idempotency-key: must be 8-128 letters, digits, ".", "_", ":" or "-"',
      );
      const first = await redeemQuote(q.quoteId, 'u-e2e-gold', 'e2e-key-0001');
      expect(first).toMatchObject({
        status: 200,
        body: { quoteId: q.quoteId, status: 'redeemed', total: 73_885 },
      });
      const retry = await redeemQuote(q.quoteId, 'u-e2e-gold', 'e2e-key-0001');
      expect(retry).toEqual(first);
      const other = await redeemQuote(q.quoteId, 'u-e2e-gold', 'e2e-key-0002');
      expect(other.status).toBe(409);
      expect(other.body.error.code).toBe('QuoteAlreadyRedeemed');
      // The coupon is used: the next quote says so and does not apply it.
      const after = (await quote(campingCart, 'u-e2e-gold')).body;
      expect(after.missed).toContainEqual(
        expect.objectContaining({ promotionId: 'promo-coupon-winter-30', reason: 'perUserLimitReached' }),
      );
    });

    it('answers a retry after the quote expired with the stored result; a new key then gets 410', async () => {
      const q = (await quote({ items: [{ productId: 'p-coffee', quantity: 1 }] }, 'u-e2e-late')).body;
      const redeem = (key: string) => redeemQuote(q.quoteId, 'u-e2e-late', key);
      const first = await redeem('e2e-late-0001');
      expect(first).toMatchObject({ status: 200, body: { quoteId: q.quoteId, status: 'redeemed' } });
      // The storefront's retry arrives after the quote's expiry (a slow network, a queued retry).
      rt.clock.advance(Date.parse(q.expiresAt) - rt.now() + 60_000);
      expect(rt.now()).toBeGreaterThan(Date.parse(q.expiresAt));
      expect(await redeem('e2e-late-0001')).toEqual(first);
      const fresh = await redeem('e2e-late-0002');
      expect(fresh.status).toBe(410);
      expect(fresh.body.error.code).toBe('QuoteExpired');
    });

    it('refuses a guest (401) and someone else (404)', async () => {
      const q = (await quote(campingCart, 'u-e2e-plain')).body;
      expect((await redeemQuote(q.quoteId, undefined, 'e2e-key-guest')).status).toBe(401);
      const stranger = await redeemQuote(q.quoteId, 'u-e2e-gold', 'e2e-key-strange');
      expect(stranger.status).toBe(404);
    });

    it('(c) sells the last flash unit once: the second quote at the cap gets 409 naming the stock', async () => {
      const cart = { items: [{ productId: 'p-hot-pot', quantity: 3 }] };
      const a = (await quote(cart, 'u-e2e-flash-a')).body;
      const b = (await quote(cart, 'u-e2e-flash-b')).body;
      expect(a.lines.map((l: any) => [l.lineId, l.quantity, l.unitPrice])).toEqual([
        ['p-hot-pot', 2, 19_900],
        ['p-hot-pot#flash', 1, 13_900],
      ]);
      expect(a.reservations).toEqual([
        { promotionId: 'promo-flash-hot-pot', kind: 'flashSale', quantity: 1 },
      ]);
      const ok = await redeemQuote(a.quoteId, 'u-e2e-flash-a', 'e2e-flash-a-1');
      expect(ok.status).toBe(200);
      const late = await redeemQuote(b.quoteId, 'u-e2e-flash-b', 'e2e-flash-b-1');
      expect(late.status).toBe(409);
      expect(late.body.error).toMatchObject({
        code: 'StockExhausted',
        issues: [{ path: 'promotion.promo-flash-hot-pot.stock' }],
      });
      const soldOut = (await quote(cart, 'u-e2e-flash-c')).body;
      // All three at the list price (¥597 then reaches ¥50 off ¥300, and the gift mug at ¥499).
      expect(
        soldOut.lines.filter((l: any) => l.kind !== 'gift').map((l: any) => [l.lineId, l.quantity]),
      ).toEqual([['p-hot-pot', 3]]);
      expect(soldOut.missed).toContainEqual(
        expect.objectContaining({ promotionId: 'promo-flash-hot-pot', reason: 'soldOut' }),
      );
    });
  });

  describe('group buy', () => {
    it('(b) opens, joins once per user, prices now and when complete, completes at 3', async () => {
      expect((await call('POST', '/v1/groups', { body: { promotionId: 'promo-group-buy-3' } })).status).toBe(
        401,
      );
      expect(
        (
          await call('POST', '/v1/groups', {
            body: { promotionId: 'promo-every-300-off-50' },
            user: 'u-e2e-g1',
          })
        ).status,
      ).toBe(400);
      const opened = await answer(
        apiClient(rt.url, 'u-e2e-g1').POST('/v1/groups', { body: { promotionId: 'promo-group-buy-3' } }),
      );
      expect(opened).toMatchObject({
        status: 201,
        body: { members: 1, size: 3, status: 'open', member: true },
      });
      const groupId = opened.body.groupId;
      const join = (user: string) =>
        answer(
          apiClient(rt.url, user).POST('/v1/groups/{groupId}/members', { params: { path: { groupId } } }),
        );
      expect(await join('u-e2e-g2')).toMatchObject({ status: 200, body: { members: 2, joined: true } });
      expect(await join('u-e2e-g2')).toMatchObject({ status: 200, body: { members: 2, joined: false } });

      const cart = { items: [{ productId: 'p-snack', quantity: 2 }], groupId };
      const open = (await quote(cart, 'u-e2e-g1')).body;
      expect(open.total).toBe(9_800);
      expect(open.group).toMatchObject({ status: 'open', members: 2, size: 3, totalWhenComplete: 7_800 });
      expect(open.missed).toContainEqual(
        expect.objectContaining({ promotionId: 'promo-group-buy-3', reason: 'groupOpen' }),
      );
      // Not a member: the group's price is not theirs.
      expect((await quote(cart, 'u-e2e-plain')).body.total).toBe(9_800);

      expect(await join('u-e2e-g3')).toMatchObject({
        status: 200,
        body: { members: 3, status: 'completed' },
      });
      expect((await join('u-e2e-g4')).status).toBe(409);
      const done = (await quote(cart, 'u-e2e-g1')).body;
      expect(done.total).toBe(7_800);
      expect(done.group).toMatchObject({ status: 'completed' });
      expect((await call('POST', '/v1/groups/g-unknown/members', { user: 'u-e2e-g1' })).status).toBe(404);
    });
  });
});

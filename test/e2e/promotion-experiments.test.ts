import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Experiment, type ExperimentInput } from '../../events/experiments.ts';
import { batchWriteAll } from '../../functions/adapters/dynamo/batch-write.ts';
import { variantFor } from '../../models/experiments/assign.ts';
import { catalogProduct, promotion, windowAround } from '../support/builders.ts';
import { TEST_NOW } from '../support/clock.ts';
import { startTestRuntime, type TestRuntime } from '../support/runtime.ts';
import { apiFetch } from '../support/sigv4.ts';
import { shopperToken } from '../support/tokens.ts';

/**
 * A promotion experiment end to end on the local runtime: a merchandiser tests whether "¥50 off
 * every ¥300 on tents" sells; signed-in shoppers in the 'withhold' arm are quoted without it, those
 * in the 'apply' arm with it, every quote says (signed) which variant priced it and stays
 * verifiable and redeemable, a shopper whose cart holds no tent is not exposed, and the exposures
 * and an order reach the results. Empty tables, two products and two promotions of its own.
 */
let rt: TestRuntime;

const now = TEST_NOW.getTime();
const WINDOW = windowAround(now);
const TENT = catalogProduct('p-pxp-tent', 'tents', { listPrice: 59_900, cost: 30_000, stock: 500 });
const COFFEE = catalogProduct('p-pxp-coffee', 'coffee', { listPrice: 8_900, cost: 4_000, stock: 500 });
const TENTS_OFF = promotion.threshold({
  promotionId: 'promo-pxp-tents-50',
  title: { en: '¥50 off every ¥300 on tents', 'zh-CN': '帐篷每满300减50' },
  ...WINDOW,
  priority: 20,
  categories: ['tents'],
  rule: { mode: 'repeat', every: 30_000, off: 5_000 },
});
const COUPON = promotion.coupon({
  promotionId: 'promo-pxp-coupon',
  title: { en: '¥30 off', 'zh-CN': '减30' },
  ...WINDOW,
  priority: 5,
  code: 'PXP-30',
  discount: { type: 'amountOff', amount: 3_000 },
  minSpend: 19_900,
  perUserLimit: 1,
  totalBudgetUses: 50,
});

const experimentId = `promo-tents-50-${randomUUID().slice(0, 8)}`;
const definition = (over: Partial<ExperimentInput> = {}): ExperimentInput => ({
  experimentId,
  title: '¥50 off every ¥300 on tents',
  hypothesis: 'The threshold makes tent shoppers order more often',
  target: { kind: 'promotion', promotionId: TENTS_OFF.promotionId },
  variants: [
    { variantId: 'apply', weight: 1, promotion: 'apply' },
    { variantId: 'withhold', weight: 1, promotion: 'withhold' },
  ],
  startAt: new Date(now - 3_600_000).toISOString(),
  endAt: new Date(now + 7 * 86_400_000).toISOString(),
  goal: 'order',
  windowHours: 24,
  ...over,
});

const tokenFor = (userId: string) => shopperToken(userId);
async function call(
  method: string,
  path: string,
  { body, token, headers = {} }: { body?: unknown; token?: string; headers?: Record<string, string> } = {},
) {
  const res = await apiFetch(`${rt.url}${path}`, {
    method,
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as any };
}
const tentCart = { items: [{ productId: TENT.productId, quantity: 1 }] };
const coffeeCart = { items: [{ productId: COFFEE.productId, quantity: 1 }] };
const quote = (userId: string | null, cart = tentCart) =>
  call('POST', '/v1/quotes', { body: cart, ...(userId === null ? {} : { token: tokenFor(userId) }) });
const results = async () => {
  const res = await call('GET', `/v1/experiments/${experimentId}/results`);
  expect(res.status).toBe(200);
  return Object.fromEntries(
    (
      res.body.variants as { variantId: string; exposures: number; conversions: number; revenue: number }[]
    ).map((v) => [v.variantId, v]),
  );
};

/** Twelve shoppers, with the variant the sticky hash gives each (both arms are among them). */
const shoppers = Array.from({ length: 12 }, (_, i) => `u-pxp-${i}`);
const armOf = (userId: string) => variantFor(Experiment.parse(definition()), userId).variantId;

beforeAll(async () => {
  // The pricing container caches the definitions for 60 s; this test wants the new one at once.
  process.env.EXPERIMENTS_CACHE_SECONDS = '0';
  rt = await startTestRuntime('pxp');
  const doc = rt.doc;
  const updatedAt = new Date(rt.now()).toISOString();
  await batchWriteAll(
    rt.tableNames.products,
    [TENT, COFFEE].map((p) => ({ ...p, updatedAt })),
    { client: doc },
  );
  await batchWriteAll(
    rt.tableNames.promotions,
    [TENTS_OFF, COUPON].map((p) => ({ ...p, updatedAt })),
    { client: doc },
  );
});
afterAll(async () => rt?.stop());

describe('A promotion experiment on quotes, end to end', () => {
  it('refuses a promotion experiment it could not serve, naming the field, and stores a servable one', async () => {
    const other = `${experimentId}-x`;
    const bad: [ExperimentInput, string][] = [
      [
        definition({
          experimentId: other,
          variants: [
            { variantId: 'A', weight: 1, promotion: 'withhold' },
            { variantId: 'B', weight: 1, promotion: 'withhold' },
          ],
        }),
        'body.variants',
      ],
      [
        definition({ experimentId: other, target: { kind: 'promotion', promotionId: 'promo-pxp-nope' } }),
        'body.target.promotionId',
      ],
      [
        definition({ experimentId: other, target: { kind: 'promotion', promotionId: COUPON.promotionId } }),
        'body.target.promotionId',
      ],
      [
        definition({
          experimentId: other,
          variants: [
            { variantId: 'A', weight: 1 },
            { variantId: 'B', weight: 1 },
          ],
        }),
        'body.variants.0.promotion',
      ],
    ];
    for (const [body, path] of bad) {
      const res = await call('PUT', `/v1/admin/experiments/${other}`, { body });
      expect(res.status, JSON.stringify(res.body)).toBe(400);
      expect(res.body.error.issues.map((i: { path: string }) => i.path)).toContain(path);
    }
    expect((await call('GET', `/v1/experiments/${other}/results`)).status).toBe(404);
    expect(await call('PUT', `/v1/admin/experiments/${experimentId}`, { body: definition() })).toMatchObject({
      status: 201,
      body: { status: 'created', experiment: { experimentId, audience: 'all' } },
    });
  });

  it("quotes the 'withhold' arm without the promotion and the 'apply' arm with it, saying which variant priced each", async () => {
    expect(new Set(shoppers.map(armOf))).toEqual(new Set(['apply', 'withhold']));
    for (const userId of shoppers) {
      const arm = armOf(userId);
      const q = await quote(userId);
      expect(q.status, JSON.stringify(q.body)).toBe(201);
      expect(q.body.experiments).toEqual([{ experimentId, variantId: arm }]);
      const ids = [...q.body.applied, ...q.body.missed].map((p: { promotionId?: string }) => p.promotionId);
      if (arm === 'apply') {
        expect(q.body.applied).toContainEqual(
          expect.objectContaining({ promotionId: TENTS_OFF.promotionId, amount: 5_000 }),
        );
        expect(q.body.total).toBe(TENT.listPrice - 5_000);
      } else {
        // Left out as if it did not exist: nothing shopper-facing names the experiment.
        expect(ids).not.toContain(TENTS_OFF.promotionId);
        expect(q.body.total).toBe(TENT.listPrice);
      }
      // Sticky: the same shopper, the same variant.
      expect((await quote(userId)).body.experiments).toEqual(q.body.experiments);
    }
    // Guests are never assigned: the promotion applies, and no variant is named.
    const guest = await quote(null);
    expect(guest.body.experiments).toEqual([]);
    expect(guest.body.total).toBe(TENT.listPrice - 5_000);
  });

  it('keeps the quote verifiable and redeemable, with the variant under the signature', async () => {
    const userId = shoppers.find((u) => armOf(u) === 'withhold')!;
    const q = await quote(userId);
    const read = await call('GET', `/v1/quotes/${q.body.quoteId}`, { token: tokenFor(userId) });
    expect(read).toMatchObject({
      status: 200,
      body: { valid: true, experiments: [{ experimentId, variantId: 'withhold' }], total: TENT.listPrice },
    });
    const redeemed = await call('POST', `/v1/quotes/${q.body.quoteId}/redeem`, {
      token: tokenFor(userId),
      headers: { 'idempotency-key': `pxp-${randomUUID()}` },
    });
    expect(redeemed).toMatchObject({ status: 200, body: { status: 'redeemed', total: TENT.listPrice } });
  });

  it('exposes only shoppers whose cart the promotion concerned, and counts the orders that follow', async () => {
    // A cart with no tent: the tents-only threshold is neither applied nor missed, so nobody is exposed.
    const outsider = 'u-pxp-coffee-only';
    const coffee = await quote(outsider, coffeeCart);
    expect(coffee.status).toBe(201);
    expect(coffee.body.experiments).toEqual([]);

    await rt.bus.drain();
    const perArm = (arm: string) => shoppers.filter((u) => armOf(u) === arm).length;
    const before = await results();
    expect(before.apply).toMatchObject({ exposures: perArm('apply'), conversions: 0 });
    expect(before.withhold).toMatchObject({ exposures: perArm('withhold'), conversions: 0 });

    // The first 'apply' shopper orders the tent at the quoted price; the outsider orders too.
    const buyer = shoppers.find((u) => armOf(u) === 'apply')!;
    const order = (userId: string, paidPrice: number) => ({
      type: 'OrderPlaced',
      eventId: `evt-pxp-${randomUUID()}`,
      occurredAt: new Date(rt.now()).toISOString(),
      version: 1,
      sessionId: `s-${userId}`,
      userId,
      orderId: `o-pxp-${randomUUID().slice(0, 8)}`,
      lines: [{ productId: TENT.productId, quantity: 1, paidPrice }],
    });
    const posted = await call('POST', '/v1/commerce/events', {
      body: { events: [order(buyer, TENT.listPrice - 5_000), order(outsider, TENT.listPrice)] },
    });
    expect(posted.status).toBe(202);
    await rt.bus.drain();
    const after = await results();
    expect(after.apply).toMatchObject({
      exposures: perArm('apply'),
      conversions: 1,
      revenue: TENT.listPrice - 5_000,
    });
    expect(after.withhold).toMatchObject({ exposures: perArm('withhold'), conversions: 0, revenue: 0 });
  }, 30_000);
});

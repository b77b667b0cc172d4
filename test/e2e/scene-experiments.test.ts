import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Experiment, type ExperimentInput } from '../../events/experiments.ts';
import type { RfmProfile } from '../../events/segments.ts';
import { batchWriteAll } from '../../functions/adapters/dynamo/batch-write.ts';
import { writeNeighbourLists } from '../../functions/adapters/related-store.ts';
import { variantFor } from '../../models/experiments/assign.ts';
import { categorySlot, listedProduct } from '../support/builders.ts';
import { TEST_NOW } from '../support/clock.ts';
import { startTestRuntime, type TestRuntime } from '../support/runtime.ts';
import { apiFetch } from '../support/sigv4.ts';
import { bearerFor } from '../support/tokens.ts';

/**
 * A scene fill experiment end to end on the local runtime: evidence-led (A) against style-led (B).
 * Every shopper here is a deal seeker by their purchases (a stored RFM profile); the anchor lamp's
 * scene has a dear tent with the best evidence and a cheap one with less. Under evidence-led the
 * evidence keeps the dear tent; under style-led the purchase signal wins the cheap one. Both scene
 * routes say which variant served them, and the results route counts each served shopper once.
 */
let rt: TestRuntime;
let doc: DynamoDBDocumentClient;

const ANCHOR = 'p-91000';
const DEAR = 'p-91001';
const CHEAP = 'p-91002';
const sceneId = 'night-camp';
/** 70% of spend on discounted lines, four priced units: `purchasePriceStyle` says value. */
const dealSeeker = (userId: string): RfmProfile => ({
  userId,
  firstOrderAt: Date.parse('2026-10-01T00:00:00Z'),
  lastOrderAt: Date.parse('2026-11-01T00:00:00Z'),
  orders: 2,
  monetary: 20_000,
  pricedSpend: 20_000,
  discountedSpend: 14_000,
  pricedUnits: 4,
  bandMilliSum: 2_000,
  recentOrders: [
    { orderId: `o-${userId}-1`, at: Date.parse('2026-10-01T00:00:00Z') },
    { orderId: `o-${userId}-2`, at: Date.parse('2026-11-01T00:00:00Z') },
  ],
  version: 1,
});

const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
  const res = await apiFetch(`${rt.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as any };
};
const tentOf = (scene: { slots: { slotId: string; pick: { product: { productId: string } } | null }[] }) =>
  scene.slots.find((s) => s.slotId === 'tent')?.pick?.product.productId;

// A fixed id: assignment is a function of the experiment and user ids, so the arms are the same on every run.
const experimentId = 'scene-fill-style-led';
const now = TEST_NOW.getTime();
const definition: ExperimentInput = {
  experimentId,
  title: 'Style-led scene fills',
  hypothesis: 'Deal seekers add a scene to the cart more often when its picks follow their budget',
  target: { kind: 'sceneFillStrategy' },
  variants: [
    { variantId: 'A', weight: 1, strategy: 'evidence-led' },
    { variantId: 'B', weight: 1, strategy: 'style-led' },
  ],
  startAt: new Date(now - 3_600_000).toISOString(),
  endAt: new Date(now + 7 * 86_400_000).toISOString(),
  goal: 'addToCart',
};
const shoppers = Array.from({ length: 12 }, (_, i) => `u-sf-${i}`);
const arms = new Map(shoppers.map((u) => [u, variantFor(Experiment.parse(definition), u).variantId]));

const savedCache = process.env.EXPERIMENTS_CACHE_SECONDS;
beforeAll(async () => {
  // The definitions are cached per container; this file wants its experiment served at once.
  process.env.EXPERIMENTS_CACHE_SECONDS = '0';
  rt = await startTestRuntime('sfx');
  doc = rt.doc;
  const updatedAt = new Date(rt.now()).toISOString();
  await batchWriteAll(
    rt.tableNames.products,
    [
      listedProduct(ANCHOR, 'camping-lamps', 15_000),
      listedProduct(DEAR, 'tents', 60_000),
      listedProduct(CHEAP, 'tents', 30_000),
    ].map((p) => ({ ...p, updatedAt })),
    { client: doc },
  );
  // Dear tent 1, cheap tent 0.7: evidence-led keeps the dear one (1 > 0.7 + 0.2), style-led
  // does not (1 < 0.7 + 0.5).
  await writeNeighbourLists(
    rt.tableNames.related,
    [
      {
        productId: ANCHOR,
        updatedAt,
        neighbours: [
          { productId: DEAR, score: 1, reasons: ['bought_together'] },
          { productId: CHEAP, score: 0.7, reasons: ['bought_together'] },
        ],
      },
    ],
    { client: doc },
  );
  await batchWriteAll(
    rt.tableNames.rfmProfiles,
    shoppers.map((u) => ({ ...dealSeeker(u), updatedAt })),
    { client: doc },
  );
  const put = await call('PUT', `/v1/admin/scenes/${sceneId}`, {
    sceneId,
    title: { en: 'Night camp', 'zh-CN': '夜间露营' },
    summary: { en: 'A light and a tent for the first night out', 'zh-CN': '第一晚露营的灯和帐篷' },
    guide: { en: ['Pitch the tent before dark'], 'zh-CN': ['天黑前搭好帐篷'] },
    season: 'all-year',
    slots: [categorySlot('lamp', 'camping-lamps'), categorySlot('tent', 'tents')],
  });
  expect(put.status, JSON.stringify(put.body)).toBe(202);
  await rt.bus.drain();
});
afterAll(async () => {
  if (savedCache === undefined) delete process.env.EXPERIMENTS_CACHE_SECONDS;
  else process.env.EXPERIMENTS_CACHE_SECONDS = savedCache;
  await rt?.stop();
});

describe('A/B experiment on scene fill strategies, end to end', () => {
  it('has shoppers in both arms (a fixed experiment id, so this holds on every run)', () => {
    expect(new Set(arms.values())).toEqual(new Set(['A', 'B']));
  });

  it('stores the definition, and refuses a variant naming a strategy scenes do not know', async () => {
    const bad = await call('PUT', `/v1/admin/experiments/${experimentId}-bad`, {
      ...definition,
      experimentId: `${experimentId}-bad`,
      variants: [...definition.variants.slice(0, 1), { variantId: 'B', weight: 1, strategy: 'cheapest' }],
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.issues.map((i: { path: string }) => i.path)).toContain('body.variants.1.strategy');
    expect((await call('GET', `/v1/experiments/${experimentId}-bad/results`)).status).toBe(404);
    expect((await call('PUT', `/v1/admin/experiments/${experimentId}`, definition)).status).toBe(201);
  });

  it("fills each arm with its variant's strategy on both routes, names the variant, and counts the exposures", async () => {
    for (const userId of shoppers) {
      const variantId = arms.get(userId)!;
      const want = variantId === 'A' ? DEAR : CHEAP;
      const served = [{ experimentId, variantId }];

      const scenes = await call('GET', `/v1/products/${ANCHOR}/scenes`, undefined, bearerFor(userId));
      expect(scenes.status, JSON.stringify(scenes.body)).toBe(200);
      expect(scenes.body.experiments).toEqual(served);
      expect(scenes.body.priceStyle).toMatchObject({ style: 'value', source: 'purchases' });
      expect(scenes.body.priceStyle.reason).toMatch(/^purchases: deal seeker/);
      expect(scenes.body.scenes.map((s: { sceneId: string }) => s.sceneId)).toEqual([sceneId]);
      expect(tentOf(scenes.body.scenes[0]), `${userId} in ${variantId}`).toBe(want);

      const one = await call(
        'GET',
        `/v1/scenes/${sceneId}?productId=${ANCHOR}`,
        undefined,
        bearerFor(userId),
      );
      expect(one.status).toBe(200);
      expect(one.body.experiments).toEqual(served);
      expect(tentOf(one.body.scene)).toBe(want);
    }

    // A guest reads no experiment and no profile: the default, styled by the (empty) visit.
    const guest = await call('GET', `/v1/products/${ANCHOR}/scenes`);
    expect(guest.body.experiments).toEqual([]);
    expect(guest.body.priceStyle).toMatchObject({ style: 'balanced', source: 'visit' });
    expect(tentOf(guest.body.scenes[0])).toBe(DEAR);
    // A 404 exposes nobody: this shopper is never served an answer.
    expect((await call('GET', '/v1/products/p-99999/scenes', undefined, bearerFor('u-sf-404'))).status).toBe(
      404,
    );
    expect((await call('GET', '/v1/scenes/no-such-scene', undefined, bearerFor('u-sf-404'))).status).toBe(
      404,
    );

    await rt.bus.drain();
    const results = await call('GET', `/v1/experiments/${experimentId}/results`);
    expect(results.status).toBe(200);
    const inArm = (v: string) => shoppers.filter((u) => arms.get(u) === v).length;
    // Each shopper was served on both routes and counts once, in their arm; u-sf-404 not at all.
    expect(
      results.body.variants.map((v: { variantId: string; exposures: number }) => [v.variantId, v.exposures]),
    ).toEqual([
      ['A', inArm('A')],
      ['B', inArm('B')],
    ]);
  }, 60_000);
});

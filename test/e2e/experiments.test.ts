import { type DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BehaviourEvent } from '../../events/behaviour.ts';
import type { ExperimentInput } from '../../events/experiments.ts';
import { batchWriteAll } from '../../functions/adapters/dynamo/batch-write.ts';
import { writeNeighbourLists } from '../../functions/adapters/related-store.ts';
import { Rng } from '../../infra/local/demo/data/prng.ts';
import { listedProduct } from '../support/builders.ts';
import { TEST_NOW } from '../support/clock.ts';
import { startTestRuntime, type TestRuntime } from '../support/runtime.ts';
import { apiFetch } from '../support/sigv4.ts';
import { bearerFor } from '../support/tokens.ts';

/**
 * An A/B experiment end to end on the local runtime: a merchandiser defines it, simulated shoppers
 * get the related list of their variant, those served B add to cart more often, and the results
 * route names B as ahead and significant. Empty tables and a hand-made anchor with four
 * neighbours, one per kind of evidence, so the two strategies visibly order them differently.
 */
let rt: TestRuntime;
let doc: DynamoDBDocumentClient;

const ANCHOR = 'p-90000';

beforeAll(async () => {
  // related-read caches the definitions for 60 s per container; the segment-audience test wants a
  // new one at once. Set before the first request: the setting is read once per container.
  process.env.EXPERIMENTS_CACHE_SECONDS = '0';
  rt = await startTestRuntime('xp');
  doc = rt.doc;
  const updatedAt = new Date(rt.now()).toISOString();
  await batchWriteAll(
    rt.tableNames.products,
    [
      listedProduct(ANCHOR, 'tents'),
      listedProduct('p-90001', 'camping-lamps'),
      listedProduct('p-90002', 'sleeping-bags'),
      listedProduct('p-90003', 'tents'),
      listedProduct('p-90004', 'camping-chairs'),
    ].map((p) => ({ ...p, updatedAt })),
    { client: doc },
  );
  await writeNeighbourLists(
    rt.tableNames.related,
    [
      {
        productId: ANCHOR,
        updatedAt,
        neighbours: [
          { productId: 'p-90001', score: 1, reasons: ['bought_together'] },
          { productId: 'p-90002', score: 0.8, reasons: ['viewed_together'] },
          { productId: 'p-90003', score: 0.6, reasons: ['similar_content'] },
          { productId: 'p-90004', score: 0.5, reasons: ['same_scene:camp'] },
        ],
      },
    ],
    { client: doc },
  );
});
afterAll(async () => rt?.stop());

const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
  const res = await apiFetch(`${rt.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as any };
};
const related = (userId: string) =>
  call(
    'GET',
    `/v1/products/${ANCHOR}/related?limit=4&perCategory=4&sessionId=s-${userId}`,
    undefined,
    bearerFor(userId),
  );
const exposureItems = async () =>
  (await doc.send(new ScanCommand({ TableName: rt.tableNames.exposures, ConsistentRead: true }))).Items ?? [];

// A fixed id (the tables are this run's own): the assignment hashes it, so with the seeded draws
// below the simulated outcome is the same on every run, never a 1-in-30 unlucky split.
const experimentId = 'related-content-first-e2e';
const now = TEST_NOW.getTime();
const definition = (): ExperimentInput => ({
  experimentId,
  title: 'Content-first related products',
  hypothesis: 'Look-alikes first make shoppers add to cart more often',
  target: { kind: 'recommendationStrategy', surface: 'related' },
  variants: [
    { variantId: 'A', weight: 1, strategy: 'behavioural' },
    { variantId: 'B', weight: 1, strategy: 'content-first' },
  ],
  startAt: new Date(now - 3_600_000).toISOString(),
  endAt: new Date(now + 7 * 86_400_000).toISOString(),
  goal: 'addToCart',
  windowHours: 24,
});

describe('A/B experiment on the related surface, end to end', () => {
  it('stores a definition (201), replaces it (200), and refuses bad ones with the field, storing nothing', async () => {
    expect(await call('PUT', `/v1/admin/experiments/${experimentId}`, definition())).toMatchObject({
      status: 201,
      body: { status: 'created', experiment: { experimentId, audience: 'all', windowHours: 24 } },
    });
    const retitled = { ...definition(), title: 'Content-first related products (v2)' };
    expect(await call('PUT', `/v1/admin/experiments/${experimentId}`, retitled)).toMatchObject({
      status: 200,
      body: { status: 'replaced', experiment: { title: 'Content-first related products (v2)' } },
    });

    const other = `${experimentId}-x`;
    const bad: [unknown, number, string][] = [
      [
        { ...definition(), experimentId: other, variants: [{ variantId: 'A', weight: 1 }] },
        400,
        'body.variants',
      ],
      [{ ...definition(), experimentId: other, endAt: definition().startAt }, 400, 'body.endAt'],
      [
        {
          ...definition(),
          experimentId: other,
          variants: [...definition().variants.slice(0, 1), { variantId: 'B', weight: 1, strategy: 'nope' }],
        },
        400,
        'body.variants.1.strategy',
      ],
      [{ ...definition(), experimentId: other, weight: 1 }, 400, 'body'],
      [{ ...definition() }, 400, 'body.experimentId'],
      // Scene fill experiments are served, but their variants name scene fill strategies.
      [
        { ...definition(), experimentId: other, target: { kind: 'sceneFillStrategy' } },
        400,
        'body.variants.0.strategy',
      ],
    ];
    for (const [body, status, path] of bad) {
      const res = await call('PUT', `/v1/admin/experiments/${other}`, body);
      expect(res.status, JSON.stringify(res.body)).toBe(status);
      expect(res.body.error.issues.map((i: { path: string }) => i.path)).toContain(path);
    }
    // It has started: moving shoppers between variants is refused.
    const reweighted = {
      ...definition(),
      variants: [
        { variantId: 'A', weight: 9, strategy: 'behavioural' },
        { variantId: 'B', weight: 1, strategy: 'content-first' },
      ],
    };
    expect((await call('PUT', `/v1/admin/experiments/${experimentId}`, reweighted)).status).toBe(409);
    expect((await call('GET', `/v1/experiments/${other}/results`)).status).toBe(404);
    expect(
      (await call('GET', `/v1/experiments/${experimentId}/results`)).body.variants.map(
        (v: { exposures: number }) => v.exposures,
      ),
    ).toEqual([0, 0]);
  });

  it('serves each shopper the same variant every time, and guests none', async () => {
    for (const userId of ['u-sticky-1', 'u-sticky-2', 'u-sticky-3']) {
      const first = await related(userId);
      expect(first.status).toBe(200);
      expect(first.body.experiments).toHaveLength(1);
      for (let i = 0; i < 3; i++)
        expect((await related(userId)).body.experiments).toEqual(first.body.experiments);
    }
    const guest = await call('GET', `/v1/products/${ANCHOR}/related?limit=4&perCategory=4`);
    expect(guest.body.experiments).toEqual([]);
  });

  it('counts shoppers and their carts per variant, exactly once, and names B ahead and significant', async () => {
    const rng = new Rng(20261123, 7);
    const shoppers = Array.from({ length: 300 }, (_, i) => `u-xp-${String(i).padStart(4, '0')}`);
    const served = new Map<string, { variantId: string; first: string }>();
    for (let i = 0; i < shoppers.length; i += 25) {
      await Promise.all(
        shoppers.slice(i, i + 25).map(async (userId) => {
          const { status, body } = await related(userId);
          expect(status).toBe(200);
          served.set(userId, {
            variantId: body.experiments[0].variantId,
            first: body.items[0].product.productId,
          });
        }),
      );
    }
    // The strategies differ: behavioural leads with what was bought together, content-first with the look-alike.
    for (const s of served.values()) expect(s.first).toBe(s.variantId === 'A' ? 'p-90001' : 'p-90003');

    // Shoppers act after seeing the list: the exposures are on their way first.
    await rt.bus.drain();
    const events: BehaviourEvent[] = [];
    // In the shoppers' fixed order, so the seeded draws (and the outcome) never depend on response order.
    for (const userId of shoppers) {
      const s = served.get(userId)!;
      const at = new Date(rt.now()).toISOString();
      // A cart for 40% of B's shoppers, 20% of A's.
      if (rng.next() < (s.variantId === 'B' ? 0.4 : 0.2)) {
        events.push({
          type: 'ProductAddedToCart',
          eventId: `evt-xp-c-${userId}`,
          occurredAt: at,
          version: 1,
          sessionId: `s-${userId}`,
          userId,
          productId: s.first,
          quantity: 1,
        });
      }
    }
    // Each shopper's events with their own bearer token: the only proof of the events' userId.
    const post = async (batch: readonly BehaviourEvent[]) => {
      for (const e of batch) {
        const userId = (e as { userId?: string }).userId!;
        const res = await call('POST', '/v1/events', { events: [e] }, bearerFor(userId));
        expect(res.status).toBe(202);
      }
      await rt.bus.drain();
    };
    await post(events);

    const results = await call('GET', `/v1/experiments/${experimentId}/results`);
    expect(results.status).toBe(200);
    const [a, b] = results.body.variants;
    const carted = new Set(events.filter((e) => e.type === 'ProductAddedToCart').map((e) => e.userId));
    const count = (v: string) => {
      const users = [...served].filter(([, s]) => s.variantId === v).map(([u]) => u);
      return { shoppers: users.length, carts: users.filter((u) => carted.has(u)).length };
    };
    // The three sticky shoppers of the test above were exposed too (and did nothing else).
    expect(a.exposures + b.exposures).toBe(served.size + 3);
    expect(a.conversions).toBe(count('A').carts);
    expect(b.conversions).toBe(count('B').carts);
    expect(b.exposures - count('B').shoppers).toBeGreaterThanOrEqual(0);
    expect(b.comparison).toMatchObject({ test: 'two-proportion z-test', significant: true });
    expect(results.body.sampleRatio.mismatch).toBe(false);
    expect(results.body.verdict).toMatch(
      /^B is ahead of A by \+\d+\.\d% \(p (<|=) [0-9.]+, z-test\): significant at 95%\.$/,
    );

    // Everything again: the same event ids, the same shoppers seeing the list again.
    const before = JSON.stringify(results.body.variants);
    await Promise.all(shoppers.slice(0, 50).map((u) => related(u)));
    await rt.bus.drain();
    await post(events.slice(0, 50));
    const again = await call('GET', `/v1/experiments/${experimentId}/results`);
    expect(JSON.stringify(again.body.variants)).toBe(before);

    const states = (await exposureItems()).filter((i) => String(i.exposureKey).includes('#user#'));
    expect(states).toHaveLength(served.size + 3);
  }, 60_000);

  it('takes a segment audience, which serves only shoppers whose profile is in it', async () => {
    const dormantOnly = {
      ...definition(),
      experimentId: `${experimentId}-dormant`,
      title: 'Visit-first for dormant shoppers',
      variants: [
        { variantId: 'A', weight: 1, strategy: 'behavioural' },
        { variantId: 'B', weight: 1, strategy: 'visit-first' },
      ],
      // Started before the other one, so it would shape the answer for anyone in its audience.
      startAt: new Date(now - 2 * 3_600_000).toISOString(),
      audience: { segments: ['dormant'] },
    };
    expect((await call('PUT', `/v1/admin/experiments/${dormantOnly.experimentId}`, dormantOnly)).status).toBe(
      201,
    );
    // u-no-orders has no profile, so no segment: the segment experiment passes them by.
    const answer = await related('u-no-orders');
    expect(answer.body.experiments).toEqual([{ experimentId, variantId: expect.any(String) }]);
  });
});

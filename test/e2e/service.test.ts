import { randomUUID } from 'node:crypto';
import { EventBridgeClient, PutEventsCommand, TestEventPatternCommand } from '@aws-sdk/client-eventbridge';
import { type DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BehaviourEvent } from '../../events/behaviour.ts';
import type { Schemas } from '../../events/client/index.ts';
import { readSignals } from '../../functions/adapters/signals-store.ts';
import { eventsOnce } from '../../models/lake/dialect.ts';
import { answer, apiClient } from '../support/api.ts';
import { DAY_MS, startOfDayUtc, TEST_NOW } from '../support/clock.ts';
import { demoMemberPrice } from '../support/demo-members.ts';
import { startTestRuntime, type TestRuntime } from '../support/runtime.ts';
import { bearerFor } from '../support/tokens.ts';

let rt: TestRuntime;
let doc: DynamoDBDocumentClient;
/** The runtime anchors the demo history to the start of its clock's day. */
const seedEnd = startOfDayUtc(TEST_NOW.getTime());
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

beforeAll(async () => {
  rt = await startTestRuntime('e2e', { seed: 'always' });
  // Catalog reads are served as soon as startRuntime resolves; these tests also read the history.
  await rt.seedDone;
  doc = rt.doc;
});
afterAll(async () => rt?.stop());

const get = async (path: string) => {
  const res = await fetch(`${rt.url}${path}`);
  return { status: res.status, body: (await res.json()) as any };
};
/** POST /v1/events: a batch through the typed client; raw text (not JSON) as it is. */
const postEvents = async (body: string | object, headers: Record<string, string> = {}) => {
  if (typeof body === 'object') {
    const batch = body as Schemas['PostEventsRequest'];
    return answer(apiClient(rt.url).POST('/v1/events', { body: batch, headers }));
  }
  const res = await fetch(`${rt.url}/v1/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  return { status: res.status, body: (await res.json()) as any };
};

/** A view `n` seconds into the run's day (the seeded history ends where that day begins). */
const viewed = (productId: string, n = 0): BehaviourEvent => ({
  type: 'ProductViewed',
  eventId: `evt-e2e-${randomUUID()}`,
  occurredAt: new Date(seedEnd.getTime() + n * 1000).toISOString(),
  version: 1,
  sessionId: 's-e2e',
  productId,
});

describe('local runtime, end to end', () => {
  describe('system routes', () => {
    it('answers /health', async () => {
      expect(await get('/health')).toMatchObject({
        status: 200,
        body: { status: 'ok', service: 'merchandiser' },
      });
    });

    it('serves the OpenAPI 3.1 document with every route', async () => {
      const { status, body } = await get('/openapi.json');
      expect(status).toBe(200);
      expect(body.openapi).toBe('3.1.0');
      expect(Object.keys(body.paths)).toEqual(
        expect.arrayContaining(['/v1/events', '/v1/products', '/v1/products/{productId}', '/v1/scenes']),
      );
    });
  });

  describe('seeded catalog', () => {
    it('pages through at least 2,000 products in at least 20 categories', async () => {
      const ids = new Set<string>();
      const categories = new Set<string>();
      let cursor: string | null = null;
      do {
        const page: { data?: Schemas['ProductPage']; response: Response } = await apiClient(rt.url).GET(
          '/v1/products',
          { params: { query: { limit: 100, ...(cursor ? { cursor } : {}) } } },
        );
        expect(page.response.status).toBe(200);
        for (const p of page.data!.items) {
          ids.add(p.productId);
          categories.add(p.category);
          expect(p).not.toHaveProperty('cost');
        }
        cursor = page.data!.nextCursor;
      } while (cursor);
      expect(ids.size).toBeGreaterThanOrEqual(2000);
      expect(categories.size).toBeGreaterThanOrEqual(20);
      expect((await rt.seedDone)?.products).toBe(ids.size);
    });

    it('reports the finished demo load, and the lake holds the whole seeded history, each event once', async () => {
      const status = (await get('/_local/status')).body;
      expect(status.demo.state).toBe('ready');
      const report = (await rt.seedDone)!;
      expect(report.events).toBeGreaterThanOrEqual(100_000);
      const [lake] = await rt.lake.query<{ rows: number; events: number; first: string; last: string }>(
        `SELECT count(*) AS rows, count(DISTINCT event_id) AS events, min(event_date) AS first, max(event_date) AS last
         FROM events WHERE event_date < '${isoDay(seedEnd.getTime())}'`,
      );
      expect(lake).toEqual({
        rows: report.events,
        events: report.events,
        first: isoDay(seedEnd.getTime() - 60 * DAY_MS),
        last: isoDay(seedEnd.getTime() - DAY_MS),
      });
    });

    it('filters by category and returns one product, 404 for an unknown one', async () => {
      const page = await get('/v1/products?category=tents&limit=5');
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeGreaterThan(0);
      const first = page.body.items[0];
      expect(first.category).toBe('tents');
      expect(await get(`/v1/products/${first.productId}`)).toMatchObject({
        status: 200,
        body: { productId: first.productId, currency: 'CNY' },
      });
      const missing = await get('/v1/products/p-does-not-exist');
      expect(missing.status).toBe(404);
      expect(missing.body.error.issues[0].path).toBe('path.productId');
    });

    it('lists at least 12 scenes with slots and bilingual guides', async () => {
      const { status, body } = await get('/v1/scenes');
      expect(status).toBe(200);
      expect(body.items.length).toBeGreaterThanOrEqual(12);
      for (const scene of body.items) {
        expect(scene.slots.length).toBeGreaterThan(0);
        expect(scene.guide['zh-CN'].length).toBeGreaterThan(0);
      }
    });

    it('answers 400 naming the parameter for a bad limit or cursor', async () => {
      const limit = await get('/v1/products?limit=1000');
      expect(limit.status).toBe(400);
      expect(limit.body.error.issues[0].path).toBe('query.limit');
      const cursor = await get('/v1/products?cursor=not-a-cursor');
      expect(cursor.status).toBe(400);
      expect(cursor.body.error.issues[0].path).toBe('query.cursor');
    });
  });

  describe('related products', () => {
    const rankOf = (items: { product: { productId: string } }[]) =>
      new Map(items.map((i, n) => [i.product.productId, n]));

    it('answers from the seeded history with reasons, and 404/400 for bad input', async () => {
      const res = await get('/v1/products/p-00010/related?limit=12');
      expect(res.status).toBe(200);
      expect(res.body.items.length).toBe(12);
      for (const item of res.body.items) {
        expect(item.product.inStock).toBe(true);
        expect(item.product.productId).not.toBe('p-00010');
        expect(item.reasons.length).toBeGreaterThan(0);
      }
      const reasons = new Set(res.body.items.flatMap((i: { reasons: string[] }) => i.reasons));
      expect([...reasons].some((r) => r === 'bought_together' || r === 'viewed_together')).toBe(true);
      expect((await get('/v1/products/p-99999/related')).status).toBe(404);
      const bad = await get('/v1/products/p-00010/related?limit=0');
      expect(bad.status).toBe(400);
      expect(bad.body.error.issues[0].path).toBe('query.limit');
      const badExclude = await get('/v1/products/p-00010/related?exclude=p-1,%20,../x');
      expect(badExclude.status).toBe(400);
      expect(badExclude.body.error.issues[0].path).toBe('query.exclude');
    });

    it('ranks what the session viewed and its neighbours higher on the very next request', async () => {
      const anchor = 'p-00010';
      const plain = (await get(`/v1/products/${anchor}/related?limit=30&perCategory=30`)).body.items;
      // Pick a viewed product from further down the anchor's list, so it has room to rise.
      const seen = plain[plain.length - 1].product.productId as string;
      const ofSeen = (await get(`/v1/products/${seen}/related?limit=10&perCategory=30`)).body.items.map(
        (i: { product: { productId: string } }) => i.product.productId as string,
      );
      const session = `s-e2e-${randomUUID().slice(0, 8)}`;
      const events = [0, 1, 2].map((n) => ({
        ...viewed(seen, n),
        eventId: `evt-rel-${randomUUID()}`,
        sessionId: session,
      }));
      expect((await postEvents({ events })).status).toBe(202);

      const adapted = (
        await get(`/v1/products/${anchor}/related?limit=30&perCategory=30&sessionId=${session}`)
      ).body.items;
      const before = rankOf(plain);
      const after = rankOf(adapted);
      const moved = ofSeen.filter((id: string) => after.has(id));
      expect(moved.length).toBeGreaterThan(0);
      // As a group the seen product's neighbours rank higher (one of them may give a place to
      // another that rose further), and at least one of them rises.
      const rankBefore = (id: string) => before.get(id) ?? plain.length;
      const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
      expect(sum(moved.map((id: string) => after.get(id)!))).toBeLessThan(sum(moved.map(rankBefore)));
      expect(moved.some((id: string) => after.get(id)! < rankBefore(id))).toBe(true);
      expect(adapted.some((i: { reasons: string[] }) => i.reasons.includes(`session:${seen}`))).toBe(true);
    });
  });

  describe('POST /v1/events', () => {
    it('publishes to the bus and the stream delivers every event to the lake, where jobs read each once', async () => {
      const events = Array.from({ length: 30 }, (_, n) => viewed('p-00001', n));
      const res = await postEvents({ events: [...events, events[0]] });
      expect(res.status).toBe(202);
      expect(res.body.count).toBe(30);
      // The storefront retries the same batch: duplicates must not be stored twice.
      expect((await postEvents({ events })).status).toBe(202);
      await rt.bus.drain();
      await rt.lakeFlush();
      const ids = events.map((e) => `'${e.eventId}'`).join(', ');
      const [lake] = await rt.lake.query<{ rows: number; events: number }>(
        `SELECT count(*) AS rows, count(DISTINCT event_id) AS events FROM events WHERE event_id IN (${ids})`,
      );
      // Published twice (the retry), so delivered twice: the lake is at-least-once, as Firehose is.
      expect(lake).toEqual({ rows: 60, events: 30 });
      const once = await rt.lake.query<{ n: number }>(
        `SELECT count(*) AS n FROM ${eventsOnce(`e.event_id IN (${ids})`)} AS o`,
      );
      expect(once).toEqual([{ n: 30 }]);
      expect(rt.bus.stats()['behaviour-to-signals']!.deadLetters).toBe(0);
    });

    it('adds posted events to the hourly signal buckets once, even when the batch is sent twice', async () => {
      const hour = Math.floor(rt.now() / 3_600_000) * 3_600_000;
      const events = Array.from({ length: 5 }, (_, n) => ({
        ...viewed('p-00011', n),
        eventId: `evt-sig-${randomUUID()}`,
        occurredAt: new Date(hour + n * 1000).toISOString(),
      }));
      const bucket = `p-00011#${new Date(hour).toISOString().slice(0, 19)}Z`;
      // Other tests may have counted views of that hour too.
      const viewsAt = async () =>
        (await readSignals(rt.tableNames.signals, 'p-00011', hour, doc))
          .filter(([key]) => key === bucket)
          .reduce((n, [, c]) => n + c.views, 0);
      const before = await viewsAt();
      expect((await postEvents({ events })).status).toBe(202);
      expect((await postEvents({ events })).status).toBe(202);
      await rt.bus.drain();
      expect(await viewsAt()).toBe(before + 5);
      expect(rt.bus.stats()['behaviour-to-signals']!.deadLetters).toBe(0);
    });

    it.each([
      ['wrong types', { events: [{ ...viewed('p-1'), productId: 42 }] }, 400, 'body.events.0.productId'],
      [
        'an unknown event type',
        { events: [{ ...viewed('p-1'), type: 'ProductLiked' }] },
        400,
        'body.events.0.type',
      ],
      [
        'a catalog event from the storefront',
        { events: [{ ...viewed('p-1'), type: 'ProductUpserted' }] },
        400,
        'body.events.0.type',
      ],
      ['101 events', { events: Array.from({ length: 101 }, (_, n) => viewed('p-1', n)) }, 400, 'body.events'],
      ['no events', { events: [] }, 400, 'body.events'],
      [
        'a missing field',
        { events: [{ ...viewed('p-1'), sessionId: undefined }] },
        400,
        'body.events.0.sessionId',
      ],
      ['an extra top-level field', { events: [viewed('p-1')], admin: true }, 400, 'body'],
    ])('rejects %s with the failing field and publishes nothing', async (_name, body, status, path) => {
      const before = rt.bus.stats()['behaviour-to-signals']!.delivered;
      const res = await postEvents(body);
      expect(res.status).toBe(status);
      expect(res.body.error.issues[0].path).toBe(path);
      await rt.bus.drain();
      expect(rt.bus.stats()['behaviour-to-signals']!.delivered).toBe(before);
    });

    it('lists every rejected event by index', async () => {
      const res = await postEvents({
        events: [
          viewed('p-1'),
          { ...viewed('p-2'), occurredAt: 'yesterday' },
          viewed('p-3'),
          { ...viewed('p-4'), eventId: 'x' },
        ],
      });
      expect(res.status).toBe(400);
      expect(res.body.error.issues.map((i: { path: string }) => i.path)).toEqual([
        'body.events.1.occurredAt',
        'body.events.3.eventId',
      ]);
    });

    it('rejects invalid JSON and a 2 MB body with a 4xx, never a 500', async () => {
      const invalid = await postEvents('{"events": [}');
      expect(invalid.status).toBe(400);
      expect(invalid.body.error.code).toBe('InvalidJson');
      const big = await postEvents({ events: [{ ...viewed('p-1'), referrer: 'x'.repeat(2 * 1024 * 1024) }] });
      expect(big.status).toBe(413);
      expect(big.body.error.issues[0].path).toBe('body');
    });
  });

  describe('hit ranking', () => {
    it('serves the global ranking with rank changes and the signals behind each item', async () => {
      await rt.hitsRanked;
      expect(rt.status().hits?.state).toBe('ranked');
      const { status, body } = await get('/v1/hits?limit=20&explain=true');
      expect(status).toBe(200);
      expect(body.scope).toBe('global');
      expect(body.modelVersion).toMatch(/^hits-/);
      expect(body.items.map((e: any) => e.rank)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      const scores = body.items.map((e: any) => e.hitScore);
      expect([...scores].sort((a, b) => b - a)).toEqual(scores);
      // The shelf's last 5 places are the day's fresh picks (none was on it the day before).
      expect(body.items.filter((e: any) => e.freshPick).map((e: any) => e.rank)).toEqual([
        16, 17, 18, 19, 20,
      ]);
      for (const e of body.items) {
        expect(Array.isArray(e.explanation)).toBe(true);
        expect(e.signals.views7d).toBeGreaterThanOrEqual(0);
      }
      const zh = await fetch(`${rt.url}/v1/hits?limit=20&explain=1`, {
        headers: { 'accept-language': 'zh-CN' },
      });
      const zhBody = (await zh.json()) as any;
      expect(zhBody.items.flatMap((e: any) => e.explanation).join('')).toMatch(/[\u4e00-\u9fff]/);
    });

    it('moves a product up its category within the visit after a burst of events', async () => {
      await rt.hitsRanked;
      const top = (await get('/v1/hits?limit=1')).body.items[0];
      const category = top.category;
      const before = (await get(`/v1/hits?category=${category}&limit=50`)).body;
      const target = before.items.at(-1);
      expect(target.rank).toBeGreaterThan(3);
      const now = rt.now();
      const at = (n: number) => new Date(now - 60_000 + n * 100).toISOString();
      const base = (n: number) => ({ eventId: `evt-hit-${randomUUID()}`, occurredAt: at(n), version: 1 });
      const burst: BehaviourEvent[] = [];
      for (let n = 0; n < 40; n++) {
        burst.push({
          ...base(n),
          type: 'SearchPerformed',
          sessionId: `s-hit-${n}`,
          query: 'the one everyone wants',
          resultProductIds: [target.productId],
          clickedProductId: target.productId,
        } as BehaviourEvent);
        burst.push({
          ...base(n),
          type: 'ProductViewed',
          sessionId: `s-hit-${n}`,
          productId: target.productId,
        } as BehaviourEvent);
        if (n % 2 === 0) {
          burst.push({
            ...base(n),
            type: 'ProductAddedToCart',
            sessionId: `s-hit-${n}`,
            productId: target.productId,
            quantity: 1,
          } as BehaviourEvent);
        }
      }
      for (let i = 0; i < burst.length; i += 100) {
        expect((await postEvents({ events: burst.slice(i, i + 100) })).status).toBe(202);
      }
      await rt.bus.drain();
      const after = (await get(`/v1/hits?category=${category}&limit=50&explain=true`)).body;
      const moved = after.items.find((e: any) => e.productId === target.productId);
      expect(moved.rank).toBeLessThan(target.rank);
      // The burst may be re-ranked in more than one batch on a busy machine: then the previous
      // ranking already had it part of the way up.
      expect(moved.previousRank).toBeLessThanOrEqual(target.rank);
      expect(moved.previousRank).toBeGreaterThanOrEqual(moved.rank);
      expect(moved.rankChange).toBe(moved.previousRank - moved.rank);
      expect(after.rankingVersion).toBeGreaterThan(before.rankingVersion);
      expect(moved.signals.searches24h).toBeGreaterThanOrEqual(40);
      expect(moved.explanation.join(' ')).toMatch(/searches/);
      expect(rt.bus.stats()['signals-to-rerank']!.deadLetters).toBe(0);
    });

    it("retrains on the lake's daily signals, stores the model, and re-ranks everything with it", async () => {
      await rt.hitsRanked;
      // As an operator starts it: the body is what the state machine's execution input is on AWS.
      const started = await fetch(`${rt.url}/_local/lake/jobs/hit-daily-signals`, {
        method: 'POST',
        body: JSON.stringify({ results: { epochs: 3, promote: 'always' } }),
      });
      expect(started.status).toBe(200);
      const run = (await started.json()) as { files: string[]; result: unknown };
      expect(run.files.length).toBeGreaterThan(0);
      const result = run.result as any;
      expect(result.status, result.reason).toBe('promoted');
      expect(result.modelVersion).toMatch(/^hits-\d{8}-\d{6}$/);
      // The demo plants breakouts in the held-out week: a model that learnt anything ranks some of
      // them in its top 20 and orders breakouts above the rest far better than chance.
      expect(result.precision20).toBeGreaterThan(0);
      expect(result.auc).toBeGreaterThan(0.7);
      await rt.bus.drain();
      const { body } = await get('/v1/hits?limit=5');
      expect(body.modelVersion).toBe(result.modelVersion);
      expect(rt.bus.directFailures).toEqual([]);
      // The schedule's old input (read the event log) is refused, not half understood.
      const bad = await rt.invoke('train-hits', { job: 'retrain', days: 3 }).catch((e: Error) => e);
      expect(bad).toBeInstanceOf(Error);
      const malformed = await fetch(`${rt.url}/_local/lake/jobs/hit-daily-signals`, {
        method: 'POST',
        body: JSON.stringify({ results: 3 }),
      });
      expect(malformed.status).toBe(400);
      expect(((await malformed.json()) as any).error.issues).toEqual([
        { in: 'body', path: 'results', message: 'an object' },
      ]);
      expect((await fetch(`${rt.url}/_local/lake/jobs/no-such-job`, { method: 'POST' })).status).toBe(404);
    }, 120_000);

    it('answers 400 naming the parameter, and 404 for a category without a ranking', async () => {
      for (const [query, field] of [
        ['limit=0', 'limit'],
        ['limit=51', 'limit'],
        ['explain=maybe', 'explain'],
        ['category=Not%20A%20Slug', 'category'],
        ['colour=red', ''],
      ] as const) {
        const { status, body } = await get(`/v1/hits?${query}`);
        expect(status, query).toBe(400);
        expect(body.error.issues[0].path).toBe(field ? `query.${field}` : 'query');
      }
      const missing = await get('/v1/hits?category=no-such-category');
      expect(missing.status).toBe(404);
      expect(missing.body.error.issues[0].path).toBe('query.category');
    });

    it("serves a product's daily signals, today's events counted, for the dashboard's chart", async () => {
      await rt.hitsRanked;
      const productId = (await get('/v1/hits?limit=1')).body.items[0].productId;
      const before = await get(`/v1/hits/${productId}/signals?days=3`);
      expect(before.status).toBe(200);
      const today = isoDay(rt.now());
      expect(before.body.days.map((d: any) => d.day).at(-1)).toBe(today);
      expect(before.body.days).toHaveLength(3);
      const event = { ...viewed(productId), occurredAt: new Date(rt.now()).toISOString() };
      expect((await postEvents({ events: [event] })).status).toBe(202);
      await rt.bus.drain();
      const after = await get(`/v1/hits/${productId}/signals?days=3`);
      expect(after.body.days.at(-1).views).toBe(before.body.days.at(-1).views + 1);
      expect((await get(`/v1/hits/${productId}/signals`)).body.days).toHaveLength(14);
      for (const [query, field] of [
        ['days=0', 'query.days'],
        ['days=29', 'query.days'],
        ['days=x', 'query.days'],
        ['from=1', 'query'],
      ] as const) {
        const { status, body } = await get(`/v1/hits/${productId}/signals?${query}`);
        expect(status, query).toBe(400);
        expect(body.error.issues[0].path).toBe(field);
      }
      expect((await get('/v1/hits/not%20an%20id/signals')).body.error.issues[0].path).toBe('path.productId');
    });
  });

  describe('scene guides', () => {
    const fits = (p: any, slot: any, quantity: number) =>
      p.stock >= quantity &&
      (slot.constraint.categories === undefined || slot.constraint.categories.includes(p.category)) &&
      (slot.constraint.tags === undefined || slot.constraint.tags.every((t: string) => p.tags.includes(t)));

    it('fills every seeded scene, and the scenes of 50 products, only with fitting in-stock picks', async () => {
      const defs = new Map<string, any>(
        (await get('/v1/scenes')).body.items.map((s: any) => [s.sceneId, s] as [string, any]),
      );
      expect(defs.size).toBeGreaterThanOrEqual(12);
      const seen = { complete: 0, incomplete: 0, priced: 0, unpriced: 0 };
      const check = (scene: any) => {
        const def = defs.get(scene.sceneId);
        const used = new Set<string>();
        for (const slot of scene.slots) {
          const declared = def.slots.find((d: any) => d.slotId === slot.slotId);
          for (const pick of [slot.pick, ...slot.alternatives].filter(Boolean)) {
            // The anchor is the product on the page: it keeps its slot even when sold out (the
            // scene is then incomplete); every other pick must fit and be in stock.
            const stockNeeded = slot.isAnchor ? 0 : slot.quantity;
            expect(
              fits(pick.product, declared, stockNeeded),
              `${scene.sceneId}/${slot.slotId}/${pick.product.productId}`,
            ).toBe(true);
            expect(pick.reasons.length).toBeGreaterThan(0);
          }
          if (slot.isAnchor && slot.required && slot.pick.product.stock < slot.quantity)
            expect(scene.complete).toBe(false);
          if (slot.pick) {
            expect(used.has(slot.pick.product.productId)).toBe(false);
            used.add(slot.pick.product.productId);
          }
          expect(slot.alternatives.length).toBeLessThanOrEqual(3);
        }
        if (scene.complete) {
          seen.complete++;
          expect(scene).not.toHaveProperty('incomplete');
        } else {
          seen.incomplete++;
          expect(scene.incomplete.en).toMatch(/in stock/);
        }
        // Priced: the picks that can be bought in their quantity; a scene with none has no price.
        const lines = scene.slots.filter((sl: any) => sl.pick && sl.pick.product.stock >= sl.quantity);
        if (lines.length === 0) {
          seen.unpriced++;
          expect(scene.price).toBeNull();
        } else {
          seen.priced++;
          expect(scene.price.subtotal).toBe(
            lines.reduce((n: number, sl: any) => n + sl.pick.product.listPrice * sl.quantity, 0),
          );
          expect(scene.price.total).toBe(scene.price.subtotal - scene.price.savings);
        }
      };
      for (const sceneId of defs.keys()) {
        const { status, body } = await get(`/v1/scenes/${sceneId}`);
        expect(status, sceneId).toBe(200);
        check(body.scene);
      }
      const slotCategories = [...defs.values()].flatMap((d) =>
        d.slots.flatMap((sl: any) => sl.constraint.categories ?? []),
      );
      const products: string[] = [];
      for (const category of [...new Set(slotCategories)].slice(0, 25)) {
        const page = (await get(`/v1/products?category=${category}&limit=2`)).body.items;
        products.push(...page.map((p: any) => p.productId));
      }
      expect(products.length).toBeGreaterThanOrEqual(50);
      let filled = 0;
      for (const productId of products.slice(0, 50)) {
        const { status, body } = await get(`/v1/products/${productId}/scenes?limit=5`);
        expect(status, productId).toBe(200);
        for (const scene of body.scenes) {
          check(scene);
          const anchorSlot = scene.slots.find((sl: any) => sl.isAnchor);
          expect(anchorSlot.pick.product.productId).toBe(productId);
          filled++;
        }
      }
      expect(filled).toBeGreaterThanOrEqual(50);
      // Both branches of each check ran: the demo has sold-out required slots as well as complete scenes.
      expect(seen.complete).toBeGreaterThan(0);
      expect(seen.incomplete).toBeGreaterThan(0);
      expect(seen.priced).toBe(seen.complete + seen.incomplete - seen.unpriced);
      expect(seen.priced).toBeGreaterThan(0);
    }, 120_000);

    it('gives a price-sensitive and a quality-seeking visit different picks, and says why', async () => {
      const scene = (await get('/v1/scenes/camping-kit')).body.scene;
      const tents = (await get('/v1/products?category=tents&limit=100')).body.items.filter(
        (p: any) => p.stock > 0,
      );
      const byPrice = [...tents].sort((a: any, b: any) => a.listPrice - b.listPrice);
      const visit = async (sessionId: string, products: any[]) => {
        const events = products.map((p: any, n: number) => ({
          type: 'ProductViewed',
          eventId: `evt-style-${randomUUID()}`,
          occurredAt: new Date(rt.now() - 60_000 + n * 1000).toISOString(),
          version: 1,
          sessionId,
          productId: p.productId,
        }));
        expect((await postEvents({ events })).status).toBe(202);
      };
      await visit('s-thrifty', byPrice.slice(0, 4));
      await visit('s-lavish', byPrice.slice(-4));
      const thrifty = (await get(`/v1/scenes/camping-kit?sessionId=s-thrifty`)).body;
      const lavish = (await get(`/v1/scenes/camping-kit?sessionId=s-lavish`)).body;
      expect(thrifty.priceStyle.style).toBe('value');
      expect(lavish.priceStyle.style).toBe('premium');
      expect(thrifty.priceStyle.reason).toMatch(/below/);
      const picks = (b: any) => b.scene.slots.map((sl: any) => sl.pick?.product.productId);
      expect(picks(thrifty)).not.toEqual(picks(lavish));
      const reasons = (b: any) => b.scene.slots.flatMap((sl: any) => sl.pick?.reasons ?? []);
      expect(reasons(thrifty)).toContain('value_pick');
      expect(reasons(lavish)).toContain('premium_pick');
      expect(scene.sceneId).toBe('camping-kit');
    });

    it('answers 404 for an unknown scene or product and 400 naming a bad parameter', async () => {
      expect((await get('/v1/scenes/no-such-scene')).status).toBe(404);
      const missing = await get('/v1/products/p-99999/scenes');
      expect(missing.status).toBe(404);
      expect(missing.body.error.issues[0].path).toBe('path.productId');
      const bad = await get('/v1/products/p-00001/scenes?limit=99');
      expect(bad.status).toBe(400);
      expect(bad.body.error.issues[0].path).toBe('query.limit');
      const noProduct = await get('/v1/scenes/camping-kit?productId=p-99999');
      expect(noProduct.status).toBe(404);
      expect(noProduct.body.error.issues[0].path).toBe('query.productId');
    });
  });

  describe('frequently bought together', () => {
    it('offers a mined bundle with its guest price, and says so when there is none', async () => {
      await rt.hitsRanked;
      expect(rt.status().bundles?.state).toBe('mined');
      const items = (await doc.send(new ScanCommand({ TableName: rt.tableNames.bundles }))).Items ?? [];
      const mined = items.find((i) => i.productId !== '#mining')!;
      expect(mined.items[0]).toBe(mined.productId);
      const { status, body } = await get(`/v1/products/${mined.productId}/bundle`);
      expect(status).toBe(200);
      expect(body.bundle.items.map((p: any) => p.productId)).toEqual(mined.items);
      expect(body.bundle.evidence.orders).toBeGreaterThanOrEqual(5);
      expect(body.bundle.evidence.lift).toBeGreaterThan(1);
      expect(body.bundle.price.subtotal).toBe(
        body.bundle.items.reduce((n: number, p: any) => n + p.listPrice, 0),
      );
      expect(body.bundle.price.total).toBe(body.bundle.price.subtotal - body.bundle.price.savings);
      expect(body.bundle.reason).toMatch(/bought together in \d+ orders/);
      const bundled = new Set(items.map((i) => i.productId));
      const lonely = Array.from({ length: 2400 }, (_, i) => `p-${String(i + 1).padStart(5, '0')}`).find(
        (id) => !bundled.has(id),
      )!;
      const none = await get(`/v1/products/${lonely}/bundle`);
      expect(none.status).toBe(200);
      expect(none.body.bundle).toBeNull();
      expect(none.body.note).toMatch(/not|no product/);
      expect((await get('/v1/products/p-99999/bundle')).status).toBe(404);
      expect((await get('/v1/products/bad%20id/bundle')).status).toBe(400);
    });

    it("prices a bundle for the token's shopper (their member tier from their record), a guest at guest prices", async () => {
      const { goldUserId: gold, ...memberPrice } = await demoMemberPrice(doc, rt.tableNames);
      const scan = async (table: string) =>
        (await doc.send(new ScanCommand({ TableName: table }))).Items ?? [];
      let checked = 0;
      for (const { productId } of (await scan(rt.tableNames.bundles)).filter(
        (i) => i.productId !== '#mining',
      )) {
        const guest = await get(`/v1/products/${productId}/bundle`);
        const covered = guest.body.bundle?.items.some((p: { category: string }) =>
          memberPrice.categories.includes(p.category),
        );
        if (!covered) continue;
        const res = await fetch(`${rt.url}/v1/products/${productId}/bundle`, { headers: bearerFor(gold) });
        const member = (await res.json()) as any;
        expect(res.headers.get('cache-control')).toBe('private, no-store');
        expect(member.bundle.price.pricedFor).toBe('shopper');
        expect(guest.body.bundle.price.pricedFor).toBe('guest');
        const ids = (price: { applied: { promotionId: string }[] }) =>
          price.applied.map((a) => a.promotionId);
        expect(ids(member.bundle.price)).toContain(memberPrice.promotionId);
        expect(ids(guest.body.bundle.price)).not.toContain(memberPrice.promotionId);
        expect(member.bundle.price.total).toBeLessThan(guest.body.bundle.price.total);
        if (++checked === 3) break;
      }
      expect(checked).toBeGreaterThan(0);
    });
  });

  describe('local EventBridge API', () => {
    const eb = () =>
      new EventBridgeClient({
        endpoint: `${rt.url}/_local/eventbridge`,
        region: 'us-east-1',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      });

    it('takes PutEvents from the real SDK client and routes catalog events to catalog-write', async () => {
      const product = {
        productId: 'p-e2e-new',
        title: 'Brand-new lamp',
        category: 'camping-lamps',
        tags: ['new'],
        attributes: {},
        listPrice: 9900,
        cost: 5000,
        stock: 3,
        launchDate: isoDay(seedEnd.getTime() - DAY_MS),
      };
      const out = await eb().send(
        new PutEventsCommand({
          Entries: [
            {
              EventBusName: 'merchandiser-local',
              Source: 'merchandiser.catalog',
              DetailType: 'ProductUpserted',
              Detail: JSON.stringify({
                type: 'ProductUpserted',
                eventId: 'evt-e2e-product-1',
                occurredAt: new Date(rt.now()).toISOString(),
                version: 1,
                product,
              }),
            },
          ],
        }),
      );
      expect(out.FailedEntryCount).toBe(0);
      await rt.bus.drain();
      expect(await get('/v1/products/p-e2e-new')).toMatchObject({
        status: 200,
        body: { title: 'Brand-new lamp', inStock: true },
      });
    });

    it('answers TestEventPattern, and InvalidEventPatternException for a bad pattern', async () => {
      const event = JSON.stringify({
        id: '1',
        source: 'merchandiser.storefront',
        'detail-type': 'ProductViewed',
        account: '1',
        time: seedEnd.toISOString(),
        region: 'us-east-1',
        resources: [],
        detail: { productId: 'p-1' },
      });
      const yes = await eb().send(
        new TestEventPatternCommand({
          EventPattern: JSON.stringify({ detail: { productId: [{ prefix: 'p-' }] } }),
          Event: event,
        }),
      );
      expect(yes.Result).toBe(true);
      await expect(
        eb().send(
          new TestEventPatternCommand({
            EventPattern: JSON.stringify({ detail: { productId: [{ nope: 1 }] } }),
            Event: event,
          }),
        ),
      ).rejects.toMatchObject({
        name: 'InvalidEventPatternException',
      });
    });
  });

  describe('parity', () => {
    it('creates exactly the declared tables', async () => {
      const names = Object.values(rt.tableNames);
      for (const name of names) {
        const out = await doc.send(new ScanCommand({ TableName: name, Limit: 1 }));
        expect(out.$metadata.httpStatusCode).toBe(200);
      }
    });
  });
});

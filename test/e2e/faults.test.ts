import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BehaviourEvent } from '../../events/behaviour.ts';
import type { Product } from '../../events/catalog.ts';
import { toBusEntry } from '../../events/registry.ts';
import { batchWriteAll } from '../../functions/adapters/dynamo/batch-write.ts';
import { dynamoDb } from '../../functions/lib/aws.ts';
import { eventBridge } from '../../functions/lib/eventbridge.ts';
import { bucketDeltas, HOUR_MS, SIGNALS } from '../../models/hits/signals.ts';
import { duckdb, eventsOnce } from '../../models/lake/dialect.ts';
import {
  EvidenceRow,
  evidenceFromRows,
  relatedEvidenceSql,
} from '../../models/lake/jobs/related-evidence.ts';
import { defaultRelatedConfig } from '../../models/related/evidence.ts';
import { catalogProduct } from '../support/builders.ts';
import { TEST_NOW } from '../support/clock.ts';
import { scanAll as scanTable } from '../support/dynamo.ts';
import { type FaultCounts, injectFaults } from '../support/faults.ts';
import { startTestRuntime, type TestRuntime } from '../support/runtime.ts';
import { signedFetch } from '../support/sigv4.ts';

/**
 * Issue 9, faults: the whole pipeline (POST /v1/events -> bus -> queues -> the three behaviour
 * consumers) on the embedded store, with faults injected into the very SDK clients the handlers
 * use: DynamoDB throttling and timeouts, UnprocessedItems / UnprocessedKeys, PutEvents entries
 * failing (FailedEntryCount), and crashes mid-batch. Every event is also sent twice through the API
 * and delivered a third time straight onto the bus, in shuffled order. Then we count: every event
 * reaches the lake (and its jobs read it once), the signal buckets equal the sum computed from the events, the
 * bought-together evidence and order counts equal a rebuild from the log, and the dead-letter
 * queues hold exactly the one poison message we sent, once per queue that matched it.
 * (Co-view pairs are left out on purpose: they pair a view with the session's interactions known
 * when it is applied, so their order of arrival matters; see the README, Reliability.)
 */
let rt: TestRuntime;
let doc: DynamoDBDocumentClient;
let faults: ReturnType<typeof injectFaults>;

const N_PRODUCTS = 40;
const pid = (n: number) => `p-${String(n).padStart(5, '0')}`;
const product = (n: number): Product =>
  catalogProduct(pid(n), `cat-${n % 5}`, {
    title: `Fault product ${n}`,
    tags: [`t-${n % 3}`],
    listPrice: 1_000 + n * 100,
    cost: 500,
    stock: 50,
  });

/** A seeded mix of storefront behaviour within the last three hours. */
function behaviour(count: number, seed: number): BehaviourEvent[] {
  let a = seed;
  const r = () => {
    a = (Math.imul(a, 1_103_515_245) + 12_345) >>> 0;
    return a / 4294967296;
  };
  const now = TEST_NOW.getTime();
  const run = randomUUID().slice(0, 8);
  return Array.from({ length: count }, (_, i): BehaviourEvent => {
    const base = {
      eventId: `evt-fault-${run}-${i}`,
      occurredAt: new Date(now - Math.floor(r() * 3 * HOUR_MS)).toISOString(),
      version: 1 as const,
    };
    const sessionId = `s-fault-${Math.floor(r() * 60)}`;
    const p = () => pid(Math.floor(r() * N_PRODUCTS));
    const k = r();
    if (k < 0.6) return { ...base, type: 'ProductViewed', sessionId, productId: p() };
    if (k < 0.8)
      return {
        ...base,
        type: 'ProductAddedToCart',
        sessionId,
        productId: p(),
        quantity: 1 + Math.floor(r() * 3),
      };
    if (k < 0.92) {
      const lines = [...new Set(Array.from({ length: 1 + Math.floor(r() * 4) }, p))];
      return {
        ...base,
        type: 'OrderPlaced',
        sessionId,
        userId: `u-fault-${Math.floor(r() * 30)}`,
        orderId: `o-${run}-${i}`,
        lines: lines.map((productId) => ({ productId, quantity: 1 + Math.floor(r() * 2), paidPrice: 1_990 })),
      };
    }
    if (k < 0.97) {
      const results = [...new Set(Array.from({ length: 8 }, p))];
      return {
        ...base,
        type: 'SearchPerformed',
        sessionId,
        query: 'lamp',
        resultProductIds: results,
        clickedProductId: results[0],
      };
    }
    return {
      ...base,
      type: 'ReviewPosted',
      reviewId: `r-${run}-${i}`,
      userId: `u-fault-${Math.floor(r() * 30)}`,
      productId: p(),
      rating: 1 + Math.floor(r() * 5),
      text: 'fine',
      verifiedPurchase: true,
    };
  });
}

function shuffle<T>(xs: T[], seed: number): T[] {
  const out = [...xs];
  let a = seed;
  for (let i = out.length - 1; i > 0; i--) {
    a = (Math.imul(a, 1_103_515_245) + 12_345) >>> 0;
    const j = a % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

const scanAll = (table: string) => scanTable(doc, table);

/** Sends a batch as a storefront would: a 503 names the events not published; resend the batch. */
async function postUntilAccepted(
  events: BehaviourEvent[],
): Promise<{ posts: number; publishFailures: number }> {
  let posts = 0;
  let publishFailures = 0;
  // Behaviour through the storefront's route, orders and reviews through the shop's (signed).
  const commerce = events.filter((e) => e.type === 'OrderPlaced' || e.type === 'ReviewPosted');
  const storefront = events.filter((e) => e.type !== 'OrderPlaced' && e.type !== 'ReviewPosted');
  const doors = [
    {
      part: storefront,
      send: (body: string) =>
        fetch(`${rt.url}/v1/events`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        }),
    },
    {
      part: commerce,
      send: (body: string) =>
        signedFetch(`${rt.url}/v1/commerce/events`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        }),
    },
  ];
  for (const { part, send } of doors) {
    if (part.length === 0) continue;
    for (;;) {
      posts++;
      const res = await send(JSON.stringify({ events: part }));
      const body = (await res.json()) as { count?: number; error?: { code: string } };
      if (res.status === 202) {
        // A batch may hold one event twice (a storefront retry); the API publishes it once.
        expect(body.count).toBe(new Set(part.map((e) => e.eventId)).size);
        break;
      }
      expect(res.status, JSON.stringify(body)).toBe(503);
      expect(body.error?.code).toBe('PublishFailed');
      publishFailures++;
      if (posts > 40) throw new Error('the batch never went through');
    }
  }
  return { posts, publishFailures };
}

beforeAll(async () => {
  rt = await startTestRuntime('flt', {
    // FAULTS_LOG=1 shows the handlers' error lines (the suite silences them).
    ...(process.env.FAULTS_LOG ? { logLevel: 'ERROR' } : {}),
  });
  doc = rt.doc;
  await batchWriteAll(
    rt.tableNames.products,
    Array.from({ length: N_PRODUCTS }, (_, n) => ({
      ...product(n),
      updatedAt: new Date(rt.now()).toISOString(),
    })),
    { client: doc },
  );
});
afterAll(async () => {
  faults?.remove();
  await rt?.stop();
});

describe('faults on the behaviour pipeline, counted', () => {
  const events = behaviour(400, 7);
  const counted: { posts: number; publishFailures: number; busDuplicates: number } = {
    posts: 0,
    publishFailures: 0,
    busDuplicates: 0,
  };
  let fired: FaultCounts;

  it('takes 400 events, each sent three times in shuffled order, while AWS calls fail', async () => {
    faults = injectFaults(
      { dynamo: dynamoDb(), eventBridge: eventBridge() },
      { throttle: 0.04, timeout: 0.02, partialBatch: 0.3, failedEntries: 0.3, crashEvery: 7, maxCrashes: 12 },
    );
    const sends = shuffle([...events, ...events], 11);
    const batches: BehaviourEvent[][] = [];
    for (let i = 0; i < sends.length; i += 25) batches.push(sends.slice(i, i + 25));
    // Four storefront clients at once.
    let next = 0;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (next < batches.length) {
          const r = await postUntilAccepted(batches[next++]!);
          counted.posts += r.posts;
          counted.publishFailures += r.publishFailures;
        }
      }),
    );
    // EventBridge delivers at least once: a third copy of 150 events straight onto the bus.
    const bus = new EventBridgeClient({
      endpoint: `${rt.url}/_local/eventbridge`,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const again = shuffle(events, 13).slice(0, 150);
    for (let i = 0; i < again.length; i += 10) {
      const out = await bus.send(
        new PutEventsCommand({
          Entries: again
            .slice(i, i + 10)
            .map((e) => ({ ...toBusEntry(e), EventBusName: 'merchandiser-local' })),
        }),
      );
      expect(out.FailedEntryCount).toBe(0);
      counted.busDuplicates += 10;
    }
    // A poison message: a behaviour event whose detail no consumer can read.
    const poison = await bus.send(
      new PutEventsCommand({
        Entries: [
          {
            Source: 'merchandiser.storefront',
            DetailType: 'ProductViewed',
            Detail: JSON.stringify({ eventId: 'evt-poison-0001', productId: 42 }),
            EventBusName: 'merchandiser-local',
          },
        ],
      }),
    );
    expect(poison.FailedEntryCount).toBe(0);
    await rt.bus.drain();
    fired = { ...faults.counts };
    faults.active.on = false;
    mkdirSync('reports', { recursive: true });
    writeFileSync(
      'reports/faults.json',
      `${JSON.stringify({ events: events.length, ...counted, fired }, null, 2)}\n`,
    );

    // Every kind of fault happened, or this test proves nothing.
    const report = JSON.stringify({ fired, counted });
    for (const n of Object.values(fired)) expect(n, report).toBeGreaterThan(0);
  }, 240_000);

  it('delivers every event to the lake, where the jobs read each exactly once', async () => {
    await rt.lakeFlush();
    const ids = events.map((e) => `'${e.eventId}'`).join(', ');
    const [lake] = await rt.lake.query<{ rows: number; events: number }>(
      `SELECT count(*) AS rows, count(DISTINCT event_id) AS events FROM events WHERE event_id IN (${ids})`,
    );
    // Each event was published two or three times: the lake, like Firehose, keeps every delivery.
    // The poison message cannot be converted: it is set aside (as Firehose's error output), alone.
    const status = (await (await fetch(`${rt.url}/_local/status`)).json()) as {
      lake: Record<string, number>;
    };
    expect(status.lake).toMatchObject({ conversionErrors: 1, failures: 0, buffered: 0 });
    expect(lake!.events).toBe(events.length);
    expect(lake!.rows).toBeGreaterThan(events.length);
    const once = await rt.lake.query<{ n: number }>(
      `SELECT count(*) AS n FROM ${eventsOnce(`e.event_id IN (${ids})`)} AS o`,
    );
    expect(once).toEqual([{ n: events.length }]);
  });

  it('adds every event to the signal buckets exactly once (sums equal the events, signal by signal)', async () => {
    const expected = bucketDeltas(events);
    const stored = await scanAll(rt.tableNames.signals);
    const got = new Map(stored.map((i) => [`${i.productId}#${i.hour}`, i]));
    expect([...got.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [key, counts] of expected) {
      const item = got.get(key)!;
      for (const s of SIGNALS) expect(Number(item[s] ?? 0), `${key} ${s}`).toBe(counts[s]);
    }
  });

  it("builds the same evidence (views, orders, bought and viewed together) as the lake's related job", async () => {
    await rt.lakeFlush();
    const now = rt.now();
    const rows = await rt.lake.query(
      relatedEvidenceSql(duckdb, { fromMs: now - 4 * HOUR_MS, toMs: now + 1 }),
    );
    const fromLake = evidenceFromRows(
      rows.map((r) => EvidenceRow.parse(r)),
      now + 1,
    );
    type Evidence = {
      at: number;
      orders: number;
      views: number;
      pairs: Record<string, { bought: number; viewed: number }>;
    };
    const evidence = async (table: string, productId: string) => {
      const out = await doc.send(
        new QueryCommand({
          TableName: table,
          KeyConditionExpression: 'productId = :p AND part = :e',
          ExpressionAttributeValues: { ':p': productId, ':e': 'evidence' },
        }),
      );
      return out.Items?.[0] as Evidence | undefined;
    };
    // Evidence decays (half-life in days) from each write's time; bring both to one instant.
    const at = (ev: Evidence, v: number) =>
      v * 2 ** ((ev.at - now) / (defaultRelatedConfig.halfLifeDays * 86_400_000));
    const pairs = (ev: Evidence, kind: 'bought' | 'viewed') =>
      Object.fromEntries(
        Object.entries(ev.pairs)
          .filter(([, p]) => p[kind] > 1e-9)
          .map(([id, p]) => [id, at(ev, p[kind])]),
      );
    let compared = 0;
    for (let n = 0; n < N_PRODUCTS; n++) {
      const live = await evidence(rt.tableNames.related, pid(n));
      const rebuilt = fromLake.get(pid(n));
      if (!rebuilt) continue;
      expect(at(live!, live!.orders), pid(n)).toBeCloseTo(at(rebuilt, rebuilt.orders), 6);
      expect(at(live!, live!.views), `${pid(n)} views`).toBeCloseTo(at(rebuilt, rebuilt.views), 6);
      for (const kind of ['bought', 'viewed'] as const) {
        const [l, r] = [pairs(live!, kind), pairs(rebuilt, kind)];
        expect(Object.keys(l).sort(), `${pid(n)} ${kind}`).toEqual(Object.keys(r).sort());
        for (const [partner, w] of Object.entries(r))
          expect(l[partner], `${pid(n)} -> ${partner} ${kind}`).toBeCloseTo(w, 6);
      }
      compared++;
    }
    expect(compared).toBeGreaterThan(25);
  });

  it('dead-letters only the poison message, once per queue it matched; nothing else is lost', async () => {
    const queues = rt.rules.filter((r) => r.target.kind === 'queue').map((r) => r.id);
    const dead = Object.fromEntries(queues.map((id) => [id, rt.bus.deadLetters(id).length]));
    // The poison is a ProductViewed: every queue whose rule matches that detail-type gets it once
    // (signals and related, and any later consumer of views); no other queue any.
    const matched = new Set(
      rt.bus.matchingRules({ source: 'merchandiser.storefront', 'detail-type': 'ProductViewed', detail: {} }),
    );
    expect(matched).toContain('behaviour-to-signals');
    expect(dead).toEqual(Object.fromEntries(queues.map((id) => [id, matched.has(id) ? 1 : 0])));
    expect(JSON.parse(rt.bus.deadLetters('behaviour-to-signals')[0]!.body).detail.eventId).toBe(
      'evt-poison-0001',
    );
    expect(rt.bus.directFailures).toEqual([]);
    const stats = rt.bus.stats();
    for (const [ruleId, s] of Object.entries(stats)) {
      expect({ ruleId, queued: s.queued, inFlight: s.inFlight }).toEqual({ ruleId, queued: 0, inFlight: 0 });
    }
  });
});

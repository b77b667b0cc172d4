import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import type { BehaviourEvent } from '../../events/behaviour.ts';
import type { HitRankingUpdated } from '../../events/hits.ts';
import { dynamoHitStore, readHitList } from '../../functions/adapters/hits-store.ts';
import {
  aggregateSignals,
  importSignalHistory,
  readSignalSeries,
} from '../../functions/adapters/signals-store.ts';
import { GLOBAL, rankList } from '../../models/hits/ranking.ts';
import { type HitScorer, rerankAll, rerankTouched } from '../../models/hits/rerank.ts';
import {
  mergePriors,
  rewriteCategoryLists,
  rewriteGlobalList,
  scoreShard,
  shardPriors,
} from '../../models/hits/sharded.ts';
import { bucketDeltas, buildSeries, DAY_MS, HOUR_MS, windowCounts } from '../../models/hits/signals.ts';
import { freshTables } from '../support/dynamo.ts';

let db: Awaited<ReturnType<typeof freshTables>>;
const published: HitRankingUpdated[] = [];
let store: ReturnType<typeof dynamoHitStore>;
const NOW = Date.parse('2026-11-23T12:30:00Z');

beforeAll(async () => {
  db = await freshTables();
  store = dynamoHitStore(db.names, {
    client: db.doc,
    publish: async (events) => {
      published.push(...events);
    },
  });
  for (const [productId, category] of [
    ['p-00001', 'tents'],
    ['p-00002', 'tents'],
    ['p-00003', 'tents'],
    ['p-00004', 'lamps'],
  ]) {
    await db.doc.send(
      new PutCommand({
        TableName: db.names.products,
        Item: { productId, category, listPrice: 1000, stock: 50, launchDate: '2025-06-01', title: productId },
      }),
    );
  }
});

let seq = 0;
const view = (productId: string, ms: number): BehaviourEvent => ({
  type: 'ProductViewed',
  eventId: `evt-hs-${seq++}`,
  occurredAt: new Date(ms).toISOString(),
  version: 1,
  sessionId: 's-1',
  productId,
});
/** Views 7 d, squashed: a scorer whose order is obvious. */
const scorer: HitScorer = {
  version: 'views-1',
  score: (vs) => vs.map((v) => 1 - 1 / (2 + Math.expm1(v[7]!))),
};

describe('signal history import', () => {
  it('stores one item per product whose buckets read back as the same windows', async () => {
    const events = [
      ...Array.from({ length: 30 }, (_, i) => view('p-00001', NOW - 20 * DAY_MS + i * HOUR_MS)),
      ...Array.from({ length: 12 }, (_, i) => view('p-00001', NOW - 30 * HOUR_MS + i * HOUR_MS)),
      ...Array.from({ length: 4 }, (_, i) => view('p-00002', NOW - 3 * DAY_MS + i * HOUR_MS)),
    ];
    const cut = Math.floor(NOW / DAY_MS) * DAY_MS;
    const before = events.filter((e) => Date.parse(e.occurredAt) < cut);
    expect(await importSignalHistory(db.names.signals, before, { now: cut, client: db.doc })).toMatchObject({
      products: 2,
    });
    const series = await readSignalSeries(db.names.signals, ['p-00001', 'p-00002'], cut - 28 * DAY_MS, {
      client: db.doc,
    });
    const exact = buildSeries(bucketDeltas(before));
    for (const id of ['p-00001', 'p-00002']) {
      // Hour resolution over the last two days (the 24 h window is exact) ...
      expect(windowCounts(series.get(id), cut - DAY_MS, cut).views).toBe(
        windowCounts(exact.get(id), cut - DAY_MS, cut).views,
      );
      // ... and whole days before, so midnight-aligned windows are exact too.
      expect(windowCounts(series.get(id), cut - 28 * DAY_MS, cut).views).toBe(
        windowCounts(exact.get(id), cut - 28 * DAY_MS, cut).views,
      );
    }
  });
});

describe('re-ranking on DynamoDB Local', () => {
  it('ranks everything, then re-ranks after a live batch; the sparse index drops non-candidates', async () => {
    const full = await rerankAll(store, scorer, NOW);
    expect(full).toMatchObject({ mode: 'full', scored: 4 });
    const tents = await readHitList(db.names.rankings, 'tents', db.doc);
    expect(tents!.items.map((e) => e.productId)).toEqual(['p-00001', 'p-00002', 'p-00003']);
    expect(published.map((e) => e.scope).sort()).toEqual(['global', 'lamps', 'tents']);

    // A burst of live views for p-00003 through the real aggregation path.
    const burst = Array.from({ length: 80 }, (_, i) => view('p-00003', NOW - 10 * 60_000 + i * 1000));
    await aggregateSignals(db.names, burst, db.doc);
    published.length = 0;
    const report = await rerankTouched(store, scorer, ['p-00003'], NOW);
    expect(report).toMatchObject({ mode: 'touched', scored: 1, listsReordered: 2 });
    const after = await readHitList(db.names.rankings, 'tents', db.doc);
    expect(after!.items[0]).toMatchObject({ productId: 'p-00003', rank: 1, previousRank: 3 });
    expect(after!.items[0]!.signals.views7d).toBe(80);
    const global = await readHitList(db.names.rankings, GLOBAL, db.doc);
    expect(global!.items[0]!.productId).toBe('p-00003');
    expect(published.map((e) => [e.scope, e.top[0]!.productId])).toEqual(
      expect.arrayContaining([
        ['tents', 'p-00003'],
        ['global', 'p-00003'],
      ]),
    );
    expect(await store.categoryTop('tents', 10)).toHaveLength(3);

    // p-00001 becomes a top seller (threshold 0 units): out of the index and of every list.
    const priors = await store.readPriors(['tents']);
    await store.writePriors(priors.global!, [{ ...priors.categories.get('tents')!, incumbentUnits: 0 }]);
    await rerankTouched(store, scorer, ['p-00001'], NOW);
    expect((await store.categoryTop('tents', 10)).map((e) => e.productId).sort()).toEqual([
      'p-00002',
      'p-00003',
    ]);
    const global2 = await readHitList(db.names.rankings, GLOBAL, db.doc);
    expect(global2!.items.map((e) => e.productId)).not.toContain('p-00001');
  });

  it('counts announcements only once EventBridge took them', async () => {
    let counted = 0;
    const failing = dynamoHitStore(db.names, {
      client: db.doc,
      publish: async () => {
        throw new Error('1 hit-ranking events were not published');
      },
      onPublished: (n) => {
        counted += n;
      },
    });
    const event = { scope: GLOBAL } as HitRankingUpdated;
    await expect(failing.publish([event])).rejects.toThrow('not published');
    expect(counted).toBe(0);
  });

  it('refuses a list write whose revision someone else moved', async () => {
    const current = (await store.readLists(['tents'])).get('tents')!;
    const next = rankList('tents', current, [], { modelVersion: 'x', now: new Date(NOW).toISOString() }).list;
    expect(await store.writeList(next, current.revision - 1)).toBe(false);
    expect(await store.writeList(next, current.revision)).toBe(true);
    expect(await store.writeList(next, 0)).toBe(false);
  });
});

describe('the full re-rank in shards on DynamoDB Local', () => {
  it('cuts the catalog in disjoint parallel Scan segments, and ranks as rerankAll does', async () => {
    const at = Date.parse('2026-11-23T12:00:00Z');
    const categories = ['tents', 'lamps', 'stoves'];
    const products = Array.from({ length: 60 }, (_, n) => ({
      productId: `p-${String(n).padStart(5, '0')}`,
      category: categories[n % 3]!,
      listPrice: 1000 + ((n * 37) % 23) * 150,
      stock: 10 + n,
      launchDate: n % 11 === 0 ? '2026-12-01' : '2025-06-01',
      title: `P ${n}`,
    }));
    const events = products.flatMap((p, n) =>
      Array.from({ length: (n * 7) % 13 }, (_, i) => view(p.productId, at - (1 + i) * 5 * HOUR_MS)),
    );
    const tablesWithData = async () => {
      const t = await freshTables();
      for (const p of products) await t.doc.send(new PutCommand({ TableName: t.names.products, Item: p }));
      await aggregateSignals(t.names, events, t.doc);
      const announced: HitRankingUpdated[] = [];
      const counted = { events: 0 };
      return {
        t,
        events: announced,
        counted,
        // As rerank-hits counts HitRankingUpdates: each step its own published announcements.
        store: dynamoHitStore(t.names, {
          client: t.doc,
          publish: async (e) => void announced.push(...e),
          onPublished: (n) => {
            counted.events += n;
          },
        }),
      };
    };
    const whole = await tablesWithData();
    const sharded = await tablesWithData();

    const shards = 4;
    const segments = await Promise.all(
      Array.from({ length: shards }, (_, i) => sharded.store.productShard(i, shards)),
    );
    const ids = segments.flat().map((p) => p.productId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.sort()).toEqual(products.map((p) => p.productId).sort());

    const expected = await rerankAll(whole.store, scorer, at);
    const run = { runAt: new Date(at).toISOString(), shards };
    const each = (f: (i: number) => Promise<unknown>) =>
      Promise.all(Array.from({ length: shards }, (_, i) => f(i)));
    await each((i) => shardPriors(sharded.store, i, run));
    await mergePriors(sharded.store, run);
    await each((i) => scoreShard(sharded.store, scorer, i, run));
    await each((i) => rewriteCategoryLists(sharded.store, i, run));
    expect(await rewriteGlobalList(sharded.store, run)).toEqual(expected);

    for (const scope of [...categories, GLOBAL]) {
      expect(await readHitList(sharded.t.names.rankings, scope, sharded.t.doc)).toEqual(
        await readHitList(whole.t.names.rankings, scope, whole.t.doc),
      );
    }
    expect(await sharded.store.readPriors(categories)).toEqual(await whole.store.readPriors(categories));
    const byScope = (e: readonly HitRankingUpdated[]) =>
      [...e].sort((a, b) => a.scope.localeCompare(b.scope));
    expect(byScope(sharded.events)).toEqual(byScope(whole.events));
    expect(expected.candidates).toBeGreaterThan(30);
    // Counted where published: the list steps' announcements and the global one's, each once.
    expect(sharded.counted.events).toBe(sharded.events.length);
    expect(sharded.counted.events).toBe(expected.events);
    expect(sharded.events.filter((e) => e.scope !== GLOBAL).length).toBeGreaterThan(0);

    // The next day both give the shelf's last places to products it did not show the day before,
    // from the shelf each stored with the list.
    const yesterday = (await readHitList(whole.t.names.rankings, GLOBAL, whole.t.doc))!;
    const next = at + DAY_MS;
    await rerankAll(whole.store, scorer, next);
    const nextRun = { runAt: new Date(next).toISOString(), shards };
    await each((i) => shardPriors(sharded.store, i, nextRun));
    await mergePriors(sharded.store, nextRun);
    await each((i) => scoreShard(sharded.store, scorer, i, nextRun));
    await each((i) => rewriteCategoryLists(sharded.store, i, nextRun));
    await rewriteGlobalList(sharded.store, nextRun);
    const today = (await readHitList(whole.t.names.rankings, GLOBAL, whole.t.doc))!;
    expect(today.shelfBefore).toEqual({
      day: '2026-11-24',
      productIds: yesterday.items.slice(0, 20).map((e) => e.productId),
    });
    const picks = today.items.filter((e) => e.freshPick);
    expect(picks.map((e) => e.rank)).toEqual([16, 17, 18, 19, 20]);
    for (const e of picks) expect(today.shelfBefore!.productIds).not.toContain(e.productId);
    expect(await readHitList(sharded.t.names.rankings, GLOBAL, sharded.t.doc)).toEqual(today);
  });
});

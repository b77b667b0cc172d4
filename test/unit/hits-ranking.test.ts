import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { HitRankingUpdated } from '../../events/hits.ts';
import { generateDemoData } from '../../infra/local/demo/data/generate.ts';
import { explainHit } from '../../models/hits/explain.ts';
import { type HitSignals, type ProductInfo, priceBandIn, priceBands } from '../../models/hits/features.ts';
import {
  categoryPool,
  FRESH_PICKS,
  GLOBAL,
  globalPoolSuffices,
  type HitEntry,
  LIST_SIZE,
  type RankedList,
  rankList,
  TOP,
  withFreshPicks,
} from '../../models/hits/ranking.ts';
import {
  type CategoryPriors,
  type GlobalPriors,
  type HitScorer,
  type HitStore,
  rerankAll,
  rerankTouched,
  type ScoreRecord,
} from '../../models/hits/rerank.ts';
import {
  mergePriors,
  rewriteCategoryLists,
  rewriteGlobalList,
  type ShardedRun,
  scoreShard,
  shardPriors,
} from '../../models/hits/sharded.ts';
import { bucketDeltas, buildSeries, DAY_MS, type SeriesIndex } from '../../models/hits/signals.ts';
import { productInfo } from '../support/builders.ts';

const quiet: HitSignals = {
  searches24h: 0,
  searchesDailyBefore: 0,
  searches7d: 0,
  searchesWeeklyBefore: 0,
  views7d: 0,
  viewsWeeklyBefore: 0,
  carts7d: 0,
  orders7d: 0,
  units7d: 0,
  unitsWeeklyBefore: 0,
  reviews7d: 0,
  reviews28d: 0,
  rating28d: null,
  ratingBefore: null,
  stock: 100,
  daysSinceLaunch: 400,
};
const entry = (productId: string, score: number, category = 'tents'): HitEntry => ({
  productId,
  category,
  score,
  signals: quiet,
  scoredAt: '2026-11-23T10:00:00.000Z',
});
const meta = { modelVersion: 'm1', now: '2026-11-23T11:00:00.000Z' };

describe('rankList', () => {
  it('ranks by score, ties by product id, and keeps the first `size`', () => {
    const { list, change } = rankList(
      'tents',
      undefined,
      [entry('b', 0.5), entry('a', 0.5), entry('c', 0.9)],
      {
        ...meta,
        size: 2,
      },
    );
    expect(list.items.map((e) => [e.productId, e.rank, e.previousRank])).toEqual([
      ['c', 1, null],
      ['a', 2, null],
    ]);
    expect(change).toBe('order');
    expect(list.version).toBe(1);
    expect(list.revision).toBe(1);
  });

  it('moves the version only on a reordering, and keeps previous ranks until the next one', () => {
    const first = rankList(
      'tents',
      undefined,
      [entry('a', 0.9), entry('b', 0.5), entry('c', 0.1)],
      meta,
    ).list;
    const swapped = rankList('tents', first, [entry('a', 0.4), entry('b', 0.5), entry('c', 0.1)], meta);
    expect(swapped.change).toBe('order');
    expect(swapped.topChanged).toBe(true);
    expect(swapped.list.version).toBe(2);
    expect(swapped.list.items.map((e) => [e.productId, e.rank, e.previousRank])).toEqual([
      ['b', 1, 2],
      ['a', 2, 1],
      ['c', 3, 3],
    ]);
    // Only a score moves: same version, new revision, the previous ranks of the last reordering stay.
    const nudged = rankList(
      'tents',
      swapped.list,
      [entry('a', 0.45), entry('b', 0.5), entry('c', 0.1)],
      meta,
    );
    expect(nudged.change).toBe('scores');
    expect(nudged.topChanged).toBe(false);
    expect(nudged.list.version).toBe(2);
    expect(nudged.list.revision).toBe(3);
    expect(nudged.list.items.map((e) => e.previousRank)).toEqual([2, 1, 3]);
    // Nothing moves: nothing to write.
    const same = rankList('tents', nudged.list, [entry('a', 0.45), entry('b', 0.5), entry('c', 0.1)], meta);
    expect(same.change).toBe('none');
    expect(same.list.revision).toBe(3);
  });

  it('announces a change of the first 20 only', () => {
    const pool = Array.from({ length: 30 }, (_, i) => entry(`p${String(i).padStart(2, '0')}`, 1 - i / 100));
    const first = rankList('tents', undefined, pool, meta).list;
    const tail = pool.map((e) => (e.productId === 'p25' ? { ...e, score: 0.72 } : e));
    const reordered = rankList('tents', first, tail, meta);
    expect(reordered.change).toBe('order');
    expect(reordered.topChanged).toBe(false);
    const head = pool.map((e) => (e.productId === 'p25' ? { ...e, score: 0.995 } : e));
    expect(rankList('tents', first, head, meta).topChanged).toBe(true);
  });
});

describe('fresh picks', () => {
  const id = (i: number) => `p${String(i).padStart(2, '0')}`;
  // p00 scores best, p59 worst.
  const pool = Array.from({ length: 60 }, (_, i) => entry(id(i), 1 - i / 100));
  const keep = TOP - FRESH_PICKS;
  const nextDay = { ...meta, now: '2026-11-24T00:30:00.000Z' };

  it('give the shelf its last places each day from the best candidates it did not show the day before', () => {
    const first = rankList('tents', undefined, pool, meta).list;
    // Nothing was shown before the first list: the score order, its shelf's last places marked.
    expect(first.items.map((e) => e.productId)).toEqual(pool.slice(0, LIST_SIZE).map((e) => e.productId));
    expect(first.items.filter((e) => e.freshPick).map((e) => e.rank)).toEqual([16, 17, 18, 19, 20]);
    expect(first.shelfBefore).toEqual({ day: '2026-11-23', productIds: [] });

    // The same day: the same list, nothing to write.
    expect(rankList('tents', first, pool, { ...meta, now: '2026-11-23T23:00:00.000Z' }).change).toBe('none');

    // The next day, same scores: p20..p24 (best not on yesterday's shelf) take places 16..20.
    const second = rankList('tents', first, pool, nextDay);
    expect(second.change).toBe('order');
    expect(second.list.version).toBe(2);
    const ids = second.list.items.map((e) => e.productId);
    expect(ids.slice(0, keep)).toEqual(pool.slice(0, keep).map((e) => e.productId));
    expect(ids.slice(keep, TOP)).toEqual([20, 21, 22, 23, 24].map(id));
    expect(ids.slice(TOP, TOP + 5)).toEqual([15, 16, 17, 18, 19].map(id));
    expect(second.list.items.filter((e) => e.freshPick).map((e) => e.productId)).toEqual(
      [20, 21, 22, 23, 24].map(id),
    );
    expect(second.list.items[keep]).toMatchObject({ productId: 'p20', rank: 16, previousRank: 21 });
    expect(second.list.shelfBefore).toEqual({
      day: '2026-11-24',
      productIds: pool.slice(0, TOP).map((e) => e.productId),
    });
    // The list still holds the top LIST_SIZE by score.
    expect(new Set(ids)).toEqual(new Set(pool.slice(0, LIST_SIZE).map((e) => e.productId)));

    // Later that day a score moves: the shelf of the day before stays the one to avoid.
    const later = pool.map((e) => (e.productId === 'p17' ? { ...e, score: 0.9 } : e));
    const third = rankList('tents', second.list, later, { ...nextDay, now: '2026-11-24T09:00:00.000Z' });
    expect(third.list.shelfBefore).toEqual(second.list.shelfBefore);
    expect(third.list.items.slice(0, keep).map((e) => e.productId)).toContain('p17');
    expect(third.list.items.slice(keep, TOP).map((e) => e.productId)).toEqual([20, 21, 22, 23, 24].map(id));
  });

  it('are marked afresh when the pool is a stored list, as the re-rank after a batch pools it', () => {
    const first = rankList(GLOBAL, undefined, pool, meta).list;
    const second = rankList(GLOBAL, first, first.items, nextDay).list;
    // Yesterday's picks (p15..p19), now at 21..25, are no longer marked; today's are.
    expect(second.items.filter((e) => e.freshPick).map((e) => e.productId)).toEqual(
      [20, 21, 22, 23, 24].map(id),
    );
    const third = rankList(GLOBAL, second, second.items, { ...meta, now: '2026-11-25T00:10:00.000Z' }).list;
    expect(third.items.filter((e) => e.freshPick).map((e) => e.rank)).toEqual([16, 17, 18, 19, 20]);
    expect(third.items.filter((e) => e.freshPick).map((e) => e.productId)).toEqual(
      [15, 16, 17, 18, 19].map(id),
    );
  });

  it('keep the stored day against a writer whose clock is behind it', () => {
    const first = rankList('tents', undefined, pool, meta).list;
    const today = rankList('tents', first, pool, nextDay).list;
    // A full re-rank started before midnight writes after a batch of the new day has.
    const late = rankList('tents', today, pool, { ...meta, now: '2026-11-23T23:58:00.000Z' });
    expect(late.list.shelfBefore).toEqual(today.shelfBefore);
    expect(late.list.items.map((e) => e.productId)).toEqual(today.items.map((e) => e.productId));
    expect(late.change).toBe('none');
  });

  it('write a new day even when the order stays, so the day before is recorded', () => {
    const small = pool.slice(0, 3);
    const first = rankList('tents', undefined, small, meta).list;
    const next = rankList('tents', first, small, nextDay);
    expect(next.change).toBe('scores');
    expect(next.list.version).toBe(first.version);
    expect(next.list.shelfBefore).toEqual({ day: '2026-11-24', productIds: ['p00', 'p01', 'p02'] });
  });

  it('take a list stored before fresh picks as the shelf of the day before', () => {
    const { shelfBefore: _s, ...stored } = rankList('tents', undefined, pool, meta).list;
    const next = rankList('tents', stored, pool, meta);
    expect(next.list.shelfBefore).toEqual({
      day: '2026-11-23',
      productIds: pool.slice(0, TOP).map((e) => e.productId),
    });
    expect(next.list.items.slice(keep, TOP).map((e) => e.productId)).toEqual([20, 21, 22, 23, 24].map(id));
  });

  it('keep the best places, pick the best unseen, and come from the first 2 x TOP (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 80 }),
        fc.integer({ min: 0, max: TOP }),
        fc.array(fc.nat(99), { maxLength: TOP }),
        (n, picks, shownRaw) => {
          const sorted = Array.from({ length: n }, (_, i) => i);
          const shown = new Set(shownRaw.filter((i) => i < n));
          const { order, fresh } = withFreshPicks(sorted, (i) => shown.has(i), picks);
          // A permutation whose first TOP - picks places are the best by score.
          expect([...order].sort((a, b) => a - b)).toEqual(sorted);
          expect(order.slice(0, TOP - picks)).toEqual(sorted.slice(0, TOP - picks));
          // The picks follow, the best not shown the day before, each from the first 2 x TOP.
          const expected = sorted
            .slice(TOP - picks)
            .filter((i) => !shown.has(i))
            .slice(0, picks);
          expect([...fresh]).toEqual(expected);
          expect(order.slice(TOP - picks, TOP - picks + fresh.size)).toEqual(expected);
          for (const i of fresh) expect(i).toBeLessThan(2 * TOP);
          // After them, the rest in score order.
          const rest = order.slice(TOP - picks + fresh.size);
          expect(rest).toEqual([...rest].sort((a, b) => a - b));
        },
      ),
    );
  });
});

describe('pools', () => {
  it('overlays fresh scores on the stored ones and drops products that left the running or the category', () => {
    const pool = categoryPool(
      'tents',
      [entry('a', 0.9), entry('b', 0.8), entry('c', 0.7)],
      [entry('a', 0.1), entry('b', 0.8, 'lamps'), entry('d', 0.6)],
      new Set(['c']),
    );
    expect(pool.map((e) => [e.productId, e.score]).sort()).toEqual([
      ['a', 0.1],
      ['d', 0.6],
    ]);
  });

  it('pools only the previous global list while none of its members lost ground', () => {
    const previous = rankList(GLOBAL, undefined, [entry('a', 0.9), entry('b', 0.8)], meta).list;
    expect(globalPoolSuffices(previous, new Map([['a', entry('a', 0.95)]]), new Set())).toBe(true);
    expect(globalPoolSuffices(previous, new Map([['a', entry('a', 0.5)]]), new Set())).toBe(false);
    expect(globalPoolSuffices(previous, new Map(), new Set(['b']))).toBe(false);
    expect(globalPoolSuffices(undefined, new Map(), new Set())).toBe(false);
  });
});

describe('priceBandIn', () => {
  it('equals priceBands for a product of the stored list', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 30 }), (prices) => {
        const products = prices.map((listPrice, i) =>
          productInfo(`p${i}`, { category: 'c', listPrice, stock: 1, launchDate: '2026-01-01' }),
        );
        const bands = priceBands(products);
        const sorted = [...prices].sort((a, b) => a - b);
        for (const p of products)
          expect(priceBandIn(sorted, p.listPrice)).toBeCloseTo(bands.get(p.productId)!, 12);
      }),
    );
  });
});

describe('explainHit', () => {
  it('says a search surge first, in figures a merchandiser can check', () => {
    const lines = explainHit({
      ...quiet,
      searches24h: 22,
      searchesDailyBefore: 5,
      searches7d: 52,
      searchesWeeklyBefore: 30,
    });
    expect(lines[0]).toBe('searches up 340% in 24 h (22 vs 5 a day before)');
  });

  it('quotes the rating with its review count, and warns when stock runs short', () => {
    const lines = explainHit({
      ...quiet,
      reviews28d: 120,
      rating28d: 4.8,
      ratingBefore: 4.7,
      units7d: 70,
      unitsWeeklyBefore: 20,
      stock: 50,
    });
    expect(lines).toContain('rating 4.8 from 120 reviews');
    expect(lines).toContain("stock covers only 5 days at this week's rate (50 left)");
    expect(lines).toContain('70 sold this week, up 250% on the weeks before');
  });

  it('stays silent about noise, and speaks Chinese when asked', () => {
    expect(explainHit({ ...quiet, searches24h: 2 })).toEqual([]);
    expect(explainHit({ ...quiet, searches24h: 9, searchesDailyBefore: 3 }, 'zh-CN')[0]).toBe(
      '24 小时搜索量上升 200%（9 次，此前日均 3 次）',
    );
  });
});

// ------------------------------------------------------------------ re-ranking against a store in memory

class MemoryStore implements HitStore {
  catalog = new Map<string, ProductInfo>();
  series: SeriesIndex = new Map();
  global: GlobalPriors | undefined;
  priors = new Map<string, CategoryPriors>();
  scores = new Map<string, ScoreRecord>();
  lists = new Map<string, RankedList>();
  published: HitRankingUpdated[] = [];
  /** Writes to fail with a conflict before succeeding (someone else wrote first). */
  conflicts = 0;
  async products(ids: readonly string[]) {
    return ids.flatMap((id) => (this.catalog.has(id) ? [this.catalog.get(id)!] : []));
  }
  async allProducts() {
    return [...this.catalog.values()];
  }
  parts = new Map<string, { runAt: string; value: unknown }>();
  /** A shard as a parallel Scan segment: a hash of the key, modulo the shards. */
  async productShard(shard: number, shards: number) {
    const hash = (id: string) => [...id].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7);
    return [...this.catalog.values()].filter((p) => hash(p.productId) % shards === shard);
  }
  async writeRunParts(runAt: string, parts: ReadonlyMap<string, unknown>) {
    for (const [k, value] of parts) this.parts.set(k, { runAt, value: structuredClone(value) });
  }
  async readRunParts(runAt: string, keys: readonly string[]) {
    return new Map(
      keys.flatMap((k) =>
        this.parts.get(k)?.runAt === runAt ? [[k, structuredClone(this.parts.get(k)!.value)] as const] : [],
      ),
    );
  }
  async signals(ids: readonly string[]) {
    return new Map(ids.flatMap((id) => (this.series.has(id) ? [[id, this.series.get(id)!] as const] : [])));
  }
  async readPriors(categories: readonly string[]) {
    return {
      ...(this.global ? { global: this.global } : {}),
      categories: new Map(
        categories.flatMap((c) => (this.priors.has(c) ? [[c, this.priors.get(c)!] as const] : [])),
      ),
    };
  }
  async writePriors(global: GlobalPriors, categories: readonly CategoryPriors[]) {
    this.global = global;
    for (const c of categories) this.priors.set(c.category, c);
  }
  async writeScores(records: readonly ScoreRecord[]) {
    for (const r of records) this.scores.set(r.productId, r);
  }
  async categoryTop(category: string, limit: number) {
    return [...this.scores.values()]
      .filter((r) => r.candidate && r.category === category)
      .sort((a, b) => b.score - a.score)
      .slice(0, limit);
  }
  async readLists(scopes: readonly string[]) {
    return new Map(
      scopes.flatMap((s) => (this.lists.has(s) ? [[s, structuredClone(this.lists.get(s)!)] as const] : [])),
    );
  }
  async writeList(list: RankedList, expectedRevision: number) {
    if (this.conflicts > 0) {
      this.conflicts--;
      const stored = this.lists.get(list.scope);
      if (stored) this.lists.set(list.scope, { ...stored, revision: stored.revision + 1 });
      return false;
    }
    if ((this.lists.get(list.scope)?.revision ?? 0) !== expectedRevision) return false;
    this.lists.set(list.scope, structuredClone(list));
    return true;
  }
  async publish(events: readonly HitRankingUpdated[]) {
    this.published.push(...events);
  }
}

/** A scorer that is easy to reason about: the product's views over the last 7 days, squashed. */
const views7d = 7;
const scorer: HitScorer = {
  version: 'views',
  score: (vs) => vs.map((v) => 1 - 1 / (1 + Math.expm1(v[views7d]!))),
};

const NOW = Date.parse('2026-11-23T12:00:00Z');
function store(viewsPerProduct: Record<string, number>, categoryOf: (id: string) => string): MemoryStore {
  const s = new MemoryStore();
  let n = 0;
  const events = Object.entries(viewsPerProduct).flatMap(([productId, views]) => {
    s.catalog.set(productId, productInfo(productId, { category: categoryOf(productId), listPrice: 1000 }));
    return Array.from({ length: views }, () => ({
      type: 'ProductViewed' as const,
      eventId: `evt-${n++}`,
      occurredAt: new Date(NOW - DAY_MS).toISOString(),
      version: 1 as const,
      sessionId: 's',
      productId,
    }));
  });
  s.series = buildSeries(bucketDeltas(events));
  return s;
}

describe('re-ranking', () => {
  const categoryOf = (id: string) => (id < 'm' ? 'tents' : 'lamps');

  it('ranks everything once, then follows a touched product up its category and the global list', async () => {
    const s = store({ a: 5, b: 4, c: 3, n: 2, o: 1 }, categoryOf);
    const full = await rerankAll(s, scorer, NOW);
    expect(full.mode).toBe('full');
    expect(s.lists.get('tents')!.items.map((e) => e.productId)).toEqual(['a', 'b', 'c']);
    expect(s.lists.get(GLOBAL)!.items.map((e) => e.productId)).toEqual(['a', 'b', 'c', 'n', 'o']);
    expect(s.published.map((e) => e.scope).sort()).toEqual(['global', 'lamps', 'tents']);

    // o gets 10 more views: it leads lamps and the global list; tents is untouched.
    s.published = [];
    const more = store({ a: 5, b: 4, c: 3, n: 2, o: 11 }, categoryOf);
    s.series = more.series;
    const report = await rerankTouched(s, scorer, ['o'], NOW);
    expect(report).toMatchObject({ mode: 'touched', scored: 1, candidates: 1 });
    const lamps = s.lists.get('lamps')!;
    expect(lamps.items.map((e) => [e.productId, e.rank, e.previousRank])).toEqual([
      ['o', 1, 2],
      ['n', 2, 1],
    ]);
    expect(s.lists.get(GLOBAL)!.items[0]).toMatchObject({ productId: 'o', rank: 1, previousRank: 5 });
    expect(s.published.map((e) => e.scope).sort()).toEqual(['global', 'lamps']);
    expect(s.lists.get('tents')!.version).toBe(1);
  });

  it('refills the global list from every category when a member falls', async () => {
    const s = store({ a: 5, b: 4, n: 3, o: 2 }, categoryOf);
    await rerankAll(s, scorer, NOW);
    // With a global list of 3, o (lamps) is out; a drops to 0 views and o must come in.
    for (const scope of [GLOBAL]) {
      const l = s.lists.get(scope)!;
      s.lists.set(scope, { ...l, items: l.items.slice(0, 3) });
    }
    s.series = store({ a: 0, b: 4, n: 3, o: 2 }, categoryOf).series;
    await rerankTouched(s, scorer, ['a'], NOW);
    expect(s.lists.get(GLOBAL)!.items.map((e) => e.productId)).toEqual(['b', 'n', 'o', 'a']);
  });

  it('takes a product that became a top seller out of every list', async () => {
    const s = store({ a: 5, b: 4 }, categoryOf);
    await rerankAll(s, scorer, NOW);
    s.priors.set('tents', { ...s.priors.get('tents')!, incumbentUnits: 0 });
    await rerankTouched(s, scorer, ['a'], NOW);
    expect(s.lists.get('tents')!.items.map((e) => e.productId)).toEqual(['b']);
    expect(s.lists.get(GLOBAL)!.items.map((e) => e.productId)).toEqual(['b']);
    expect(s.scores.get('a')!.candidate).toBe(false);
  });

  it('re-reads and retries when another writer changed a list first, and never publishes twice', async () => {
    const s = store({ a: 5, b: 4 }, categoryOf);
    await rerankAll(s, scorer, NOW);
    s.published = [];
    s.series = store({ a: 5, b: 9 }, categoryOf).series;
    s.conflicts = 2;
    const report = await rerankTouched(s, scorer, ['b'], NOW);
    expect(report.conflicts).toBe(2);
    expect(s.lists.get('tents')!.items.map((e) => e.productId)).toEqual(['b', 'a']);
    expect(s.published.filter((e) => e.scope === 'tents')).toHaveLength(1);
    // The same batch again (a redelivery): nothing changes, nothing is announced.
    s.published = [];
    const again = await rerankTouched(s, scorer, ['b'], NOW);
    expect(again.listsWritten).toBe(0);
    expect(s.published).toEqual([]);
  });

  it('ranks everything when no priors were ever stored', async () => {
    const s = store({ a: 1 }, categoryOf);
    expect((await rerankTouched(s, scorer, ['a'], NOW)).mode).toBe('full');
    // The full re-rank stored the priors, stamped with its instant, for the next touched re-rank.
    expect(s.global?.computedAt).toBe(new Date(NOW).toISOString());
  });
});

// ------------------------------------------------------------------ the full re-rank in shards

/** The five steps in order, the per-shard ones in parallel, as the state machine (or the local runner) runs them. */
async function rerankInShards(s: HitStore, scorer: HitScorer, run: ShardedRun) {
  const shards = Array.from({ length: run.shards }, (_, i) => i);
  await Promise.all(shards.map((i) => shardPriors(s, i, run)));
  await mergePriors(s, run);
  await Promise.all(shards.map((i) => scoreShard(s, scorer, i, run)));
  await Promise.all(shards.map((i) => rewriteCategoryLists(s, i, run)));
  return rewriteGlobalList(s, run);
}

/** Announcements in a stable order: the shards announce their categories' lists in parallel. */
const byScope = (events: readonly HitRankingUpdated[]) =>
  [...events].sort((a, b) => (a.scope < b.scope ? -1 : a.scope > b.scope ? 1 : 0));

describe('the full re-rank in shards', () => {
  // A demo catalog and history; a scorer that reads every feature (priors and price bands included).
  const END = Date.UTC(2026, 10, 23);
  const demo = generateDemoData({ seed: 3, endAt: new Date(END), days: 30, products: 600, events: 20_000 });
  const at = END + 5 * 3_600_000;
  const weights = Array.from({ length: 64 }, (_, i) => ((i * 7) % 5) / 10 - 0.2);
  const everyFeature: HitScorer = {
    version: 'every-feature',
    score: (vs) => vs.map((v) => 1 / (1 + Math.exp(-v.reduce((a, x, i) => a + x * weights[i]!, 0)))),
  };
  const demoStore = () => {
    const s = new MemoryStore();
    for (const p of demo.products) s.catalog.set(p.productId, productInfo(p.productId, p));
    s.series = buildSeries(bucketDeltas(demo.events));
    return s;
  };

  it.each([1, 3, 8])(
    'stores the scores, priors and lists rerankAll stores, and announces the same (%i shards)',
    async (shards) => {
      const whole = demoStore();
      const sharded = demoStore();
      const expected = await rerankAll(whole, everyFeature, at);
      const report = await rerankInShards(sharded, everyFeature, {
        runAt: new Date(at).toISOString(),
        shards,
      });
      expect(report).toEqual(expected);
      expect(expected.candidates).toBeGreaterThan(100);
      expect(whole.priors.size).toBeGreaterThan(3);
      expect(sharded.global).toEqual(whole.global);
      expect(sharded.priors).toEqual(whole.priors);
      expect(sharded.scores).toEqual(whole.scores);
      expect(sharded.lists).toEqual(whole.lists);
      expect(byScope(sharded.published)).toEqual(byScope(whole.published));
      // Again an hour later, over the stored lists: previous ranks and announcements agree too.
      const later = at + 3_600_000;
      await rerankAll(whole, everyFeature, later);
      await rerankInShards(sharded, everyFeature, { runAt: new Date(later).toISOString(), shards });
      expect(sharded.lists).toEqual(whole.lists);
      expect(byScope(sharded.published)).toEqual(byScope(whole.published));
    },
  );

  it('refuses to rank lists from parts another run left, or before every shard has scored', async () => {
    const s = demoStore();
    const run = { runAt: new Date(at).toISOString(), shards: 3 };
    await Promise.all([0, 1, 2].map((i) => shardPriors(s, i, run)));
    await mergePriors(s, run);
    await scoreShard(s, everyFeature, 0, run);
    await scoreShard(s, everyFeature, 1, run);
    await expect(rewriteCategoryLists(s, 0, run)).rejects.toThrow(/lacks 1 parts, e.g. scored#2\/3/);
    await expect(rewriteGlobalList(s, run)).rejects.toThrow(/lacks 1 parts, e.g. scored#2\/3/);
    // The next run's merge does not read this run's parts as its own.
    const next = { runAt: new Date(at + 3_600_000).toISOString(), shards: 3 };
    await expect(mergePriors(s, next)).rejects.toThrow(/lacks 3 parts/);
    await expect(scoreShard(s, everyFeature, 2, next)).rejects.toThrow(/not the run's/);
    await expect(shardPriors(s, 3, run)).rejects.toThrow(RangeError);
    expect(s.lists.size).toBe(0);
  });

  it('ranks the global list only after every shard has ranked its categories, each category once', async () => {
    const s = demoStore();
    const run = { runAt: new Date(at).toISOString(), shards: 3 };
    await Promise.all([0, 1, 2].map((i) => shardPriors(s, i, run)));
    await mergePriors(s, run);
    await Promise.all([0, 1, 2].map((i) => scoreShard(s, everyFeature, i, run)));
    const done = await Promise.all([0, 1].map((i) => rewriteCategoryLists(s, i, run)));
    await expect(rewriteGlobalList(s, run)).rejects.toThrow(/lacks 1 parts, e.g. lists#2\/3/);
    expect(s.lists.has(GLOBAL)).toBe(false);
    const last = await rewriteCategoryLists(s, 2, run);
    // Every category falls to one shard: the shards' categories add up to the catalog's.
    expect(done[0]!.categories + done[1]!.categories + last.categories).toBe(s.global!.categories.length);
    expect(Math.min(...done.map((d) => d.categories), last.categories)).toBeGreaterThan(0);
    await rewriteGlobalList(s, run);
    expect(s.lists.get(GLOBAL)!.items).toHaveLength(LIST_SIZE);
  });
});

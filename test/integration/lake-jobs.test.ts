import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDemoData } from '../../infra/local/demo/data/generate.ts';
import { LocalLake } from '../../infra/local/lake/duckdb.ts';
import { basketsOf, mineBundles } from '../../models/bundles/mine.ts';
import { buildRows, dailySnapshots, historyFromEvents } from '../../models/hits/dataset.ts';
import { duckdb } from '../../models/lake/dialect.ts';
import {
  bundleItemsetsPlan,
  bundleItemsetsSql,
  bundlesFromItemsetRows,
  ItemsetRow,
} from '../../models/lake/jobs/bundle-itemsets.ts';
import {
  DailySignalRow,
  hitDailySignalsPlan,
  hitDailySignalsSql,
  seriesFromDailyRows,
} from '../../models/lake/jobs/hit-daily-signals.ts';
import { planStatement, stagedPlan } from '../../models/lake/jobs/plan.ts';
import {
  EvidenceRow,
  evidenceFromRows,
  RELATED_BUCKETS,
  relatedEvidencePlan,
  relatedEvidenceSql,
  relatedTotalsPlan,
  TotalsRow,
} from '../../models/lake/jobs/related-evidence.ts';
import {
  RfmQuintileRow,
  rfmCutPointsFromRows,
  rfmCutPointsSql,
} from '../../models/lake/jobs/rfm-cut-points.ts';
import { workTablePrefix } from '../../models/lake/unload.ts';
import { buildEvidence } from '../../models/related/batch.ts';
import { decayEvidence, defaultRelatedConfig } from '../../models/related/evidence.ts';
import { profilesOfHistory } from '../../models/segments/catalog-prices.ts';
import { TEST_NOW } from '../support/clock.ts';

/**
 * The batch jobs' SQL on DuckDB over a lake of the demo's history gives what today's in-memory code
 * gives from the same events (the parity the lake must keep). One small demo, written to Parquet
 * once, with every event delivered twice for a tenth of them (the lake is at-least-once).
 */
const END = Date.UTC(2026, 10, 23);
const demo = generateDemoData({ seed: 7, endAt: new Date(END), days: 45, products: 600, events: 30_000 });
let lake: LocalLake;
let root: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'lake-jobs-'));
  lake = await LocalLake.open({ root, memoryLimit: '512MB' });
  await lake.append(demo.events);
  await lake.append(demo.events.filter((_, i) => i % 10 === 0));
}, 60_000);
afterAll(() => {
  lake?.close();
  rmSync(root, { recursive: true, force: true });
});

describe('lake jobs on DuckDB', () => {
  it('rfm-cut-points: the same quintiles as computing them from every profile', async () => {
    const rows = (await lake.query(rfmCutPointsSql(duckdb))).map((r) => RfmQuintileRow.parse(r));
    const now = TEST_NOW.getTime();
    const fromProfiles = profilesOfHistory(demo.events, demo.products, now).cuts;
    expect(rfmCutPointsFromRows(rows, now)).toEqual({
      ...fromProfiles,
      computedAt: new Date(now).toISOString(),
    });
    expect(fromProfiles.method).toBe('quintiles');
  });

  it('bundle-itemsets: the same bundles, rules and baskets as mining the baskets in memory', async () => {
    const fromMs = END - 30 * 86_400_000;
    const inWindow = demo.events.filter(
      (e) => Date.parse(e.occurredAt) >= fromMs && Date.parse(e.occurredAt) < END,
    );
    const expected = mineBundles(basketsOf(inWindow), { minCount: 3 });
    const rows = (await lake.query(bundleItemsetsSql(duckdb, { fromMs, toMs: END, minCount: 3 }))).map((r) =>
      ItemsetRow.parse(r),
    );
    const actual = bundlesFromItemsetRows(rows, { minCount: 3 });
    expect(expected.bundles.size).toBeGreaterThan(10);
    expect(actual.baskets).toBe(expected.baskets);
    expect(actual.rules).toBe(expected.rules);
    expect([...actual.bundles]).toEqual([...expected.bundles]);
  });

  it('related-evidence: the same decayed views, orders and pairs as the in-memory rebuild', async () => {
    const fromMs = END - 45 * 86_400_000;
    const rows = (await lake.query(relatedEvidenceSql(duckdb, { fromMs, toMs: END }))).map((r) =>
      EvidenceRow.parse(r),
    );
    const fromLake = evidenceFromRows(rows, END);
    const inMemory = buildEvidence(demo.events, defaultRelatedConfig);
    expect([...fromLake.keys()].sort()).toEqual([...inMemory.keys()].sort());
    const close = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
    let pairs = 0;
    let capped = 0;
    for (const [id, memory] of inMemory) {
      const expected = decayEvidence(memory, END);
      const actual = fromLake.get(id)!;
      expect(close(actual.views, expected.views), `${id} views`).toBe(true);
      expect(close(actual.orders, expected.orders), `${id} orders`).toBe(true);
      if (Object.keys(expected.pairs).length >= defaultRelatedConfig.maxPairs) {
        // Pruned: in memory after each replayed batch (a pair pruned early restarts from zero),
        // here once at the end. The strongest partners agree; the weakest few may differ.
        capped++;
        const kept = Object.keys(actual.pairs).filter((b) => b in expected.pairs).length;
        expect(kept / defaultRelatedConfig.maxPairs, `${id} partners in common`).toBeGreaterThan(0.9);
        continue;
      }
      expect(Object.keys(actual.pairs).sort(), `${id} partners`).toEqual(Object.keys(expected.pairs).sort());
      for (const [partner, p] of Object.entries(expected.pairs)) {
        const q = actual.pairs[partner]!;
        expect(close(q.bought, p.bought) && close(q.viewed, p.viewed), `${id}/${partner}`).toBe(true);
        pairs++;
      }
    }
    expect(capped).toBeLessThan(inMemory.size / 10);
    expect(pairs).toBeGreaterThan(1_000);
  });

  it.each([
    ['related-evidence', relatedEvidencePlan, RELATED_BUCKETS],
    ['related-totals', relatedTotalsPlan, 1],
    ['bundle-itemsets', bundlesAt3, 1],
    // A statement per week of the 45 days.
    ['hit-daily-signals', hitDailySignalsPlan, 7],
  ] as const)(
    '%s: its plan in steps (DuckDB writing each step out) gives the rows of its one statement',
    async (_id, plan, buckets) => {
      const window = { fromMs: END - 45 * 86_400_000, toMs: END };
      const dir = join(root, 'results', _id);
      const files = await lake.unloadPlan(plan(duckdb, window), dir);
      // The result is written bucket by bucket, and a product's row is in one file only.
      expect(new Set(files.map((f) => f.split('/').at(-1)!.split('-')[0])).size).toBe(buckets);
      const stepped = files.flatMap((f) =>
        readFileSync(f, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as { product_id: string; day_ms?: number }),
      );
      const whole = await lake.query<{ product_id: string; day_ms?: number }>(
        planStatement(plan(duckdb, window)),
      );
      expectSameRows(_id, stepped, whole);
      expect(readdirSync(join(root, 'results'))).not.toContain(`${_id}.work`);
    },
  );

  it("bundle-itemsets: in steps with no frequent pair (a written step with no rows), the one statement's rows", async () => {
    // A floor no product reaches: i2, a written step, is empty, so it has no Parquet file to read back.
    const plan = bundleItemsetsPlan(duckdb, {
      fromMs: END - 45 * 86_400_000,
      toMs: END,
      minCount: 1_000_000,
    });
    const dir = join(root, 'results', 'bundle-itemsets-empty');
    const files = await lake.unloadPlan(plan, dir);
    const stepped = files.flatMap((f) =>
      readFileSync(f, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => ItemsetRow.parse(JSON.parse(l))),
    );
    const whole = (await lake.query(planStatement(plan))).map((r) => ItemsetRow.parse(r));
    // Only the baskets' row: its count of the window's orders.
    expect(whole).toHaveLength(1);
    expect(whole[0]!.basket_count).toBeGreaterThan(100);
    expect(stepped).toEqual(whole);
  });

  // On AWS the related and bundle jobs run as Athena statements that write their steps as tables
  // (models/lake/unload.ts); the same staging, with DuckDB's tables, gives the one statement's rows.
  it.each([
    ['related-evidence', relatedEvidencePlan],
    ['related-totals', relatedTotalsPlan],
    ['bundle-itemsets', bundlesAt3],
  ] as const)(
    "%s: staged as Athena runs it (each written step read as a table), the one statement's rows",
    async (id, plan) => {
      const window = { fromMs: END - 45 * 86_400_000, toMs: END };
      const table = (step: string) => `${workTablePrefix(id)}${step}`;
      const staged = stagedPlan(plan(duckdb, window), {
        table,
        create: (step, select) => `CREATE TABLE ${table(step)} AS\n${select}`,
        drop: (step) => `DROP TABLE IF EXISTS ${table(step)}`,
      });
      expect(staged.work.length).toBeGreaterThan(1);
      for (const statement of staged.work) await lake.query(statement);
      const rows = await lake.query<ResultRow>(staged.result);
      for (const statement of staged.cleanup) await lake.query(statement);
      const whole = await lake.query<ResultRow>(planStatement(plan(duckdb, window)));
      expect(rows.length).toBeGreaterThan(100);
      expectSameRows(id, rows, whole);
      const left = await lake.query<{ n: number }>(
        `SELECT count(*) AS n FROM information_schema.tables WHERE table_name LIKE 'work_%'`,
      );
      expect(left[0]!.n).toBe(0);
    },
  );

  it('hit-daily-signals: the same training rows (features and labels) as the hourly buckets of the events', async () => {
    const fromMs = END - 45 * 86_400_000;
    const rows = (await lake.query(hitDailySignalsSql(duckdb, { fromMs, toMs: END }))).map((r) =>
      DailySignalRow.parse(r),
    );
    const snapshots = dailySnapshots(fromMs, END, { warmupDays: 14 });
    const fromEvents = buildRows(historyFromEvents(demo.products, demo.events), snapshots);
    const fromLake = buildRows({ products: demo.products, series: seriesFromDailyRows(rows) }, snapshots);
    expect(fromEvents.length).toBeGreaterThan(5_000);
    expect(fromEvents.filter((r) => r.label > 0).length).toBeGreaterThan(10);
    expect(fromLake).toEqual(fromEvents);
  });

  it('sets a record that is not an event aside (as Firehose does) and writes its neighbours', async () => {
    const root2 = mkdtempSync(join(tmpdir(), 'lake-bad-'));
    const small = await LocalLake.open({ root: root2, memoryLimit: '256MB' });
    try {
      const good = demo.events.slice(0, 3);
      const out = await small.append([good[0], { eventId: 'evt-poison-1', productId: 42 }, ...good.slice(1)]);
      expect(out).toEqual({ written: 3, errors: 1 });
      const ids = await small.query<{ event_id: string }>('SELECT event_id FROM events ORDER BY event_id');
      expect(ids.map((r) => r.event_id)).toEqual(good.map((e) => e.eventId).sort());
      const aside = readdirSync(join(root2, 'errors'));
      expect(aside).toHaveLength(1);
      expect(readFileSync(join(root2, 'errors', aside[0]!), 'utf8')).toContain('evt-poison-1');
    } finally {
      small.close();
      rmSync(root2, { recursive: true, force: true });
    }
  });
});

type ResultRow = { product_id: string; day_ms?: number };

/** The bundle job's plan at a floor of 3 orders: enough itemsets in the demo's 45 days to compare. */
const bundlesAt3 = (d: typeof duckdb, w: { fromMs: number; toMs: number }) =>
  bundleItemsetsPlan(d, { ...w, minCount: 3 });

/**
 * Two runs of a job give the same rows: one per product (and day); related evidence with the same
 * partners, and every sum equal to the last few bits (sums added up in another order differ there).
 */
function expectSameRows(id: string, stepped: readonly ResultRow[], whole: readonly ResultRow[]): void {
  expect(stepped.length).toBe(whole.length);
  if (id === 'bundle-itemsets') {
    // One row per itemset (and the baskets' row): the same counts, exactly.
    const itemset = (r: ResultRow) => {
      const row = ItemsetRow.parse(r);
      return [[row.item1, row.item2, row.item3, row.item4].join('|'), row.basket_count] as const;
    };
    const expected = new Map(whole.map(itemset));
    expect(expected.size).toBe(whole.length);
    expect(
      [...expected.keys()].filter((k) => k.split('|').filter(Boolean).length >= 3).length,
    ).toBeGreaterThan(0);
    expect(new Map(stepped.map(itemset))).toEqual(expected);
    return;
  }
  const key = (r: { product_id: string; day_ms?: number }) => `${r.product_id} ${r.day_ms ?? ''}`;
  expect(new Set(stepped.map(key)).size).toBe(stepped.length);
  if (id === 'related-evidence') {
    const a = evidenceFromRows(
      stepped.map((r) => EvidenceRow.parse(r)),
      END,
    );
    const b = evidenceFromRows(
      whole.map((r) => EvidenceRow.parse(r)),
      END,
    );
    expect([...a.values()].filter((e) => Object.keys(e.pairs).length > 0).length).toBeGreaterThan(100);
    for (const [product, e] of b) {
      const got = a.get(product)!;
      expect(Object.keys(got.pairs).sort(), product).toEqual(Object.keys(e.pairs).sort());
      for (const [partner, p] of Object.entries(e.pairs)) {
        expect(got.pairs[partner]!.viewed).toBeCloseTo(p.viewed, 9);
        expect(got.pairs[partner]!.bought).toBeCloseTo(p.bought, 9);
      }
      expect(got.views).toBeCloseTo(e.views, 9);
    }
  } else if (id === 'hit-daily-signals') {
    // Counts: equal.
    const byKey = new Map(whole.map((r) => [key(r), DailySignalRow.parse(r)]));
    for (const r of stepped) expect(DailySignalRow.parse(r)).toEqual(byKey.get(key(r)));
  } else {
    // Sums added up in another order: equal to the last few bits.
    const byId = new Map(whole.map((r) => [r.product_id, r as unknown as TotalsRow]));
    for (const r of stepped.map((x) => TotalsRow.parse(x))) {
      expect(r.views).toBeCloseTo(byId.get(r.product_id)!.views, 9);
      expect(r.orders).toBeCloseTo(byId.get(r.product_id)!.orders, 9);
    }
  }
}

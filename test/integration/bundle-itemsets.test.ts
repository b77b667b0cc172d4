import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BehaviourEvent } from '../../events/behaviour.ts';
import { LocalLake } from '../../infra/local/lake/duckdb.ts';
import { supportFloor } from '../../models/bundles/mine.ts';
import { mineRules, rulesFromItemsets } from '../../models/bundles/mining.ts';
import { duckdb } from '../../models/lake/dialect.ts';
import { bundleItemsetsSql, ItemsetRow, itemsetsFromRows } from '../../models/lake/jobs/bundle-itemsets.ts';

/**
 * The job's itemsets, level by level, against a count of every subset of every basket: baskets
 * with planted quadruples and triples among noise, so every level of the SQL has work (the demo's
 * baskets rarely hold a frequent quadruple).
 */
const END = Date.UTC(2026, 10, 23);
const MIN_COUNT = 4;
const p = (n: number) => `p-${String(n).padStart(3, '0')}`;

/** Deterministic baskets: two planted quadruples, a triple, and items spread by residues. */
function basketOf(i: number): string[] {
  const items = new Set<string>();
  const plant = (when: boolean, ns: number[]) => {
    if (when) for (const n of ns) items.add(p(n));
  };
  plant(i % 9 === 0, [1, 2, 3, 4]);
  plant(i % 13 === 0, [2, 3, 5, 6]);
  plant(i % 7 === 0, [7, 8, 9]);
  // Partial patterns: subsets of the planted sets, so a subset's count is above its superset's.
  plant(i % 11 === 0, [1, 2, 3]);
  plant(i % 17 === 0, [3, 4]);
  items.add(p(10 + (i % 23)));
  items.add(p(10 + ((i * 7) % 31)));
  if (i % 3 === 0) items.add(p(10 + ((i * 5) % 19)));
  return [...items];
}

const BASKETS = Array.from({ length: 600 }, (_, i) => basketOf(i));
const orderOf = (items: readonly string[], i: number): BehaviourEvent => ({
  type: 'OrderPlaced',
  eventId: `evt-bi-${i}`,
  occurredAt: new Date(END - 86_400_000 + i * 1000).toISOString(),
  version: 1,
  userId: `u-${i % 50}`,
  orderId: `o-${i}`,
  // A product on two lines counts once in its basket.
  lines: [...items, ...(i % 10 === 0 ? [items[0]!] : [])].map((productId) => ({
    productId,
    quantity: 1,
    paidPrice: 1000,
  })),
});

/** Every itemset of one to four items in at least `minCount` baskets, counted by enumeration. */
function countedSubsets(baskets: readonly (readonly string[])[], minCount: number): Map<string, number> {
  const counts = new Map<string, number>();
  const add = (key: string) => counts.set(key, (counts.get(key) ?? 0) + 1);
  for (const basket of baskets) {
    const s = [...basket].sort();
    for (let a = 0; a < s.length; a++) {
      add(s[a]!);
      for (let b = a + 1; b < s.length; b++) {
        add(`${s[a]},${s[b]}`);
        for (let c = b + 1; c < s.length; c++) {
          add(`${s[a]},${s[b]},${s[c]}`);
          for (let d = c + 1; d < s.length; d++) add(`${s[a]},${s[b]},${s[c]},${s[d]}`);
        }
      }
    }
  }
  return new Map([...counts].filter(([, c]) => c >= minCount));
}

let lake: LocalLake;
let root: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'bundle-itemsets-'));
  lake = await LocalLake.open({ root, memoryLimit: '512MB' });
  const orders = BASKETS.map(orderOf);
  await lake.append(orders);
  // At least once: a fifth of the orders delivered again.
  await lake.append(orders.filter((_, i) => i % 5 === 0));
}, 60_000);
afterAll(() => {
  lake?.close();
  rmSync(root, { recursive: true, force: true });
});

/** The job's rows over the last two days, as itemsets and the number of baskets. */
async function lakeItemsets(minSupport = 0) {
  const sql = bundleItemsetsSql(duckdb, {
    fromMs: END - 2 * 86_400_000,
    toMs: END,
    minCount: MIN_COUNT,
    minSupport,
  });
  return itemsetsFromRows((await lake.query(sql)).map((r) => ItemsetRow.parse(r)));
}

describe('bundle-itemsets on DuckDB', () => {
  it('counts every frequent itemset of one to four products, and nothing else, as enumerating the baskets does', async () => {
    const { baskets, itemsets } = await lakeItemsets();
    const expected = countedSubsets(BASKETS, MIN_COUNT);
    const actual = new Map(itemsets.map((s) => [s.items.join(','), s.count]));

    expect(baskets).toBe(BASKETS.length);
    expect(actual).toEqual(expected);
    const sizes = [1, 2, 3, 4].map((n) => itemsets.filter((s) => s.items.length === n).length);
    // Every level has itemsets to find (the planted sets and their subsets).
    expect(
      sizes.every((n) => n > 0),
      `itemsets per size ${sizes.join(', ')}`,
    ).toBe(true);
    // The planted quadruple, in every ninth basket at least.
    expect(actual.get([p(1), p(2), p(3), p(4)].join(','))).toBeGreaterThanOrEqual(600 / 9);
  });

  it('holds every level to minSupport of the baskets where that is above minCount, in exact arithmetic', async () => {
    // 0.035 of 600 baskets is 21 orders; in doubles 21.000000000000004, which rounds up to 22.
    const minSupport = 0.035;
    const floor = supportFloor(BASKETS.length, { minCount: MIN_COUNT, minSupport });
    expect(floor).toBe(21);
    const expected = countedSubsets(BASKETS, floor);
    // An itemset at exactly the floor: an engine that rounded the product up would drop it.
    expect([...expected.values()]).toContain(21);
    const { baskets, itemsets } = await lakeItemsets(minSupport);
    expect(new Map(itemsets.map((s) => [s.items.join(','), s.count]))).toEqual(expected);
    // And the same rules as the in-memory miner at the same floor.
    expect(rulesFromItemsets(itemsets, baskets, { minConfidence: 0.1 })).toEqual(
      mineRules(BASKETS, { minSupport: floor / BASKETS.length, minConfidence: 0.1, maxLen: 4 }).rules,
    );
  });

  it('gives the rules that mining the baskets in memory gives', async () => {
    const { baskets, itemsets } = await lakeItemsets();
    const fromLake = rulesFromItemsets(itemsets, baskets, { minConfidence: 0.1 });
    const inMemory = mineRules(BASKETS, {
      minSupport: MIN_COUNT / BASKETS.length,
      minConfidence: 0.1,
      maxLen: 4,
    });
    expect(fromLake.length).toBeGreaterThan(0);
    expect(fromLake).toEqual(inMemory.rules);
  });
});

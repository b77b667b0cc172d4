import * as z from 'zod';
import {
  BUNDLE_DEFAULTS,
  bundlesFromRules,
  type MinedBundles,
  supportDigits,
  supportFloor,
} from '../../bundles/mine.ts';
import { type NamedItemset, rulesFromItemsets } from '../../bundles/mining.ts';
import { type Dialect, eventDates } from '../dialect.ts';
import { type LakePlan, planStatement } from './plan.ts';

/**
 * The bundle miner's input, counted in the lake: every itemset of up to four products bought
 * together in at least `minCount` orders of the window, or `minSupport` of them where that is more
 * (Apriori, a level per common table expression). One basket per OrderPlaced event (repeated
 * deliveries of one event counted once), its distinct products. A level's itemsets are counted by
 * enumerating, within each order, the combinations of its items that are frequent at the level
 * below (pairs of frequent items, triples of items in frequent pairs, ...); a combination's count is
 * exact however it was reached. A row with no items carries
 * the number of baskets. Rules and bundles are derived from the counts in memory: they are few
 * (models/bundles/).
 *
 * Why arrays above pairs: Athena (Trino) evaluates a WITH query again at every reference, so a
 * level that joined the one below to itself multiplied the reads of the orders: self-joined triples
 * and quadruples read them 2,041 times a run (1,194 before the support floor). Pairs are still a
 * self-join of the orders' frequent items (on DuckDB the arrays took 10 s more at 100M events);
 * triples and quadruples enumerate each remaining order's short array in place: 43 reads as one
 * statement. In steps (Athena writes `baskets` and the pairs once, as work tables:
 * models/lake/unload.ts) a run reads the events once (test/unit/lake-sql.test.ts counts both); the
 * levels above pairs read those tables again at each reference, which costs little: they are the
 * orders' products and the frequent pairs, not the events. On DuckDB, which evaluates a WITH query
 * once, the two writes cost time instead (100M events: 13 s instead of 8; 200M: 29 s instead of 23;
 * the same rows).
 */
export function bundleItemsetsPlan(
  d: Dialect,
  {
    fromMs,
    toMs,
    minCount = BUNDLE_DEFAULTS.minCount,
    minSupport = BUNDLE_DEFAULTS.minSupport,
  }: { fromMs: number; toMs: number; minCount?: number; minSupport?: number },
): LakePlan {
  const when = d.epochMs('e.occurred_at');
  // Exact decimal arithmetic on both engines (a DECIMAL literal times a count), as supportFloor does.
  const support = decimalLiteral(minSupport);
  const floor = (counted: string, count: string) =>
    `SELECT g.* FROM (${counted}) AS g CROSS JOIN support_floor f WHERE g.${count} >= f.n`;
  /** The order's array `items` as `k` of its items in ascending order, columns `names`. */
  const combinations = (array: string, names: readonly string[]) =>
    names.map((n, i) => d.unnestValues(array, `u${i}`, n)).join(' ');
  const ascending = (names: readonly string[]) =>
    names
      .slice(1)
      .map((n, i) => `u${i}.${names[i]} < u${i + 1}.${n}`)
      .join(' AND ');
  const selected = (names: readonly string[]) => names.map((n, i) => `u${i}.${n}`).join(', ');
  /** Each order's items that are in one of `level`'s itemsets, as an array, orders with `atLeast`. */
  const orderItems = (from: string, level: string, columns: readonly string[], atLeast: number) => `
  SELECT o.event_id, array_agg(x.item ORDER BY x.item) AS items
  FROM ${from} o ${d.unnestValues('o.items', 'x', 'item')}
  JOIN (SELECT DISTINCT m.item FROM ${level} ${d.unnestValues(`ARRAY[${columns.map((c) => `${level}.${c}`).join(', ')}]`, 'm', 'item')}) AS k
    ON k.item = x.item
  GROUP BY o.event_id HAVING count(*) >= ${atLeast}`;
  const count = (from: string, names: readonly string[], as: string) =>
    floor(
      `SELECT ${selected(names)}, count(*) AS ${as} FROM ${from} o ${combinations('o.items', names)}
       WHERE ${ascending(names)} GROUP BY ${selected(names)}`,
      as,
    );
  return {
    steps: [
      {
        id: 'baskets',
        // DISTINCT drops an event delivered twice as well as a product on two lines: no eventsOnce,
        // whose aggregate would carry every order's lines (at 30M events that alone went past 3 GB).
        // An order as a 64-bit number rather than its id: every level below groups on it (two
        // orders whose ids collide would count as one basket, about one chance in 500,000 among 6M
        // orders). Written once (staged): the only step that reads the events.
        sql: `
  SELECT DISTINCT ${d.hash64('event_id')} AS event_id, l_product_id AS product_id
  FROM (SELECT e.event_id, e.lines FROM events e
        WHERE e.event_type = 'OrderPlaced' AND e.${eventDates(fromMs, toMs)} AND ${when} >= ${fromMs} AND ${when} < ${toMs}) AS o
  ${d.unnestStructs('lines', 'l', ['product_id'])}`,
        materialize: {},
      },
      // The evidence floor: minCount orders, or minSupport of the window's baskets where that is
      // more (models/bundles/mine.ts, supportFloor). Each level's counts are joined to its one row.
      { id: 'basket_total', sql: '  SELECT count(DISTINCT event_id) AS n FROM baskets' },
      {
        id: 'support_floor',
        sql: `  SELECT greatest(${minCount}, CAST(ceil(n * ${support}) AS BIGINT)) AS n FROM basket_total`,
      },
      {
        id: 'i1',
        sql: `  ${floor('SELECT product_id AS a, count(*) AS c FROM baskets GROUP BY product_id', 'c')}`,
      },
      { id: 'b1', sql: '  SELECT b.event_id, b.product_id FROM baskets b JOIN i1 ON i1.a = b.product_id' },
      {
        id: 'i2',
        // The pairs' self-join, the heaviest level: written once rather than evaluated at each of
        // its references.
        sql: `  ${floor(
          `SELECT x.product_id AS a, y.product_id AS b, count(*) AS c
     FROM b1 x JOIN b1 y ON x.event_id = y.event_id AND x.product_id < y.product_id
     GROUP BY x.product_id, y.product_id`,
          'c',
        )}`,
        materialize: {},
      },
      {
        id: 'o2',
        // From here each order is an array of its items that are in a frequent itemset one size
        // smaller (a triple's items are each in a frequent pair), in orders with enough of them:
        // few orders, short arrays.
        sql: `
  SELECT b.event_id, array_agg(b.product_id ORDER BY b.product_id) AS items
  FROM b1 b
  JOIN (SELECT DISTINCT m.item FROM i2 ${d.unnestValues('ARRAY[i2.a, i2.b]', 'm', 'item')}) AS k ON k.item = b.product_id
  GROUP BY b.event_id HAVING count(*) >= 3`,
      },
      { id: 'i3', sql: `  ${count('o2', ['a', 'b', 'c'], 'c3')}` },
      { id: 'o3', sql: orderItems('o2', 'i3', ['a', 'b', 'c'], 4) },
      { id: 'i4', sql: `  ${count('o3', ['a', 'b', 'c', 'd'], 'c4')}` },
    ],
    result: () => `
SELECT CAST(NULL AS VARCHAR) AS item1, CAST(NULL AS VARCHAR) AS item2, CAST(NULL AS VARCHAR) AS item3,
       CAST(NULL AS VARCHAR) AS item4, n AS basket_count FROM basket_total
UNION ALL SELECT a, NULL, NULL, NULL, c FROM i1
UNION ALL SELECT a, b, NULL, NULL, c FROM i2
UNION ALL SELECT a, b, c, NULL, c3 FROM i3
UNION ALL SELECT a, b, c, d, c4 FROM i4`,
  };
}

/** The job as one statement, every step a common table expression. */
export function bundleItemsetsSql(
  d: Dialect,
  window: { fromMs: number; toMs: number; minCount?: number; minSupport?: number },
): string {
  return planStatement(bundleItemsetsPlan(d, window));
}

/**
 * A share as an exact decimal literal, to SUPPORT_PLACES places (the digits supportFloor computes
 * with): both engines read `0.00001` as a DECIMAL (and `1e-5` as a DOUBLE, whose product with a
 * count could round up past an integer).
 */
export function decimalLiteral(x: number): string {
  return supportDigits(x).replace(/0+$/, '').replace(/\.$/, '.0');
}

export const ItemsetRow = z.object({
  item1: z.string().nullable(),
  item2: z.string().nullable(),
  item3: z.string().nullable(),
  item4: z.string().nullable(),
  basket_count: z.int().min(0),
});
export type ItemsetRow = z.infer<typeof ItemsetRow>;

/** The counts as itemsets, and the number of baskets (the row with no items). */
export function itemsetsFromRows(rows: readonly ItemsetRow[]): { baskets: number; itemsets: NamedItemset[] } {
  let baskets = 0;
  const itemsets: NamedItemset[] = [];
  for (const r of rows) {
    const items = [r.item1, r.item2, r.item3, r.item4].filter((x): x is string => x !== null);
    if (items.length === 0) baskets = r.basket_count;
    else itemsets.push({ items, count: r.basket_count });
  }
  return { baskets, itemsets };
}

/** Each product's best bundle from the lake's counts, as `mineBundles` finds it from the baskets. */
export function bundlesFromItemsetRows(
  rows: readonly ItemsetRow[],
  {
    minCount = BUNDLE_DEFAULTS.minCount,
    minSupport = BUNDLE_DEFAULTS.minSupport,
    minConfidence = BUNDLE_DEFAULTS.minConfidence,
    maxItems = BUNDLE_DEFAULTS.maxItems,
  }: { minCount?: number; minSupport?: number; minConfidence?: number; maxItems?: number } = {},
): MinedBundles {
  const { baskets, itemsets } = itemsetsFromRows(rows);
  if (baskets === 0) return { baskets: 0, rules: 0, bundles: new Map() };
  const rules = rulesFromItemsets(
    itemsets.filter((s) => s.items.length <= maxItems),
    baskets,
    { minConfidence },
  );
  return bundlesFromRules(rules, baskets, {
    minCount: supportFloor(baskets, { minCount, minSupport }),
    maxItems,
  });
}

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

/**
 * The bundle miner's input, counted in the lake: every itemset of up to four products bought
 * together in at least `minCount` orders of the window, or `minSupport` of them where that is more (Apriori, one level per common table
 * expression: a level's candidates are joined only from baskets' items that are frequent at the
 * level below, and every pair inside a candidate must be frequent). One basket per OrderPlaced event
 * (repeated deliveries of one event counted once), its distinct products. A row with no items
 * carries the number of baskets. Rules and bundles are derived from the counts in memory: they are
 * few (models/bundles/).
 */
export function bundleItemsetsSql(
  d: Dialect,
  {
    fromMs,
    toMs,
    minCount = BUNDLE_DEFAULTS.minCount,
    minSupport = BUNDLE_DEFAULTS.minSupport,
  }: { fromMs: number; toMs: number; minCount?: number; minSupport?: number },
): string {
  const when = d.epochMs('e.occurred_at');
  // Exact decimal arithmetic on both engines (a DECIMAL literal times a count), as supportFloor does.
  const support = decimalLiteral(minSupport);
  return `
WITH baskets AS (
  -- DISTINCT drops an event delivered twice as well as a product on two lines: no eventsOnce, whose
  -- aggregate would carry every order's lines (at 30M events that alone went past 3 GB).
  -- An order as a 64-bit number rather than its id: every level below joins and counts on it (two
  -- orders whose ids collide would count as one basket, about one chance in 500,000 among 6M orders).
  SELECT DISTINCT ${d.hash64('event_id')} AS event_id, l_product_id AS product_id
  FROM (SELECT e.event_id, e.lines FROM events e
        WHERE e.event_type = 'OrderPlaced' AND e.${eventDates(fromMs, toMs)} AND ${when} >= ${fromMs} AND ${when} < ${toMs}) AS o
  ${d.unnestStructs('lines', 'l', ['product_id'])}
),
-- The evidence floor: minCount orders, or minSupport of the window's baskets where that is more
-- (models/bundles/mine.ts, supportFloor). Each level's counts are joined to its one row.
basket_total AS (
  SELECT count(DISTINCT event_id) AS n FROM baskets
),
support_floor AS (
  SELECT greatest(${minCount}, CAST(ceil(n * ${support}) AS BIGINT)) AS n FROM basket_total
),
i1 AS (
  SELECT g.a, g.c FROM (SELECT product_id AS a, count(*) AS c FROM baskets GROUP BY product_id) AS g
  CROSS JOIN support_floor f WHERE g.c >= f.n
),
b1 AS (
  SELECT b.event_id, b.product_id FROM baskets b JOIN i1 ON b.product_id = i1.a
),
i2 AS (
  SELECT g.a, g.b, g.a || '#' || g.b AS ab, g.c FROM (
    SELECT x.product_id AS a, y.product_id AS b, count(*) AS c
    FROM b1 x JOIN b1 y ON x.event_id = y.event_id AND x.product_id < y.product_id
    GROUP BY x.product_id, y.product_id
  ) AS g CROSS JOIN support_floor f WHERE g.c >= f.n
),
-- A basket's items that are in some frequent pair: a semi-join on the pairs' products (a DISTINCT
-- over the pairs' joins with the baskets took 13 of the 22 s at 100M events, once most items were paired).
b2 AS (
  SELECT event_id, product_id FROM b1
  WHERE product_id IN (SELECT a FROM i2 UNION SELECT b FROM i2)
),
-- Only baskets with three such items can hold a triple. From there every join is within one basket
-- (keyed on its order), so no plan the engine picks can join the frequent itemsets among themselves
-- (at 30M events that took 3.4 GB and 30 s for no triple at all; at 100M, 3 GB and out of memory).
b3 AS (
  SELECT event_id, product_id FROM b2
  WHERE event_id IN (SELECT event_id FROM b2 GROUP BY event_id HAVING count(*) >= 3)
),
-- A basket's frequent pairs: a triple's three pairs are among them. The pair is looked up by one key
-- made of both products ('#' is in no id), so the engine cannot join the pairs to one product's
-- basket items first (a popular product's pairs times its baskets: 57 s at 100M events).
bp AS (
  SELECT x.event_id, x.product_id AS a, y.product_id AS b
  FROM b3 x
  JOIN b3 y ON y.event_id = x.event_id AND x.product_id < y.product_id
  JOIN i2 ON i2.ab = x.product_id || '#' || y.product_id
),
-- A basket's triples whose three pairs are frequent: the candidates.
bt AS (
  SELECT ab.event_id, ab.a, ab.b, bc.b AS c
  FROM bp ab
  JOIN bp bc ON bc.event_id = ab.event_id AND bc.a = ab.b
  JOIN bp ac ON ac.event_id = ab.event_id AND ac.a = ab.a AND ac.b = bc.b
),
i3 AS (
  SELECT g.a, g.b, g.c, g.c3 FROM (SELECT a, b, c, count(*) AS c3 FROM bt GROUP BY a, b, c) AS g
  CROSS JOIN support_floor f WHERE g.c3 >= f.n
),
-- A basket's frequent triples, in baskets with four of them: a quadruple's four triples are among them.
tf AS (
  SELECT event_id, a, b, c FROM (
    SELECT bt.event_id, bt.a, bt.b, bt.c, count(*) OVER (PARTITION BY bt.event_id) AS n
    FROM bt JOIN i3 ON i3.a = bt.a AND i3.b = bt.b AND i3.c = bt.c
  ) AS t WHERE n >= 4
),
i4 AS (
  SELECT g.a, g.b, g.c, g.d, g.c4 FROM (
    SELECT abc.a, abc.b, abc.c, abd.c AS d, count(*) AS c4
    FROM tf abc
    JOIN tf abd ON abd.event_id = abc.event_id AND abd.a = abc.a AND abd.b = abc.b AND abd.c > abc.c
    JOIN tf acd ON acd.event_id = abc.event_id AND acd.a = abc.a AND acd.b = abc.c AND acd.c = abd.c
    JOIN tf bcd ON bcd.event_id = abc.event_id AND bcd.a = abc.b AND bcd.b = abc.c AND bcd.c = abd.c
    GROUP BY abc.a, abc.b, abc.c, abd.c
  ) AS g CROSS JOIN support_floor f WHERE g.c4 >= f.n
)
SELECT CAST(NULL AS VARCHAR) AS item1, CAST(NULL AS VARCHAR) AS item2, CAST(NULL AS VARCHAR) AS item3,
       CAST(NULL AS VARCHAR) AS item4, n AS basket_count FROM basket_total
UNION ALL SELECT a, NULL, NULL, NULL, c FROM i1
UNION ALL SELECT a, b, NULL, NULL, c FROM i2
UNION ALL SELECT a, b, c, NULL, c3 FROM i3
UNION ALL SELECT a, b, c, d, c4 FROM i4`;
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

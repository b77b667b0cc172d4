import * as z from 'zod';
import type { RfmCutPoints, RfmSettings } from '../../../events/segments.ts';
import { cutPointsOf, type Quintiles } from '../../segments/scoring.ts';
import { type Dialect, eventsOnce } from '../dialect.ts';

/**
 * The shop's RFM cut points from every order in the lake: per signed-in shopper, the last order's
 * instant, the distinct orders and the total paid (each order id once, however often it was
 * delivered), then the nearest-rank quintiles of each (the value at sorted position
 * ceil(k n / 5), k = 1..4), exactly as `computeCutPoints` takes them from the profiles.
 */
export function rfmCutPointsSql(d: Dialect): string {
  return `
WITH placed AS (
  SELECT user_id, order_id, event_id, ${d.epochMs('occurred_at')} AS placed_ms,
         sum(CAST(l_quantity AS BIGINT) * l_paid_price) AS paid
  FROM ${eventsOnce("e.event_type = 'OrderPlaced' AND e.user_id IS NOT NULL", ['user_id', 'order_id', 'occurred_at', 'lines'])} AS o
  ${d.unnestStructs('lines', 'l', ['quantity', 'paid_price'])}
  GROUP BY user_id, order_id, event_id, ${d.epochMs('occurred_at')}
),
orders AS (
  -- One order id twice (two events) is one order, as the profile keeps it.
  SELECT user_id, order_id, max(placed_ms) AS placed_ms, max(paid) AS paid
  FROM placed
  GROUP BY user_id, order_id
),
profiles AS (
  SELECT user_id, max(placed_ms) AS last_order_ms, count(*) AS orders, sum(paid) AS monetary
  FROM orders
  GROUP BY user_id
),
ranked AS (
  SELECT last_order_ms, orders, monetary,
         row_number() OVER (ORDER BY last_order_ms) AS r_rank,
         row_number() OVER (ORDER BY orders) AS f_rank,
         row_number() OVER (ORDER BY monetary) AS m_rank,
         count(*) OVER () AS population
  FROM profiles
),
quintiles AS (
  SELECT k FROM (VALUES (1), (2), (3), (4)) AS q(k)
)
SELECT q.k AS k,
       max(r.population) AS population,
       max(CASE WHEN r.r_rank = ceil(CAST(q.k * r.population AS DOUBLE) / 5) THEN r.last_order_ms END) AS recency,
       max(CASE WHEN r.f_rank = ceil(CAST(q.k * r.population AS DOUBLE) / 5) THEN r.orders END) AS frequency,
       max(CASE WHEN r.m_rank = ceil(CAST(q.k * r.population AS DOUBLE) / 5) THEN r.monetary END) AS monetary
FROM quintiles q CROSS JOIN ranked r
GROUP BY q.k
ORDER BY q.k`;
}

export const RfmQuintileRow = z.object({
  k: z.int().min(1).max(4),
  population: z.int().min(0).nullable(),
  recency: z.number().nullable(),
  frequency: z.number().nullable(),
  monetary: z.number().nullable(),
});
export type RfmQuintileRow = z.infer<typeof RfmQuintileRow>;

/** The query's four rows as cut points (the fixed fallback below the settings' population). */
export function rfmCutPointsFromRows(
  rows: readonly RfmQuintileRow[],
  now: number,
  settings?: RfmSettings,
): RfmCutPoints {
  const sorted = [...rows].sort((a, b) => a.k - b.k);
  const population = sorted[0]?.population ?? 0;
  const column = (c: 'recency' | 'frequency' | 'monetary') =>
    sorted.map((r) => r[c] ?? 0) as unknown as Quintiles;
  return cutPointsOf(
    { population, recency: column('recency'), frequency: column('frequency'), monetary: column('monetary') },
    now,
    settings,
  );
}

import * as z from 'zod';
import { type ProductSeries, type SeriesIndex, SIGNALS, type Signal } from '../../hits/signals.ts';
import { type Dialect, eventDates, eventsOnce } from '../dialect.ts';
import type { LakePlan } from './plan.ts';

/**
 * The hit model's training input from the lake: per product and UTC day, the signals the features
 * read (models/hits/signals.ts: searches listing or clicking it, search clicks, views, carts,
 * orders holding it, units, revenue, reviews, the ratings' sum), each event once. The model trains
 * on products x days: daily snapshots read 1-, 7- and 28-day windows that end at midnight, so daily
 * buckets give exactly what the hourly ones give. Raw events never reach the trainer.
 */
export function hitDailySignalsSql(d: Dialect, { fromMs, toMs }: { fromMs: number; toMs: number }): string {
  const when = d.epochMs('e.occurred_at');
  const once = (types: string, columns: readonly string[]) =>
    eventsOnce(
      `e.event_type IN (${types}) AND e.${eventDates(fromMs, toMs)} AND ${when} >= ${fromMs} AND ${when} < ${toMs}`,
      ['occurred_at', ...columns],
    );
  const day = (column: string) =>
    `CAST(floor(CAST(${d.epochMs(column)} AS DOUBLE) / 86400000) AS BIGINT) * 86400000`;
  return `
WITH touches AS (
  SELECT product_id, ${day('occurred_at')} AS day_ms,
         CASE WHEN event_type = 'ProductViewed' THEN 1 ELSE 0 END AS views,
         CASE WHEN event_type = 'ProductAddedToCart' THEN 1 ELSE 0 END AS carts,
         CASE WHEN event_type = 'ReviewPosted' THEN 1 ELSE 0 END AS reviews,
         CASE WHEN event_type = 'ReviewPosted' THEN rating ELSE 0 END AS rating_sum
  FROM ${once("'ProductViewed', 'ProductAddedToCart', 'ReviewPosted'", ['product_id', 'event_type', 'rating'])} AS v
),
ordered AS (
  SELECT l_product_id AS product_id, ${day('o.occurred_at')} AS day_ms, o.event_id,
         sum(l_quantity) AS units, sum(CAST(l_quantity AS BIGINT) * l_paid_price) AS revenue
  FROM ${once("'OrderPlaced'", ['lines'])} AS o
  ${d.unnestStructs('lines', 'l', ['product_id', 'quantity', 'paid_price'])}
  GROUP BY l_product_id, ${day('o.occurred_at')}, o.event_id
),
searched AS (
  SELECT DISTINCT s.event_id, s.day_ms, s.product_id, s.clicked FROM (
    SELECT q.event_id, ${day('q.occurred_at')} AS day_ms, r.product_id, 0 AS clicked
    FROM ${once("'SearchPerformed'", ['result_product_ids', 'clicked_product_id'])} AS q CROSS JOIN UNNEST(q.result_product_ids) AS r(product_id)
    UNION ALL
    SELECT q.event_id, ${day('q.occurred_at')} AS day_ms, q.clicked_product_id, 1
    FROM ${once("'SearchPerformed'", ['result_product_ids', 'clicked_product_id'])} AS q WHERE q.clicked_product_id IS NOT NULL
  ) AS s
),
searches AS (
  SELECT product_id, day_ms, count(DISTINCT event_id) AS searches, sum(clicked) AS search_clicks
  FROM searched GROUP BY product_id, day_ms
)
SELECT product_id, day_ms,
       sum(searches) AS searches, sum(search_clicks) AS search_clicks, sum(views) AS views,
       sum(carts) AS carts, sum(orders) AS orders, sum(units) AS units, sum(revenue) AS revenue,
       sum(reviews) AS reviews, sum(rating_sum) AS rating_sum
FROM (
  SELECT product_id, day_ms, 0 AS searches, 0 AS search_clicks, views, carts, 0 AS orders,
         0 AS units, CAST(0 AS BIGINT) AS revenue, reviews, rating_sum FROM touches
  UNION ALL
  SELECT product_id, day_ms, 0, 0, 0, 0, 1, units, revenue, 0, 0 FROM ordered
  UNION ALL
  SELECT product_id, day_ms, searches, search_clicks, 0, 0, 0, 0, CAST(0 AS BIGINT), 0, 0 FROM searches
) AS signals
GROUP BY product_id, day_ms
ORDER BY product_id, day_ms`;
}

/**
 * The job as a plan: one statement on Athena; on one machine, a statement per week of the window
 * (buckets), each counting its own days (its events once: a repeated delivery has its event's
 * time). The rows are per product and day, so the weeks' rows are the window's. At 100M events the
 * window as one statement ran out of DuckDB's 3 GB.
 */
export function hitDailySignalsPlan(
  d: Dialect,
  { fromMs, toMs }: { fromMs: number; toMs: number },
): LakePlan {
  const week = 7 * 86_400_000;
  const buckets = Math.max(1, Math.ceil((toMs - fromMs) / week));
  return {
    steps: [],
    buckets,
    result: (b) =>
      b === null
        ? hitDailySignalsSql(d, { fromMs, toMs })
        : hitDailySignalsSql(d, { fromMs: fromMs + b * week, toMs: Math.min(toMs, fromMs + (b + 1) * week) }),
  };
}

export const DailySignalRow = z.object({
  product_id: z.string(),
  day_ms: z.int(),
  searches: z.int().min(0),
  search_clicks: z.int().min(0),
  views: z.int().min(0),
  carts: z.int().min(0),
  orders: z.int().min(0),
  units: z.int().min(0),
  revenue: z.int().min(0),
  reviews: z.int().min(0),
  rating_sum: z.int().min(0),
});
export type DailySignalRow = z.infer<typeof DailySignalRow>;

/** The rows as the series the features read (one bucket per product and day). */
export function seriesFromDailyRows(rows: Iterable<DailySignalRow>): SeriesIndex {
  const series = new DailySeries();
  for (const r of rows) series.add(r);
  return series.build();
}

/** A row's counts in SIGNALS order. */
const COLUMNS = {
  searches: 'searches',
  searchClicks: 'search_clicks',
  views: 'views',
  carts: 'carts',
  orders: 'orders',
  units: 'units',
  revenue: 'revenue',
  reviews: 'reviews',
  ratingSum: 'rating_sum',
} as const satisfies Record<Signal, keyof DailySignalRow>;
const WIDTH = 1 + SIGNALS.length;

/**
 * The series built a row at a time, each row kept as ten numbers of its product's flat array until
 * `build`: train-hits streams the job's files through it. As row objects beside the series, the
 * 4.2M rows of 100k products took 1.9 GB before a feature was computed (npm run bench:retrain).
 * The same series as buildSeries gives over the rows' buckets: days in order, a day's rows summed.
 * `build` hands the rows over: a second call builds nothing (`rows` still counts what was added).
 */
export class DailySeries {
  readonly #perProduct = new Map<string, number[]>();
  #rows = 0;

  get rows(): number {
    return this.#rows;
  }

  add(r: DailySignalRow): void {
    let flat = this.#perProduct.get(r.product_id);
    if (flat === undefined) {
      flat = [];
      this.#perProduct.set(r.product_id, flat);
    }
    flat.push(r.day_ms);
    for (const s of SIGNALS) flat.push(r[COLUMNS[s]]);
    this.#rows++;
  }

  build(): Map<string, ProductSeries> {
    const out = new Map<string, ProductSeries>();
    for (const [productId, flat] of this.#perProduct) {
      const n = flat.length / WIDTH;
      const order = Array.from({ length: n }, (_, i) => i).sort(
        (a, b) => flat[a * WIDTH]! - flat[b * WIDTH]!,
      );
      const hours: number[] = [];
      const sums: number[][] = SIGNALS.map(() => []);
      for (const i of order) {
        const day = flat[i * WIDTH]!;
        if (hours.at(-1) !== day) {
          hours.push(day);
          for (const col of sums) col.push(0);
        }
        SIGNALS.forEach((_, k) => {
          const col = sums[k]!;
          col[col.length - 1]! += flat[i * WIDTH + 1 + k]!;
        });
      }
      const cum = Object.fromEntries(
        SIGNALS.map((s, k) => {
          const c = new Float64Array(hours.length + 1);
          for (let i = 0; i < hours.length; i++) c[i + 1] = c[i]! + sums[k]![i]!;
          return [s, c];
        }),
      ) as Record<Signal, Float64Array>;
      out.set(productId, { hours: Float64Array.from(hours), cum });
      // What is built no longer needs its rows.
      this.#perProduct.delete(productId);
    }
    return out;
  }
}

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
-- Each search once per product it listed or had clicked, and whether that product was the click:
-- the listed products and the click as one array, so the searches are read once (Athena reads a
-- common table expression again at each reference).
searched AS (
  SELECT q.event_id, ${day('q.occurred_at')} AS day_ms, r.product_id,
         max(CASE WHEN r.product_id = q.clicked_product_id THEN 1 ELSE 0 END) AS clicked
  FROM ${once("'SearchPerformed'", ['result_product_ids', 'clicked_product_id'])} AS q
  CROSS JOIN UNNEST(CASE WHEN q.result_product_ids IS NULL THEN ARRAY[q.clicked_product_id]
                         ELSE q.result_product_ids || ARRAY[q.clicked_product_id] END) AS r(product_id)
  WHERE r.product_id IS NOT NULL
  GROUP BY q.event_id, ${day('q.occurred_at')}, r.product_id
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
/** Revenue (minor units) may pass 2^32 on a day; every other signal is a count that does not. */
const COUNTED: readonly Signal[] = SIGNALS.filter((s) => s !== 'revenue');
const MAX_COUNT = 0xffff_ffff;
/** Each signal's place among a row's counts (-1: the revenue, kept apart). */
const SLOT = SIGNALS.map((s) => COUNTED.indexOf(s));

/** A product's rows as added: the day, the counts (32-bit) and the revenue, grown by doubling. */
interface Added {
  n: number;
  day: Float64Array;
  counts: Uint32Array;
  revenue: Float64Array;
}

const addedOf = (capacity: number): Added => ({
  n: 0,
  day: new Float64Array(capacity),
  counts: new Uint32Array(capacity * COUNTED.length),
  revenue: new Float64Array(capacity),
});

/**
 * The series built a row at a time, each row kept in its product's typed arrays (the day, eight
 * 32-bit counts, the revenue: 48 bytes) until `build`: train-hits streams the job's files through
 * it. As row objects beside the series, the 4.2M rows of 100k products took 1.9 GB before a feature
 * was computed; as ten numbers in a JS array per row, the 5.6M rows held about 800 MB of heap
 * (npm run bench:retrain). The same series as buildSeries gives over the rows' buckets: days in
 * order, a day's rows summed. `build` hands the rows over: a second call builds nothing (`rows`
 * still counts what was added).
 */
export class DailySeries {
  readonly #perProduct = new Map<string, Added>();
  #rows = 0;

  get rows(): number {
    return this.#rows;
  }

  add(r: DailySignalRow): void {
    // A Uint32Array would wrap or truncate anything else without a word.
    for (const s of COUNTED) {
      const v = r[COLUMNS[s]];
      if (!(Number.isInteger(v) && v >= 0 && v <= MAX_COUNT))
        throw new RangeError(
          `${r.product_id} on ${r.day_ms}: ${COLUMNS[s]} is not a count from 0 to ${MAX_COUNT} (${v})`,
        );
    }
    let a = this.#perProduct.get(r.product_id);
    if (a === undefined) {
      a = addedOf(8);
      this.#perProduct.set(r.product_id, a);
    } else if (a.n === a.day.length) {
      const grown = addedOf(a.n * 2);
      grown.day.set(a.day);
      grown.counts.set(a.counts);
      grown.revenue.set(a.revenue);
      grown.n = a.n;
      a = grown;
      this.#perProduct.set(r.product_id, a);
    }
    a.day[a.n] = r.day_ms;
    COUNTED.forEach((s, k) => {
      a.counts[a.n * COUNTED.length + k] = r[COLUMNS[s]];
    });
    a.revenue[a.n] = r.revenue;
    a.n++;
    this.#rows++;
  }

  build(): Map<string, ProductSeries> {
    const out = new Map<string, ProductSeries>();
    for (const [productId, a] of this.#perProduct) {
      const order = Array.from({ length: a.n }, (_, i) => i).sort((x, y) => a.day[x]! - a.day[y]!);
      const hours: number[] = [];
      const sums: number[][] = SIGNALS.map(() => []);
      for (const i of order) {
        const day = a.day[i]!;
        if (hours.at(-1) !== day) {
          hours.push(day);
          for (const col of sums) col.push(0);
        }
        SLOT.forEach((slot, k) => {
          const col = sums[k]!;
          col[col.length - 1]! += slot < 0 ? a.revenue[i]! : a.counts[i * COUNTED.length + slot]!;
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

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bucketKey, buildSeries, type SignalCounts } from '../../models/hits/signals.ts';
import {
  DailySeries,
  type DailySignalRow,
  seriesFromDailyRows,
} from '../../models/lake/jobs/hit-daily-signals.ts';

const DAY = 86_400_000;
const D0 = Date.UTC(2026, 9, 1);

/** The rows as buildSeries reads buckets: what the series built from the rows must equal. */
const viaBuckets = (rows: readonly DailySignalRow[]) =>
  buildSeries(
    rows.map(
      (r) =>
        [
          bucketKey(r.product_id, `${new Date(r.day_ms).toISOString().slice(0, 19)}Z`),
          {
            searches: r.searches,
            searchClicks: r.search_clicks,
            views: r.views,
            carts: r.carts,
            orders: r.orders,
            units: r.units,
            revenue: r.revenue,
            reviews: r.reviews,
            ratingSum: r.rating_sum,
          } satisfies SignalCounts,
        ] as const,
    ),
  );

const count = fc.integer({ min: 0, max: 1_000 });
const row = fc.record({
  product_id: fc.constantFrom('p-1', 'p-2', 'p-3'),
  day_ms: fc.integer({ min: 0, max: 20 }).map((d) => D0 + d * DAY),
  searches: count,
  search_clicks: count,
  views: count,
  carts: count,
  orders: count,
  units: count,
  revenue: fc.integer({ min: 0, max: 10_000_000 }),
  reviews: count,
  rating_sum: count,
});

describe('DailySeries', () => {
  it('builds the series buildSeries builds from the same rows, in any order, a day on two rows summed', () => {
    fc.assert(
      fc.property(fc.array(row, { maxLength: 60 }), (rows) => {
        expect(seriesFromDailyRows(rows)).toEqual(viaBuckets(rows));
      }),
    );
  });

  it('counts the rows it was given, and keeps none of them once built', () => {
    const series = new DailySeries();
    const r = (product_id: string, day: number): DailySignalRow => ({
      product_id,
      day_ms: D0 + day * DAY,
      searches: 1,
      search_clicks: 0,
      views: 2,
      carts: 0,
      orders: 1,
      units: 3,
      revenue: 500,
      reviews: 0,
      rating_sum: 0,
    });
    for (const x of [r('p-1', 2), r('p-1', 0), r('p-2', 1), r('p-1', 2)]) series.add(x);
    expect(series.rows).toBe(4);
    const built = series.build();
    expect([...built.get('p-1')!.hours]).toEqual([D0, D0 + 2 * DAY]);
    expect([...built.get('p-1')!.cum.units]).toEqual([0, 3, 9]);
    expect(series.build().size).toBe(0);
  });

  // Counts are held in 32 bits, the revenue (minor units) in 64: a marketplace's hot product can
  // take more than 2^32 minor units a day, no product is listed in 2^32 searches a day.
  it('keeps a revenue past 2^32 exactly, and refuses a count past 2^32 naming it', () => {
    const r: DailySignalRow = {
      product_id: 'p-9',
      day_ms: D0,
      searches: 4_000_000_000,
      search_clicks: 0,
      views: 0,
      carts: 0,
      orders: 1,
      units: 1,
      revenue: 2 ** 40 + 1,
      reviews: 0,
      rating_sum: 0,
    };
    const series = new DailySeries();
    series.add(r);
    series.add({ ...r, day_ms: D0 + DAY });
    const built = series.build().get('p-9')!;
    expect([...built.cum.revenue]).toEqual([0, 2 ** 40 + 1, 2 ** 41 + 2]);
    expect([...built.cum.searches]).toEqual([0, 4_000_000_000, 8_000_000_000]);
    // The largest count is kept; past it, below 0 or between whole numbers, refused.
    const top = new DailySeries();
    top.add({ ...r, carts: 0xffff_ffff });
    expect([...top.build().get('p-9')!.cum.carts]).toEqual([0, 0xffff_ffff]);
    for (const views of [2 ** 32, -1, 1.5])
      expect(() => new DailySeries().add({ ...r, views })).toThrow(
        /p-9 on \d+: views is not a count from 0 to 4294967295/,
      );
  });
});

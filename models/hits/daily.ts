import type { DailySignals } from '../../events/api.ts';
import { buildSeries, DAY_MS, type SignalCounts, windowCounts } from './signals.ts';

/** The first instant of the UTC day holding `ms`. */
export const startOfUtcDay = (ms: number): number => Math.floor(ms / DAY_MS) * DAY_MS;

/** Where a product's last `days` days start: midnight UTC, `days - 1` days before today. */
export const dailyWindowStart = (nowMs: number, days: number): number =>
  startOfUtcDay(nowMs) - (days - 1) * DAY_MS;

/**
 * One product's stored buckets (hourly, and the daily ones of imported history, keyed
 * `<productId>#<hour>`) as one entry per UTC day over its last `days` days, oldest first, today
 * (so far) last, zeros where nothing happened. Pure: the caller reads the buckets and the clock.
 */
export function dailySignals(
  productId: string,
  buckets: Iterable<readonly [string, Readonly<SignalCounts>]>,
  { nowMs, days }: { nowMs: number; days: number },
): DailySignals[] {
  const series = buildSeries([...buckets].filter(([key]) => key.startsWith(`${productId}#`))).get(productId);
  const from = dailyWindowStart(nowMs, days);
  return Array.from({ length: days }, (_, i) => {
    const start = from + i * DAY_MS;
    const c = windowCounts(series, start, start + DAY_MS);
    return {
      day: new Date(start).toISOString().slice(0, 10),
      searches: c.searches,
      searchClicks: c.searchClicks,
      views: c.views,
      carts: c.carts,
      orders: c.orders,
      units: c.units,
      reviews: c.reviews,
    };
  });
}

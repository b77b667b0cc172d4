import type { MonthDay } from './scenes.ts';

/** Calendar helpers. Everything takes explicit instants (ms since epoch); nothing reads the clock. */

export const DAY_MS = 86_400_000;
export const HOUR_MS = 3_600_000;
/** The storefront's shoppers live in China (UTC+8): hours of day and festivals are local. */
export const LOCAL_OFFSET_MS = 8 * HOUR_MS;

/** `2026-11-23T10:00:00Z`: second precision, explicit `Z`. */
export function isoInstant(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

/** `2026-11-23` (UTC calendar date). */
export function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

export function localMonthDay(ms: number): { month: number; day: number; weekday: number } {
  const d = new Date(ms + LOCAL_OFFSET_MS);
  return { month: d.getUTCMonth() + 1, day: d.getUTCDate(), weekday: d.getUTCDay() };
}

/** The occurrences of a yearly [from, to] window (wrapping over New Year) around `ms`. */
export function peakOccurrences(ms: number, from: MonthDay, to: MonthDay): { start: number; end: number }[] {
  const year = new Date(ms).getUTCFullYear();
  const wraps = to[0] < from[0] || (to[0] === from[0] && to[1] < from[1]);
  const out: { start: number; end: number }[] = [];
  for (let y = year - 1; y <= year + 1; y++) {
    const start = Date.UTC(y, from[0] - 1, from[1]) - LOCAL_OFFSET_MS;
    const end = Date.UTC(wraps ? y + 1 : y, to[0] - 1, to[1]) + DAY_MS - LOCAL_OFFSET_MS;
    out.push({ start, end });
  }
  return out;
}

/** How far into its season `ms` is: 1 inside the peak, ramping linearly to 0 over `rampDays` either side. */
export function seasonStrength(ms: number, from: MonthDay, to: MonthDay, rampDays: number): number {
  let best = 0;
  for (const { start, end } of peakOccurrences(ms, from, to)) {
    const distance = ms < start ? start - ms : ms >= end ? ms - end : 0;
    best = Math.max(best, 1 - distance / (rampDays * DAY_MS));
  }
  return Math.max(0, best);
}

/**
 * Relative storefront traffic on a local calendar day: weekends are busier, and the two big
 * shopping festivals (618 and Double 11) spike.
 */
export function trafficFactor(ms: number): number {
  const { month, day, weekday } = localMonthDay(ms);
  let f = weekday === 0 || weekday === 6 ? 1.15 : 1;
  if (month === 11 && day === 11) f *= 1.8;
  else if (month === 11 && (day === 10 || day === 12)) f *= 1.2;
  if (month === 6 && day === 18) f *= 1.6;
  return f;
}

/** Relative checkout propensity: festival days convert better. */
export function conversionFactor(ms: number): number {
  const { month, day } = localMonthDay(ms);
  if ((month === 11 && day === 11) || (month === 6 && day === 18)) return 1.35;
  return 1;
}

/**
 * Weights for the local hour a session starts in (lunch and evening peaks, a quiet night).
 * Index is the local hour 0-23.
 */
export const LOCAL_HOUR_WEIGHTS: readonly number[] = [
  0.6, 0.3, 0.15, 0.1, 0.1, 0.15, 0.3, 0.6, 0.9, 1, 1.1, 1.2, 1.4, 1.2, 1, 1, 1, 1.1, 1.2, 1.5, 1.9, 2.1, 1.8,
  1.1,
];

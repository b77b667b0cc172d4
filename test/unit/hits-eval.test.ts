import { describe, expect, it } from 'vitest';
import { auc, topKShare } from '../../models/hits/evaluate.ts';
import {
  cutoffsBefore,
  dailyIndex,
  type EventLog,
  hitsAtK,
  hourlySeries,
  laterBreakouts,
  leadDays,
  mapHeader,
  parseEventRecord,
  readEventLog,
  realBreakouts,
  snapshotAt,
  topK,
  weeklyCutoffs,
} from '../../models/hits/realdata.ts';
import { DAY_MS } from '../../models/hits/signals.ts';

const T0 = Date.parse('2024-01-01T00:00:00Z');
const iso = (day: number, hour = 10) => new Date(T0 + day * DAY_MS + hour * 3_600_000).toISOString();

/** CSV lines: `lines[item] = [day, count][]` order lines per item and day. */
function csv(series: Record<string, [number, number][]>): string[] {
  const out = ['timestamp,item_id,user_id'];
  for (const [item, days] of Object.entries(series)) {
    for (const [day, n] of days) for (let k = 0; k < n; k++) out.push(`${iso(day)},${item},u${k}`);
  }
  return out;
}

describe('hits/realdata: CSV by header name', () => {
  it('maps columns by name in any order, ignoring others and case', () => {
    const c = mapHeader(['Note', 'ITEM_ID', 'price', ' timestamp ', 'event_type']);
    expect(c).toMatchObject({ item: 1, price: 2, timestamp: 3, eventType: 4, quantity: -1, rating: -1 });
    expect(c.user).toBe(-1);
    expect(() => mapHeader(['item_id', 'user_id'])).toThrow(/timestamp/);
  });

  it('defaults: order when event_type is absent or empty, quantity 1, NaN price and rating', () => {
    const c = mapHeader(['timestamp', 'item_id']);
    expect(parseEventRecord(['2024-01-01T10:00:00Z', 'A'], c)).toEqual({
      at: Date.parse('2024-01-01T10:00:00Z'),
      itemId: 'A',
      kind: 'order',
      quantity: 1,
      price: Number.NaN,
      rating: Number.NaN,
      userId: '',
      query: '',
    });
    const full = mapHeader(['timestamp', 'item_id', 'event_type', 'quantity', 'price', 'rating', 'query']);
    expect(parseEventRecord(['2024-01-01T10:00:00Z', 'A', '', '', '2.5', '', ''], full)).toMatchObject({
      kind: 'order',
      quantity: 1,
      price: 2.5,
    });
    expect(parseEventRecord(['2024-01-01T10:00:00Z', 'A', 'review', '', '', '4', ''], full)).toMatchObject({
      kind: 'review',
      rating: 4,
    });
    expect(parseEventRecord(['2024-01-01T10:00:00Z', 'A', 'Search', '', '', '', 'mug'], full)).toMatchObject({
      kind: 'search',
      query: 'mug',
    });
    // Unknown type, returns (quantity <= 0), bad time: skipped.
    expect(parseEventRecord(['2024-01-01T10:00:00Z', 'A', 'refund', '', '', '', ''], full)).toBeUndefined();
    expect(parseEventRecord(['2024-01-01T10:00:00Z', 'A', 'order', '-3', '', '', ''], full)).toBeUndefined();
    expect(parseEventRecord(['yesterday', 'A', 'order', '1', '', '', ''], full)).toBeUndefined();
  });

  it('reads a file with quoted fields and counts skipped rows', async () => {
    const log = await readEventLog([
      'quantity,item_id,note,timestamp,event_type',
      '3,A,"a, ""quoted"" note",2024-01-01T10:00:00Z,order',
      ',B,,2024-01-02T10:00:00Z,view',
      '1,C,,2024-01-02T10:00:00Z,refund',
    ]);
    expect(log.itemIds).toEqual(['A', 'B']);
    expect([...log.quantity]).toEqual([3, 1]);
    expect([...log.kinds].sort()).toEqual(['order', 'view']);
    expect(log.skipped).toBe(1);
    expect([...log.user]).toEqual([-1, -1]);
  });
});

describe('hits/realdata: breakout label', () => {
  it('top k admits ties at the k-th place and needs at least one line', () => {
    expect([...topK([5, 4, 4, 1, 0], 2)].sort()).toEqual([0, 1, 2]);
    expect([...topK([0, 0, 2], 2)]).toEqual([2]);
  });

  it('labels a product that enters the top 2 after t without being there over the 28 days before', async () => {
    // k = 2 over a hand-made series; cutoff t = day 35.
    const log = await readEventLog(
      csv({
        // incumbent: top seller all along
        A: [
          [10, 5],
          [20, 5],
          [30, 5],
          [36, 9],
        ],
        // incumbent too (second over the 28 days before t), still top after t
        B: [
          [30, 4],
          [36, 8],
        ],
        // quiet before t, big after t: a breakout
        C: [
          [33, 1],
          [37, 10],
        ],
        // was a top seller long ago (> 28 d before t), quiet since, back after t: a breakout too
        D: [
          [1, 20],
          [38, 7],
        ],
        // sells a little after t: not top 2
        E: [[36, 1]],
      }),
    );
    const ix = dailyIndex(log);
    const t = T0 + 35 * DAY_MS;
    const { incumbents, breakouts } = realBreakouts(ix, t, 2);
    const name = (s: Set<number>) => [...s].map((i) => log.itemIds[i]).sort();
    expect(name(incumbents)).toEqual(['A', 'B']);
    // After t: A 9, C 10, B 8, D 7 -> top 2 is C and A; only C is new.
    expect(name(breakouts)).toEqual(['C']);
    const later = realBreakouts(ix, T0 + 36 * DAY_MS, 4);
    // From day 36: A 9, B 8, C 10, D 7, E 1 -> top 4 = C, A, B, D; incumbents over days 8-35 (k=4): A, B, C.
    expect(name(later.breakouts)).toEqual(['D']);
  });
});

describe('hits/realdata: no peeking', () => {
  async function logOf(maxDay: number): Promise<EventLog> {
    const series: Record<string, [number, number][]> = {};
    for (let p = 0; p < 30; p++) {
      const days: [number, number][] = [];
      for (let d = 0; d <= maxDay; d++) {
        const n = (p * 7 + d * 3) % 5 === 0 ? 1 + ((p + d) % 4) : d > 50 && p % 6 === 0 ? 3 : 0;
        if (n > 0) days.push([d, n]);
      }
      series[`P${p}`] = days;
    }
    return readEventLog(csv(series));
  }

  it('features at t are the same whether or not the file holds anything at or after t', async () => {
    const full = await logOf(80);
    const cut = await logOf(54); // events up to day 54 only: t = day 55
    const t = T0 + 55 * DAY_MS;
    const a = snapshotAt(dailyIndex(full), hourlySeries(full), full.itemIds, t);
    const b = snapshotAt(dailyIndex(cut), hourlySeries(cut), cut.itemIds, t);
    const byId = (s: typeof a, log: EventLog) =>
      new Map(s.items.map((i, k) => [log.itemIds[i], [...s.base[k]!, ...s.extra[k]!]] as const));
    const fa = byId(a, full);
    const fb = byId(b, cut);
    expect(fa.size).toBeGreaterThan(0);
    expect([...fa.keys()].sort()).toEqual([...fb.keys()].sort());
    for (const [id, v] of fa) expect(v).toEqual(fb.get(id));
    // Only the label reads the future: the truncated file has no breakouts after t.
    expect(b.breakouts).toBe(0);
    expect(a.labels.some((l) => l > 0)).toBe(true);
  });

  it('features at t do not depend on how long before t the file begins', async () => {
    // The same shop read from day 0 and from day 70: at t = day 260 every window (182 days at
    // most) lies inside both files. An item sold in a file's first week is established in both
    // (its age is assumed, not counted from the file's start); NEW launches on day 200 in both.
    const series = (from: number): Record<string, [number, number][]> => {
      const out: Record<string, [number, number][]> = {};
      for (let p = 0; p < 60; p++) {
        const days: [number, number][] = [];
        for (let d = from; d < 260; d++) if ((p * 7 + d * 3) % 5 === 0) days.push([d, 1 + ((p + d) % 4)]);
        out[`P${p}`] = days;
      }
      out.NEW = Array.from({ length: 20 }, (_, j) => [200 + 3 * j, 1] as [number, number]);
      return out;
    };
    const long = await readEventLog(csv(series(0)));
    const short = await readEventLog(csv(series(70)));
    const t = T0 + 260 * DAY_MS;
    const at = (log: EventLog) => {
      const s = snapshotAt(dailyIndex(log), hourlySeries(log), log.itemIds, t);
      return new Map(s.items.map((i, k) => [log.itemIds[i], [...s.base[k]!, ...s.extra[k]!]] as const));
    };
    const a = at(long);
    const b = at(short);
    expect(a.has('NEW')).toBe(true);
    expect(a.size).toBeGreaterThan(10);
    expect([...a.keys()].sort()).toEqual([...b.keys()].sort());
    for (const [id, v] of a) expect(v, id).toEqual(b.get(id));
  });

  it('the early label holds the breakouts of the next weeks, and nothing past the file', async () => {
    const log = await logOf(80);
    const ix = dailyIndex(log);
    const t = T0 + 50 * DAY_MS; // the third week's window ends on day 78, inside the file
    const later = laterBreakouts(ix, t, 3, 4);
    expect(later).toHaveLength(3);
    for (const [w, set] of later.entries())
      expect([...set].sort()).toEqual([...realBreakouts(ix, t + (w + 1) * 7 * DAY_MS, 4).breakouts].sort());
    expect(later.some((s) => s.size > 0)).toBe(true);
    // From day 62 the second week's window, [76, 83), passes the file's last day (80): the label
    // leaves it empty where realBreakouts would count the window cut short.
    expect(realBreakouts(ix, T0 + 76 * DAY_MS, 4).breakouts.size).toBeGreaterThan(0);
    expect(laterBreakouts(ix, T0 + 62 * DAY_MS, 3, 4).map((s) => s.size > 0)).toEqual([true, false, false]);
  });

  it('weekly cutoffs cover the last 40% and leave a whole horizon inside the file', async () => {
    const ix = dailyIndex(await logOf(99));
    const cutoffs = weeklyCutoffs(ix);
    expect(cutoffs[0]).toBe(T0 + 60 * DAY_MS);
    for (const t of cutoffs) expect(t + 7 * DAY_MS).toBeLessThanOrEqual(ix.day0 + ix.days * DAY_MS);
    expect(cutoffs[1]! - cutoffs[0]!).toBe(7 * DAY_MS);
  });

  it('the warm-up weeks before the first cutoff give its breakouts their whole lookback', () => {
    const first = T0 + 70 * DAY_MS;
    const before = cutoffsBefore(first, 4, T0);
    expect(before).toEqual([42, 49, 56, 63].map((d) => T0 + d * DAY_MS));
    // Never before the earliest cutoff the file allows, and none when no week is asked for.
    expect(cutoffsBefore(first, 4, T0 + 50 * DAY_MS)).toEqual([56, 63].map((d) => T0 + d * DAY_MS));
    expect(cutoffsBefore(first, 0, T0)).toEqual([]);
    expect(cutoffsBefore(first, Number.POSITIVE_INFINITY, T0 + 60 * DAY_MS)).toEqual([T0 + 63 * DAY_MS]);
    // A breakout at the first cutoff: with the warm-up lists its lead reaches 28 days back; with
    // the evaluated cutoffs alone it would be 0.
    const shares = new Map(before.map((t) => [t, new Map([[7, 1]])] as const));
    expect(leadDays(shares, 7, first)).toBe(28);
    expect(leadDays(new Map([[first, new Map([[7, 1]])]]), 7, first)).toBe(0);
  });
});

describe('hits/realdata: metrics wiring', () => {
  it('precision, recall and AUC of a ranking at one cutoff', () => {
    const scores = Array.from({ length: 30 }, (_, i) => 30 - i);
    const labels = scores.map((_, i) => (i === 0 || i === 5 || i === 25 ? 1 : 0));
    const share = topKShare(scores, 20);
    const hits = hitsAtK(share, labels);
    expect(hits).toBe(2);
    expect(hits / 20).toBe(0.1); // precision@20
    expect(hits / 4).toBe(0.5); // recall@20 with one more breakout nobody could rank
    expect(auc(scores, labels)).toBeCloseTo((27 + 23 + 4) / 81);
  });

  it('lead time: days from the first earlier cutoff within 28 d that ranked the breakout, 0 if none', () => {
    const at = T0 + 35 * DAY_MS;
    const shares = new Map<number, Map<number, number>>([
      [T0 + 0 * DAY_MS, new Map([[1, 1]])], // too early: outside the 28 days
      [T0 + 14 * DAY_MS, new Map([[2, 1]])],
      [T0 + 21 * DAY_MS, new Map([[1, 1]])],
      [T0 + 28 * DAY_MS, new Map([[1, 1]])],
      [at, new Map([[3, 1]])], // at the breakout cutoff itself: 0 days
    ]);
    expect(leadDays(shares, 1, at)).toBe(14);
    expect(leadDays(shares, 2, at)).toBe(21);
    expect(leadDays(shares, 3, at)).toBe(0);
    expect(leadDays(shares, 4, at)).toBe(0);
    // A half share at the cut counts in expectation.
    expect(leadDays(new Map([[T0 + 28 * DAY_MS, new Map([[5, 0.5]])]]), 5, at)).toBe(3.5);
  });
});

import { CsvRecordReader, parseTimestamp } from '../csv.ts';
import { type FeatureRow, featureRows, type ProductInfo } from './features.ts';
import { DAY_MS, HOUR_MS, type ProductSeries, SIGNALS, type Signal } from './signals.ts';

/**
 * The hit model on a real event file (`npm run eval:hits`): reading the CSV by header name, daily
 * order-line counts, the real-data breakout label (catalog-wide top 20 by order lines over 7 days,
 * not in the top 20 over the 28 days before) and per-snapshot rows. Pure apart from `readEventLog`'s
 * stream, which the caller provides as lines.
 *
 * Popularity is counted in order lines, not units: wholesale files have single lines of thousands
 * of units (see ../shared/data/README.md).
 */

export const EVENT_KINDS = ['order', 'view', 'cart', 'search', 'review'] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

export interface Columns {
  timestamp: number;
  item: number;
  eventType: number;
  quantity: number;
  price: number;
  rating: number;
  user: number;
  query: number;
}

/** Column positions by header name (case and surrounding spaces ignored); -1 for an absent optional one. */
export function mapHeader(header: readonly string[]): Columns {
  const names = header.map((h) =>
    h
      .trim()
      .toLowerCase()
      .replace(/^\uFEFF/, ''),
  );
  const need = (name: string) => {
    const i = names.indexOf(name);
    if (i < 0) throw new Error(`no "${name}" column in the header (${names.join(', ')})`);
    return i;
  };
  return {
    timestamp: need('timestamp'),
    item: need('item_id'),
    eventType: names.indexOf('event_type'),
    quantity: names.indexOf('quantity'),
    price: names.indexOf('price'),
    rating: names.indexOf('rating'),
    user: names.indexOf('user_id'),
    query: names.indexOf('query'),
  };
}

/** An `event_type` value as a kind: empty or absent is an order; unknown values are undefined (skipped). */
export function eventKind(value: string | undefined): EventKind | undefined {
  const t = (value ?? '')
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');
  if (t === '' || ['order', 'purchase', 'buy', 'transaction', 'checkout', 'order_line'].includes(t))
    return 'order';
  if (['view', 'page_view', 'product_view', 'detail', 'click'].includes(t)) return 'view';
  if (['cart', 'add_to_cart', 'addtocart', 'basket'].includes(t)) return 'cart';
  if (['search', 'search_result', 'search_click'].includes(t)) return 'search';
  if (['review', 'rating'].includes(t)) return 'review';
  return undefined;
}

export interface EventRecord {
  at: number;
  itemId: string;
  kind: EventKind;
  /** 1 when absent. */
  quantity: number;
  /** NaN when absent. */
  price: number;
  /** NaN when absent. */
  rating: number;
  /** '' when absent. */
  userId: string;
  query: string;
}

const num = (record: readonly string[], i: number): number => {
  if (i < 0) return Number.NaN;
  const s = record[i]?.trim() ?? '';
  return s === '' ? Number.NaN : Number(s);
};
const str = (record: readonly string[], i: number): string => (i < 0 ? '' : (record[i]?.trim() ?? ''));

/** One data record as an event, or undefined when it is unusable (no item, bad time, unknown type, quantity <= 0). */
export function parseEventRecord(record: readonly string[], c: Columns): EventRecord | undefined {
  const itemId = str(record, c.item);
  const at = parseTimestamp(record[c.timestamp] ?? '');
  const kind = eventKind(c.eventType < 0 ? undefined : record[c.eventType]);
  if (itemId === '' || !Number.isFinite(at) || kind === undefined) return undefined;
  const q = num(record, c.quantity);
  const quantity = Number.isNaN(q) ? 1 : q;
  if (!Number.isFinite(quantity) || quantity <= 0) return undefined;
  return {
    at,
    itemId,
    kind,
    quantity,
    price: num(record, c.price),
    rating: num(record, c.rating),
    userId: str(record, c.user),
    query: str(record, c.query),
  };
}

/** The file as columns, in file order. */
export interface EventLog {
  itemIds: string[];
  item: Int32Array;
  at: Float64Array;
  kind: Uint8Array;
  quantity: Float64Array;
  price: Float64Array;
  rating: Float64Array;
  /** User index, -1 when absent. */
  user: Int32Array;
  /** Event kinds present in the file. */
  kinds: Set<EventKind>;
  skipped: number;
}

export const KIND_CODE: Record<EventKind, number> = { order: 0, view: 1, cart: 2, search: 3, review: 4 };

/** Reads CSV lines (header first) into an EventLog. */
export async function readEventLog(lines: AsyncIterable<string> | Iterable<string>): Promise<EventLog> {
  const reader = new CsvRecordReader();
  let columns: Columns | undefined;
  const items = new Map<string, number>();
  const users = new Map<string, number>();
  const itemIds: string[] = [];
  const item: number[] = [];
  const at: number[] = [];
  const kind: number[] = [];
  const quantity: number[] = [];
  const price: number[] = [];
  const rating: number[] = [];
  const user: number[] = [];
  const kinds = new Set<EventKind>();
  let skipped = 0;
  for await (const line of lines) {
    const record = reader.push(line);
    if (!record) continue;
    if (!columns) {
      columns = mapHeader(record);
      continue;
    }
    if (record.length === 1 && record[0] === '') continue;
    const e = parseEventRecord(record, columns);
    if (!e) {
      skipped++;
      continue;
    }
    let i = items.get(e.itemId);
    if (i === undefined) {
      i = itemIds.length;
      itemIds.push(e.itemId);
      items.set(e.itemId, i);
    }
    let u = -1;
    if (e.userId !== '') {
      u = users.get(e.userId) ?? users.size;
      if (u === users.size) users.set(e.userId, u);
    }
    item.push(i);
    at.push(e.at);
    kind.push(KIND_CODE[e.kind]);
    kinds.add(e.kind);
    quantity.push(e.quantity);
    price.push(e.price);
    rating.push(e.rating);
    user.push(u);
  }
  if (reader.flush()) skipped++;
  if (!columns) throw new Error('empty input: no header');
  return {
    itemIds,
    item: Int32Array.from(item),
    at: Float64Array.from(at),
    kind: Uint8Array.from(kind),
    quantity: Float64Array.from(quantity),
    price: Float64Array.from(price),
    rating: Float64Array.from(rating),
    user: Int32Array.from(user),
    kinds,
    skipped,
  };
}

// ------------------------------------------------------------------ daily counts

/**
 * Per item and UTC day: order lines, distinct buyers, and order-line price sums, as running totals
 * (`cum[item * (days + 1) + d]` = total over days before d), so any day window is one subtraction.
 */
export interface DailyIndex {
  /** UTC midnight of day 0 (the first event's day). */
  day0: number;
  days: number;
  items: number;
  lines: Float64Array;
  buyers: Float64Array;
  priced: Float64Array;
  priceSum: Float64Array;
  /** First day with any event for the item. */
  firstDay: Int32Array;
}

export function dailyIndex(log: EventLog): DailyIndex {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const t of log.at) {
    if (t < min) min = t;
    if (t > max) max = t;
  }
  const day0 = Number.isFinite(min) ? Math.floor(min / DAY_MS) * DAY_MS : 0;
  const days = Number.isFinite(max) ? Math.floor((max - day0) / DAY_MS) + 1 : 0;
  const items = log.itemIds.length;
  const W = days + 1;
  const lines = new Float64Array(items * W);
  const buyers = new Float64Array(items * W);
  const priced = new Float64Array(items * W);
  const priceSum = new Float64Array(items * W);
  const firstDay = new Int32Array(items).fill(days);
  const seenBuyer = new Set<number>();
  for (let e = 0; e < log.at.length; e++) {
    const i = log.item[e]!;
    const d = Math.floor((log.at[e]! - day0) / DAY_MS);
    if (d < firstDay[i]!) firstDay[i] = d;
    if (log.kind[e] !== KIND_CODE.order) continue;
    // Daily cells first (at d + 1), prefix sums after.
    lines[i * W + d + 1]! += 1;
    const p = log.price[e]!;
    if (Number.isFinite(p) && p > 0) {
      priced[i * W + d + 1]! += 1;
      priceSum[i * W + d + 1]! += p;
    }
    const u = log.user[e]!;
    if (u >= 0) {
      const key = (i * W + d) * 4_194_304 + (u % 4_194_304);
      if (!seenBuyer.has(key)) {
        seenBuyer.add(key);
        buyers[i * W + d + 1]! += 1;
      }
    } else buyers[i * W + d + 1]! += 1;
  }
  for (const a of [lines, buyers, priced, priceSum]) {
    for (let i = 0; i < items; i++) for (let d = 1; d < W; d++) a[i * W + d]! += a[i * W + d - 1]!;
  }
  return { day0, days, items, lines, buyers, priced, priceSum, firstDay };
}

/** Day index of an instant (a cutoff at a UTC midnight maps to the first day not before it). */
export function dayOf(ix: DailyIndex, ms: number): number {
  return Math.round((ms - ix.day0) / DAY_MS);
}

/** Total of a daily array for one item over days [from, to), clamped to the file. */
export function windowSum(ix: DailyIndex, a: Float64Array, item: number, from: number, to: number): number {
  const W = ix.days + 1;
  const f = Math.min(ix.days, Math.max(0, from));
  const t = Math.min(ix.days, Math.max(0, to));
  return t <= f ? 0 : a[item * W + t]! - a[item * W + f]!;
}

/**
 * Items among the top k by value, with at least `min`: rank = 1 + number of items with strictly
 * more, so a tie at the k-th place admits every tied item.
 */
export function topK(values: ArrayLike<number>, k: number, min = 1): Set<number> {
  const sorted = Array.from(values)
    .filter((v) => v >= min)
    .sort((a, b) => b - a);
  const out = new Set<number>();
  if (sorted.length === 0) return out;
  const threshold = Math.max(min, sorted[Math.min(k, sorted.length) - 1]!);
  for (let i = 0; i < values.length; i++) if (values[i]! >= threshold) out.add(i);
  return out;
}

export const TOP_K = 20;
export const HORIZON_DAYS = 7;
export const LOOKBACK_DAYS = 28;

export interface RealLabels {
  /** Top 20 by order lines over the 28 days before t: not candidates. */
  incumbents: Set<number>;
  /** Top 20 over [t, t + 7 d) that are not incumbents (whether or not seen before t). */
  breakouts: Set<number>;
}

/** The real-data breakout label at cutoff t (a UTC midnight), catalog-wide. */
export function realBreakouts(ix: DailyIndex, t: number, k = TOP_K): RealLabels {
  const d = dayOf(ix, t);
  const before = new Float64Array(ix.items);
  const after = new Float64Array(ix.items);
  for (let i = 0; i < ix.items; i++) {
    before[i] = windowSum(ix, ix.lines, i, d - LOOKBACK_DAYS, d);
    after[i] = windowSum(ix, ix.lines, i, d, d + HORIZON_DAYS);
  }
  const incumbents = topK(before, k);
  const breakouts = new Set([...topK(after, k)].filter((i) => !incumbents.has(i)));
  return { incumbents, breakouts };
}

/**
 * The early-detection label at t: per week w = 1..`weeks`, the items that break out at the cutoff
 * t + w * 7 d (reading events up to t + (w + 1) * 7 d). Trained on breakouts at t alone, a scorer
 * learns what is rising already; with these it also learns what rises before it shows, which is
 * what lead time measures (a breakout counts from the first earlier cutoff, within LOOKBACK_DAYS,
 * that had it in the top 20). Weeks whose window passes the file's end are empty.
 */
export function laterBreakouts(ix: DailyIndex, t: number, weeks = 3, k = TOP_K): Set<number>[] {
  return Array.from({ length: weeks }, (_, w) => {
    const tw = t + (w + 1) * 7 * DAY_MS;
    return dayOf(ix, tw) + HORIZON_DAYS > ix.days ? new Set<number>() : realBreakouts(ix, tw, k).breakouts;
  });
}

// ------------------------------------------------------------------ hourly series

/** Hourly signal series per item, for `featureRows` (the 22 features). */
export function hourlySeries(log: EventLog): Map<string, ProductSeries> {
  const byItem: number[][] = log.itemIds.map(() => []);
  for (let e = 0; e < log.at.length; e++) byItem[log.item[e]!]!.push(e);
  const out = new Map<string, ProductSeries>();
  byItem.forEach((events, i) => {
    events.sort((a, b) => log.at[a]! - log.at[b]!);
    const hours: number[] = [];
    const cells: Record<Signal, number>[] = [];
    for (const e of events) {
      const h = Math.floor(log.at[e]! / HOUR_MS) * HOUR_MS;
      if (hours.length === 0 || hours[hours.length - 1] !== h) {
        hours.push(h);
        cells.push(Object.fromEntries(SIGNALS.map((s) => [s, 0])) as Record<Signal, number>);
      }
      const c = cells[cells.length - 1]!;
      switch (log.kind[e]) {
        case KIND_CODE.order: {
          const q = log.quantity[e]!;
          const p = log.price[e]!;
          c.orders += 1;
          c.units += q;
          if (Number.isFinite(p)) c.revenue += Math.round(q * p * 100);
          break;
        }
        case KIND_CODE.view:
          c.views += 1;
          break;
        case KIND_CODE.cart:
          c.carts += 1;
          break;
        case KIND_CODE.search:
          c.searches += 1;
          break;
        case KIND_CODE.review: {
          const r = log.rating[e]!;
          if (Number.isFinite(r)) {
            c.reviews += 1;
            c.ratingSum += r;
          }
          break;
        }
      }
    }
    const cum = Object.fromEntries(SIGNALS.map((s) => [s, new Float64Array(hours.length + 1)])) as Record<
      Signal,
      Float64Array
    >;
    cells.forEach((c, j) => {
      for (const s of SIGNALS) cum[s][j + 1] = cum[s][j]! + c[s];
    });
    out.set(log.itemIds[i]!, { hours: Float64Array.from(hours), cum });
  });
  return out;
}

// ------------------------------------------------------------------ rows

/**
 * A file has no launch dates: an item with an event in its first `ESTABLISHED_DAYS` was on sale
 * before the file began, and its age is unknown. Its age is taken as `ASSUMED_AGE_DAYS` at every
 * snapshot (for `days_since_launch` and `days_known`) instead of the days since the file began,
 * which grow with t alone: at every later cutoff a network met ages at the far edge of its
 * training rows, having learnt from earlier snapshots where the same items looked younger. For the
 * same reason no feature counts from the file's start (`lines_91d`, not order lines ever).
 */
export const ESTABLISHED_DAYS = 7;
export const ASSUMED_AGE_DAYS = 365;

/** Order-line features added to the 22 for a file without categories or stock. */
export const EXTRA_FEATURES = [
  { name: 'lines_1d', description: 'log(1 + order lines on the last day)' },
  { name: 'lines_7d', description: 'log(1 + order lines over the last 7 days)' },
  { name: 'lines_28d', description: 'log(1 + order lines over the last 28 days)' },
  {
    name: 'lines_growth_7d',
    description: 'ln((lines 7 d + 3.5) / (weekly mean of the 21 days before + 3.5))',
  },
  { name: 'lines_growth_3d', description: 'ln((lines 3 d + 1.5) / (3-day mean of the 4 days before + 1.5))' },
  { name: 'buyers_7d', description: 'log(1 + distinct buyers per day, summed over 7 days)' },
  { name: 'buyers_28d', description: 'log(1 + distinct buyers per day, summed over 28 days)' },
  { name: 'active_days_7d', description: 'days with an order line among the last 7, / 7' },
  {
    name: 'gap_to_top20_7d',
    description:
      'log(1 + lines 7 d) - log(1 + the 20th-highest lines 7 d in the catalog): how far below the bar',
  },
  { name: 'rank_7d', description: 'log(rank by lines over 7 d), 1 = best' },
  { name: 'rank_28d', description: 'log(rank by lines over 28 d)' },
  { name: 'lines_28_56d', description: 'log(1 + order lines 28 to 56 days ago)' },
  {
    name: 'best_week_before',
    description: 'log(1 + most lines in one of the weekly windows 28 to 182 days ago)',
  },
  { name: 'lines_91d', description: 'log(1 + order lines over the last 91 days)' },
  {
    name: 'days_known',
    description: `log(1 + days since the item's first event; ${ASSUMED_AGE_DAYS} for an item the file held from its first week)`,
  },
] as const;
export const EXTRA_NAMES: readonly string[] = EXTRA_FEATURES.map((f) => f.name);

export interface Snapshot {
  t: number;
  /** Candidate items (seen before t, not incumbents). */
  items: number[];
  /** The 22 features (FEATURE_NAMES order) per candidate. */
  base: number[][];
  /** EXTRA_FEATURES per candidate. */
  extra: number[][];
  /** Breakout at t (reads [t, t + 7 d): the only part that looks after t). */
  labels: number[];
  /** All breakouts at t, including items first seen at or after t (no scorer can rank those). */
  breakouts: number;
}

function percentileBands(prices: readonly number[]): number[] {
  const known = prices
    .map((p, i) => [p, i] as const)
    .filter(([p]) => Number.isFinite(p))
    .sort((a, b) => a[0] - b[0]);
  const out = prices.map(() => 0.5);
  for (let i = 0; i < known.length; ) {
    let j = i;
    while (j + 1 < known.length && known[j + 1]![0] === known[i]![0]) j++;
    const mid = known.length <= 1 ? 0.5 : (i + j) / 2 / (known.length - 1);
    for (let m = i; m <= j; m++) out[known[m]![1]] = mid;
    i = j + 1;
  }
  return out;
}

/**
 * Rows at cutoff t (a UTC midnight): features from events before t only, labels from [t, t + 7 d).
 * `keep(item)` drops candidates (e.g. a share of negatives for training); labels are kept whatever
 * it returns for positives.
 */
export function snapshotAt(
  ix: DailyIndex,
  series: ReadonlyMap<string, ProductSeries>,
  itemIds: readonly string[],
  t: number,
  keep: (item: number, label: number) => boolean = () => true,
): Snapshot {
  const d = dayOf(ix, t);
  const { incumbents, breakouts } = realBreakouts(ix, t);
  const known: number[] = [];
  for (let i = 0; i < ix.items; i++) if (ix.firstDay[i]! < d) known.push(i);
  const l7 = known.map((i) => windowSum(ix, ix.lines, i, d - 7, d));
  const l28 = known.map((i) => windowSum(ix, ix.lines, i, d - 28, d));
  const sorted7 = [...l7].sort((a, b) => b - a);
  const sorted28 = [...l28].sort((a, b) => b - a);
  const bar7 = sorted7[Math.min(TOP_K, sorted7.length) - 1] ?? 0;
  const rankOf = (sorted: number[], v: number) => {
    // 1 + number strictly greater (binary search in descending order).
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (sorted[mid]! > v) lo = mid + 1;
      else hi = mid;
    }
    return lo + 1;
  };
  const prices = known.map((i) => {
    const n = windowSum(ix, ix.priced, i, 0, d);
    return n > 0 ? windowSum(ix, ix.priceSum, i, 0, d) / n : Number.NaN;
  });
  const bandList = percentileBands(prices);
  const established = (i: number) => ix.firstDay[i]! < ESTABLISHED_DAYS;
  const products: ProductInfo[] = known.map((i, k) => ({
    productId: itemIds[i]!,
    category: 'all',
    listPrice: Number.isFinite(prices[k]!) ? prices[k]! : 0,
    stock: 0,
    launchDate: new Date(established(i) ? t - ASSUMED_AGE_DAYS * DAY_MS : ix.day0 + ix.firstDay[i]! * DAY_MS)
      .toISOString()
      .slice(0, 10),
  }));
  const bands = new Map(products.map((p, k) => [p.productId, bandList[k]!]));
  // Features over every known item (the priors see the incumbents too), rows for kept candidates.
  const chosen: number[] = [];
  known.forEach((i, k) => {
    if (incumbents.has(i)) return;
    if (keep(i, breakouts.has(i) ? 1 : 0)) chosen.push(k);
  });
  const rows: FeatureRow[] = featureRows(series, products, t, bands);
  const snap: Snapshot = { t, items: [], base: [], extra: [], labels: [], breakouts: breakouts.size };
  for (const k of chosen) {
    const i = known[k]!;
    const w = (a: Float64Array, from: number, to: number) => windowSum(ix, a, i, d - from, d - to);
    const lines3 = w(ix.lines, 3, 0);
    const lines7to3 = w(ix.lines, 7, 3);
    let active = 0;
    for (let j = 1; j <= 7; j++) if (w(ix.lines, j, j - 1) > 0) active++;
    let best = 0;
    for (let j = 28; j < 182; j += 7) best = Math.max(best, w(ix.lines, j + 7, j));
    snap.items.push(i);
    snap.base.push(rows[k]!.values);
    snap.extra.push([
      Math.log1p(w(ix.lines, 1, 0)),
      Math.log1p(l7[k]!),
      Math.log1p(l28[k]!),
      Math.log((l7[k]! + 3.5) / ((l28[k]! - l7[k]!) / 3 + 3.5)),
      Math.log((lines3 + 1.5) / ((lines7to3 * 3) / 4 + 1.5)),
      Math.log1p(w(ix.buyers, 7, 0)),
      Math.log1p(w(ix.buyers, 28, 0)),
      active / 7,
      Math.log1p(l7[k]!) - Math.log1p(bar7),
      Math.log(rankOf(sorted7, l7[k]!)),
      Math.log(rankOf(sorted28, l28[k]!)),
      Math.log1p(w(ix.lines, 56, 28)),
      Math.log1p(best),
      Math.log1p(w(ix.lines, 91, 0)),
      Math.log1p(established(i) ? ASSUMED_AGE_DAYS : d - ix.firstDay[i]!),
    ]);
    snap.labels.push(breakouts.has(i) ? 1 : 0);
  }
  return snap;
}

// ------------------------------------------------------------------ cutoffs and metrics

/** Weekly cutoffs (UTC midnights) over [from, to) of the span, each with its 7-day horizon inside the file. */
export function weeklyCutoffs(ix: DailyIndex, fromShare = 0.6, toShare = 1): number[] {
  const end = ix.day0 + ix.days * DAY_MS;
  const span = end - ix.day0;
  const first = Math.ceil((ix.day0 + fromShare * span) / DAY_MS) * DAY_MS;
  const last = ix.day0 + toShare * span;
  const out: number[] = [];
  for (let t = first; t + HORIZON_DAYS * DAY_MS <= end && t < last; t += 7 * DAY_MS) out.push(t);
  return out;
}

/**
 * The weekly cutoffs before `first`, oldest first: `weeks` of them (fewer when `earliest` comes
 * sooner). The walk scores them as it scores the evaluated ones, but only for what needs earlier
 * lists: lead time (a breakout in the first evaluated weeks still has its whole 28-day lookback)
 * and `selected`'s history.
 */
export function cutoffsBefore(first: number, weeks: number, earliest: number): number[] {
  const out: number[] = [];
  for (let w = 1; w <= weeks; w++) {
    const t = first - w * 7 * DAY_MS;
    if (t < earliest) break;
    out.unshift(t);
  }
  return out;
}

/** Expected hits among the top k (ties at the cut pro rata), given the top-k share of each item. */
export function hitsAtK(share: ArrayLike<number>, labels: ArrayLike<number>): number {
  let hits = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i]! > 0) hits += share[i]!;
  return hits;
}

/**
 * Lead time of one breakout (item broke out at cutoff `at`): over the earlier evaluated cutoffs
 * within the 28-day lookback, in time order, the days between the first one where the scorer
 * ranked the item in its top 20 and `at`; 0 if none. `shares` maps cutoff -> (item -> top-20
 * share, ties at the cut counted in expectation as in evaluate.ts).
 */
export function leadDays(
  shares: ReadonlyMap<number, ReadonlyMap<number, number>>,
  item: number,
  at: number,
  lookbackDays = LOOKBACK_DAYS,
): number {
  let notYet = 1;
  let expected = 0;
  const earlier = [...shares.keys()]
    .filter((t) => t < at && t >= at - lookbackDays * DAY_MS)
    .sort((a, b) => a - b);
  for (const t of earlier) {
    const s = shares.get(t)!.get(item) ?? 0;
    if (s === 0) continue;
    expected += notYet * s * ((at - t) / DAY_MS);
    notYet *= 1 - s;
  }
  return expected;
}

import type { BehaviourEvent } from '../../events/behaviour.ts';
import { fnv1a } from '../random.ts';
import { type FeatureRow, featureRows, type ProductInfo, priceBands } from './features.ts';
import { breakoutLabels, DEFAULT_LABEL, type LabelOptions, type Labels } from './label.ts';
import { bucketDeltas, buildSeries, DAY_MS, type SeriesIndex } from './signals.ts';

/**
 * Training and validation rows from an event history. At each snapshot t the features read only
 * buckets before t (t is a UTC midnight, so no bucket straddles it) and the label reads the
 * horizon after t. Rows are the candidates: launched products that were not already top sellers.
 */

export interface HitRow extends FeatureRow {
  label: 0 | 1;
}

export interface History {
  products: readonly ProductInfo[];
  series: SeriesIndex;
}

export function historyFromEvents(
  products: readonly ProductInfo[],
  events: Iterable<BehaviourEvent>,
): History {
  return { products, series: buildSeries(bucketDeltas(events)) };
}

/** Daily snapshots (UTC midnights) with `warmupDays` of history before and the horizon after. */
export function dailySnapshots(
  startMs: number,
  endMs: number,
  { warmupDays = 28, horizonDays = DEFAULT_LABEL.horizonDays } = {},
): number[] {
  const first = Math.ceil((startMs + warmupDays * DAY_MS) / DAY_MS) * DAY_MS;
  const out: number[] = [];
  for (let t = first; t + horizonDays * DAY_MS <= endMs; t += DAY_MS) out.push(t);
  return out;
}

export function launched(p: ProductInfo, t: number): boolean {
  return Date.parse(`${p.launchDate}T00:00:00Z`) <= t;
}

export interface BuildRowsOptions {
  label?: LabelOptions;
  /** Which rows to keep, told before they are made (the retraining keeps a share of the negatives). */
  keep?: (productId: string, t: number, label: 0 | 1) => boolean;
  /** Called after each snapshot, whose features of every product are garbage by then. */
  collect?: () => void;
  /** A snapshot's labels when the caller has them already (the retraining's validation days). */
  labelsAt?: (t: number) => Labels | undefined;
}

export function buildRows(
  history: History,
  snapshots: readonly number[],
  {
    label: opts = DEFAULT_LABEL,
    keep = () => true,
    collect = () => {},
    labelsAt = () => undefined,
  }: BuildRowsOptions = {},
): HitRow[] {
  const bands = priceBands(history.products);
  const rows: HitRow[] = [];
  for (const t of snapshots) {
    const { incumbents, breakouts } =
      labelsAt(t) ?? breakoutLabels(history.series, history.products, t, opts);
    const candidates = history.products.filter((p) => launched(p, t) && !incumbents.has(p.productId));
    // Features over every launched product (category priors see the incumbents too), rows for candidates.
    const all = featureRows(
      history.series,
      history.products.filter((p) => launched(p, t)),
      t,
      bands,
    );
    const isCandidate = new Set(candidates.map((p) => p.productId));
    for (const f of all) {
      if (!isCandidate.has(f.productId)) continue;
      const label = breakouts.has(f.productId) ? 1 : 0;
      if (keep(f.productId, t, label)) rows.push({ ...f, label });
    }
    collect();
  }
  return rows;
}

/**
 * Time-based split: validation rows are those at or after `validationFrom`; training rows are those
 * whose label window has closed by then (t + horizon <= validationFrom), so no training label
 * looks at the validation period.
 */
export function timeSplit<R extends { t: number }>(
  rows: readonly R[],
  validationFrom: number,
  horizonDays = DEFAULT_LABEL.horizonDays,
): { train: R[]; validation: R[] } {
  return {
    train: rows.filter((r) => r.t + horizonDays * DAY_MS <= validationFrom),
    validation: rows.filter((r) => r.t >= validationFrom),
  };
}

/**
 * Keeps a deterministic share of negative rows (a hash of product and instant): training stays fast
 * and less lopsided, and the same rows are kept on every run.
 */
export function keepNegative(r: { productId: string; t: number }, share: number): boolean {
  return fnv1a(`${r.productId}@${r.t}`) / 4_294_967_296 < share;
}

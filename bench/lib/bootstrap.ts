import { mulberry32 } from './synthetic.ts';

/**
 * Nonparametric bootstrap (Efron and Tibshirani 1993): resample the units (users, cutoffs) with
 * replacement, recompute each figure, and read the 2.5th and 97.5th percentiles. The same seed
 * gives the same resamples, so two methods evaluated on the same units are resampled alike and
 * their difference can be bootstrapped pairwise. Used by eval:related (units: test users) and
 * eval:hits (units: weekly cutoffs).
 */

export const BOOTSTRAP_SAMPLES = 1_000;
export const BOOTSTRAP_SEED = 20_221;

export type Interval = [number, number];

/** Percentile of sorted values (linear interpolation between the two nearest ranks). */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const pos = (n - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/**
 * Each resample as a list of unit indices (n draws from 0..n-1), B of them, from the seed.
 * `statistics(sample)` returns the figures of one resample; the result holds, per figure, the
 * B values in resample order.
 */
export function resampled(
  n: number,
  statistics: (sample: Int32Array) => number[],
  { samples = BOOTSTRAP_SAMPLES, seed = BOOTSTRAP_SEED } = {},
): number[][] {
  const rand = mulberry32(seed);
  const sample = new Int32Array(n);
  const out: number[][] = [];
  for (let b = 0; b < samples; b++) {
    for (let i = 0; i < n; i++) sample[i] = Math.floor(rand() * n);
    const values = statistics(sample);
    values.forEach((v, k) => {
      const list = out[k];
      if (list) list.push(v);
      else out[k] = [v];
    });
  }
  return out;
}

/** The 95% percentile interval of bootstrap values. */
export function percentileInterval(values: readonly number[]): Interval {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  return [quantile(sorted, 0.025), quantile(sorted, 0.975)];
}

/**
 * The percentile interval moved by the bootstrap's bias (estimate minus the resamples' mean): for
 * a figure that a resample understates by construction, such as catalogue coverage (a resample
 * holds about 63% distinct users, so fewer distinct items reach a top 10).
 */
export function biasCorrectedInterval(values: readonly number[], estimate: number): Interval {
  const finite = values.filter((v) => !Number.isNaN(v));
  const mean = finite.reduce((a, b) => a + b, 0) / Math.max(1, finite.length);
  const [lo, hi] = percentileInterval(finite);
  return [lo + estimate - mean, hi + estimate - mean];
}

/** Mean of per-unit values over a resample. */
export function sampleMean(values: ArrayLike<number>, sample: Int32Array): number {
  let s = 0;
  for (let i = 0; i < sample.length; i++) s += values[sample[i]!]!;
  return sample.length === 0 ? Number.NaN : s / sample.length;
}

/** The 95% interval of the mean of per-unit values. */
export function meanInterval(
  values: ArrayLike<number>,
  opts?: { samples?: number; seed?: number },
): Interval {
  return percentileInterval(resampled(values.length, (s) => [sampleMean(values, s)], opts)[0] ?? []);
}

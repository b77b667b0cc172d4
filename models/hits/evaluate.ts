import { DAY_MS } from './signals.ts';

/**
 * Ranking metrics for the hit model and its baselines. Ties are handled in expectation (as if tied
 * items were ordered at random), so a baseline that scores most products 0 is neither helped nor
 * hurt by the order the products happen to come in.
 */

/** Area under the ROC curve (Mann-Whitney, ties count one half); NaN without both classes. */
export function auc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const n = scores.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  let pos = 0;
  let rankSum = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && scores[order[j + 1]!] === scores[order[i]!]) j++;
    const midRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) {
      if (labels[order[k]!]! > 0) {
        pos++;
        rankSum += midRank;
      }
    }
    i = j + 1;
  }
  const neg = n - pos;
  if (pos === 0 || neg === 0) return Number.NaN;
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}

/** Expected share of positives among the k best scores, ties at the cut taken pro rata. */
export function precisionAtK(scores: ArrayLike<number>, labels: ArrayLike<number>, k: number): number {
  const n = scores.length;
  if (n === 0 || k <= 0) return Number.NaN;
  const kk = Math.min(k, n);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b]! - scores[a]!);
  let taken = 0;
  let hits = 0;
  for (let i = 0; i < n && taken < kk; ) {
    let j = i;
    while (j + 1 < n && scores[order[j + 1]!] === scores[order[i]!]) j++;
    const size = j - i + 1;
    let groupPos = 0;
    for (let m = i; m <= j; m++) if (labels[order[m]!]! > 0) groupPos++;
    const take = Math.min(size, kk - taken);
    hits += (groupPos * take) / size;
    taken += take;
    i = j + 1;
  }
  return hits / kk;
}

/**
 * Probability-weighted membership of each item in the top k (1 above the cut, k-share of a tie
 * group straddling it, 0 below): lead times use it so ties are not broken by input order.
 */
export function topKShare(scores: ArrayLike<number>, k: number): Float64Array {
  const n = scores.length;
  const out = new Float64Array(n);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b]! - scores[a]!);
  let taken = 0;
  for (let i = 0; i < n && taken < k; ) {
    let j = i;
    while (j + 1 < n && scores[order[j + 1]!] === scores[order[i]!]) j++;
    const size = j - i + 1;
    const take = Math.min(size, k - taken);
    for (let m = i; m <= j; m++) out[order[m]!] = take / size;
    taken += take;
    i = j + 1;
  }
  return out;
}

export interface ScoredRow {
  productId: string;
  t: number;
  label: number;
  score: number;
}

export interface RankingMetrics {
  /** Mean AUC over snapshots that have both classes. */
  auc: number;
  /** Mean precision@10 / @20 over snapshots with at least one positive. */
  precision10: number;
  precision20: number;
  /** Snapshots that counted for precision. */
  snapshots: number;
  /** Mean lead time in days over the given breakouts (0 for a breakout never ranked early). */
  leadDays: number;
  /** Breakouts ranked in the top `leadTopK` at least once before breaking out. */
  detected: number;
  breakouts: number;
}

const mean = (xs: number[]) => (xs.length === 0 ? Number.NaN : xs.reduce((s, x) => s + x, 0) / xs.length);

function bySnapshot(rows: readonly ScoredRow[]): Map<number, ScoredRow[]> {
  const out = new Map<number, ScoredRow[]>();
  for (const r of rows) {
    const list = out.get(r.t) ?? [];
    list.push(r);
    out.set(r.t, list);
  }
  return new Map([...out].sort((a, b) => a[0] - b[0]));
}

/**
 * Lead time: for each breakout (product -> instant it broke out), the days between the first
 * snapshot at or before the breakout where it ranked in the top k and the breakout itself. A
 * breakout never ranked there before breaking out counts 0 days. With ties at the cut, the first
 * ranking is taken in expectation (each snapshot's share of the top k is the chance it counts).
 */
export function leadTimes(
  rows: readonly ScoredRow[],
  breakouts: ReadonlyMap<string, number>,
  k = 20,
): { leadDays: number; detected: number; perProduct: Map<string, number> } {
  const snapshots = bySnapshot(rows);
  const notYet = new Map<string, number>(); // product -> probability not yet ranked in the top k
  const expected = new Map<string, number>();
  for (const id of breakouts.keys()) {
    notYet.set(id, 1);
    expected.set(id, 0);
  }
  for (const [t, list] of snapshots) {
    const share = topKShare(
      list.map((r) => r.score),
      k,
    );
    list.forEach((r, i) => {
      const at = breakouts.get(r.productId);
      if (at === undefined || t > at || share[i] === 0) return;
      const p = notYet.get(r.productId)!;
      expected.set(r.productId, expected.get(r.productId)! + p * share[i]! * ((at - t) / DAY_MS));
      notYet.set(r.productId, p * (1 - share[i]!));
    });
  }
  let detected = 0;
  for (const p of notYet.values()) if (p < 0.5) detected++;
  return { leadDays: mean([...expected.values()]), detected, perProduct: expected };
}

export function rankingMetrics(
  rows: readonly ScoredRow[],
  breakouts: ReadonlyMap<string, number>,
  leadTopK = 20,
): RankingMetrics {
  const aucs: number[] = [];
  const p10: number[] = [];
  const p20: number[] = [];
  for (const list of bySnapshot(rows).values()) {
    const scores = list.map((r) => r.score);
    const labels = list.map((r) => r.label);
    const a = auc(scores, labels);
    if (!Number.isNaN(a)) aucs.push(a);
    if (labels.some((l) => l > 0)) {
      p10.push(precisionAtK(scores, labels, 10));
      p20.push(precisionAtK(scores, labels, 20));
    }
  }
  const lead = leadTimes(rows, breakouts, leadTopK);
  return {
    auc: mean(aucs),
    precision10: mean(p10),
    precision20: mean(p20),
    snapshots: p10.length,
    leadDays: lead.leadDays,
    detected: lead.detected,
    breakouts: breakouts.size,
  };
}

/** Each score's rank, 1 = best; tied scores share their mean rank. */
export function averageRanks(scores: ArrayLike<number>): number[] {
  const order = Array.from(scores, (x, k) => [x, k] as const).sort((a, b) => b[0] - a[0]);
  const ranks = new Array<number>(order.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && order[j + 1]![0] === order[i]![0]) j++;
    for (let m = i; m <= j; m++) ranks[order[m]![1]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return ranks;
}

/**
 * Reciprocal rank fusion (Cormack, Clarke and Buettcher, SIGIR 2009): the sum over scorers of
 * weight / (60 + rank). Scale-free, unlike adding z-scores: a model's log-odds and a sales count
 * have nothing in common but their order.
 */
export function reciprocalRankFusion(
  lists: readonly ArrayLike<number>[],
  weights: readonly number[],
): number[] {
  if (lists.length !== weights.length) throw new RangeError('one weight per list');
  const ranks = lists.map(averageRanks);
  const n = ranks[0]?.length ?? 0;
  if (ranks.some((r) => r.length !== n)) throw new RangeError('the lists score the same items');
  return Array.from({ length: n }, (_, k) =>
    ranks.reduce((sum, r, j) => sum + weights[j]! / (60 + r[k]!), 0),
  );
}

export interface Calibration {
  /** Rows scored. */
  n: number;
  /** Mean predicted probability over the rows. */
  meanPredicted: number;
  /** Share of the rows that were breakouts. */
  observedRate: number;
  /** meanPredicted / observedRate: 1 when the probabilities add up to the breakouts (calibration in the large). */
  ratio: number;
  /** Mean squared error of the probabilities (Brier 1950). */
  brier: number;
  /**
   * Expected calibration error over `bins` bins of equal count (by predicted probability): the
   * rows' share-weighted gap between each bin's mean probability and its breakout rate. Equal
   * counts, since nearly every candidate's probability is close to 0 and fixed-width bins would
   * hold them all in the first.
   */
  ece: number;
}

/** How well probabilities read as probabilities, over rows with labels 0 or 1. */
export function calibration(probs: ArrayLike<number>, labels: ArrayLike<number>, bins = 10): Calibration {
  const n = probs.length;
  if (n !== labels.length) throw new RangeError(`${n} probabilities for ${labels.length} labels`);
  if (!(Number.isInteger(bins) && bins >= 1)) throw new RangeError('bins is a whole number from 1');
  let sumP = 0;
  let sumY = 0;
  let sq = 0;
  for (let i = 0; i < n; i++) {
    const p = probs[i]!;
    if (!(p >= 0 && p <= 1)) throw new RangeError(`probability ${p} at ${i} is not in [0, 1]`);
    const y = labels[i]! > 0 ? 1 : 0;
    sumP += p;
    sumY += y;
    sq += (p - y) ** 2;
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => probs[a]! - probs[b]!);
  let ece = 0;
  for (let b = 0; b < bins; b++) {
    const from = Math.floor((b * n) / bins);
    const to = Math.floor(((b + 1) * n) / bins);
    if (to === from) continue;
    let p = 0;
    let y = 0;
    for (let k = from; k < to; k++) {
      p += probs[order[k]!]!;
      y += labels[order[k]!]! > 0 ? 1 : 0;
    }
    ece += Math.abs(p - y) / n;
  }
  return {
    n,
    meanPredicted: n === 0 ? Number.NaN : sumP / n,
    observedRate: n === 0 ? Number.NaN : sumY / n,
    ratio: sumY === 0 ? Number.NaN : sumP / sumY,
    brier: n === 0 ? Number.NaN : sq / n,
    ece: n === 0 ? Number.NaN : ece,
  };
}

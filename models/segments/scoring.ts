import { type RfmCutPoints, type RfmProfile, RfmSettings } from '../../events/segments.ts';

/**
 * RFM scores 1-5 against the shop's current distribution.
 *
 * Cut points (recomputed on a schedule from every profile): for each of recency (the instant of
 * the last order), frequency (distinct orders) and monetary (total paid), the nearest-rank
 * quintiles: the values at sorted positions ceil(k n / 5), k = 1..4, of the n profiles. A value
 * scores 1 + the number of cut points it is strictly above. So:
 *   - with distinct values each score holds a fifth of the shoppers (n = 10: ranks 1-2 score 1,
 *     3-4 score 2, ..., 9-10 score 5);
 *   - recency is compared as an instant, so a more recent order scores higher;
 *   - ties share one score, the lowest their ranks span: if 60% of shoppers have exactly one order,
 *     all of them have F = 1 (they are not spread over 1-3 by an arbitrary tie-break), and a
 *     two-order shopper, above 60% of the shop, has F = 4. A score may then hold nobody;
 *   - scores are monotone: a larger value never scores lower; the smallest value always scores 1.
 * Tiny populations: below `minPopulation` profiles (20 by default) quintiles say little (one order
 * more moves a shopper across a fifth), so fixed cut points from the settings are used instead,
 * with recency measured in days before the computation. An empty shop gets the same.
 */

export interface RfmScores {
  r: number;
  f: number;
  m: number;
}

/** What the cut points are computed from: a scan of the profile table gives exactly this. */
export type ProfileSummary = Pick<RfmProfile, 'lastOrderAt' | 'orders' | 'monetary'>;

export const DAY_MS = 24 * 3600 * 1000;

type Cuts = [number, number, number, number];
/** Four nearest-rank quintile cut points, ascending. */
export type Quintiles = Cuts;

/** Nearest-rank quintile cut points of `sorted` (ascending, at least one value). */
export function quintileCuts(sorted: ArrayLike<number>): Cuts {
  const n = sorted.length;
  const at = (k: number) => sorted[Math.ceil((k * n) / 5) - 1]!;
  return [at(1), at(2), at(3), at(4)];
}

/** 1 + the number of cut points `value` is strictly above. */
export function scoreAgainst(value: number, cuts: readonly number[]): number {
  let s = 1;
  for (const c of cuts) if (value > c) s++;
  return s;
}

/**
 * The cut points of a population of profiles (any iterable: a table scan's pages can be chained
 * in). `now` is when they are computed; the fallback's recency cut points are days before it.
 */
export function computeCutPoints(
  profiles: Iterable<ProfileSummary>,
  now: number,
  settingsInput: RfmSettings | undefined = undefined,
): RfmCutPoints {
  const recency: number[] = [];
  const frequency: number[] = [];
  const monetary: number[] = [];
  for (const p of profiles) {
    if (p.orders < 1) continue;
    recency.push(p.lastOrderAt);
    frequency.push(p.orders);
    monetary.push(p.monetary);
  }
  const population = recency.length;
  if (population === 0) return cutPointsOf({ population }, now, settingsInput);
  // Float64Array sorts numerically and fast (a plain array sorts as strings without a comparator).
  const sorted = (xs: number[]) => Float64Array.from(xs).sort();
  return cutPointsOf(
    {
      population,
      recency: quintileCuts(sorted(recency)),
      frequency: quintileCuts(sorted(frequency)),
      monetary: quintileCuts(sorted(monetary)),
    },
    now,
    settingsInput,
  );
}

/**
 * Cut points from a population's quintiles, however they were computed (from the profiles here,
 * by SQL over the lake in models/lake/jobs/rfm-cut-points.ts): below the settings' minimum
 * population, the fixed fallback ones, recency in days before `now`.
 */
export function cutPointsOf(
  q: { population: number; recency?: Quintiles; frequency?: Quintiles; monetary?: Quintiles },
  now: number,
  settingsInput: RfmSettings | undefined = undefined,
): RfmCutPoints {
  const settings = settingsInput ?? RfmSettings.parse({});
  const computedAt = new Date(now).toISOString();
  if (q.population < settings.minPopulation || !q.recency || !q.frequency || !q.monetary) {
    const f = settings.fallbackCuts;
    return {
      computedAt,
      population: q.population,
      method: 'fallback',
      recency: f.recencyDays.map((d) => now - d * DAY_MS) as Cuts,
      frequency: [...f.orders],
      monetary: [...f.monetary],
    };
  }
  return {
    computedAt,
    population: q.population,
    method: 'quintiles',
    recency: q.recency,
    frequency: q.frequency,
    monetary: q.monetary,
  };
}

export function scoreProfile(p: ProfileSummary, cuts: RfmCutPoints): RfmScores {
  return {
    r: scoreAgainst(p.lastOrderAt, cuts.recency),
    f: scoreAgainst(p.orders, cuts.frequency),
    m: scoreAgainst(p.monetary, cuts.monetary),
  };
}

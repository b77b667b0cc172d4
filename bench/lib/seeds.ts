import { type Interval, percentileInterval, resampled } from './bootstrap.ts';

/**
 * Training seeds as a second source of noise. A bootstrap over cutoffs says how much a figure
 * moves with the weeks; a network's figure also moves with its seed (on Online Retail the model's
 * lead days ranged from 8.31 to 10.74 over five seeds of the same setting, docs/hits.md). `eval:hits
 * --seeds a,b,c` runs the walk once per seed and summarises each scorer's figures over them.
 */

export interface SeedSpread {
  mean: number;
  /** Sample standard deviation over seeds (n - 1); 0 with one seed. */
  sd: number;
  min: number;
  max: number;
  /** The figure at each seed, in the order the seeds were given. */
  perSeed: number[];
}

/** A comma-separated list of integer seeds, each once; throws naming the option otherwise. */
export function parseSeeds(value: string): number[] {
  const seeds = value.split(',').map((s) => s.trim());
  if (seeds.some((s) => !/^-?\d+$/.test(s)))
    throw new Error(`--seeds must be integers, comma-separated (got "${value}")`);
  const out = seeds.map(Number);
  if (new Set(out).size !== out.length) throw new Error(`--seeds lists a seed twice (got "${value}")`);
  return out;
}

/**
 * The command line of one seed's run: the caller's arguments without --seeds, --seed and --json
 * (in either `--name value` or `--name=value` form), then `--seed <seed> --json`.
 */
export function seedRunArgs(argv: readonly string[], seed: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--json' || a.startsWith('--seeds=') || a.startsWith('--seed=')) continue;
    if (a === '--seeds' || a === '--seed') {
      i++;
      continue;
    }
    out.push(a);
  }
  return [...out, '--seed', String(seed), '--json'];
}

/** Per scorer and figure, the spread over the runs (one output per seed, same scorers in each). */
export function seedSummary<F extends string>(
  runs: readonly Record<string, Record<F, number>>[],
  scorers: readonly string[],
  figures: readonly F[],
): Record<string, Record<F, SeedSpread>> {
  if (runs.length === 0) throw new RangeError('no runs to summarise');
  return Object.fromEntries(
    scorers.map((scorer) => [
      scorer,
      Object.fromEntries(
        figures.map((figure) => {
          const xs = runs.map((r) => {
            const x = r[scorer]?.[figure];
            if (typeof x !== 'number') throw new RangeError(`a run has no ${scorer}.${figure}`);
            return x;
          });
          const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
          const sd =
            xs.length < 2 ? 0 : Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1));
          return [figure, { mean, sd, min: Math.min(...xs), max: Math.max(...xs), perSeed: xs }];
        }),
      ),
    ]),
  ) as Record<string, Record<F, SeedSpread>>;
}

/** One seed's per-cutoff figures of the model and trending now (`eval:hits --json`'s `perCutoff`). */
export interface CutoffFigures {
  /** Breakouts per cutoff (every one, including products nobody could rank). */
  breakouts: readonly number[];
  model: ScorerCutoffs;
  velocity: ScorerCutoffs;
}

/** A scorer's precision@20 and AUC per cutoff (null where undefined) and its summed lead days. */
export interface ScorerCutoffs {
  precision20: readonly (number | null)[];
  auc: readonly (number | null)[];
  leadSum: readonly number[];
}

export const PAIRED_FIGURES = ['precision20', 'auc', 'leadDays'] as const;
export type PairedFigure = (typeof PAIRED_FIGURES)[number];

/**
 * The model minus trending now, averaged over the seeds, with a 95% bootstrap interval over
 * cutoffs: each resample draws the cutoffs once and every seed's difference is taken over that same
 * draw, then averaged, so the interval is the weeks' noise around the seeds' mean rather than one
 * seed's. A figure over a draw is computed as one run computes it: precision and AUC as means over
 * the drawn cutoffs where defined, lead days as the drawn cutoffs' summed lead over their breakouts.
 */
export function pairedOverSeeds(
  runs: readonly CutoffFigures[],
  options: { samples?: number; seed?: number } = {},
): Record<PairedFigure, { mean: number; ci95: Interval }> {
  if (runs.length === 0) throw new RangeError('no runs to pair');
  const n = runs[0]!.breakouts.length;
  if (
    runs.some(
      (r) => r.breakouts.length !== n || r.model.leadSum.length !== n || r.velocity.leadSum.length !== n,
    )
  )
    throw new RangeError('the runs walked different cutoffs');
  const meanOver = (xs: readonly (number | null)[], sample: ArrayLike<number>) => {
    let sum = 0;
    let count = 0;
    for (let i = 0; i < sample.length; i++) {
      const x = xs[sample[i]!];
      if (x !== null && x !== undefined && !Number.isNaN(x)) {
        sum += x;
        count++;
      }
    }
    return count === 0 ? Number.NaN : sum / count;
  };
  const figures = (run: CutoffFigures, s: ScorerCutoffs, sample: ArrayLike<number>) => {
    let lead = 0;
    let breakouts = 0;
    for (let i = 0; i < sample.length; i++) {
      lead += s.leadSum[sample[i]!]!;
      breakouts += run.breakouts[sample[i]!]!;
    }
    return [
      meanOver(s.precision20, sample),
      meanOver(s.auc, sample),
      breakouts === 0 ? Number.NaN : lead / breakouts,
    ];
  };
  /** Per figure, the seeds' mean difference over one draw of the cutoffs (NaN-free seeds only). */
  const difference = (sample: ArrayLike<number>) => {
    // Each seed's figures over the draw once, then per figure the seeds' mean difference.
    const perRun = runs.map((r) => {
      const m = figures(r, r.model, sample);
      const v = figures(r, r.velocity, sample);
      return m.map((x, f) => x - v[f]!);
    });
    return PAIRED_FIGURES.map((_, f) => {
      const ds = perRun.map((d) => d[f]!).filter((d) => !Number.isNaN(d));
      return ds.length === 0 ? Number.NaN : ds.reduce((a, b) => a + b, 0) / ds.length;
    });
  };
  const whole = difference(Array.from({ length: n }, (_, i) => i));
  const boot = resampled(n, difference, options);
  return Object.fromEntries(
    PAIRED_FIGURES.map((f, i) => [f, { mean: whole[i]!, ci95: percentileInterval(boot[i]!) }]),
  ) as Record<PairedFigure, { mean: number; ci95: Interval }>;
}

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

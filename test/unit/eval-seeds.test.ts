import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pairedOverSeeds, parseSeeds, seedRunArgs, seedSummary } from '../../bench/lib/seeds.ts';

describe('eval seeds (bench/lib/seeds.ts)', () => {
  it('reads a list of integer seeds and refuses anything else, naming the option', () => {
    expect(parseSeeds('42, 1,2')).toEqual([42, 1, 2]);
    expect(parseSeeds('-3')).toEqual([-3]);
    for (const bad of ['', '1,,2', '1.5', 'x', '1,1']) expect(() => parseSeeds(bad), bad).toThrow(/--seeds/);
  });

  it("gives each seed's run the caller's options without --seeds, --seed and --json", () => {
    const argv = ['--input', 'f.csv', '--seeds', '1,2', '--seed=9', '--epochs', '7', '--json', '--from=0.4'];
    expect(seedRunArgs(argv, 2)).toEqual([
      '--input',
      'f.csv',
      '--epochs',
      '7',
      '--from=0.4',
      '--seed',
      '2',
      '--json',
    ]);
    expect(seedRunArgs(['--seeds=1,2', '--seed', '5', '--input', 'g'], 1)).toEqual([
      '--input',
      'g',
      '--seed',
      '1',
      '--json',
    ]);
  });

  it('summarises each figure over the seeds: mean, sample sd, min, max and the per-seed values', () => {
    const runs = [
      { model: { lead: 9 }, velocity: { lead: 10 } },
      { model: { lead: 11 }, velocity: { lead: 10 } },
      { model: { lead: 10 }, velocity: { lead: 10 } },
    ];
    const s = seedSummary(runs, ['model', 'velocity'], ['lead']);
    expect(s.model!.lead).toEqual({ mean: 10, sd: 1, min: 9, max: 11, perSeed: [9, 11, 10] });
    expect(s.velocity!.lead).toMatchObject({ mean: 10, sd: 0 });
    expect(seedSummary([runs[0]!], ['model'], ['lead']).model!.lead.sd).toBe(0);
    expect(() => seedSummary([], ['model'], ['lead'])).toThrow(/no runs/);
    expect(() => seedSummary([{ model: {} as { lead: number } }], ['model'], ['lead'])).toThrow(
      /model\.lead/,
    );
  });

  // Figures in hundredths: subnormal doubles underflow the sd to 0, which no eval figure has.
  it('the mean lies within [min, max] and the sd is zero exactly when every seed agrees (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.integer({ min: -1e6, max: 1e6 }).map((x) => x / 100),
          { minLength: 1, maxLength: 20 },
        ),
        (xs) => {
          const s = seedSummary(
            xs.map((x) => ({ m: { f: x } })),
            ['m'],
            ['f'],
          ).m!.f;
          expect(s.mean).toBeGreaterThanOrEqual(s.min - 1e-6);
          expect(s.mean).toBeLessThanOrEqual(s.max + 1e-6);
          expect(s.sd === 0).toBe(xs.every((x) => x === xs[0]));
        },
      ),
    );
  });
});

describe('pairedOverSeeds: the model minus trending now over seeds, with the weeks as noise', () => {
  const scorer = (leadSum: number[], precision20: (number | null)[] = leadSum.map(() => 0.2)) => ({
    precision20,
    auc: leadSum.map(() => 0.9),
    leadSum,
  });
  const run = (model: number[], velocity: number[], breakouts = model.map(() => 2)) => ({
    breakouts,
    model: scorer(model),
    velocity: scorer(velocity),
  });

  it('is zero, interval and all, when the model lists what trending now lists', () => {
    const r = run([4, 0, 14, 7], [4, 0, 14, 7]);
    const d = pairedOverSeeds([r, r]);
    expect(d.leadDays).toEqual({ mean: 0, ci95: [0, 0] });
    expect(d.precision20.mean).toBe(0);
  });

  it('averages the seeds, each over the same draw of cutoffs', () => {
    // Seed a: 2 lead days a breakout ahead at every cutoff; seed b: 1 behind. Mean: half a day.
    const a = run([6, 4, 16, 9], [2, 0, 12, 5]);
    const b = run([0, 0, 12, 3], [2, 2, 14, 5]);
    const d = pairedOverSeeds([a, b]);
    expect(d.leadDays.mean).toBeCloseTo(0.5, 12);
    // The same difference at every cutoff: no resample can move it.
    expect(d.leadDays.ci95[0]).toBeCloseTo(0.5, 12);
    expect(d.leadDays.ci95[1]).toBeCloseTo(0.5, 12);
  });

  it('reads one run as the run does: summed lead over summed breakouts, undefined precision skipped', () => {
    const r = {
      breakouts: [1, 3, 0, 4],
      model: scorer([7, 21, 0, 0], [0.1, 0.3, null, 0.2]),
      velocity: scorer([0, 14, 0, 28], [0.1, 0.1, null, 0.1]),
    };
    const d = pairedOverSeeds([r]);
    expect(d.leadDays.mean).toBeCloseTo((28 - 42) / 8, 12);
    expect(d.precision20.mean).toBeCloseTo((0.6 - 0.3) / 3, 12);
    // Cutoffs that differ: the interval spans both signs.
    expect(d.leadDays.ci95[0]).toBeLessThan(0);
    expect(d.leadDays.ci95[1]).toBeGreaterThan(0);
  });

  it('refuses runs that walked different cutoffs, or none', () => {
    expect(() => pairedOverSeeds([run([1, 2], [1, 2]), run([1, 2, 3], [1, 2, 3])])).toThrow(
      /different cutoffs/,
    );
    expect(() => pairedOverSeeds([])).toThrow(RangeError);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseSeeds, seedRunArgs, seedSummary } from '../../bench/lib/seeds.ts';

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

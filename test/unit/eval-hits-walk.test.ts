import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const run = promisify(execFile);

interface Figures {
  precision20: number;
  recall20: number;
  auc: number;
  leadDays: number;
  ci95: Record<'precision20' | 'recall20' | 'auc' | 'leadDays', [number, number]>;
}
type Scorer = 'model' | 'network' | 'velocity';
type Walk = Record<Scorer, Figures> & {
  cutoffs: number;
  breakouts: number;
  warmupWeeks: number;
  listEveryDays: number;
  freshPicks: number;
  perCutoff: { breakouts: number[] } & Record<Scorer, { leadSum: number[]; precision20: (number | null)[] }>;
};

/** The figures a walk measures besides lead time. */
const measured = ({ precision20, recall20, auc, ci95 }: Figures) => ({
  precision20,
  recall20,
  auc,
  ci95: { precision20: ci95.precision20, recall20: ci95.recall20, auc: ci95.auc },
});

/**
 * The walk of `eval:hits` on a small generated order file (about 8 s a run): the warm-up weeks
 * before the first evaluated cutoff, and the daily lists between cutoffs, count toward lead time
 * and nothing else. The model's shelf depends on the day before's (fresh picks), so those two
 * are checked on the network's own order; the fresh picks are checked against it.
 */
describe('eval:hits walk: the lists lead time counts', () => {
  let dir: string;
  let file: string;
  // One run per set of options, shared by the tests that read it.
  const walks = new Map<string, Promise<Walk>>();
  const walk = (...args: string[]): Promise<Walk> => {
    const key = args.join(' ');
    if (!walks.has(key))
      walks.set(
        key,
        // One network: what is checked here holds for any number, and three take three times as long.
        run('npx', ['tsx', 'bench/eval-hits.ts', '--input', file, '--json', '--ensemble', '1', ...args], {
          cwd: ROOT,
          timeout: 120_000,
          maxBuffer: 16 * 1024 * 1024,
        }).then(({ stdout }) => JSON.parse(stdout) as Walk),
      );
    return walks.get(key)!;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'eval-hits-walk-'));
    file = join(dir, 'orders.csv');
    await run('npx', ['tsx', 'bench/eval-hits.ts', '--generate', '30000', '--output', file], {
      cwd: ROOT,
      timeout: 60_000,
    });
  }, 90_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('warm-up weeks lengthen lead times only: the same cutoffs, breakouts, precision, recall and AUC', async () => {
    const [without, withWarmup] = await Promise.all([walk('--warmup', '0'), walk('--warmup', '4')]);
    expect(without.warmupWeeks).toBe(0);
    expect(withWarmup.warmupWeeks).toBe(4);
    expect(withWarmup.cutoffs).toBe(without.cutoffs);
    expect(withWarmup.breakouts).toBe(without.breakouts);
    expect(without.breakouts).toBeGreaterThan(20);
    for (const scorer of ['network', 'velocity'] as const) {
      expect(measured(withWarmup[scorer])).toEqual(measured(without[scorer]));
      // Earlier lists can only make a breakout's first listing earlier; the first weeks' do move.
      expect(withWarmup[scorer].leadDays).toBeGreaterThan(without[scorer].leadDays);
    }
    // Every breakout of the walk belongs to an evaluated cutoff, none to a warm-up week.
    expect(withWarmup.perCutoff.breakouts).toHaveLength(withWarmup.cutoffs);
    expect(withWarmup.perCutoff.breakouts.reduce((a, b) => a + b, 0)).toBe(withWarmup.breakouts);
    // The later cutoffs' lookback lies inside the evaluated weeks: their leads are the same.
    expect(withWarmup.perCutoff.network.leadSum.slice(4)).toEqual(without.perCutoff.network.leadSum.slice(4));
  }, 240_000);

  it('daily lists between the cutoffs lengthen lead times only, none of them shorter', async () => {
    const [weekly, daily] = await Promise.all([walk('--list-every', '7'), walk('--warmup', '4')]);
    expect(weekly.listEveryDays).toBe(7);
    expect(daily.listEveryDays).toBe(1);
    expect(daily.cutoffs).toBe(weekly.cutoffs);
    expect(daily.perCutoff.breakouts).toEqual(weekly.perCutoff.breakouts);
    for (const scorer of ['network', 'velocity'] as const) {
      expect(measured(daily[scorer])).toEqual(measured(weekly[scorer]));
      // The weekly lists are among the daily ones, so no breakout is first listed later.
      daily.perCutoff[scorer].leadSum.forEach((sum, c) => {
        expect(sum).toBeGreaterThanOrEqual(weekly.perCutoff[scorer].leadSum[c]! - 1e-9);
      });
      expect(daily[scorer].leadDays).toBeGreaterThan(weekly[scorer].leadDays);
    }
  }, 240_000);

  it('fresh picks: none lists the network; by default the shelf rotates and reaches more breakouts early', async () => {
    const [none, picks] = await Promise.all([walk('--fresh-picks', '0'), walk('--warmup', '4')]);
    expect(none.freshPicks).toBe(0);
    expect(picks.freshPicks).toBe(5);
    // The same networks either way; without picks the model is the network.
    expect(picks.network).toEqual(none.network);
    expect(none.model).toEqual(none.network);
    expect(none.perCutoff.model).toEqual(none.perCutoff.network);
    // With them, the shelf differs at some cutoff, and a rotating shelf lists some breakout earlier.
    expect(picks.perCutoff.model.precision20).not.toEqual(picks.perCutoff.network.precision20);
    expect(picks.perCutoff.model.leadSum.some((sum, c) => sum > picks.perCutoff.network.leadSum[c]!)).toBe(
      true,
    );
  }, 240_000);
});

import { describe, expect, it } from 'vitest';
import {
  biasCorrectedInterval,
  meanInterval,
  percentileInterval,
  quantile,
  resampled,
} from '../../bench/lib/bootstrap.ts';
import { coCounts, itemKnn, sar, userProfiles, vsknn } from '../../bench/related/baselines.ts';
import { type Interactions, KIND_CODE } from '../../bench/related/interactions.ts';
import { groupByUser, makeContext, type Scores, type UserView } from '../../bench/related/protocol.ts';

const DAY = 86_400_000;

/** A tiny interaction set: rows of [user, item, day, kind]. */
function interactions(rows: [number, number, number, keyof typeof KIND_CODE][]): Interactions {
  const users = Math.max(...rows.map((r) => r[0])) + 1;
  const items = Math.max(...rows.map((r) => r[1])) + 1;
  return {
    name: 'tiny',
    userIds: Array.from({ length: users }, (_, u) => `u${u}`),
    itemIds: Array.from({ length: items }, (_, i) => `i${i}`),
    user: rows.map((r) => r[0]),
    item: rows.map((r) => r[1]),
    at: rows.map((r) => r[2] * DAY),
    kind: rows.map((r) => KIND_CODE[r[3]]),
    skipped: 0,
  };
}

/** Scores a UserScorer puts down for one view. */
function scoresOf(scorer: (view: UserView, scores: Scores) => void, view: UserView): Map<number, number> {
  const out = new Map<number, number>();
  const add = (item: number, score: number) => out.set(item, (out.get(item) ?? 0) + score);
  scorer(view, {
    add,
    addRow(items, sims, weight, limit = items.length) {
      for (let m = 0; m < Math.min(limit, items.length); m++) add(items[m]!, weight * sims[m]!);
    },
  });
  return out;
}

// Three users: u0 bought 0, 1, 2; u1 bought 1, 2; u2 bought 2, 3 (orders on different days).
const data = interactions([
  [0, 0, 0, 'order'],
  [0, 1, 0, 'order'],
  [0, 2, 0, 'order'],
  [1, 1, 10, 'order'],
  [1, 2, 10, 'order'],
  [2, 2, 20, 'order'],
  [2, 3, 20, 'order'],
]);
const train = groupByUser(
  data,
  data.user.map((_, i) => i),
);
const ctx = makeContext(data, { train, test: [] });
const viewOf = (user: number, recent: number[], rows: number[] = []): UserView => ({
  user,
  rows,
  seen: new Set(recent),
  recent,
});

describe('eval:related baselines', () => {
  it('counts co-occurrence over user profiles (C = AᵀA)', () => {
    const { diag, rows } = coCounts(userProfiles(train, data), 4);
    expect([...diag]).toEqual([1, 2, 3, 1]);
    const row1 = rows[1]!;
    expect([...row1.items]).toEqual([0, 2]);
    expect([...row1.counts]).toEqual([1, 2]);
  });

  it('item-kNN: cosine over users, summed over the whole profile or the faded recent items', () => {
    const all = scoresOf(itemKnn(data, train, ctx.rank)({ k: 10, profile: 'all' }), viewOf(9, [1]));
    expect(all.get(0)).toBeCloseTo(1 / Math.sqrt(1 * 2), 12);
    expect(all.get(2)).toBeCloseTo(2 / Math.sqrt(2 * 3), 12);
    const top1 = scoresOf(itemKnn(data, train, ctx.rank)({ k: 1, profile: 'all' }), viewOf(9, [1]));
    expect([...top1.keys()]).toEqual([2]);
    const recent = scoresOf(itemKnn(data, train, ctx.rank)({ k: 10, profile: 'recent' }), viewOf(9, [3, 1]));
    // Item 3 is newest (weight 1), item 1 next (0.8).
    expect(recent.get(2)).toBeCloseTo(1 / Math.sqrt(1 * 3) + 0.8 * (2 / Math.sqrt(6)), 12);
  });

  it('SAR: Jaccard and lift similarity, affinity halving every T days before the latest instant', () => {
    const model = sar(data, train, 20 * DAY);
    // u1's rows (items 1 and 2 on day 10), T = 10 days: each weighs 2^-1.
    const rows = train[1]!;
    const jaccard = scoresOf(
      model({ similarity: 'jaccard', halfLifeDays: 10, threshold: 1 }),
      viewOf(1, [], rows),
    );
    // Item 0: via item 1, Jaccard C10 / (C11 + C00 - C10) = 1 / (2 + 1 - 1), and via item 2, 1 / (3 + 1 - 1).
    expect(jaccard.get(0)).toBeCloseTo(0.5 * (1 / 2 + 1 / 3), 12);
    // Item 3: only via item 2, 1 / (3 + 1 - 1).
    expect(jaccard.get(3)).toBeCloseTo(0.5 * (1 / 3), 12);
    const lift = scoresOf(model({ similarity: 'lift', halfLifeDays: 10, threshold: 1 }), viewOf(1, [], rows));
    expect(lift.get(0)).toBeCloseTo(0.5 * (1 / (2 * 1) + 1 / (3 * 1)), 12);
    const strict = scoresOf(
      model({ similarity: 'jaccard', halfLifeDays: 10, threshold: 2 }),
      viewOf(1, [], rows),
    );
    expect(strict.has(0)).toBe(false);
  });

  it('V-SKNN: the current items weigh p / L, neighbours are other users’ sessions, items sum their similarities', () => {
    const scorer = vsknn(data, train, 30)({ k: 10, sample: 10 });
    // Current session (oldest first): 1 then 2, so 1 weighs 1/2 and 2 weighs 1.
    const out = scoresOf(scorer, viewOf(1, [2, 1]));
    // u0's session {0, 1, 2}: (1/2 + 1) / 2 = 0.75; u2's {2, 3}: 1 / 2 = 0.5; u1's own is left out.
    expect(out.get(0)).toBeCloseTo(0.75, 12);
    expect(out.get(3)).toBeCloseTo(0.5, 12);
    const one = scoresOf(vsknn(data, train, 30)({ k: 1, sample: 10 }), viewOf(1, [2, 1]));
    expect(one.has(3)).toBe(false);
    // sample 1: only the most recent candidate session (u2's, day 20).
    const recentOnly = scoresOf(vsknn(data, train, 30)({ k: 10, sample: 1 }), viewOf(1, [2, 1]));
    expect([...recentOnly.keys()].sort()).toEqual([2, 3]);
  });
});

describe('bootstrap', () => {
  it('reads percentiles with interpolation', () => {
    expect(quantile([0, 10], 0.5)).toBe(5);
    expect(quantile([1, 2, 3, 4, 5], 0.975)).toBeCloseTo(4.9, 12);
  });

  it('gives a point interval for constant values and covers the mean of varied ones', () => {
    expect(meanInterval([0.3, 0.3, 0.3])).toEqual([0.3, 0.3]);
    const values = Array.from({ length: 400 }, (_, i) => (i % 4 === 0 ? 1 : 0));
    const [lo, hi] = meanInterval(values);
    expect(lo).toBeLessThan(0.25);
    expect(hi).toBeGreaterThan(0.25);
    expect(hi - lo).toBeLessThan(0.12);
  });

  it('resamples alike for the same seed, so paired figures share their draws', () => {
    const a = resampled(50, (s) => [s[0]!]);
    const b = resampled(50, (s) => [s[0]!]);
    expect(a).toEqual(b);
    expect(percentileInterval([3, 1, 2])).toEqual([quantile([1, 2, 3], 0.025), quantile([1, 2, 3], 0.975)]);
  });

  it('moves an interval by the bootstrap bias', () => {
    const moved = biasCorrectedInterval([0.5, 0.6, 0.7], 0.8);
    const expected = percentileInterval([0.7, 0.8, 0.9]);
    expect(moved[0]).toBeCloseTo(expected[0], 12);
    expect(moved[1]).toBeCloseTo(expected[1], 12);
  });
});

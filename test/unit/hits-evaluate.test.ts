import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  auc,
  averageRanks,
  calibration,
  leadTimes,
  precisionAtK,
  rankingMetrics,
  reciprocalRankFusion,
  topKShare,
} from '../../models/hits/evaluate.ts';
import { DAY_MS } from '../../models/hits/signals.ts';

describe('hits/evaluate', () => {
  describe('auc', () => {
    it('is 1 for a perfect ranking, 0 for a reversed one', () => {
      expect(auc([0.9, 0.8, 0.2, 0.1], [1, 1, 0, 0])).toBe(1);
      expect(auc([0.1, 0.2, 0.8, 0.9], [1, 1, 0, 0])).toBe(0);
    });

    it('counts the pairs a hand would: 3 of 4 pairs right is 0.75', () => {
      // positives 0.9 and 0.4; negatives 0.6 and 0.1: (0.9>0.6, 0.9>0.1, 0.4<0.6, 0.4>0.1)
      expect(auc([0.9, 0.6, 0.4, 0.1], [1, 0, 1, 0])).toBe(0.75);
    });

    it('counts a tie as one half, and is NaN without both classes', () => {
      expect(auc([0.5, 0.5], [1, 0])).toBe(0.5);
      expect(auc([0.5, 0.7], [0, 0])).toBeNaN();
    });
  });

  describe('precisionAtK', () => {
    it('is the share of positives in the k best', () => {
      expect(precisionAtK([5, 4, 3, 2, 1], [1, 0, 1, 0, 0], 2)).toBe(0.5);
      expect(precisionAtK([5, 4, 3, 2, 1], [1, 0, 1, 0, 0], 3)).toBeCloseTo(2 / 3);
    });

    it('takes a tie straddling the cut pro rata, whatever the input order', () => {
      // One clear positive on top, then four tied at 0 of which one positive; k = 3 takes 2 of the 4.
      expect(precisionAtK([9, 0, 0, 0, 0], [1, 1, 0, 0, 0], 3)).toBeCloseTo((1 + 2 * 0.25) / 3);
      expect(precisionAtK([0, 0, 0, 0, 9], [0, 0, 0, 1, 1], 3)).toBeCloseTo((1 + 2 * 0.25) / 3);
    });

    it('divides by the number of items when there are fewer than k', () => {
      expect(precisionAtK([1, 2], [1, 1], 10)).toBe(1);
      expect(precisionAtK([1, 2], [1, 0], 10)).toBe(0.5);
    });
  });

  it('topKShare gives a tie group its share of the remaining places', () => {
    expect(Array.from(topKShare([3, 1, 1, 0], 2))).toEqual([1, 0.5, 0.5, 0]);
  });

  describe('leadTimes', () => {
    const t0 = Date.parse('2026-11-01T00:00:00Z');
    const day = (d: number) => t0 + d * DAY_MS;

    it('measures from the first snapshot the product ranked in the top k to its breakout', () => {
      // Breakout on day 5. Ranked top-1 on day 2 and again on day 4: lead 3 days.
      const rows = [0, 1, 2, 3, 4].flatMap((d) => [
        { productId: 'hit', t: day(d), label: 0, score: d === 2 || d === 4 ? 2 : 0 },
        { productId: 'other', t: day(d), label: 0, score: 1 },
      ]);
      const lead = leadTimes(rows, new Map([['hit', day(5)]]), 1);
      expect(lead.leadDays).toBe(3);
      expect(lead.detected).toBe(1);
    });

    it('counts 0 days for a breakout never ranked early, and ignores rankings after it', () => {
      const rows = [
        { productId: 'hit', t: day(1), label: 0, score: 0 },
        { productId: 'other', t: day(1), label: 0, score: 1 },
        { productId: 'hit', t: day(6), label: 0, score: 5 },
        { productId: 'other', t: day(6), label: 0, score: 1 },
      ];
      const lead = leadTimes(rows, new Map([['hit', day(5)]]), 1);
      expect(lead.leadDays).toBe(0);
      expect(lead.detected).toBe(0);
    });
  });

  it('rankingMetrics averages per snapshot', () => {
    const t1 = 1;
    const t2 = 2;
    const rows = [
      { productId: 'a', t: t1, label: 1, score: 0.9 },
      { productId: 'b', t: t1, label: 0, score: 0.1 },
      { productId: 'a', t: t2, label: 0, score: 0.9 },
      { productId: 'b', t: t2, label: 1, score: 0.1 },
    ];
    const m = rankingMetrics(rows, new Map());
    // Snapshot 1 is ranked perfectly (AUC 1), snapshot 2 backwards (AUC 0); each has 1 positive in 2.
    expect(m.auc).toBe(0.5);
    expect(m.precision10).toBe(0.5);
    expect(m.snapshots).toBe(2);
    expect(m.breakouts).toBe(0);
  });

  describe('reciprocal rank fusion', () => {
    it('ranks 1 = best, ties at their mean rank', () => {
      expect(averageRanks([0.2, 0.9, 0.5, 0.5])).toEqual([4, 1, 2.5, 2.5]);
    });

    it('sums weight / (60 + rank): an item first on one list and third on the other', () => {
      const fused = reciprocalRankFusion(
        [
          [3, 2, 1],
          [1, 2, 3],
        ],
        [1, 2],
      );
      expect(fused[0]).toBeCloseTo(1 / 61 + 2 / 63, 12);
      expect(fused[2]).toBeCloseTo(1 / 63 + 2 / 61, 12);
      // The heavier list wins the disagreement.
      expect(fused[2]).toBeGreaterThan(fused[0]!);
    });

    it('keeps an order both lists agree on, whatever their scales', () => {
      fc.assert(
        fc.property(
          fc.uniqueArray(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 2, maxLength: 30 }),
          (xs) => {
            const counts = xs.map((x) => Math.exp(x / 1e5)); // same order, another scale
            const fused = reciprocalRankFusion([xs, counts], [1, 1]);
            for (let i = 0; i < xs.length; i++)
              for (let j = 0; j < xs.length; j++)
                if (xs[i]! > xs[j]!) expect(fused[i]).toBeGreaterThan(fused[j]!);
          },
        ),
      );
    });

    it('refuses lists of different lengths or a missing weight', () => {
      expect(() => reciprocalRankFusion([[1, 2], [1]], [1, 1])).toThrow(RangeError);
      expect(() => reciprocalRankFusion([[1, 2]], [])).toThrow(RangeError);
    });
  });

  describe('calibration', () => {
    it('adds up a hand example: mean, ratio, Brier and the equal-count bins', () => {
      const c = calibration([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1], 2);
      expect(c.n).toBe(4);
      expect(c.meanPredicted).toBeCloseTo(0.5, 12);
      expect(c.observedRate).toBe(0.5);
      expect(c.ratio).toBeCloseTo(1, 12);
      expect(c.brier).toBeCloseTo((0.01 + 0.04 + 0.04 + 0.01) / 4, 12);
      // Bins {0.1, 0.2} (no breakout) and {0.8, 0.9} (two): |0.3 - 0| / 4 + |1.7 - 2| / 4.
      expect(c.ece).toBeCloseTo(0.15, 12);
    });

    it('bins by probability whatever the input order', () => {
      const shuffled = calibration([0.9, 0.1, 0.8, 0.2], [1, 0, 1, 0], 2);
      const sorted = calibration([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1], 2);
      for (const k of ['meanPredicted', 'observedRate', 'ratio', 'brier', 'ece'] as const)
        expect(shuffled[k]).toBeCloseTo(sorted[k], 12);
    });

    it('holds its bounds: Brier in [0, 1], ECE at least the gap in the large, 0 for the outcomes themselves', () => {
      const rows = fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.boolean()), {
        minLength: 1,
        maxLength: 200,
      });
      fc.assert(
        fc.property(rows, fc.integer({ min: 1, max: 20 }), (xs, bins) => {
          const probs = xs.map(([p]) => p);
          const labels = xs.map(([, y]) => (y ? 1 : 0));
          const c = calibration(probs, labels, bins);
          expect(c.brier).toBeGreaterThanOrEqual(0);
          expect(c.brier).toBeLessThanOrEqual(1);
          expect(c.ece).toBeGreaterThanOrEqual(Math.abs(c.meanPredicted - c.observedRate) - 1e-12);
          expect(c.ece).toBeLessThanOrEqual(1 + 1e-12);
          const exact = calibration(labels, labels, bins);
          expect(exact.brier).toBe(0);
          expect(exact.ece).toBe(0);
        }),
      );
    });

    it('refuses what is not a probability, and labels that do not match', () => {
      expect(() => calibration([1.2], [1])).toThrow(/1.2 at 0 is not in \[0, 1\]/);
      expect(() => calibration([Number.NaN], [0])).toThrow(/not in/);
      expect(() => calibration([0.5, 0.5], [1])).toThrow(/2 probabilities for 1 labels/);
      expect(() => calibration([0.5], [1], 0)).toThrow(/bins/);
      expect(calibration([0.5], [0]).ratio).toBeNaN();
    });
  });
});

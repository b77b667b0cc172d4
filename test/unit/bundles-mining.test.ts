import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Io, run } from '../../bench/mine-bundles.ts';
import {
  bestBundleFor,
  type MiningOptions,
  mineRules,
  minimumCount,
  parseBaskets,
  type Rule,
} from '../../models/bundles/mining.ts';

// The classic five-basket example (Tan, Steinbach and Kumar, ch. 6), counts by hand:
//   bread 4, milk 4, diapers 4, beer 3, cola 2, eggs 1 (N = 5)
//   {bread, milk} 3, {bread, diapers} 3, {milk, diapers} 3, {diapers, beer} 3, the other pairs <= 2,
//   {bread, milk, diapers} 2 (baskets 4 and 5).
const SHOP = [
  ['bread', 'milk'],
  ['bread', 'diapers', 'beer', 'eggs'],
  ['milk', 'diapers', 'beer', 'cola'],
  ['bread', 'milk', 'diapers', 'beer'],
  ['bread', 'milk', 'diapers', 'cola', 'cola'], // cola twice: counts once
];

const key = (r: Pick<Rule, 'lhs' | 'rhs'>) => `{${r.lhs.join(',')}} => {${r.rhs}}`;

describe('bundle mining', () => {
  describe('mineRules', () => {
    it('finds the hand-worked rules, keeps the ties on the confidence threshold, and orders them', () => {
      // minSupport 0.6 of 5 baskets = 3: the four pairs with count 3 are frequent, no triple is.
      // minConfidence 0.75:
      //   {beer} => {diapers}: 3/3 = 1, lift = 1 / (4/5) = 1.25
      //   {diapers} => {beer}: 3/4 = 0.75 (on the threshold, kept), lift = 0.75 / (3/5) = 1.25
      //   bread, milk, diapers pairwise, both ways: 3/4 = 0.75 (kept), lift = 0.75 / (4/5) = 0.9375
      const { baskets, rules } = mineRules(SHOP, { minSupport: 0.6, minConfidence: 0.75 });
      expect(baskets).toBe(5);
      expect(rules.map(key)).toEqual([
        '{beer} => {diapers}', // lift 1.25, confidence 1
        '{diapers} => {beer}', // lift 1.25, confidence 0.75
        // lift, confidence and support all tie: by text
        '{bread} => {diapers}',
        '{bread} => {milk}',
        '{diapers} => {bread}',
        '{diapers} => {milk}',
        '{milk} => {bread}',
        '{milk} => {diapers}',
      ]);
      expect(rules[0]).toEqual({
        lhs: ['beer'],
        rhs: 'diapers',
        support: 0.6,
        confidence: 1,
        lift: 1.25,
        count: 3,
      });
      expect(rules[1]!.confidence).toBe(0.75);
      expect(rules[1]!.lift).toBeCloseTo(1.25, 12);
      expect(rules[2]!.lift).toBeCloseTo(0.9375, 12);

      // Just above the tie, only the confident rule stays.
      expect(mineRules(SHOP, { minSupport: 0.6, minConfidence: 0.76 }).rules.map(key)).toEqual([
        '{beer} => {diapers}',
      ]);
    });

    it('counts lengths on both sides, like arules minlen and maxlen', () => {
      // minSupport 0.4 = 2 baskets: {bread, milk, diapers} (2) is frequent; with confidence 0 every
      // split of every frequent itemset is a rule.
      const three = mineRules(SHOP, { minSupport: 0.4, minConfidence: 0, minLen: 3, maxLen: 3 }).rules;
      expect(three.length).toBeGreaterThan(0);
      expect(three.every((r) => r.lhs.length === 2)).toBe(true);
      // {bread, milk} => {diapers}: 2 / 3, lift (2/3) / (4/5) = 5/6, support 2/5
      const r = three.find((x) => key(x) === '{bread,milk} => {diapers}')!;
      expect(r).toMatchObject({ count: 2, support: 0.4 });
      expect(r.confidence).toBeCloseTo(2 / 3, 12);
      expect(r.lift).toBeCloseTo(5 / 6, 12);

      // minLen 1: rules with an empty left side, confidence = the item's support.
      const one = mineRules(SHOP, { minSupport: 0.6, minConfidence: 0.8, minLen: 1, maxLen: 1 }).rules;
      expect(one.map(key)).toEqual(['{} => {bread}', '{} => {diapers}', '{} => {milk}']);
      expect(one[0]).toMatchObject({ support: 0.8, confidence: 0.8, lift: 1, count: 4 });
    });

    it('reads the support threshold as support >= minSupport even where the float product rounds up', () => {
      // 0.07 * 100 = 7.000000000000001 in floating point; 7 of 100 baskets is support 0.07 exactly.
      expect(0.07 * 100).toBeGreaterThan(7);
      expect(minimumCount(0.07, 100)).toBe(7);
      expect(minimumCount(0.001, 9835)).toBe(10);
      expect(minimumCount(0.006, 9835)).toBe(60);
      expect(minimumCount(0, 10)).toBe(1);
      const baskets = Array.from({ length: 100 }, (_, i) => (i < 7 ? ['a', 'b'] : ['c']));
      expect(mineRules(baskets, { minSupport: 0.07, minConfidence: 1 }).rules.map(key)).toEqual([
        '{a} => {b}',
        '{b} => {a}',
      ]);
      expect(mineRules(baskets, { minSupport: 0.0701, minConfidence: 1 }).rules).toEqual([]);
    });

    it('returns nothing for no baskets and rejects thresholds out of range', () => {
      expect(mineRules([], { minSupport: 0.1, minConfidence: 0.5 })).toEqual({ baskets: 0, rules: [] });
      expect(() => mineRules(SHOP, { minSupport: 1.5, minConfidence: 0.5 })).toThrow(RangeError);
      expect(() => mineRules(SHOP, { minSupport: 0.1, minConfidence: Number.NaN })).toThrow(RangeError);
      expect(() => mineRules(SHOP, { minSupport: 0.1, minConfidence: 0.5, minLen: 0 })).toThrow(RangeError);
      expect(() => mineRules(SHOP, { minSupport: 0.1, minConfidence: 0.5, minLen: 3, maxLen: 2 })).toThrow(
        RangeError,
      );
    });

    it('gives the same rules in the same order as a brute-force enumeration (property)', () => {
      // Thresholds are multiples of 1/20 so that the oracle compares exact integers and the random
      // cases land on the support and confidence thresholds often.
      const ITEMS = ['a', 'b', 'c', 'd', 'e', 'f', 'cream cheese '];
      fc.assert(
        fc.property(
          fc.array(fc.array(fc.constantFrom(...ITEMS), { maxLength: 7 }), { minLength: 1, maxLength: 30 }),
          fc.integer({ min: 0, max: 20 }),
          fc.integer({ min: 0, max: 20 }),
          fc.integer({ min: 1, max: 3 }),
          fc.integer({ min: 0, max: 4 }),
          (baskets, s, c, minLen, extra) => {
            const options = { minSupport: s / 20, minConfidence: c / 20, minLen, maxLen: minLen + extra };
            const expected = bruteForce(baskets, s, c, options);
            const actual = mineRules(baskets, options);
            expect(actual.baskets).toBe(baskets.length);
            expect(actual.rules.map((r) => `${key(r)} #${r.count}`)).toEqual(
              expected.map((e) => `${key(e.rule)} #${e.rule.count}`),
            );
            actual.rules.forEach((r, i) => {
              const e = expected[i]!.rule;
              expect(r.support).toBeCloseTo(e.support, 12);
              expect(r.confidence).toBeCloseTo(e.confidence, 12);
              expect(r.lift).toBeCloseTo(e.lift, 12);
            });
          },
        ),
        { numRuns: 300 },
      );
    });
  });

  describe('parseBaskets', () => {
    it('splits lines and commas, keeps names verbatim, drops the CR of CRLF and skips empty lines', () => {
      expect(
        parseBaskets('citrus fruit,cream cheese \r\n\r\nwhole milk\n\n roll products ,yogurt\n'),
      ).toEqual([['citrus fruit', 'cream cheese '], ['whole milk'], [' roll products ', 'yogurt']]);
      expect(parseBaskets('')).toEqual([]);
    });
  });

  describe('bestBundleFor', () => {
    const { rules } = mineRules(SHOP, { minSupport: 0.4, minConfidence: 0.5 });

    it('picks the highest-lift rule holding the product on either side, within maxItems', () => {
      const bundle = bestBundleFor('beer', rules, { maxItems: 2, minCount: 1 })!;
      expect(bundle.items).toEqual(['beer', 'diapers']);
      expect(bundle.rule.lift).toBeCloseTo(1.25, 12);
      // Pairs with cola: {cola} => {milk} 2/2 and {milk} => {cola} 2/4 both have lift 1.25 (so do the
      // two with diapers), all with count 2: the more confident direction, then the rules' order, wins.
      expect(bestBundleFor('cola', rules, { maxItems: 2, minCount: 1 })!.rule).toMatchObject({
        lhs: ['cola'],
        rhs: 'diapers',
        confidence: 1,
      });
      // With three items: {diapers, milk} => {cola}: 2/3, lift (2/3) / (2/5) = 5/3 beats every pair.
      const cola = bestBundleFor('cola', rules, { maxItems: 3, minCount: 1 })!;
      expect(cola.items).toEqual(['cola', 'diapers', 'milk']);
      expect(cola.rule.lift).toBeCloseTo(5 / 3, 12);
    });

    it('needs a minimum count and a lift above 1, and rejects bundles of fewer than 2 items', () => {
      expect(bestBundleFor('beer', rules, { maxItems: 2, minCount: 4 })).toBeUndefined();
      expect(bestBundleFor('beer', rules, { maxItems: 2 })).toBeUndefined(); // default 10 baskets
      // Every pair rule with bread has lift 0.9375 or less: bread sells with anything, with nothing in particular.
      const bread = rules.filter((r) => r.lhs.length === 1 && (r.lhs[0] === 'bread' || r.rhs === 'bread'));
      expect(bread.length).toBeGreaterThan(0);
      expect(bread.every((r) => r.lift <= 1)).toBe(true);
      expect(bestBundleFor('bread', rules, { maxItems: 2, minCount: 1 })).toBeUndefined();
      expect(bestBundleFor('nothing', rules, { maxItems: 4, minCount: 1 })).toBeUndefined();
      expect(() => bestBundleFor('beer', rules, { maxItems: 1 })).toThrow(RangeError);
    });
  });

  // Published figures of arules' apriori on Groceries (../shared/data/README.md: Machine Learning with
  // R, ch. 8; arulesViz examples). Data: arules (Hahsler, Hornik, Reutterer 2006), GPL-3.
  describe('Groceries', () => {
    const path = fileURLToPath(new URL('../../../shared/data/groceries/groceries.csv', import.meta.url));
    const present = existsSync(path);
    const baskets = present ? parseBaskets(readFileSync(path, 'utf8')) : [];
    const byLength = (rules: readonly Rule[]) => {
      const counts: Record<number, number> = {};
      for (const r of rules) counts[r.lhs.length + 1] = (counts[r.lhs.length + 1] ?? 0) + 1;
      return counts;
    };

    it.skipIf(!present)(
      'support 0.006, confidence 0.25: 463 rules, {herbs} => {root vegetables} first',
      () => {
        expect(baskets.length).toBe(9835);
        expect(new Set(baskets.flat()).size).toBe(169);
        const { baskets: n, rules } = mineRules(baskets, { minSupport: 0.006, minConfidence: 0.25 });
        expect(n).toBe(9835);
        expect(rules.length).toBe(463);
        expect(byLength(rules)).toEqual({ 2: 150, 3: 297, 4: 16 });
        expect(key(rules[0]!)).toBe('{herbs} => {root vegetables}');
        expect(rules[0]!.lift).toBeCloseTo(3.956477, 6);
        expect(rules.filter((r) => r.confidence === 0.25).length).toBe(2); // the ties, kept
        const bundle = bestBundleFor('herbs', rules, { maxItems: 2 })!;
        expect(bundle.items).toEqual(['herbs', 'root vegetables']);
      },
    );

    it.skipIf(!present)(
      'support 0.001, confidence 0.8: 410 rules, {liquor, red/blush wine} => {bottled beer} first',
      () => {
        const { rules } = mineRules(baskets, { minSupport: 0.001, minConfidence: 0.8 });
        expect(rules.length).toBe(410);
        expect(key(rules[0]!)).toBe('{liquor,red/blush wine} => {bottled beer}');
        expect(rules[0]!.lift).toBeCloseTo(11.23527, 5);
        expect(rules.filter((r) => r.confidence === 0.8).length).toBe(39); // the ties, kept
      },
    );

    it.skipIf(!present)('support 0.001, confidence 0.5: 5,668 rules, well under 5 seconds', () => {
      const started = performance.now();
      const { rules } = mineRules(baskets, { minSupport: 0.001, minConfidence: 0.5 });
      const ms = performance.now() - started;
      expect(rules.length).toBe(5668);
      expect(ms).toBeLessThan(5000);
    });
  });
});

describe('bench/mine-bundles', () => {
  const io = (files: Record<string, string>) => {
    const out: string[] = [];
    const err: string[] = [];
    const fake: Io = {
      out: (t) => out.push(t),
      err: (t) => err.push(t),
      readFile: (p) => {
        const text = files[p];
        if (text === undefined) throw new Error(`ENOENT: ${p}`);
        return text;
      },
    };
    return { out, err, fake };
  };
  const file = SHOP.map((b) => b.join(',')).join('\n');

  it('prints only the JSON object with --json', () => {
    const { out, err, fake } = io({ 'shop.csv': file });
    const code = run(['--input', 'shop.csv', '--support', '0.6', '--confidence', '0.75', '--json'], fake);
    expect(code).toBe(0);
    expect(err).toEqual([]);
    expect(out).toHaveLength(1);
    const parsed = JSON.parse(out[0]!) as { baskets: number; rules: Rule[] };
    expect(parsed.baskets).toBe(5);
    expect(parsed.rules.map(key)[0]).toBe('{beer} => {diapers}');
    expect(Object.keys(parsed.rules[0]!)).toEqual(['lhs', 'rhs', 'support', 'confidence', 'lift', 'count']);
  });

  it('prints a table with the counts by length', () => {
    const { out, fake } = io({ 'shop.csv': file });
    expect(run(['--input', 'shop.csv', '--support', '0.6', '--confidence', '0.75'], fake)).toBe(0);
    const text = out.join('\n');
    expect(text).toContain('{beer} => {diapers}');
    expect(text).toContain('8 rules (8 with 2 items)');
  });

  it.each([
    [[]],
    [['--input', 'shop.csv']],
    [['--input', 'shop.csv', '--support', 'lots', '--confidence', '0.5']],
    [['--input', 'shop.csv', '--support', '0.1', '--confidence', '1.2']],
    [['--input', 'shop.csv', '--support', '0.1', '--confidence', '0.5', '--minlen', '3', '--maxlen', '2']],
    [['--input', 'shop.csv', '--support', '0.1', '--confidence', '0.5', '--nope']],
    [['--input', 'missing.csv', '--support', '0.1', '--confidence', '0.5']],
  ])('exits 2 with a message on bad arguments: %j', (argv) => {
    const { out, err, fake } = io({ 'shop.csv': file });
    expect(run(argv, fake)).toBe(2);
    expect(out).toEqual([]);
    expect(err[0]).toMatch(/^mine-bundles: /);
  });
});

interface Expected {
  rule: Rule;
  xy: number;
  x: number;
  y: number;
}

/**
 * Every rule by enumerating every itemset of the items present and counting it basket by basket,
 * with exact integer thresholds: support s/20 and confidence c/20.
 */
function bruteForce(
  baskets: readonly (readonly string[])[],
  s: number,
  c: number,
  options: Required<Pick<MiningOptions, 'minLen' | 'maxLen'>>,
): Expected[] {
  const n = baskets.length;
  const sets = baskets.map((b) => new Set(b));
  const items = [...new Set(baskets.flat())].sort();
  const count = (itemset: readonly string[]) => sets.filter((b) => itemset.every((i) => b.has(i))).length;
  const frequent = (k: number) => k >= 1 && k * 20 >= s * n;
  const rules: Expected[] = [];
  for (let mask = 1; mask < 1 << items.length; mask++) {
    const itemset = items.filter((_, i) => mask & (1 << i));
    if (itemset.length < options.minLen || itemset.length > options.maxLen) continue;
    const xy = count(itemset);
    if (!frequent(xy)) continue;
    for (const rhs of itemset) {
      const lhs = itemset.filter((i) => i !== rhs);
      const x = lhs.length === 0 ? n : count(lhs);
      if (xy * 20 < c * x) continue;
      const y = count([rhs]);
      rules.push({
        rule: { lhs, rhs, support: xy / n, confidence: xy / x, lift: (xy * n) / (x * y), count: xy },
        xy,
        x,
        y,
      });
    }
  }
  // Lift (xy n / x y), confidence (xy / x), support, all descending and exact; then lhs and rhs text.
  const text = (e: Expected) => [e.rule.lhs.join('\u0000'), e.rule.rhs] as const;
  return rules.sort((a, b) => {
    const lift = b.xy * a.x * a.y - a.xy * b.x * b.y;
    const conf = b.xy * a.x - a.xy * b.x;
    if (lift !== 0) return lift;
    if (conf !== 0) return conf;
    if (a.xy !== b.xy) return b.xy - a.xy;
    const [la, ra] = text(a);
    const [lb, rb] = text(b);
    if (la !== lb) return la < lb ? -1 : 1;
    return ra < rb ? -1 : ra > rb ? 1 : 0;
  });
}

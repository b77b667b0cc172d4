import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  currencyExponent,
  formatMoney,
  marginFloorUnit,
  mulDivCeil,
  mulDivFloor,
  percentOf,
} from '../../models/pricing/money.ts';
import { canonicalJson } from '../../models/pricing/sign.ts';

describe('pricing money', () => {
  describe('formatMoney', () => {
    it('writes CNY and JPY with ¥, drops zero decimals and groups thousands', () => {
      expect(formatMoney(30_000, 'CNY')).toBe('¥300');
      expect(formatMoney(29_950, 'CNY')).toBe('¥299.50');
      expect(formatMoney(5, 'CNY')).toBe('¥0.05');
      expect(formatMoney(129_900, 'CNY')).toBe('¥1,299');
      expect(formatMoney(1_299, 'JPY')).toBe('¥1,299');
      expect(formatMoney(1_205, 'USD')).toBe('$12.05');
      expect(formatMoney(0, 'EUR')).toBe('€0');
    });

    it('refuses a currency it has no exponent for', () => {
      expect(currencyExponent('JPY')).toBe(0);
      expect(() => currencyExponent('XXX')).toThrow(/unsupported currency/);
    });
  });

  describe('integer arithmetic', () => {
    it('rounds percentages down and the margin floor up', () => {
      expect(percentOf(1_999, 10)).toBe(199);
      expect(percentOf(99, 1)).toBe(0);
      expect(marginFloorUnit(9_001, 20_000, 10)).toBe(9_902); // 9901.1 -> 9902
      expect(marginFloorUnit(9_000, 9_500, 10)).toBe(9_500); // listed below the floor: list is the floor
    });

    it('matches BigInt arithmetic when a * b passes 2^53', () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 0, max: 1e15 }),
          fc.integer({ min: 0, max: 10_000 }),
          fc.integer({ min: 1, max: 1_000 }),
          (a, b, c) => {
            const exact = (BigInt(a) * BigInt(b)) / BigInt(c);
            fc.pre(exact < BigInt(Number.MAX_SAFE_INTEGER));
            const ceil = exact + ((BigInt(a) * BigInt(b)) % BigInt(c) === 0n ? 0n : 1n);
            expect(BigInt(mulDivFloor(a, b, c))).toBe(exact);
            expect(BigInt(mulDivCeil(a, b, c))).toBe(ceil);
          },
        ),
      );
    });
  });

  describe('canonicalJson', () => {
    it('sorts keys at every depth and leaves out undefined fields', () => {
      expect(canonicalJson({ b: 1, a: [{ d: 2, c: undefined, b: 'x' }], c: null })).toBe(
        '{"a":[{"b":"x","d":2}],"b":1,"c":null}',
      );
    });
  });
});

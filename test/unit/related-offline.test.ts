import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readInteractions } from '../../bench/related/interactions.ts';
import { CsvRecordReader, parseCsvLine, parseTimestamp } from '../../models/csv.ts';
import { catalogCoverage, interactionKind, rankMetrics } from '../../models/related/offline.ts';

describe('related offline evaluation', () => {
  describe('rankMetrics', () => {
    it('computes HR, NDCG and MRR at 10 on a hand-checked example', () => {
      const m = rankMetrics([
        { truth: 'a', ranked: ['a', 'b', 'c'] }, // rank 1: 1, 1, 1
        { truth: 'c', ranked: ['a', 'b', 'c'] }, // rank 3: 1, 1/log2(4) = 0.5, 1/3
        { truth: 'z', ranked: ['a', 'b', 'c'] }, // missing: 0, 0, 0
        { truth: 'k', ranked: 'abcdefghijk'.split('') }, // rank 11: beyond the cut-off
      ]);
      expect(m.cases).toBe(4);
      expect(m.hr10).toBeCloseTo(2 / 4, 12);
      expect(m.ndcg10).toBeCloseTo(1.5 / 4, 12);
      expect(m.mrr10).toBeCloseTo(4 / 3 / 4, 12);
      expect(rankMetrics([])).toEqual({ hr10: 0, ndcg10: 0, mrr10: 0, cases: 0 });
    });

    it('computes coverage as the share of the catalog in some top 10', () => {
      expect(
        catalogCoverage(
          [
            ['a', 'b'],
            ['b', 'c'],
          ],
          8,
        ),
      ).toBe(3 / 8);
    });
  });

  describe('CSV', () => {
    it('reads quoted fields with commas and doubled quotes', () => {
      expect(parseCsvLine('a,"b, c","say ""hi""",,d')).toEqual(['a', 'b, c', 'say "hi"', '', 'd']);
      expect(parseCsvLine('x,y\r')).toEqual(['x', 'y']);
    });

    it('joins a quoted field over a line break', () => {
      const reader = new CsvRecordReader();
      expect(reader.push('1,"two')).toBeUndefined();
      expect(reader.push('lines",3')).toEqual(['1', 'two\nlines', '3']);
    });

    it('reads ISO 8601, Unix seconds and Unix milliseconds as the same instant', () => {
      const ms = Date.parse('2011-01-01T10:00:00Z');
      expect(parseTimestamp('2011-01-01T10:00:00Z')).toBe(ms);
      expect(parseTimestamp('2011-01-01T12:00:00+02:00')).toBe(ms);
      expect(parseTimestamp('2011-01-01 10:00:00')).toBe(ms);
      expect(parseTimestamp('1293876000')).toBe(ms);
      expect(parseTimestamp('1293876000.5')).toBe(ms + 500);
      expect(parseTimestamp('1293876000000')).toBe(ms);
      expect(parseTimestamp('yesterday')).toBeNaN();
    });

    it('maps event types to kinds', () => {
      expect(interactionKind('order')).toBe('order');
      expect(interactionKind('Purchase')).toBe('order');
      expect(interactionKind('add-to-cart')).toBe('cart');
      expect(interactionKind('view')).toBe('view');
      expect(interactionKind(undefined)).toBe('view');
    });

    it('reads interactions by header name, ignoring other columns and skipping bad rows', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'related-eval-'));
      const file = join(dir, 'interactions.csv');
      writeFileSync(
        file,
        [
          'note,timestamp,item_id,event_type,user_id',
          '"hello, world",2011-01-01T10:00:00Z,i1,view,u1',
          '"multi',
          'line",1293876060,i2,order,u1',
          'x,1293876120000,"i,3",cart,u2',
          'x,not a time,i4,view,u2',
        ].join('\n'),
      );
      const data = await readInteractions(file, { baskets: false, name: 't' });
      expect(data.user.map((u) => data.userIds[u])).toEqual(['u1', 'u1', 'u2']);
      expect(data.item.map((i) => data.itemIds[i])).toEqual(['i1', 'i2', 'i,3']);
      const t = Date.parse('2011-01-01T10:00:00Z');
      expect(data.at).toEqual([t, t + 60_000, t + 120_000]);
      expect(data.kind).toEqual([0, 2, 1]);
      expect(data.skipped).toBe(1);
    });

    it('turns each basket into one user with one order', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'related-eval-'));
      const file = join(dir, 'baskets.csv');
      writeFileSync(file, 'milk,bread\nbeer\n\ncream cheese ,milk\n');
      const data = await readInteractions(file, { baskets: true, name: 'b' });
      expect(data.userIds).toEqual(['basket-0', 'basket-1', 'basket-2']);
      expect(data.itemIds).toEqual(['milk', 'bread', 'beer', 'cream cheese ']);
      expect(new Set(data.kind)).toEqual(new Set([2]));
      expect(data.at[0]).toBe(data.at[1]);
    });
  });
});

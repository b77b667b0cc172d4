import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stageConfig } from '../../infra/stage.ts';

const { stages } = (
  JSON.parse(readFileSync(join(import.meta.dirname, '../../cdk.json'), 'utf8')) as {
    context: { stages: Record<string, Record<string, unknown>> };
  }
).context;

/** cdk.json's dev stage with `change` merged in. */
const devWith = (change: Record<string, unknown>) => ({ dev: { ...stages.dev, ...change } });

describe('infra/stage.ts', () => {
  describe('stageConfig', () => {
    it.each(['dev', 'prod'])('reads the %s stage of cdk.json', (stage) => {
      expect(stageConfig(stage, stages).stage).toBe(stage);
    });

    it('refuses an override naming no schedule, lake job or queued rule (a typo would be ignored)', () => {
      expect(() => stageConfig('dev', devWith({ scheduleMinutes: { 'retrain-hits': 1440 } }))).toThrow(
        /no schedule or lake job has this id/,
      );
      expect(() => stageConfig('dev', devWith({ consumerConcurrency: { 'model-to-rerank': 4 } }))).toThrow(
        /no queued rule has this id/,
      );
      expect(() =>
        stageConfig('dev', devWith({ consumerConcurrency: { 'behaviour-to-related': 1 } })),
      ).toThrow();
      // Only what runs a Distributed Map takes a map concurrency: an all-files job does not.
      expect(() => stageConfig('dev', devWith({ mapConcurrency: { 'bundle-itemsets': 4 } }))).toThrow(
        /no Distributed Map is declared with this id/,
      );
      expect(() => stageConfig('dev', devWith({ mapConcurrency: { 'related-evidence': 0 } }))).toThrow();
      expect(
        stageConfig('dev', devWith({ mapConcurrency: { 'related-evidence': 16 } })).config.mapConcurrency,
      ).toEqual({ 'related-evidence': 16 });
      // Only a sharded job takes a number of shards, between 1 and what the step handler takes.
      expect(() => stageConfig('dev', devWith({ shards: { 'related-evidence': 8 } }))).toThrow(
        /no sharded job has this id/,
      );
      expect(() => stageConfig('dev', devWith({ shards: { 'rerank-all': 0 } }))).toThrow();
      expect(() => stageConfig('dev', devWith({ shards: { 'rerank-all': 1001 } }))).toThrow();
      expect(stageConfig('dev', devWith({ shards: { 'rerank-all': 64 } })).config.shards).toEqual({
        'rerank-all': 64,
      });
    });

    it("lets a stage turn a lake job's schedule off, not a sharded job's", () => {
      expect(
        stageConfig('dev', devWith({ scheduleMinutes: { 'bundle-itemsets': null } })).config.scheduleMinutes,
      ).toEqual({ 'bundle-itemsets': null });
      expect(() => stageConfig('dev', devWith({ scheduleMinutes: { 'rerank-all': null } }))).toThrow(
        /only a lake job/,
      );
    });

    it("takes a shop's related settings, and names a setting out of bounds or unknown", () => {
      expect(
        stageConfig('dev', devWith({ related: { halfLifeDays: 365, basketDamping: 0 } })).config.related,
      ).toEqual({ halfLifeDays: 365, basketDamping: 0 });
      expect(() => stageConfig('dev', devWith({ related: { halfLifeDays: 0 } }))).toThrow(/"halfLifeDays"/);
      expect(() => stageConfig('dev', devWith({ related: { halfLife: 30 } }))).toThrow(/"halfLife"/);
    });

    it("takes a shop's bundle settings, and names a setting out of bounds or unknown", () => {
      expect(stageConfig('dev', devWith({ bundles: { minSupport: 0, minCount: 8 } })).config.bundles).toEqual(
        {
          minSupport: 0,
          minCount: 8,
        },
      );
      expect(() => stageConfig('dev', devWith({ bundles: { minSupport: 0.05 } }))).toThrow(/"minSupport"/);
      expect(() => stageConfig('dev', devWith({ bundles: { minLift: 2 } }))).toThrow(/"minLift"/);
    });

    it('keeps every day a lake job reads, and only lengthens the Firehose buffer', () => {
      const lake = stages.dev!.lake as Record<string, unknown>;
      expect(() => stageConfig('dev', devWith({ lake: { ...lake, eventsExpireDays: 60 } }))).toThrow(
        /longest job window needs 92 days/,
      );
      expect(() => stageConfig('dev', devWith({ lake: { ...lake, bufferSeconds: 120 } }))).toThrow(
        /lengthen the declared 300 s/,
      );
    });
  });
});

import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readArtifact, writeArtifact } from '../../bench/lib/hit-artifacts.ts';
import { FEATURE_NAMES, featureIndex } from '../../models/hits/features.ts';
import {
  type HitArtifact,
  loadHitModel,
  scoreProducts,
  toArtifact,
  trainHitModel,
  velocityScores,
  weightedScores,
} from '../../models/hits/model.ts';

/** Tiny synthetic rows: positives have rising searches, negatives do not. Deterministic. */
function tinyRows(n: number) {
  let s = 7;
  const rand = () => {
    s = (s * 48271) % 2147483647;
    return s / 2147483647;
  };
  return Array.from({ length: n }, (_, i) => {
    const label = i % 5 === 0 ? 1 : 0;
    const values = FEATURE_NAMES.map(() => rand());
    values[featureIndex.search_growth_7d] = label === 1 ? 1 + rand() : rand() - 0.5;
    return { values, label };
  });
}

describe('hits/model', () => {
  it('learns a planted signal, and scores identically after a save/load round trip', async () => {
    const rows = tinyRows(400);
    const epochs: number[] = [];
    const model = await trainHitModel(rows, {
      epochs: 15,
      batchSize: 64,
      learningRate: 0.02,
      onEpoch: (e) => epochs.push(e),
    });
    expect(epochs).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));

    const vectors = rows.map((r) => r.values);
    const scores = scoreProducts(model, vectors);
    const pos = scores.filter((_, i) => rows[i]!.label === 1);
    const neg = scores.filter((_, i) => rows[i]!.label === 0);
    const meanOf = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(meanOf(pos)).toBeGreaterThan(meanOf(neg) + 0.3);

    const artifact = await toArtifact(model, {
      version: 'test-1',
      createdAt: '2026-11-23T00:00:00Z',
      training: { rows: rows.length },
      metrics: { auc: 1 },
    });
    // Through JSON text, as it is stored.
    const reloaded = await loadHitModel(JSON.parse(JSON.stringify(artifact)) as HitArtifact);
    expect(scoreProducts(reloaded, vectors)).toEqual(scores);
    expect(artifact.manifest).toMatchObject({ version: 'test-1', featureNames: [...FEATURE_NAMES] });

    const dir = await mkdtemp(join(tmpdir(), 'hits-'));
    try {
      const at = await writeArtifact(dir, artifact);
      expect((await stat(join(at, 'model.json'))).size).toBeLessThan(16_000);
      const fromDisk = await loadHitModel(await readArtifact(dir));
      expect(scoreProducts(fromDisk, vectors)).toEqual(scores);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('is reproducible: same rows and seed, same scores', async () => {
    const rows = tinyRows(200);
    const a = await trainHitModel(rows, { epochs: 3, batchSize: 50, seed: 3 });
    const b = await trainHitModel(rows, { epochs: 3, batchSize: 50, seed: 3 });
    const vectors = rows.slice(0, 20).map((r) => r.values);
    expect(scoreProducts(a, vectors)).toEqual(scoreProducts(b, vectors));
  });

  it('refuses an artifact trained on other features', async () => {
    const model = await trainHitModel(tinyRows(50), { epochs: 1 });
    const artifact = await toArtifact(model, { version: 'v', createdAt: 'x', training: {}, metrics: {} });
    artifact.manifest.featureNames = ['something_else'];
    await expect(loadHitModel(artifact)).rejects.toThrow(/other features/);
  });

  describe('baselines', () => {
    it('velocity ranks by 7-day sales, the last 24 h breaking ties', () => {
      const row = (v: number, d: number) => {
        const values = FEATURE_NAMES.map(() => 0);
        values[featureIndex.sales_velocity_7d] = v;
        values[featureIndex.sales_24h] = d;
        return values;
      };
      const [a, b, c] = velocityScores([row(1, 0), row(1, 1), row(2, 0)]);
      expect(c!).toBeGreaterThan(b!);
      expect(b!).toBeGreaterThan(a!);
    });

    it('the hand-weighted score rises with search growth', () => {
      const std = { mean: FEATURE_NAMES.map(() => 0), std: FEATURE_NAMES.map(() => 1) };
      const flat = FEATURE_NAMES.map(() => 0);
      const rising = [...flat];
      rising[featureIndex.search_growth_7d] = 2;
      const [f, r] = weightedScores([flat, rising], std);
      expect(r!).toBeGreaterThan(f!);
    });
  });
});

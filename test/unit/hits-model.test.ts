import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readArtifact, writeArtifact } from '../../bench/lib/hit-artifacts.ts';
import { calibration } from '../../models/hits/evaluate.ts';
import { FEATURE_NAMES, featureIndex } from '../../models/hits/features.ts';
import {
  defaultPositiveWeight,
  type HitArtifact,
  type HitManifest,
  hitProbabilities,
  loadHitModel,
  logits,
  negativeShareOf,
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

  it('averages networks from seeds seed, seed + 1000, ...: stored, read back and scored as trained', async () => {
    const rows = tinyRows(300);
    const options = { epochs: 3, batchSize: 64, learningRate: 0.02 };
    const ensemble = await trainHitModel(rows, { ...options, seed: 4, networks: 3 });
    expect(ensemble.nets).toHaveLength(3);
    const vectors = rows.slice(0, 40).map((r) => r.values);
    const alone = await Promise.all(
      [4, 1004, 2004].map(async (seed) =>
        scoreProducts(await trainHitModel(rows, { ...options, seed }), vectors),
      ),
    );
    const scores = scoreProducts(ensemble, vectors);
    scores.forEach((p, i) => {
      expect(p).toBeCloseTo((alone[0]![i]! + alone[1]![i]! + alone[2]![i]!) / 3, 12);
    });
    // The float64 log-odds of the average: the same probabilities, so the same order.
    logits(ensemble, vectors).forEach((z, i) => {
      expect(1 / (1 + Math.exp(-z))).toBeCloseTo(scores[i]!, 6);
    });

    const artifact = await toArtifact(ensemble, {
      version: 'e-1',
      createdAt: 'x',
      training: {},
      metrics: {},
    });
    expect(artifact.members).toHaveLength(2);
    expect(artifact.manifest.architecture.networks).toBe(3);
    const reloaded = await loadHitModel(JSON.parse(JSON.stringify(artifact)) as HitArtifact);
    expect(scoreProducts(reloaded, vectors)).toEqual(scores);
    expect(logits(reloaded, vectors)).toEqual(logits(ensemble, vectors));
    const dir = await mkdtemp(join(tmpdir(), 'hits-'));
    try {
      const at = await writeArtifact(dir, artifact);
      expect((await stat(join(at, 'members.json'))).size).toBeGreaterThan(0);
      expect(scoreProducts(await loadHitModel(await readArtifact(dir)), vectors)).toEqual(scores);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }

    // A copy that lost its members is refused; an artifact of one network (every one before
    // ensembles) has no members and loads as one.
    const { members: _m, ...first } = artifact;
    await expect(loadHitModel(first)).rejects.toThrow('holds 1 network(s), its manifest says 3');
    const one = await loadHitModel({
      ...first,
      manifest: { ...first.manifest, architecture: { ...first.manifest.architecture, networks: undefined } },
    });
    expect(one.nets).toHaveLength(1);
    expect(scoreProducts(one, vectors)).toEqual(alone[0]);
  });

  it('refuses an artifact trained on other features', async () => {
    const model = await trainHitModel(tinyRows(50), { epochs: 1 });
    const artifact = await toArtifact(model, { version: 'v', createdAt: 'x', training: {}, metrics: {} });
    artifact.manifest.featureNames = ['something_else'];
    await expect(loadHitModel(artifact)).rejects.toThrow(/other features/);
  });

  describe('probabilities', () => {
    /**
     * A population where one feature sets the chance of a breakout (about 4% in all), and the
     * training rows as the retraining makes them: every positive, a quarter of the negatives.
     */
    function population(n: number) {
      let s = 11;
      const rand = () => {
        s = (s * 48271) % 2147483647;
        return s / 2147483647;
      };
      const rows = Array.from({ length: n }, () => {
        const values = FEATURE_NAMES.map(() => 0);
        const x = rand() * 4 - 2;
        values[featureIndex.search_growth_7d] = x;
        const label = rand() < 1 / (1 + Math.exp(-(1.5 * x - 3.8))) ? 1 : 0;
        return { values, label };
      });
      const train = rows.filter((r) => r.label > 0 || rand() < 0.25);
      return { rows, train };
    }

    it('take the class weight and the negatives kept back out of the odds: as many breakouts predicted as happen', async () => {
      const { rows, train } = population(8_000);
      const positives = train.filter((r) => r.label > 0).length;
      const model = await trainHitModel(train, { epochs: 12, batchSize: 128, learningRate: 0.01, seed: 5 });
      const vectors = rows.map((r) => r.values);
      const labels = rows.map((r) => r.label);
      const weight = defaultPositiveWeight(train.length, positives);
      const weightOnly = hitProbabilities(model, vectors, weight);
      const served = hitProbabilities(model, vectors, weight, 0.25);
      const inLarge = calibration(served, labels);
      const before = calibration(weightOnly, labels);
      // Without the share the model sees four times the negatives' odds of a breakout.
      expect(before.ratio).toBeGreaterThan(2);
      expect(inLarge.ratio).toBeGreaterThan(0.75);
      expect(inLarge.ratio).toBeLessThan(1.33);
      expect(inLarge.ece).toBeLessThan(before.ece);
      expect(inLarge.brier).toBeLessThan(before.brier);
      // One shift of every logit: the order is the same.
      const logit = (p: number) => Math.log(p / (1 - p));
      served.forEach((p, i) => {
        expect(logit(p) - logit(weightOnly[i]!)).toBeCloseTo(Math.log(0.25), 6);
      });
    }, 60_000);

    it("read the share from the manifest's training record: a quarter for a training from before the field, else 1", () => {
      const manifest = (training: HitManifest['training']) => ({ training }) as HitManifest;
      expect(negativeShareOf(manifest({ rows: 10, negativeShare: 0.1 }))).toBe(0.1);
      // train:hits and the retraining kept a quarter of the negatives before they recorded it.
      expect(negativeShareOf(manifest({ rows: 10 }))).toBe(0.25);
      expect(negativeShareOf(manifest({}))).toBe(1);
      for (const bad of [0, -0.5, 1.5, 'a quarter'])
        expect(negativeShareOf(manifest({ negativeShare: bad }))).toBe(1);
    });

    it('refuse a share outside (0, 1]', async () => {
      const model = await trainHitModel(tinyRows(50), { epochs: 1 });
      const v = [tinyRows(1)[0]!.values];
      for (const bad of [0, -1, 2, Number.NaN])
        expect(() => hitProbabilities(model, v, 1, bad)).toThrow(/negativeShare/);
    });

    it('the bundled model says what share of the negatives it was trained on', async () => {
      const { defaultHitArtifact } = await import('../../models/hits/default-model.ts');
      expect(negativeShareOf(defaultHitArtifact.manifest)).toBe(0.25);
    });
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

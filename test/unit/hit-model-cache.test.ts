import { describe, expect, it } from 'vitest';
import { HIT_MODEL_TTL_MS, hitModelCache } from '../../functions/adapters/hit-model-cache.ts';
import { defaultHitArtifact } from '../../models/hits/default-model.ts';
import { FEATURE_NAMES } from '../../models/hits/features.ts';
import {
  type HitArtifact,
  hitProbabilities,
  loadHitModel,
  logits,
  positiveWeightOf,
} from '../../models/hits/model.ts';

/** The bundled artifact under another version name: what a retrain would have stored. */
const versioned = (version: string): HitArtifact => ({
  ...defaultHitArtifact,
  manifest: { ...defaultHitArtifact.manifest, version },
});

/** A cache over a hand-made hitmodels table and clock; counts the look-ups. */
function cacheOver(stored: { artifact: HitArtifact }) {
  const state = { now: 1_000_000, lookUps: 0 };
  const cache = hitModelCache('hitmodels', {
    clock: () => state.now,
    latest: async () => {
      state.lookUps++;
      return stored.artifact;
    },
  });
  return { cache, state };
}

describe('functions/adapters/hit-model-cache', () => {
  describe('hitModelCache', () => {
    it("scores as served: every network of the bundled model, the training's weight and share taken out", async () => {
      const { cache } = cacheOver({ artifact: versioned('v1') });
      const scorer = await cache.current();
      const vectors = Array.from({ length: 50 }, (_, i) =>
        FEATURE_NAMES.map((_, j) => ((i * 7 + j * 3) % 11) / 5),
      );
      const model = await loadHitModel(defaultHitArtifact);
      expect(model.nets).toHaveLength(3);
      const weight = positiveWeightOf(defaultHitArtifact.manifest);
      expect(scorer.score(vectors)).toEqual(hitProbabilities(model, vectors, weight, 0.25));
      // Not the first network alone, and below the scores with the weight alone taken out.
      const first = await loadHitModel({
        model: defaultHitArtifact.model,
        manifest: {
          ...defaultHitArtifact.manifest,
          architecture: { ...defaultHitArtifact.manifest.architecture, networks: 1 },
        },
      });
      expect(logits(first, vectors)).not.toEqual(logits(model, vectors));
      const weightOnly = hitProbabilities(model, vectors, weight);
      scorer.score(vectors).forEach((p, i) => {
        expect(p).toBeLessThan(weightOnly[i]!);
      });
    });

    it('looks the model up once, then serves it until the TTL has passed', async () => {
      const { cache, state } = cacheOver({ artifact: versioned('v1') });
      const first = await cache.current();
      expect(first.version).toBe('v1');
      state.now += HIT_MODEL_TTL_MS - 1;
      expect(await cache.current()).toBe(first);
      expect(state.lookUps).toBe(1);
      state.now += 1;
      expect(await cache.current()).toBe(first);
      expect(state.lookUps).toBe(2);
    });

    it('keeps the loaded scorer when the look-up finds the same version, and restarts its TTL', async () => {
      const { cache, state } = cacheOver({ artifact: versioned('v1') });
      const first = await cache.current();
      state.now += HIT_MODEL_TTL_MS;
      expect(await cache.current()).toBe(first);
      state.now += HIT_MODEL_TTL_MS - 1;
      await cache.current();
      expect(state.lookUps).toBe(2);
    });

    it('loads a new version at once when told (reload), within the TTL', async () => {
      const stored = { artifact: versioned('v1') };
      const { cache, state } = cacheOver(stored);
      const first = await cache.current();
      stored.artifact = versioned('v2');
      expect(await cache.current()).toBe(first);
      const next = await cache.reload();
      expect(next.version).toBe('v2');
      expect(next).not.toBe(first);
      expect(await cache.current()).toBe(next);
      expect(state.lookUps).toBe(2);
      expect(next.score([defaultHitArtifact.manifest.featureNames.map(() => 0)])).toHaveLength(1);
    });
  });
});

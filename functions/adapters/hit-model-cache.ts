import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { defaultHitArtifact } from '../../models/hits/default-model.ts';
import {
  type HitArtifact,
  hitProbabilities,
  loadHitModel,
  negativeShareOf,
  positiveWeightOf,
} from '../../models/hits/model.ts';
import type { HitScorer } from '../../models/hits/rerank.ts';
import { nowMs } from '../lib/clock.ts';
import { logger } from '../lib/logger.ts';
import { latestHitModel } from './hits-store.ts';

/** How long a container keeps its model before looking for a newer one in hitmodels. */
export const HIT_MODEL_TTL_MS = 5 * 60_000;

/** The newest model stored in hitmodels, else the one bundled with the code. */
export async function currentHitArtifact(
  table: string,
  client?: DynamoDBDocumentClient,
): Promise<HitArtifact> {
  return (await latestHitModel(table, client)) ?? defaultHitArtifact;
}

export interface HitModelCache {
  /** The model this container scores with: loaded on first use, looked up again after the TTL. */
  current(): Promise<HitScorer>;
  /** Looks the newest model up now (a HitModelTrained event says there is news). */
  reload(): Promise<HitScorer>;
}

/**
 * The newest stored model, else the bundled one, kept per container. A look-up that finds the
 * version already loaded keeps it (and restarts its TTL); only a new version is loaded again.
 */
export function hitModelCache(
  table: string,
  {
    client,
    ttlMs = HIT_MODEL_TTL_MS,
    clock = nowMs,
    latest = () => currentHitArtifact(table, client),
  }: {
    client?: DynamoDBDocumentClient;
    ttlMs?: number;
    clock?: () => number;
    /** Where the newest artifact comes from (tests hand in their own). */
    latest?: () => Promise<HitArtifact>;
  } = {},
): HitModelCache {
  let cached: { scorer: HitScorer; loadedAt: number } | undefined;
  const lookUp = async (): Promise<HitScorer> => {
    const artifact = await latest();
    const previous = cached;
    if (previous?.scorer.version === artifact.manifest.version) {
      previous.loadedAt = clock();
      return previous.scorer;
    }
    const model = await loadHitModel(artifact);
    const weight = positiveWeightOf(artifact.manifest);
    const share = negativeShareOf(artifact.manifest);
    const next: HitScorer = {
      version: artifact.manifest.version,
      score: (vectors) => hitProbabilities(model, vectors, weight, share),
    };
    cached = { scorer: next, loadedAt: clock() };
    logger.info('hit model loaded', { modelVersion: next.version });
    return next;
  };
  return {
    current: async () => (cached && clock() - cached.loadedAt < ttlMs ? cached.scorer : lookUp()),
    reload: lookUp,
  };
}

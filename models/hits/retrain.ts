import { buildRows, dailySnapshots, type History, keepNegative, timeSplit } from './dataset.ts';
import { rankingMetrics, type ScoredRow } from './evaluate.ts';
import { DEFAULT_LABEL } from './label.ts';
import {
  type HitArtifact,
  hitModelVersion,
  loadHitModel,
  scoreProducts,
  toArtifact,
  trainHitModel,
} from './model.ts';
import { DAY_MS } from './signals.ts';

/**
 * The scheduled retraining: rows from the shop's own recent history, split in time, a new model
 * trained on the earlier part and compared with the current one on the later part. It is promoted
 * only if it ranks the held-out breakouts at least about as well (precision@20 within a point), so
 * a week of odd data cannot replace a good model with a worse one.
 */

export interface RetrainOptions {
  epochs?: number;
  /** Daily snapshots held out to compare the new model with the current one. */
  validationDays?: number;
  /** Share of negative rows kept for training. */
  negativeShare?: number;
  /** How much worse than the current model's precision@20 the new one may be and still replace it. */
  tolerance?: number;
  seed?: number;
}

export type RetrainResult =
  | { status: 'skipped'; reason: string; rows: number }
  | {
      status: 'promoted' | 'kept-current';
      artifact: HitArtifact;
      metrics: {
        precision20: number;
        auc: number;
        currentPrecision20: number | null;
        currentAuc: number | null;
      };
      rows: { train: number; positives: number; validation: number; validationPositives: number };
    };

const metricsOf = (rows: readonly { productId: string; t: number; label: number }[], scores: number[]) => {
  const scored: ScoredRow[] = rows.map((r, i) => ({
    productId: r.productId,
    t: r.t,
    label: r.label,
    score: scores[i]!,
  }));
  return rankingMetrics(scored, new Map());
};

export async function retrainHits(
  history: History,
  { startMs, endMs, now }: { startMs: number; endMs: number; now: Date },
  current: HitArtifact | undefined,
  { epochs = 30, validationDays = 7, negativeShare = 0.25, tolerance = 0.01, seed = 42 }: RetrainOptions = {},
): Promise<RetrainResult> {
  const snapshots = dailySnapshots(startMs, endMs);
  if (snapshots.length < validationDays + DEFAULT_LABEL.horizonDays + 2) {
    return { status: 'skipped', reason: `only ${snapshots.length} daily snapshots in the history`, rows: 0 };
  }
  const validationFrom = snapshots[snapshots.length - validationDays]!;
  const horizonMs = DEFAULT_LABEL.horizonDays * DAY_MS;
  // Every validation row (the comparison ranks all candidates), and of the training snapshots every
  // breakout and a share of the rest: the rows dropped are never made (at 100k products, 2.2M rows
  // made and then filtered took 1.2 GB; npm run bench:retrain).
  // Snapshots whose label window reaches into the validation days are in neither set: not built.
  const rows = buildRows(
    history,
    snapshots.filter((t) => t >= validationFrom || t + horizonMs <= validationFrom),
    DEFAULT_LABEL,
    (productId, t, label) =>
      t >= validationFrom ||
      (t + horizonMs <= validationFrom && (label > 0 || keepNegative({ productId, t }, negativeShare))),
  );
  const split = timeSplit(rows, validationFrom);
  const train = split.train;
  const positives = train.filter((r) => r.label > 0).length;
  const validationPositives = split.validation.filter((r) => r.label > 0).length;
  if (positives < 5 || validationPositives === 0) {
    return {
      status: 'skipped',
      reason: `too few breakouts to learn from (${positives} in training, ${validationPositives} held out)`,
      rows: rows.length,
    };
  }
  const model = await trainHitModel(train, { epochs, seed });
  const vectors = split.validation.map((r) => r.values);
  const fresh = metricsOf(split.validation, scoreProducts(model, vectors));
  let old: ReturnType<typeof metricsOf> | undefined;
  if (current !== undefined) {
    try {
      old = metricsOf(split.validation, scoreProducts(await loadHitModel(current), vectors));
    } catch {
      // A current model on other features cannot be compared: the new one replaces it.
      old = undefined;
    }
  }
  const createdAt = now.toISOString();
  const version = hitModelVersion(createdAt);
  const artifact = await toArtifact(model, {
    version,
    createdAt,
    training: trainingRecord({ rows: train.length, positives, epochs, endMs, validationFrom, siblings: 0 }),
    metrics: {
      validation: { model: { auc: fresh.auc, precision20: fresh.precision20 } },
      ...(old ? { replaced: { auc: old.auc, precision20: old.precision20 } } : {}),
    },
  });
  const promoted = old === undefined || !(fresh.precision20 < old.precision20 - tolerance);
  return {
    status: promoted ? 'promoted' : 'kept-current',
    artifact,
    metrics: {
      precision20: fresh.precision20,
      auc: fresh.auc,
      currentPrecision20: old?.precision20 ?? null,
      currentAuc: old?.auc ?? null,
    },
    rows: {
      train: train.length,
      positives,
      validation: split.validation.length,
      validationPositives,
    },
  };
}

/**
 * What a manifest says about its training, the same for `train:hits` and the scheduled retrain:
 * `positiveWeightOf` reads rows and positives back to undo the class weighting when scoring.
 */
export function trainingRecord(t: {
  rows: number;
  positives: number;
  epochs: number;
  endMs: number;
  validationFrom: number;
  siblings: number;
}): Record<string, number | string> {
  return {
    rows: t.rows,
    positives: t.positives,
    epochs: t.epochs,
    dataEndAt: new Date(t.endMs).toISOString(),
    validationFrom: new Date(t.validationFrom).toISOString(),
    siblings: t.siblings,
    label: JSON.stringify(DEFAULT_LABEL),
  };
}

export const RETRAIN_HISTORY_DAYS = 56;
export const retrainWindow = (nowMs: number, days = RETRAIN_HISTORY_DAYS) => {
  const endMs = Math.floor(nowMs / DAY_MS) * DAY_MS;
  return { startMs: endMs - days * DAY_MS, endMs };
};

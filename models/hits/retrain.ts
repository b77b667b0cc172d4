import { buildRows, dailySnapshots, type History, keepNegative, launched } from './dataset.ts';
import { type Calibration, calibration, rankingMetrics, type ScoredRow } from './evaluate.ts';
import { breakoutLabels, DEFAULT_LABEL } from './label.ts';
import {
  defaultPositiveWeight,
  type HitArtifact,
  type HitModel,
  hitModelVersion,
  hitProbabilities,
  loadHitModel,
  negativeShareOf,
  positiveWeightOf,
  SERVED_NETWORKS,
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
  /** Networks averaged (SERVED_NETWORKS). */
  networks?: number;
  /**
   * Called where a phase's garbage is done with (after each training snapshot's rows, before and
   * after the fit, before each validation day): train-hits collects there (functions/lib/gc.ts).
   */
  collect?: () => void;
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

const scoredInto = (
  out: ScoredRow[],
  rows: readonly { productId: string; t: number; label: number }[],
  scores: readonly number[],
) => {
  rows.forEach((r, i) => {
    out.push({ productId: r.productId, t: r.t, label: r.label, score: scores[i]! });
  });
};

export async function retrainHits(
  history: History,
  { startMs, endMs, now }: { startMs: number; endMs: number; now: Date },
  currentArtifact: HitArtifact | undefined,
  {
    epochs = 30,
    validationDays = 7,
    negativeShare = 0.25,
    tolerance = 0.01,
    seed = 42,
    networks = SERVED_NETWORKS,
    collect = () => {},
  }: RetrainOptions = {},
): Promise<RetrainResult> {
  const snapshots = dailySnapshots(startMs, endMs);
  if (snapshots.length < validationDays + DEFAULT_LABEL.horizonDays + 2) {
    return { status: 'skipped', reason: `only ${snapshots.length} daily snapshots in the history`, rows: 0 };
  }
  const validationFrom = snapshots[snapshots.length - validationDays]!;
  const horizonMs = DEFAULT_LABEL.horizonDays * DAY_MS;
  // Snapshots whose label window reaches into the validation days are in neither set: not built.
  const trainSnapshots = snapshots.filter((t) => t + horizonMs <= validationFrom);
  const validationSnapshots = snapshots.filter((t) => t >= validationFrom);
  // Of the training snapshots every breakout and a share of the rest: the rows dropped are never
  // made (at 100k products, 2.2M rows made and then filtered took 1.2 GB; npm run bench:retrain).
  const train = buildRows(history, trainSnapshots, {
    keep: (productId, t, label) => label > 0 || keepNegative({ productId, t }, negativeShare),
    collect,
  });
  const positives = train.filter((r) => r.label > 0).length;
  // The validation days' breakouts among their candidates, from the labels alone: their rows are
  // built one day at a time after the fit (below), from the same labels.
  const validationLabels = new Map(
    validationSnapshots.map((t) => [t, breakoutLabels(history.series, history.products, t, DEFAULT_LABEL)]),
  );
  const validationPositives = validationSnapshots.reduce((n, t) => {
    const { breakouts } = validationLabels.get(t)!;
    return n + history.products.filter((p) => breakouts.has(p.productId) && launched(p, t)).length;
  }, 0);
  if (positives < 5 || validationPositives === 0) {
    return {
      status: 'skipped',
      reason: `too few breakouts to learn from (${positives} in training, ${validationPositives} held out)`,
      rows: train.length,
    };
  }
  collect();
  const model = await trainHitModel(train, { epochs, seed, networks });
  collect();
  let current: HitModel | undefined;
  if (currentArtifact !== undefined) {
    try {
      current = await loadHitModel(currentArtifact);
    } catch {
      // A current model on other features cannot be compared: the new one replaces it.
      current = undefined;
    }
  }
  // Every candidate of every validation day is ranked (precision@20 needs the whole list), one day
  // at a time: a day's rows are scored by both models and dropped, only (product, day, label,
  // score) kept. Held all at once, the 7 days' rows were three quarters of the rows at 100k
  // products (npm run bench:retrain). Both rank by their probabilities as served (the class weight
  // and the negatives' share taken back out: the order the re-rank gives), and the new model's
  // also say how well they read as chances: the validation days hold every candidate.
  const freshScored: ScoredRow[] = [];
  const currentScored: ScoredRow[] = [];
  const served = (m: HitModel, w: number, share: number) => (vectors: readonly (readonly number[])[]) =>
    hitProbabilities(m, vectors, w, share);
  const freshScore = served(model, defaultPositiveWeight(train.length, positives), negativeShare);
  const currentScore =
    current && currentArtifact
      ? served(current, positiveWeightOf(currentArtifact.manifest), negativeShareOf(currentArtifact.manifest))
      : undefined;
  let validationRows = 0;
  for (const t of validationSnapshots) {
    // The day before's rows are garbage by now.
    collect();
    const day = buildRows(history, [t], { labelsAt: (at) => validationLabels.get(at) });
    const vectors = day.map((r) => r.values);
    validationRows += day.length;
    scoredInto(freshScored, day, freshScore(vectors));
    if (current !== undefined) {
      try {
        scoredInto(currentScored, day, currentScore!(vectors));
      } catch {
        // Features the current model was not trained on: the new one replaces it.
        current = undefined;
      }
    }
  }
  const fresh = rankingMetrics(freshScored, new Map());
  const old = current === undefined ? undefined : rankingMetrics(currentScored, new Map());
  const createdAt = now.toISOString();
  const version = hitModelVersion(createdAt);
  const artifact = await toArtifact(model, {
    version,
    createdAt,
    training: trainingRecord({
      rows: train.length,
      positives,
      negativeShare,
      epochs,
      endMs,
      validationFrom,
      siblings: 0,
    }),
    metrics: {
      validation: {
        model: {
          auc: fresh.auc,
          precision20: fresh.precision20,
          calibration: rounded(
            calibration(
              freshScored.map((r) => r.score),
              freshScored.map((r) => r.label),
            ),
          ),
        },
      },
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
      validation: validationRows,
      validationPositives,
    },
  };
}

/**
 * What a manifest says about its training, the same for `train:hits` and the scheduled retrain:
 * `positiveWeightOf` and `negativeShareOf` read rows, positives and the negatives' share back to undo
 * the class weighting and the sampling when scoring.
 */
export function trainingRecord(t: {
  rows: number;
  positives: number;
  /** The share of negative rows kept: `negativeShareOf` takes it back out of the odds. */
  negativeShare: number;
  epochs: number;
  endMs: number;
  validationFrom: number;
  siblings: number;
}): Record<string, number | string> {
  return {
    rows: t.rows,
    positives: t.positives,
    negativeShare: t.negativeShare,
    epochs: t.epochs,
    dataEndAt: new Date(t.endMs).toISOString(),
    validationFrom: new Date(t.validationFrom).toISOString(),
    siblings: t.siblings,
    label: JSON.stringify(DEFAULT_LABEL),
  };
}

/** A calibration's figures to 4 significant digits, an undefined one null (DynamoDB stores no NaN). */
const rounded = (c: Calibration): Record<keyof Calibration, number | null> =>
  Object.fromEntries(
    Object.entries(c).map(([k, v]) => [k, Number.isFinite(v) ? Number(v.toPrecision(4)) : null]),
  ) as Record<keyof Calibration, number | null>;

export const RETRAIN_HISTORY_DAYS = 56;
export const retrainWindow = (nowMs: number, days = RETRAIN_HISTORY_DAYS) => {
  const endMs = Math.floor(nowMs / DAY_MS) * DAY_MS;
  return { startMs: endMs - days * DAY_MS, endMs };
};

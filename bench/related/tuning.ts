import { buildEvidence, neighboursOfAll } from '../../models/related/batch.ts';
import { defaultRelatedConfig, type RelatedConfig } from '../../models/related/evidence.ts';
import { type Interactions, KIND_CODE } from './interactions.ts';
import { modelScorer, toEvents } from './model.ts';
import { evaluate, leaveLastOut, makeContext, recommend } from './protocol.ts';

/** Tuning the model's parameters on a validation split of the training data, never on the held-out items. */

/** Tuning trains on a sample of users holding about this many interactions at most. */
const MAX_TUNING_ROWS = 250_000;
/** Validation users used for tuning at most (a deterministic sample), to bound the time. */
const MAX_TUNING_USERS = 20_000;

/** Deterministic sample of at most n cases (every k-th). */
function sample<T>(list: readonly T[], n: number): T[] {
  if (list.length <= n) return [...list];
  const step = list.length / n;
  return Array.from({ length: n }, (_, i) => list[Math.floor(i * step)]!);
}

/**
 * Coordinate search on the validation split: first what changes the evidence (half-life, basket
 * damping), then what only changes the scoring (popularity beta, shrinkage, view weight).
 */
export function tune(
  data: Interactions,
  trainGroups: number[][],
  log: (s: string) => void,
): { config: RelatedConfig; trials: number } {
  // A sample of users (by a hash of their index) keeps tuning within the time budget on big files.
  const rows = trainGroups.reduce((n, g) => n + (g?.length ?? 0), 0);
  const share = Math.min(1, MAX_TUNING_ROWS / Math.max(1, rows));
  const sampled = trainGroups.map((g, u) =>
    (Math.imul(u + 1, 2654435761) >>> 0) / 2 ** 32 < share ? g : undefined,
  );
  const split = leaveLastOut(data, sampled);
  const ctx = makeContext(data, split);
  const cases = sample(split.test, MAX_TUNING_USERS);
  const hasViews = data.kind.some((k) => k !== KIND_CODE.order);
  const hasOrders = data.kind.some((k) => k === KIND_CODE.order);
  let best = { ...defaultRelatedConfig };
  let bestScore = Number.NEGATIVE_INFINITY;
  let trials = 0;
  const events = toEvents(data, split.train, best.sessionGapMinutes);
  let evidence = buildEvidence(events, best);
  const score = (config: RelatedConfig, ev = evidence) => {
    trials++;
    const lists = recommend(ctx, cases, modelScorer(ctx, neighboursOfAll(ev, ctx.now, config)));
    const m = evaluate(ctx, cases, lists);
    return m.ndcg10 + m.hr10 * 1e-3;
  };
  const consider = (config: RelatedConfig, ev = evidence) => {
    const s = score(config, ev);
    if (s > bestScore) {
      bestScore = s;
      best = config;
      return true;
    }
    return false;
  };
  consider(best);
  const rebuild = (patch: Partial<RelatedConfig>) => {
    const config = { ...best, ...patch };
    const ev = buildEvidence(events, config);
    if (consider(config, ev)) evidence = ev;
  };
  for (const halfLifeDays of [7, 90, 365]) rebuild({ halfLifeDays });
  if (hasOrders) for (const basketDamping of [0, 1]) rebuild({ basketDamping });
  for (const popularityBeta of [0, 0.1, 0.25, 0.75]) consider({ ...best, popularityBeta });
  for (const shrinkage of [0.25, 0.5, 8]) consider({ ...best, shrinkage });
  if (hasViews && hasOrders) for (const viewedWeight of [0.25, 1]) consider({ ...best, viewedWeight });
  log(
    `tuned on ${cases.length} validation users (${(share * 100).toFixed(0)}% of users sampled), ${trials} trials`,
  );
  return { config: best, trials };
}

import { buildEvidence, neighboursOfAll } from '../../models/related/batch.ts';
import { defaultRelatedConfig, type RelatedConfig } from '../../models/related/evidence.ts';
import { type Interactions, KIND_CODE } from './interactions.ts';
import { modelScorer, offlinePopular, toEvents } from './model.ts';
import {
  type Context,
  evaluate,
  leaveLastOut,
  makeContext,
  recommend,
  recommendUsers,
  type UserScorer,
} from './protocol.ts';

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

/** The validation split every method is tuned on: each training user's last training interaction held out. */
export interface Validation {
  ctx: Context;
  cases: { user: number; row: number }[];
  /** Share of the users sampled (by a hash of their index) to keep tuning within its time budget. */
  share: number;
}

export function validationSplit(
  data: Interactions,
  trainGroups: readonly (number[] | undefined)[],
): Validation {
  const rows = trainGroups.reduce((n, g) => n + (g?.length ?? 0), 0);
  const share = Math.min(1, MAX_TUNING_ROWS / Math.max(1, rows));
  const sampled = trainGroups.map((g, u) =>
    (Math.imul(u + 1, 2654435761) >>> 0) / 2 ** 32 < share ? g : undefined,
  );
  const split = leaveLastOut(data, sampled);
  const ctx = makeContext(data, split);
  return { ctx, cases: sample(split.test, MAX_TUNING_USERS), share };
}

/** What tuning maximises on the validation split: NDCG@10, HR@10 breaking ties. */
export function validationScore(v: Validation, lists: string[][]): number {
  const m = evaluate(v.ctx, v.cases, lists);
  return m.ndcg10 + m.hr10 * 1e-3;
}

/**
 * Grid search of a baseline's parameters on the validation split: `build` trains it on the
 * validation split's training rows, then each setting ranks the validation users.
 */
export function tuneBaseline<P>(
  v: Validation,
  build: (ctx: Context) => (params: P) => UserScorer,
  grid: readonly P[],
): { params: P; score: number; trials: number } {
  const scorerFor = build(v.ctx);
  let best: { params: P; score: number } = { params: grid[0] as P, score: Number.NEGATIVE_INFINITY };
  for (const params of grid) {
    const score = validationScore(v, recommendUsers(v.ctx, v.cases, scorerFor(params)));
    if (score > best.score) best = { params, score };
  }
  return { ...best, trials: grid.length };
}

/**
 * Coordinate search on the validation split: first what changes the evidence (half-life, basket
 * damping), then what only changes the scoring (popularity beta, shrinkage, view weight, the
 * popularity blend). The result is the shop's RelatedConfig: the rebuild serves it as chosen.
 */
export function tune(
  data: Interactions,
  v: Validation,
  log: (s: string) => void,
): { config: RelatedConfig; trials: number } {
  const { ctx, cases, share } = v;
  const split = ctx.split;
  const hasViews = data.kind.some((k) => k !== KIND_CODE.order);
  const hasOrders = data.kind.some((k) => k === KIND_CODE.order);
  let best = { ...defaultRelatedConfig };
  let bestScore = Number.NEGATIVE_INFINITY;
  let trials = 0;
  const events = toEvents(data, split.train, best.sessionGapMinutes);
  let evidence = buildEvidence(events, best);
  const score = (config: RelatedConfig, ev = evidence) => {
    trials++;
    const scorer = modelScorer(ctx, neighboursOfAll(ev, ctx.now, config), offlinePopular(ctx, ev, config));
    return validationScore(v, recommend(ctx, cases, scorer));
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
  // Last, how much the shop's popular products join every list (0 keeps the evidence alone).
  for (const popularityBlend of [0.05, 0.1, 0.2, 0.4]) consider({ ...best, popularityBlend });
  log(
    `tuned on ${cases.length} validation users (${(share * 100).toFixed(0)}% of users sampled), ${trials} trials`,
  );
  return { config: best, trials };
}

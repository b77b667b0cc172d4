import { neighboursOfAll } from '../../models/related/batch.ts';
import { defaultRelatedConfig, type RelatedConfig } from '../../models/related/evidence.ts';
import { cooccurrence } from './baselines.ts';
import type { Interactions } from './interactions.ts';
import { modelScorer, trainModel } from './model.ts';
import {
  evaluate,
  groupByUser,
  leaveLastOut,
  type MethodResult,
  makeContext,
  recommend,
  type Scorer,
} from './protocol.ts';
import { tune } from './tuning.ts';

/** One evaluation run: the model (tuned or not) against the baselines, and its report. */

export interface Report {
  name: string;
  interactions: number;
  skipped: number;
  users: number;
  items: number;
  config: RelatedConfig;
  tuned: boolean;
  model: MethodResult;
  /** The model with `defaultRelatedConfig`, when tuned and asked for. */
  modelDefaults: MethodResult | undefined;
  popularity: MethodResult;
  cooccurrence: MethodResult;
  timings: Record<string, number>;
}

export function runEvaluation(
  data: Interactions,
  opts: { tune: boolean; withDefaults: boolean; log: (s: string) => void },
): Report {
  const timings: Record<string, number> = {};
  let t = performance.now();
  const lap = (name: string) => {
    const now = performance.now();
    timings[name] = (now - t) / 1000;
    t = now;
  };
  const rows = data.user.map((_, i) => i);
  const split = leaveLastOut(data, groupByUser(data, rows));
  const ctx = makeContext(data, split);
  lap('split');
  const config = opts.tune ? tune(data, split.train, opts.log).config : defaultRelatedConfig;
  lap('tune');
  const evidence = trainModel(ctx, config);
  lap('train');
  const model = evaluate(
    ctx,
    split.test,
    recommend(ctx, split.test, modelScorer(ctx, neighboursOfAll(evidence, ctx.now, config))),
  );
  lap('model');
  let modelDefaults: MethodResult | undefined;
  if (opts.tune && opts.withDefaults) {
    const ev = trainModel(ctx, defaultRelatedConfig);
    const lists = recommend(
      ctx,
      split.test,
      modelScorer(ctx, neighboursOfAll(ev, ctx.now, defaultRelatedConfig)),
    );
    modelDefaults = evaluate(ctx, split.test, lists);
  }
  lap('modelDefaults');
  const popularity = evaluate(ctx, split.test, recommend(ctx, split.test, undefined));
  lap('popularity');
  const counts = cooccurrence(data, split.train, config.sessionGapMinutes, ctx.rank);
  const coScorer: Scorer = (item, add) => {
    for (const c of counts[item] ?? []) add(c.item, c.count);
  };
  const cooc = evaluate(ctx, split.test, recommend(ctx, split.test, coScorer));
  lap('cooccurrence');
  return {
    name: data.name,
    interactions: data.user.length,
    skipped: data.skipped,
    users: split.test.length,
    items: ctx.catalogSize,
    config,
    tuned: opts.tune,
    model,
    modelDefaults,
    popularity,
    cooccurrence: cooc,
    timings,
  };
}

const f4 = (x: number) => x.toFixed(4);

export function formatReport(r: Report, readSeconds: number): string {
  const rows: [string, MethodResult][] = [
    [r.tuned ? 'model (tuned on validation)' : 'model (defaults)', r.model],
    ...(r.modelDefaults ? ([['model (defaults)', r.modelDefaults]] as [string, MethodResult][]) : []),
    ['most popular', r.popularity],
    ['co-occurrence counts', r.cooccurrence],
  ];
  const beats = (m: MethodResult) =>
    [r.popularity, r.cooccurrence].every((b) => m.hr10 > b.hr10 && m.ndcg10 > b.ndcg10) ? 'yes' : 'NO';
  const changed = Object.entries(r.config)
    .filter(([k, v]) => defaultRelatedConfig[k as keyof RelatedConfig] !== v)
    .map(([k, v]) => `${k}=${v}`);
  const total = readSeconds + Object.values(r.timings).reduce((a, b) => a + b, 0);
  return [
    `related products, offline evaluation: ${r.name}`,
    `${r.interactions.toLocaleString('en')} interactions (${r.skipped} rows skipped), ${r.items.toLocaleString('en')} items in training, ${r.users.toLocaleString('en')} test users (last interaction held out, users with >= 3)`,
    `model parameters: ${changed.length === 0 ? 'defaults' : `defaults except ${changed.join(', ')}`}`,
    '',
    `| method | HR@10 | NDCG@10 | MRR@10 | coverage |`,
    `|---|---|---|---|---|`,
    ...rows.map(
      ([name, m]) => `| ${name} | ${f4(m.hr10)} | ${f4(m.ndcg10)} | ${f4(m.mrr10)} | ${f4(m.coverage)} |`,
    ),
    '',
    `model beats both baselines on HR@10 and NDCG@10: ${beats(r.model)}`,
    `time: read ${readSeconds.toFixed(1)} s, ${Object.entries(r.timings)
      .map(([k, v]) => `${k} ${v.toFixed(1)} s`)
      .join(', ')}; total ${total.toFixed(1)} s`,
  ].join('\n');
}

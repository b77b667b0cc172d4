import { neighboursOfAll } from '../../models/related/batch.ts';
import { defaultRelatedConfig, type RelatedConfig } from '../../models/related/evidence.ts';
import {
  biasCorrectedInterval,
  type Interval,
  percentileInterval,
  resampled,
  sampleMean,
} from '../lib/bootstrap.ts';
import {
  cooccurrence,
  type ItemKnnParams,
  itemKnn,
  type SarParams,
  type SknnParams,
  sar,
  vsknn,
} from './baselines.ts';
import type { Interactions } from './interactions.ts';
import { modelScorer, offlinePopular, trainModel } from './model.ts';
import {
  type Context,
  evaluate,
  groupByUser,
  leaveLastOut,
  type MethodResult,
  makeContext,
  recommend,
  recommendUsers,
  type Scorer,
} from './protocol.ts';
import { tune, tuneBaseline, validationSplit } from './tuning.ts';

/** One evaluation run: the model (tuned or not) against the baselines, with bootstrap intervals. */

export const METHODS = ['model', 'popularity', 'cooccurrence', 'itemknn', 'sar', 'sknn'] as const;
export type MethodName = (typeof METHODS)[number];
/** The strong baselines the model must beat (issue 22); popularity and co-occurrence came first. */
export const BASELINES = ['popularity', 'cooccurrence', 'itemknn', 'sar', 'sknn'] as const;

export const FIGURES = ['hr10', 'ndcg10', 'mrr10', 'coverage'] as const;
export type Figure = (typeof FIGURES)[number];

export interface Evaluated extends MethodResult {
  /** 95% bootstrap intervals over test users (1,000 resamples, the same for every method). */
  ci95: Record<Figure, Interval>;
  /** The parameters chosen on the validation split, in words. */
  params: string;
}

export interface Report {
  name: string;
  interactions: number;
  skipped: number;
  users: number;
  items: number;
  config: RelatedConfig;
  tuned: boolean;
  methods: Record<MethodName, Evaluated>;
  /** The model with `defaultRelatedConfig`, when tuned and asked for. */
  modelDefaults: Evaluated | undefined;
  /** Model minus baseline, paired over the same resamples: 95% intervals of the differences. */
  differences: Record<(typeof BASELINES)[number], { hr10: Interval; ndcg10: Interval }>;
  timings: Record<string, number>;
}

const ITEMKNN_GRID: ItemKnnParams[] = (['all', 'recent'] as const).flatMap((profile) =>
  [20, 50, 100, 200, Number.POSITIVE_INFINITY].map((k) => ({ k, profile })),
);
const SAR_GRID: SarParams[] = (['jaccard', 'lift'] as const).flatMap((similarity) =>
  [1, 7, 30, 90, 365].map((halfLifeDays) => ({ similarity, halfLifeDays, threshold: 1 })),
);
const SKNN_GRID: SknnParams[] = [50, 100, 200, 500].flatMap((k) =>
  [500, 1000, 2500].map((sample) => ({ k, sample })),
);

/** Per-user values of the three rank figures, from the held-out item's rank (0: not in the top 10). */
function perUser(ranks: Int32Array) {
  const hit = Float64Array.from(ranks, (r) => (r > 0 ? 1 : 0));
  const ndcg = Float64Array.from(ranks, (r) => (r > 0 ? 1 / Math.log2(r + 1) : 0));
  const rr = Float64Array.from(ranks, (r) => (r > 0 ? 1 / r : 0));
  return { hit, ndcg, rr };
}

/** Catalogue coverage of the users of one resample. */
function coverageOf(
  lists: readonly Int32Array[],
  sample: Int32Array,
  stamp: Int32Array,
  b: number,
  catalog: number,
) {
  let distinct = 0;
  for (let i = 0; i < sample.length; i++)
    for (const item of lists[sample[i]!]!) {
      if (stamp[item] !== b) {
        stamp[item] = b;
        distinct++;
      }
    }
  return catalog > 0 ? distinct / catalog : 0;
}

/** The bootstrap over test users: resample b draws the same users for every method. */
function withIntervals(ctx: Context, m: MethodResult, params: string): Evaluated {
  const { hit, ndcg, rr } = perUser(m.ranks);
  const stamp = new Int32Array(ctx.data.itemIds.length).fill(-1);
  let b = 0;
  const [h, n, r, c] = resampled(m.ranks.length, (sample) => [
    sampleMean(hit, sample),
    sampleMean(ndcg, sample),
    sampleMean(rr, sample),
    coverageOf(m.lists, sample, stamp, b++, ctx.catalogSize),
  ]);
  return {
    ...m,
    params,
    ci95: {
      hr10: percentileInterval(h!),
      ndcg10: percentileInterval(n!),
      mrr10: percentileInterval(r!),
      coverage: biasCorrectedInterval(c!, m.coverage),
    },
  };
}

function pairedDifference(model: MethodResult, other: MethodResult): { hr10: Interval; ndcg10: Interval } {
  const a = perUser(model.ranks);
  const b = perUser(other.ranks);
  const dh = a.hit.map((x, i) => x - b.hit[i]!);
  const dn = a.ndcg.map((x, i) => x - b.ndcg[i]!);
  const [h, n] = resampled(dh.length, (s) => [sampleMean(dh, s), sampleMean(dn, s)]);
  return { hr10: percentileInterval(h!), ndcg10: percentileInterval(n!) };
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
  const validation = validationSplit(data, split.train);
  lap('split');
  const config = opts.tune ? tune(data, validation, opts.log).config : defaultRelatedConfig;
  lap('tune');
  const evidence = trainModel(ctx, config);
  lap('train');
  const modelResult = evaluate(
    ctx,
    split.test,
    recommend(
      ctx,
      split.test,
      modelScorer(ctx, neighboursOfAll(evidence, ctx.now, config), offlinePopular(ctx, evidence, config)),
    ),
  );
  lap('model');
  let modelDefaults: MethodResult | undefined;
  if (opts.tune && opts.withDefaults) {
    const ev = trainModel(ctx, defaultRelatedConfig);
    const lists = recommend(
      ctx,
      split.test,
      modelScorer(
        ctx,
        neighboursOfAll(ev, ctx.now, defaultRelatedConfig),
        offlinePopular(ctx, ev, defaultRelatedConfig),
      ),
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

  // The strong baselines: each tuned on the validation split, then trained on all training rows.
  const knnTuned = tuneBaseline(validation, (c) => itemKnn(data, c.split.train, c.rank), ITEMKNN_GRID);
  const knn = evaluate(
    ctx,
    split.test,
    recommendUsers(ctx, split.test, itemKnn(data, split.train, ctx.rank)(knnTuned.params)),
  );
  lap('itemknn');
  const sarTuned = tuneBaseline(validation, (c) => sar(data, c.split.train, c.now), SAR_GRID);
  const sarResult = evaluate(
    ctx,
    split.test,
    recommendUsers(ctx, split.test, sar(data, split.train, ctx.now)(sarTuned.params)),
  );
  lap('sar');
  const gap = defaultRelatedConfig.sessionGapMinutes;
  const sknnTuned = tuneBaseline(validation, (c) => vsknn(data, c.split.train, gap), SKNN_GRID);
  const sknn = evaluate(
    ctx,
    split.test,
    recommendUsers(ctx, split.test, vsknn(data, split.train, gap)(sknnTuned.params)),
  );
  lap('sknn');

  const changed = Object.entries(config)
    .filter(([k, v]) => defaultRelatedConfig[k as keyof RelatedConfig] !== v)
    .map(([k, v]) => `${k}=${v}`);
  const results: Record<MethodName, [MethodResult, string]> = {
    model: [modelResult, changed.length === 0 ? 'defaults' : changed.join(', ')],
    popularity: [popularity, ''],
    cooccurrence: [cooc, ''],
    itemknn: [knn, `k=${knnTuned.params.k}, ${knnTuned.params.profile} items`],
    sar: [
      sarResult,
      `${sarTuned.params.similarity}, T=${sarTuned.params.halfLifeDays} d, threshold ${sarTuned.params.threshold}`,
    ],
    sknn: [sknn, `k=${sknnTuned.params.k}, sample ${sknnTuned.params.sample}`],
  };
  const methods = Object.fromEntries(
    METHODS.map((name) => [name, withIntervals(ctx, ...results[name])]),
  ) as Record<MethodName, Evaluated>;
  const differences = Object.fromEntries(
    BASELINES.map((b) => [b, pairedDifference(modelResult, results[b][0])]),
  ) as Report['differences'];
  lap('bootstrap');
  return {
    name: data.name,
    interactions: data.user.length,
    skipped: data.skipped,
    users: split.test.length,
    items: ctx.catalogSize,
    config,
    tuned: opts.tune,
    methods,
    modelDefaults: modelDefaults ? withIntervals(ctx, modelDefaults, 'defaults') : undefined,
    differences,
    timings,
  };
}

const f4 = (x: number) => x.toFixed(4);
const ci = (e: Evaluated, f: Figure) => `${f4(e[f])} [${f4(e.ci95[f][0])}, ${f4(e.ci95[f][1])}]`;

export const LABELS: Record<MethodName, string> = {
  model: 'model',
  popularity: 'most popular',
  cooccurrence: 'co-occurrence counts',
  itemknn: 'item-kNN (cosine)',
  sar: 'SAR (time-decayed affinity)',
  sknn: 'V-SKNN (session neighbours)',
};

/** Whether the model's HR@10 and NDCG@10 are above every baseline's. */
export const beatsAll = (r: Report) =>
  BASELINES.every(
    (b) => r.methods.model.hr10 > r.methods[b].hr10 && r.methods.model.ndcg10 > r.methods[b].ndcg10,
  );

export function formatReport(r: Report, readSeconds: number): string {
  const rows: [string, Evaluated][] = [
    [r.tuned ? 'model (tuned on validation)' : 'model (defaults)', r.methods.model],
    ...(r.modelDefaults ? ([['model (defaults)', r.modelDefaults]] as [string, Evaluated][]) : []),
    ...BASELINES.map((b): [string, Evaluated] => [LABELS[b], r.methods[b]]),
  ];
  const total = readSeconds + Object.values(r.timings).reduce((a, b) => a + b, 0);
  const interval = (x: Interval) => `[${f4(x[0])}, ${f4(x[1])}]`;
  return [
    `related products, offline evaluation: ${r.name}`,
    `${r.interactions.toLocaleString('en')} interactions (${r.skipped} rows skipped), ${r.items.toLocaleString('en')} items in training, ${r.users.toLocaleString('en')} test users (last interaction held out, users with >= 3)`,
    `model parameters: ${r.methods.model.params === 'defaults' ? 'defaults' : `defaults except ${r.methods.model.params}`}`,
    '',
    'Figures with their 95% bootstrap intervals over test users (1,000 resamples).',
    '',
    `| method | parameters (validation) | HR@10 | NDCG@10 | MRR@10 | coverage |`,
    `|---|---|---|---|---|---|`,
    ...rows.map(
      ([name, m]) =>
        `| ${name} | ${m.params} | ${ci(m, 'hr10')} | ${ci(m, 'ndcg10')} | ${ci(m, 'mrr10')} | ${ci(m, 'coverage')} |`,
    ),
    '',
    'Model minus baseline, paired (95% intervals):',
    ...BASELINES.map(
      (b) =>
        `  ${LABELS[b]}: HR@10 ${interval(r.differences[b].hr10)}, NDCG@10 ${interval(r.differences[b].ndcg10)}`,
    ),
    '',
    `model beats every baseline on HR@10 and NDCG@10: ${beatsAll(r) ? 'yes' : 'NO'}`,
    `time: read ${readSeconds.toFixed(1)} s, ${Object.entries(r.timings)
      .map(([k, v]) => `${k} ${v.toFixed(1)} s`)
      .join(', ')}; total ${total.toFixed(1)} s`,
  ].join('\n');
}

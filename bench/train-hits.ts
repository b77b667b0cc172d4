/**
 * npm run train:hits [-- --end-at 2026-11-23] [--json] [--epochs 40] [--siblings 2] [--networks 3] [--train-seed 42] [--no-save]
 *
 * Builds hit-model rows from the demo storefront's history (seed 42), splits them in time, trains
 * the tfjs model (`--networks` networks from seeds 42, 1042, ..., averaged: SERVED_NETWORKS), compares it with the two baselines on the later snapshots, and saves a versioned
 * artifact under models/hits/artifacts/.
 *
 * The demo generator plants every breakout in days 44-50 of its 60-day window, so the early
 * snapshots of one history hold no planted breakout to learn from. Training therefore also reads
 * `--siblings` other demo storefronts (other seeds) whose whole history ends where validation
 * starts: nothing the model trains on happened at or after the first validation snapshot.
 */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { generateDemoData } from '../infra/local/demo/data/generate.ts';
import {
  buildRows,
  dailySnapshots,
  type HitRow,
  historyFromEvents,
  keepNegative,
  timeSplit,
} from '../models/hits/dataset.ts';
import { calibration, type RankingMetrics, rankingMetrics, type ScoredRow } from '../models/hits/evaluate.ts';
import { FEATURE_NAMES } from '../models/hits/features.ts';
import {
  defaultPositiveWeight,
  fitStandardization,
  hitModelVersion,
  hitProbabilities,
  initTf,
  SERVED_NETWORKS,
  scoreProducts,
  toArtifact,
  trainHitModel,
  velocityScores,
  weightedScores,
} from '../models/hits/model.ts';
import { trainingRecord } from '../models/hits/retrain.ts';
import { DAY_MS } from '../models/hits/signals.ts';
import { ARTIFACTS_DIR, writeArtifact } from './lib/hit-artifacts.ts';

const { values: args } = parseArgs({
  options: {
    'end-at': { type: 'string' },
    json: { type: 'boolean', default: false },
    epochs: { type: 'string', default: '40' },
    siblings: { type: 'string', default: '2' },
    networks: { type: 'string', default: String(SERVED_NETWORKS) },
    /** The training seed (the demo's data stays seed 42's). */
    'train-seed': { type: 'string', default: '42' },
    'validation-days': { type: 'string', default: '16' },
    'no-save': { type: 'boolean', default: false },
  },
});

const started = performance.now();
const log = (msg: string) => {
  if (!args.json) process.stderr.write(`${msg}\n`);
};
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

const todayMidnight = Math.floor(Date.now() / DAY_MS) * DAY_MS;
const endMs = args['end-at'] === undefined ? todayMidnight : Date.parse(args['end-at']);
if (!Number.isFinite(endMs)) throw new RangeError(`--end-at: not a date: ${args['end-at']}`);
const DAYS = 60;
const startMs = endMs - DAYS * DAY_MS;
const epochs = Number(args.epochs);
const siblings = Number(args.siblings);
const validationDays = Number(args['validation-days']);
const networks = Number(args.networks);
if (!Number.isInteger(networks) || networks < 1 || networks > 10)
  throw new RangeError(`--networks: a whole number from 1 to 10 (got "${args.networks}")`);
const trainSeed = Number(args['train-seed']);
if (!Number.isInteger(trainSeed) || trainSeed < 0)
  throw new RangeError(`--train-seed: a whole number from 0 (got "${args['train-seed']}")`);

// ------------------------------------------------------------------ rows
const t0 = performance.now();
const demo = generateDemoData({ seed: 42, endAt: new Date(endMs) });
const history = historyFromEvents(demo.products, demo.events);
const snapshots = dailySnapshots(startMs, endMs);
const validationFrom = snapshots[Math.max(0, snapshots.length - validationDays)]!;
const own = timeSplit(buildRows(history, snapshots), validationFrom);

const NEGATIVE_SHARE = 0.25;

const train: HitRow[] = own.train.filter((r) => r.label > 0 || keepNegative(r, NEGATIVE_SHARE));
for (let s = 1; s <= siblings; s++) {
  const sib = generateDemoData({ seed: 42 + 1000 * s, endAt: new Date(validationFrom) });
  const sibHistory = historyFromEvents(sib.products, sib.events);
  const sibRows = buildRows(sibHistory, dailySnapshots(validationFrom - DAYS * DAY_MS, validationFrom));
  for (const r of sibRows) if (r.label > 0 || keepNegative(r, NEGATIVE_SHARE)) train.push(r);
}
const validation = own.validation;
const rowsMs = performance.now() - t0;
const positives = train.filter((r) => r.label > 0).length;
log(
  `rows: ${train.length} training (${positives} breakouts; seed 42 snapshots before ${new Date(validationFrom).toISOString().slice(0, 10)} and ${siblings} earlier sibling storefront(s)), ` +
    `${validation.length} validation (${validation.filter((r) => r.label > 0).length} breakouts over ${validationDays} snapshots), built in ${secs(rowsMs)}`,
);

// ------------------------------------------------------------------ training
const backend = await initTf();
const t1 = performance.now();
const barWidth = 30;
const model = await trainHitModel(train, {
  epochs,
  seed: trainSeed,
  networks,
  onEpoch: (epoch, total, loss) => {
    if (args.json) return;
    const filled = Math.round((epoch / total) * barWidth);
    process.stderr.write(
      `\rtraining [${'#'.repeat(filled)}${'.'.repeat(barWidth - filled)}] ${epoch}/${total} loss ${loss.toFixed(4)} ${secs(performance.now() - t1)}`,
    );
  },
});
const trainMs = performance.now() - t1;
log(`\ntrained on ${backend} in ${secs(trainMs)}`);

// ------------------------------------------------------------------ evaluation
const vectors = validation.map((r) => r.values);
const standardization = fitStandardization(train);
const scorers: Record<string, number[]> = {
  model: scoreProducts(model, vectors),
  velocity: velocityScores(vectors),
  weighted: weightedScores(vectors, standardization),
};
// Lead time against the planted breakout day of each hit that breaks out in the validation period.
const breakouts = new Map(
  demo.truth.hits
    .map((h) => [h.productId, Date.parse(h.breakoutAt)] as const)
    .filter(([, at]) => at >= validationFrom && at < endMs),
);
const results: Record<string, RankingMetrics> = {};
for (const [name, scores] of Object.entries(scorers)) {
  const scored: ScoredRow[] = validation.map((r, i) => ({
    productId: r.productId,
    t: r.t,
    label: r.label,
    score: scores[i]!,
  }));
  results[name] = rankingMetrics(scored, breakouts, 20);
}
// How well the served scores read as chances on the validation days (every candidate): with the
// class weight alone taken back out (as before 2026-12-08) and with the negatives' share too.
const weight = defaultPositiveWeight(train.length, positives);
const outcomes = validation.map((r) => r.label);
const calibrations = {
  weightOnly: calibration(hitProbabilities(model, vectors, weight), outcomes),
  served: calibration(hitProbabilities(model, vectors, weight, NEGATIVE_SHARE), outcomes),
};
const totalMs = performance.now() - started;

const round = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;
const figures = Object.fromEntries(
  Object.entries(results).map(([k, m]) => [
    k,
    {
      auc: round(m.auc),
      precision10: round(m.precision10),
      precision20: round(m.precision20),
      leadDays: round(m.leadDays, 2),
      detected: m.detected,
    },
  ]),
);

// ------------------------------------------------------------------ artifact
const createdAt = new Date().toISOString();
const version = hitModelVersion(createdAt);
let artifactPath: string | undefined;
if (!args['no-save']) {
  const artifact = await toArtifact(model, {
    version,
    createdAt,
    training: trainingRecord({
      rows: train.length,
      positives,
      negativeShare: NEGATIVE_SHARE,
      epochs,
      endMs,
      validationFrom,
      siblings,
    }),
    metrics: { validation: figures, breakouts: breakouts.size, snapshots: results.model!.snapshots },
  });
  artifactPath = await writeArtifact(fileURLToPath(ARTIFACTS_DIR), artifact);
}

const summary = {
  endAt: new Date(endMs).toISOString(),
  validationFrom: new Date(validationFrom).toISOString(),
  trainRows: train.length,
  trainPositives: positives,
  validationRows: validation.length,
  validationPositives: validation.filter((r) => r.label > 0).length,
  validationSnapshots: results.model!.snapshots,
  plantedBreakouts: breakouts.size,
  ...figures,
  calibration: Object.fromEntries(
    Object.entries(calibrations).map(([k, c]) => [
      k,
      { ratio: round(c.ratio), brier: round(c.brier, 5), ece: round(c.ece, 5) },
    ]),
  ),
  timing: { rowsMs: Math.round(rowsMs), trainMs: Math.round(trainMs), totalMs: Math.round(totalMs) },
  artifact: artifactPath === undefined ? null : { version, path: artifactPath },
};

if (args.json) {
  process.stdout.write(`${JSON.stringify(summary)}\n`);
} else {
  const pad = (s: string, n: number) => s.padEnd(n);
  const lines = [
    '',
    `validation: ${summary.validationSnapshots} daily snapshots from ${summary.validationFrom.slice(0, 10)}, ` +
      `${summary.validationRows} candidate rows, ${summary.validationPositives} positive; ` +
      `lead time over ${breakouts.size} planted hits (top 20, days before the planted breakout)`,
    `${pad('scorer', 26)}${pad('AUC', 8)}${pad('P@10', 8)}${pad('P@20', 8)}${pad('lead days', 11)}detected`,
    ...Object.entries(figures).map(
      ([name, f]) =>
        `${pad(name === 'model' ? `model (tfjs ${networks} x 16-8-1)` : name === 'velocity' ? 'trending now (velocity)' : 'hand-weighted', 26)}` +
        `${pad(f.auc.toFixed(3), 8)}${pad(f.precision10.toFixed(3), 8)}${pad(f.precision20.toFixed(3), 8)}` +
        `${pad(f.leadDays.toFixed(2), 11)}${f.detected}/${breakouts.size}`,
    ),
    ...Object.entries(calibrations).map(
      ([k, c]) =>
        `${k === 'served' ? 'probabilities as served' : 'class weight undone only'}: predicted/observed breakouts ${c.ratio.toFixed(2)}, ` +
        `Brier ${c.brier.toFixed(4)}, ECE ${c.ece.toFixed(4)} (10 equal-count bins)`,
    ),
    `features: ${FEATURE_NAMES.length}; rows ${secs(rowsMs)}, training ${secs(trainMs)}, total ${secs(totalMs)}`,
    artifactPath === undefined ? 'artifact: not saved (--no-save)' : `artifact: ${artifactPath}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

/**
 * Offline evaluation of the hit model on a real event file (issue 6, "Done when").
 *
 *   npm run eval:hits -- --input <events.csv> [--json]
 *   npm run eval:hits -- --generate 400000 --output /tmp/hits-400k.csv
 *
 * Input: a CSV read by header name: `timestamp` (ISO 8601; Unix seconds/ms also read), `item_id`,
 * optionally `event_type` (order by default; view, cart, search, review), `quantity` (default 1),
 * `price`, `rating`, `user_id`, `query`; other columns are ignored. Rows with an unknown event type,
 * no item, an unreadable time or a quantity <= 0 are skipped (and counted).
 *
 * Protocol. Weekly cutoffs t (UTC midnights) over the last 40% of the file's time span. A product
 * *breaks out* at t when it is among the top 20 products by order lines in [t, t + 7 d) (ties at
 * the 20th place all count) but was not among the top 20 over [t - 28 d, t). At each cutoff the
 * candidates are the products seen before t that are not in that previous top 20; every scorer
 * ranks them from events before t only:
 *   - model: the tfjs networks of models/hits/model.ts (`--ensemble`, 3 as served: SERVED_NETWORKS,
 *     from seeds seed, seed + 1000, seed + 2000, probabilities averaged) on the issue's 22 features (absent signals
 *     give constant features) plus order-line features (models/hits/realdata.ts, EXTRA_FEATURES),
 *     trained on snapshots of the same file every `--every` days (all breakouts, 15% of the other
 *     candidates, at most `--max-train-rows`) whose label window [s, s + 7 d) ends at or before the
 *     cutoff it is trained at: never on anything at or after t. It is retrained every
 *     `--retrain-every` cutoffs (4: one tfjs fit takes ~15 s here, three ~45 s); in between, the cutoff uses the model of the latest earlier training cutoff. Its
 *     lists are the served ones: the networks' order with `--fresh-picks` (5) of the first 20
 *     places given each day to the best candidates not on the list the day before
 *     (models/hits/ranking.ts, withFreshPicks); `network` is the networks' own order.
 *   - velocity ("trending now"): order lines over the last 7 days, the last day breaking ties.
 *   - weighted: HAND_WEIGHTS of models/hits/model.ts on the 22 features, z-scored on the training rows.
 * Metrics, means over cutoffs: precision@20 (expected breakouts among the 20 best candidates / 20);
 * recall@20 (that / all breakouts at t, including products first seen at or after t, which nobody
 * can rank); AUC over the candidates; lead time: for each breakout at an evaluated cutoff, the days
 * between the first earlier list within the 28 days before where the scorer had it in its top 20
 * and its breakout cutoff, 0 if none (ties at the cut in expectation), averaged over all breakouts.
 * A list is made every `--list-every` days (1: the served ranking re-ranks hourly, so a merchandiser
 * sees a new list every day; 7, the weekly cutoffs' lists only, was the measure until 2026-12-07):
 * the days between two cutoffs are scored with the networks of the latest training and features as
 * of that day, and count toward lead time only. The earlier cutoffs include `--warmup` weeks (4) before the first evaluated one, walked
 * like the others but measured for nothing else, so a breakout in the first evaluated weeks has its
 * whole lookback too (with `--warmup 0`, as before 2026-12-07's eighth session, its lead could only
 * count evaluated cutoffs: none for the first week's breakouts). The warm-up weeks are also
 * `selected`'s history, so its figures move with them; the model's move with every earlier list,
 * since its fresh picks avoid the list before (with `--list-every N`, the list N days before, so
 * its picks rotate every N days); `network`'s, trending now's and the others' precision, recall
 * and AUC do not. Means for precision/recall over cutoffs with a breakout, AUC over cutoffs with
 * both classes.
 *
 * Every figure has a 95% bootstrap interval over cutoffs (bench/lib/bootstrap.ts; the same resamples
 * for every scorer, so the model's difference from velocity is paired); the lead-time distribution
 * is printed beside its mean (p50/p75/p90 and the share flagged at least 7, 14 and 21 days ahead;
 * `--json`: `ci95`, `leadDaysP50`, `leadDaysP75`, `leadDaysP90`, `leadShare`, `modelMinusVelocity`).
 *
 * Calibration (`--json`: `calibration`): how well the network's scores read as the chance that a
 * candidate breaks out at an evaluated cutoff, over every candidate row of those cutoffs: predicted
 * over observed breakouts, Brier score and ECE over 10 equal-count bins (models/hits/evaluate.ts),
 * for the probabilities as served (hitProbabilities: the class weight and the negatives' share
 * taken back out of the odds) and with the class weight alone undone, as served until 2026-12-08.
 *
 * `blend` (a scorer printed beside the others): the model's log-odds plus `--blend` x trending now,
 * z-scored on the training rows; on the tuning cutoffs it gained no lead time (docs/hits.md).
 * `fusion`: reciprocal rank fusion of the model and trending now (`--fusion` the latter's weight);
 * on the tuning cutoffs it gained no lead time either (docs/hits.md).
 *
 * `selected`: the blend with its weight chosen again at every cutoff from the weeks whose outcome is
 * known by then (weightSelection below); its history is every walked week before the evaluated
 * ones: the warm-up weeks, or back to `--history-from` where that reaches further. Ahead of trending now at seed 42, not at seeds 1 and 2: not adopted (docs/hits.md).
 *
 * `--ensemble k`: k networks per training, probabilities averaged; the default 3 since 2026-12-08
 * (ahead of one network on both tuning windows with fresh picks, docs/hits.md), at three times the
 * training time (about 4 minutes a run here; `--ensemble 1` about 80 s). With `--balanced`, network e trains on every positive
 * and the e-th k-th of the negatives (EasyEnsemble, Liu, Wu and Zhou 2009): about one network's
 * time, and a fifth of the seed spread; behind the default on the tuning weeks, so not the default.
 *
 * `--seeds a,b,c`: the walk once per training seed (child processes, 2 at a time), and each figure's
 * mean, standard deviation, min and max over the seeds (`--json`: `summary`, `runs`), and the
 * seeds' mean difference from trending now with a bootstrap interval over cutoffs that every seed
 * shares (`modelMinusVelocity`; bench/lib/seeds.ts, pairedOverSeeds). A network's figures move with
 * its seed as much as with most settings (docs/hits.md), so a comparison of settings is read over
 * seeds, the bootstrap intervals over cutoffs beside it.
 *
 * `--label`: what the model is trained to flag. `now` (the default): breakouts at the snapshot.
 * `early`: breakouts at the snapshot or at one of the next `--early-weeks` weekly cutoffs (each
 * later week counted once its window has closed by the training cutoff). `two`: a second network
 * on the later weeks alone, its score added at `--later-weight`. Both reward early detection; on
 * the tuning cutoffs (--from 0.4 --to 0.6) neither gained lead time over `now` (docs/hits.md).
 *
 * Hyper-parameters (--epochs, --hidden, --batch, --learning-rate) were chosen with
 * `--from 0.4 --to 0.6`: the same walk on the weekly cutoffs of the 20% of the span *before* the
 * evaluated 40%, so no choice looked at the evaluated weeks (20 epochs of 16-8 beat 40 epochs of
 * 32-16 there). --every, --neg-share, --retrain-every and --max-train-rows are time budget.
 */
import { execFile } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { auc, calibration, reciprocalRankFusion, topKShare } from '../models/hits/evaluate.ts';
import {
  defaultPositiveWeight,
  disposeHitModel,
  fitStandardization,
  initTf,
  logits,
  probabilitiesOf,
  SERVED_NETWORKS,
  scoreProducts,
  trainHitModel,
  velocityScores,
  weightedScores,
} from '../models/hits/model.ts';
import { FRESH_PICKS, withFreshPicks } from '../models/hits/ranking.ts';
import {
  cutoffsBefore,
  dailyIndex,
  EXTRA_NAMES,
  hitsAtK,
  hourlySeries,
  LOOKBACK_DAYS,
  laterBreakouts,
  leadDays,
  readEventLog,
  type Snapshot,
  snapshotAt,
  TOP_K,
  weeklyCutoffs,
} from '../models/hits/realdata.ts';
import { DAY_MS } from '../models/hits/signals.ts';
import { fnv1a } from '../models/random.ts';
import { type Interval, percentileInterval, quantile, resampled } from './lib/bootstrap.ts';
import {
  type CutoffFigures,
  PAIRED_FIGURES,
  pairedOverSeeds,
  parseSeeds,
  seedRunArgs,
  seedSummary,
} from './lib/seeds.ts';
import { fileWriter, mulberry32 } from './lib/synthetic.ts';

const { values: args } = parseArgs({
  options: {
    input: { type: 'string' },
    json: { type: 'boolean', default: false },
    generate: { type: 'string' },
    output: { type: 'string', default: '/tmp/hits-synthetic.csv' },
    every: { type: 'string', default: '2' },
    'neg-share': { type: 'string', default: '0.15' },
    epochs: { type: 'string', default: '20' },
    batch: { type: 'string', default: '2048' },
    'learning-rate': { type: 'string', default: '0.01' },
    hidden: { type: 'string', default: '16,8' },
    from: { type: 'string', default: '0.6' },
    to: { type: 'string', default: '1' },
    seed: { type: 'string', default: '42' },
    'retrain-every': { type: 'string', default: '4' },
    'max-train-rows': { type: 'string', default: '40000' },
    label: { type: 'string', default: 'now' },
    'early-weeks': { type: 'string', default: '3' },
    'later-weight': { type: 'string', default: '1' },
    /** The blend scorer's weight on trending now: logit(model) + blend x z(log(1 + order lines 7 d)). */
    blend: { type: 'string', default: '1' },
    /** The fusion scorer's weight on trending now's reciprocal rank (the model's is 1). */
    fusion: { type: 'string', default: '1' },
    /**
     * Also walk the weekly cutoffs back to this share of the span (or the warm-up's start, whichever
     * is earlier), as history for `selected` only.
     */
    'history-from': { type: 'string' },
    /** The blend weights `selected` chooses among at every cutoff. */
    'select-weights': { type: 'string', default: '0,1,2,3,4,6,8' },
    /** Networks averaged per training (seeds seed, seed + 1000, ...): the served model's 3 by default. */
    ensemble: { type: 'string', default: String(SERVED_NETWORKS) },
    /** Run the walk once per seed (2 at a time, each as with --seed s) and print the spread over seeds. */
    seeds: { type: 'string' },
    /** With --ensemble k: each network on every positive and its own k-th of the negatives (EasyEnsemble). */
    balanced: { type: 'boolean', default: false },
    /**
     * Weekly cutoffs before the first evaluated one whose lists count toward lead time (and nothing
     * else): 4 gives a breakout in the first evaluated weeks its whole 28-day lookback.
     */
    warmup: { type: 'string', default: String(LOOKBACK_DAYS / 7) },
    /**
     * Days between the lists lead time counts: 1, a list every day (the served ranking re-ranks
     * hourly); 7, the weekly cutoffs' lists only (the measure before 2026-12-07).
     */
    'list-every': { type: 'string', default: '1' },
    /**
     * The shelf's last places that go each day to the best candidates not on it the day before, as
     * the served lists do (models/hits/ranking.ts, FRESH_PICKS); 0 lists the network's order.
     */
    'fresh-picks': { type: 'string', default: String(FRESH_PICKS) },
  },
});

const started = performance.now();
const stderr = (msg: string) => process.stderr.write(`${msg}\n`);
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** A reproducible order-line file: Zipf-ish popularity, weekly rhythm, and products that take off. */
async function generate(rows: number, output: string, seed = 7): Promise<void> {
  const rand = mulberry32(seed);
  const days = 300;
  const items = Math.max(200, Math.round(rows / 70));
  const users = Math.max(50, Math.round(rows / 80));
  const base = Array.from({ length: items }, (_, i) => 1 / (i + 1) ** 0.9);
  const launch = Array.from({ length: items }, () => (rand() < 0.3 ? Math.floor(rand() * days) : 0));
  // A tenth of the products rise to 15x their base over two weeks at a random time, then fade.
  const rise = Array.from({ length: items }, () => (rand() < 0.1 ? Math.floor(rand() * days) : -1));
  const price = Array.from({ length: items }, () => Math.round((0.5 + rand() * 20) * 100) / 100);
  const weight = (i: number, d: number) => {
    if (d < launch[i]!) return 0;
    let w = base[i]!;
    const r = rise[i]!;
    if (r >= 0 && d >= r - 14) w *= d < r ? 1 + (14 * (d - r + 14)) / 14 : 1 + 14 * Math.exp(-(d - r) / 21);
    return w;
  };
  const { write, end } = fileWriter(output);
  await write('timestamp,user_id,item_id,quantity,price,event_type,note\n');
  const start = Date.parse('2024-01-01T00:00:00Z');
  let written = 0;
  for (let d = 0; d < days && written < rows; d++) {
    const weekday = new Date(start + d * DAY_MS).getUTCDay();
    const dayRows = Math.round((rows / days) * (weekday === 6 ? 0.2 : 1.15));
    const weights = Array.from({ length: items }, (_, i) => weight(i, d));
    const cum: number[] = [];
    let total = 0;
    for (const w of weights) {
      total += w;
      cum.push(total);
    }
    for (let r = 0; r < dayRows && written < rows; r++) {
      const x = rand() * total;
      let lo = 0;
      let hi = items - 1;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (cum[mid]! < x) lo = mid + 1;
        else hi = mid;
      }
      const at = new Date(start + d * DAY_MS + Math.floor(rand() * DAY_MS)).toISOString().slice(0, 19);
      const qty = rand() < 0.02 ? 100 + Math.floor(rand() * 2000) : 1 + Math.floor(rand() * 24);
      await write(`${at}Z,${Math.floor(rand() * users)},P${lo},${qty},${price[lo]},order,"x, ""y"""\n`);
      written++;
    }
  }
  await end();
}

/** A row's deterministic point in [0, 1) (FNV-1a of salt, item and instant), for sampling and bagging. */
function rowUnit(item: number, t: number, salt = ''): number {
  return fnv1a(`${salt}${item}@${t}`) / 4_294_967_296;
}

/** Deterministic keep/drop of a negative row. */
const keepShare = (item: number, t: number, share: number, salt = '') => rowUnit(item, t, salt) < share;

/** Precision@20 at one cutoff (expected hits among the top 20 / 20); NaN with no breakout there. */
const precisionAt = (share: Float64Array, snap: Snapshot) =>
  snap.breakouts > 0 ? hitsAtK(share, snap.labels) / Math.min(TOP_K, snap.items.length) : Number.NaN;

/** The items a list holds at one cutoff, with their top-20 share (ties at the cut pro rata), for leadDays. */
const listed = (share: Float64Array, snap: Snapshot) =>
  new Map(snap.items.map((item, k) => [item, share[k]!] as const).filter(([, x]) => x > 0));

/**
 * The `selected` scorer: at each cutoff, the blend weight whose lists did best over the cutoffs
 * whose outcome is known by then (their 7-day window closed): of the weights at least as precise
 * as trending now there, the one with the most lead days; if none is, the most precise. Each
 * weight's lists are kept at every cutoff, as if it had been served throughout. This is how a shop
 * would choose its weight from its own past weeks, never from the weeks it is judged on.
 */
function weightSelection(weights: readonly number[], walked: readonly number[]) {
  const shares = weights.map(() => new Map<number, Map<number, number>>());
  const precision = weights.map(() => [] as number[]);
  const velocityPrecision: number[] = [];
  const breakouts: number[][] = [];
  const chosen: number[] = [];
  const pick = (h: number, t: number): number => {
    const closed = walked.slice(0, h).flatMap((tc, j) => (tc + 7 * DAY_MS <= t ? [j] : []));
    if (closed.length === 0) return 0;
    const meanOf = (xs: readonly number[]) => mean(closed.map((j) => xs[j]!).filter((x) => !Number.isNaN(x)));
    const bar = meanOf(velocityPrecision);
    const figures = weights.map((_, w) => {
      const leads = closed.flatMap((j) =>
        breakouts[j]!.map((item) => leadDays(shares[w]!, item, walked[j]!)),
      );
      return { w, p: meanOf(precision[w]!), lead: leads.length === 0 ? 0 : mean(leads) };
    });
    const precise = figures.filter((f) => f.p >= bar);
    if (precise.length === 0) return figures.reduce((a, b) => (b.p > a.p ? b : a)).w;
    return precise.reduce((a, b) => (b.lead > a.lead ? b : a)).w;
  };
  return {
    chosen,
    /** The chosen weight's scores at cutoff h (time t), then every weight's list recorded. */
    choose(h: number, t: number, blendAt: (w: number) => number[], velocity: number[], snap: Snapshot) {
      const w = pick(h, t);
      chosen.push(weights[w]!);
      let out: number[] = [];
      weights.forEach((weight, j) => {
        const scores = blendAt(weight);
        if (j === w) out = scores;
        const share = topKShare(scores, TOP_K);
        shares[j]!.set(t, listed(share, snap));
        precision[j]!.push(precisionAt(share, snap));
      });
      velocityPrecision.push(precisionAt(topKShare(velocity, TOP_K), snap));
      breakouts.push(snap.items.filter((_, k) => snap.labels[k]! > 0));
      return out;
    },
    /** Every weight's list on a day between cutoffs, for lead time only. */
    listBetween(d: number, blendAt: (w: number) => number[], snap: Snapshot) {
      weights.forEach((weight, j) => {
        shares[j]!.set(d, listed(topKShare(blendAt(weight), TOP_K), snap));
      });
    },
  };
}

const FIGURES = ['precision20', 'recall20', 'auc', 'leadDays'] as const;
type Figure = (typeof FIGURES)[number];
interface Metrics extends Record<Figure, number> {
  /** 95% bootstrap intervals over cutoffs (the same resamples for every scorer). */
  ci95: Record<Figure, Interval>;
  /** The lead-time distribution over all breakouts (0: not flagged before its cutoff). */
  leadDaysP50: number;
  leadDaysP75: number;
  leadDaysP90: number;
  /** Share of breakouts flagged at least 1, 7, 14 and 21 days ahead. */
  leadShare: { d1: number; d7: number; d14: number; d21: number };
}

const mean = (xs: readonly number[]) =>
  xs.length === 0 ? Number.NaN : xs.reduce((a, b) => a + b, 0) / xs.length;

/** One seed's `--json` output: the figures per scorer, and the walk's size. */
type SeedRun = Record<string, Record<Figure, number>> & {
  cutoffs: number;
  breakouts: number;
  perCutoff: CutoffFigures;
};

/** One walk per seed, as child processes of this script (2 at a time: a tfjs fit takes one core). */
async function runSeeds(seeds: readonly number[]): Promise<void> {
  if (args.input === undefined || args.generate !== undefined)
    throw new Error('--seeds evaluates a file: give --input (and no --generate)');
  const script = process.argv[1]!;
  const runOne = (seed: number) =>
    new Promise<SeedRun>((resolve, reject) => {
      execFile(
        process.execPath,
        [...process.execArgv, script, ...seedRunArgs(process.argv.slice(2), seed)],
        { maxBuffer: 16 * 1024 * 1024 },
        (err, stdout, stderrText) => {
          // The child prints its error's stack; the message is the line naming the error.
          const message = stderrText.split('\n').find((l) => /^\w*Error\b/.test(l)) ?? err?.message;
          if (err) return reject(new Error(`seed ${seed} failed: ${message}`));
          try {
            resolve(JSON.parse(stdout) as SeedRun);
          } catch {
            reject(new Error(`seed ${seed} printed no JSON result`));
          }
        },
      );
    });
  const runs: SeedRun[] = new Array(seeds.length);
  let next = 0;
  let failed = false;
  const worker = async () => {
    // After one seed fails, the other worker finishes its run and starts no other.
    while (next < seeds.length && !failed) {
      const k = next++;
      const t0 = performance.now();
      try {
        runs[k] = await runOne(seeds[k]!);
      } catch (err) {
        failed = true;
        throw err;
      }
      stderr(`seed ${seeds[k]}: done in ${secs(performance.now() - t0)}`);
    }
  };
  await Promise.all([worker(), worker()]);
  const scorers = ['model', 'network', 'velocity', 'weighted', 'blend', 'fusion', 'selected'];
  const summary = seedSummary(runs, scorers, FIGURES);
  const ahead = runs.filter((r) => r.model!.leadDays > r.velocity!.leadDays).length;
  // The seeds' mean difference from trending now, with the weeks' noise around it.
  const paired = pairedOverSeeds(runs.map((r) => r.perCutoff));
  if (args.json) {
    process.stdout.write(
      `${JSON.stringify({ seeds, summary, modelAheadOnLeadDays: ahead, modelMinusVelocity: paired, runs })}\n`,
    );
    return;
  }
  const f = (x: number, d: number) => x.toFixed(d);
  const lines = [
    `${args.input}: ${runs[0]!.cutoffs} weekly cutoffs, ${runs[0]!.breakouts} breakouts; seeds ${seeds.join(', ')}; ` +
      'mean over seeds (sd) [min, max]',
    '',
    `| scorer | ${FIGURES.join(' | ')} |`,
    `|---|${FIGURES.map(() => '---|').join('')}`,
    ...scorers.map(
      (n) =>
        `| ${n} | ${FIGURES.map((fig) => {
          const d = fig === 'leadDays' ? 2 : 3;
          const m = summary[n]![fig];
          return `${f(m.mean, d)} (${f(m.sd, d)}) [${f(m.min, d)}, ${f(m.max, d)}]`;
        }).join(' | ')} |`,
    ),
    '',
    `model lead days per seed: ${summary.model!.leadDays.perSeed.join(', ')}; ahead of trending now's at ${ahead} of ${seeds.length} seeds`,
    `model minus trending now, mean over the seeds, 95% bootstrap over cutoffs (each resample shared by every seed): ${PAIRED_FIGURES.map(
      (fig) => {
        const d = fig === 'leadDays' ? 2 : 4;
        const p = paired[fig];
        return `${fig} ${f(p.mean, d)} [${f(p.ci95[0], d)}, ${f(p.ci95[1], d)}]`;
      },
    ).join(', ')}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

async function main(): Promise<void> {
  if (args.seeds !== undefined) {
    await runSeeds(parseSeeds(args.seeds));
    return;
  }
  if (args.generate !== undefined) {
    const t0 = performance.now();
    await generate(Number(args.generate), args.output);
    stderr(
      `wrote ${Number(args.generate).toLocaleString('en')} order lines to ${args.output} in ${secs(performance.now() - t0)}`,
    );
    return;
  }
  if (args.input === undefined) {
    stderr('usage: eval-hits --input <events.csv> [--json] | --generate N --output F');
    process.exitCode = 2;
    return;
  }
  // Every numeric option is checked up front: a typo fails naming the option, not as NaN figures.
  const numeric = [
    'every',
    'neg-share',
    'epochs',
    'batch',
    'learning-rate',
    'from',
    'to',
    'seed',
    'retrain-every',
    'max-train-rows',
    'early-weeks',
    'later-weight',
    'blend',
    'fusion',
    'history-from',
    'ensemble',
    'warmup',
    'list-every',
    'fresh-picks',
  ] as const;
  for (const name of numeric) {
    const value = args[name];
    if (value !== undefined && (value.trim() === '' || !Number.isFinite(Number(value))))
      throw new Error(`--${name} must be a number (got "${value}")`);
  }
  for (const name of ['hidden', 'select-weights'] as const) {
    if (!args[name].split(',').every((x) => x.trim() !== '' && Number.isFinite(Number(x)) && Number(x) >= 0))
      throw new Error(`--${name} must be numbers >= 0, comma-separated (got "${args[name]}")`);
  }
  const every = Number(args.every);
  const negShare = Number(args['neg-share']);
  const epochs = Number(args.epochs);
  const hidden = args.hidden.split(',').filter(Boolean).map(Number);
  const seed = Number(args.seed);
  if (!['now', 'early', 'two'].includes(args.label)) throw new Error('--label is now, early or two');
  const early = args.label !== 'now';
  const two = args.label === 'two';
  const laterWeight = Number(args['later-weight']);
  const blendWeight = Number(args.blend);
  const fusionWeight = Number(args.fusion);
  const earlyWeeks = early ? Number(args['early-weeks']) : 0;
  const listEvery = Number(args['list-every']);
  if (!Number.isInteger(listEvery) || listEvery < 1 || listEvery > 7)
    throw new Error(`--list-every is a whole number of days from 1 to 7 (got "${args['list-every']}")`);
  const ensemble = Number(args.ensemble);
  if (!Number.isInteger(ensemble) || ensemble < 1 || ensemble > 10)
    throw new Error(`--ensemble is a whole number of networks from 1 to 10 (got "${args.ensemble}")`);
  const freshPicks = Number(args['fresh-picks']);
  if (!Number.isInteger(freshPicks) || freshPicks < 0 || freshPicks > TOP_K)
    throw new Error(`--fresh-picks is a whole number from 0 to ${TOP_K} (got "${args['fresh-picks']}")`);

  // ---------------------------------------------------------------- read
  const t0 = performance.now();
  const log = await readEventLog(
    createInterface({ input: createReadStream(args.input), crlfDelay: Number.POSITIVE_INFINITY }),
  );
  const ix = dailyIndex(log);
  const series = hourlySeries(log);
  const readMs = performance.now() - t0;
  stderr(
    `read ${log.at.length.toLocaleString('en')} events (${[...log.kinds].join(', ')}; ${log.skipped} skipped), ` +
      `${ix.items} products, ${ix.days} days from ${new Date(ix.day0).toISOString().slice(0, 10)} in ${secs(readMs)}`,
  );

  // ---------------------------------------------------------------- snapshots
  const t1 = performance.now();
  const cutoffs = weeklyCutoffs(ix, Number(args.from), Number(args.to));
  if (cutoffs.length === 0) throw new Error('the file is too short for one weekly cutoff');
  const lastCutoff = cutoffs[cutoffs.length - 1]!;
  const firstSnapshot = ix.day0 + LOOKBACK_DAYS * DAY_MS;
  const training: (Snapshot & { later: Set<number>[] })[] = [];
  for (let s = firstSnapshot; s + 7 * DAY_MS <= lastCutoff; s += every * DAY_MS) {
    // The early label: breakouts at s and at the next weeks' cutoffs (laterBreakouts).
    const later = early ? laterBreakouts(ix, s, earlyWeeks) : [];
    training.push({
      ...snapshotAt(
        ix,
        series,
        log.itemIds,
        s,
        (i, label) => label > 0 || later.some((w) => w.has(i)) || keepShare(i, s, negShare),
      ),
      later,
    });
  }
  const evaluated = cutoffs.map((t) => snapshotAt(ix, series, log.itemIds, t));
  // The weekly cutoffs before the first evaluated one, on the same grid, walked without measuring
  // anything on them: back to --history-from they are `selected`'s history (the choice of weight),
  // and the last --warmup of them count toward lead time (a breakout's lookback reaches them).
  const warmup = Number(args.warmup);
  if (!Number.isInteger(warmup) || warmup < 0) throw new Error('--warmup is a whole number of weeks');
  const warmFrom = cutoffs[0]! - warmup * 7 * DAY_MS;
  const historyFrom =
    args['history-from'] === undefined ? warmFrom : ix.day0 + Number(args['history-from']) * ix.days * DAY_MS;
  // No earlier than the first cutoff with a closed training snapshot to train on.
  const history = cutoffsBefore(
    cutoffs[0]!,
    Number.POSITIVE_INFINITY,
    Math.max(firstSnapshot + 7 * DAY_MS, Math.min(historyFrom, warmFrom)),
  );
  const walked = [...history, ...cutoffs];
  const snapshots = [...history.map((t) => snapshotAt(ix, series, log.itemIds, t)), ...evaluated];
  const rowsMs = performance.now() - t1;
  const trainRowsTotal = training.reduce((n, s) => n + s.items.length, 0);
  stderr(
    `snapshots: ${training.length} training (every ${every} d, ${trainRowsTotal.toLocaleString('en')} rows, ` +
      `${(negShare * 100).toFixed(0)}% of negatives) and ${cutoffs.length} weekly cutoffs from ` +
      `${new Date(cutoffs[0]!).toISOString().slice(0, 10)}, built in ${secs(rowsMs)}`,
  );

  // ---------------------------------------------------------------- walk
  const backend = await initTf();
  const t2 = performance.now();
  const names = [
    'model',
    'network',
    'velocity',
    'weighted',
    'velocityUnits',
    'blend',
    'fusion',
    'selected',
  ] as const;
  type Name = (typeof names)[number];
  const per: Record<
    Name,
    { p: number[]; r: number[]; a: number[]; shares: Map<number, Map<number, number>> }
  > = Object.fromEntries(names.map((n) => [n, { p: [], r: [], a: [], shares: new Map() }])) as never;
  let trainMs = 0;
  const breakoutsAt: { item: number; t: number; c: number }[] = [];
  // Per cutoff (NaN where a figure is undefined there), for the bootstrap over cutoffs.
  const perCutoff = Object.fromEntries(
    names.map((n) => [n, { p: [] as number[], r: [] as number[], a: [] as number[] }]),
  ) as Record<Name, { p: number[]; r: number[]; a: number[] }>;
  const lines7 = EXTRA_NAMES.indexOf('lines_7d');
  const lines1 = EXTRA_NAMES.indexOf('lines_1d');
  // log(1 + order lines over 7 days) of a feature vector whose extra features start at `at`: the blend's term.
  const linesOf = (values: readonly number[], at: number) => Math.log1p(Math.max(0, values[at + lines7]!));
  const retrainEvery = Math.max(1, Number(args['retrain-every']));
  // The model of the latest training (its --ensemble networks; with --balanced, one model each).
  let bag: Awaited<ReturnType<typeof trainHitModel>>[] = [];
  // Each network's positive-row weight and share of the negatives kept, to read its scores back
  // as probabilities (hitProbabilities), and the evaluated cutoffs' probabilities and outcomes.
  let sampling: { weight: number; negativeShare: number }[] = [];
  const calibrated = { weightOnly: [] as number[], served: [] as number[], outcomes: [] as number[] };
  let laterModel: Awaited<ReturnType<typeof trainHitModel>> | undefined;
  const maxTrainRows = Number(args['max-train-rows']);
  let rows: { values: number[]; base: number[]; label: number; later: number; item: number; t: number }[] =
    [];
  let positives = 0;
  let trainedAt = Number.NEGATIVE_INFINITY;
  let trainings = 0;
  const selection = weightSelection(args['select-weights'].split(',').map(Number), walked);
  // Standardizations fitted on the latest training rows (for the hand weights and the blend).
  let zBase = fitStandardization([]);
  let zLines = fitStandardization([]);
  /** Every scorer's scores over one snapshot's candidates, with the latest training's networks. */
  const scoreAt = (snap: Snapshot) => {
    const vectors = snap.base.map((b, k) => [...b, ...snap.extra[k]!]);
    const model = two
      ? (() => {
          const a = scoreProducts(bag[0]!, vectors);
          const b = scoreProducts(laterModel!, vectors);
          return a.map((x, k) => x + laterWeight * b[k]!);
        })()
      : (() => {
          // In float64 from the log-odds, as the re-rank orders (hitProbabilities): float32
          // sigmoids tie at 1 where the networks are sure, and the re-rank's scores do not.
          const all = bag.map((m) => logits(m, vectors).map((z) => 1 / (1 + Math.exp(-z))));
          return all.length === 1
            ? all[0]!
            : all[0]!.map((_, k) => all.reduce((sum, x) => sum + x[k]!, 0) / all.length);
        })();
    const velocity = snap.extra.map((e) => e[lines7]! + 0.01 * e[lines1]!);
    // The model's log-odds plus trending now, standardized on the training rows: a product that
    // sells steadily just under the top stays listed in the weeks before it breaks out.
    const logit = (p: number) => Math.log(Math.max(p, 1e-7) / Math.max(1 - p, 1e-7));
    const lines = vectors.map((x) => linesOf(x, snap.base[0]?.length ?? 0));
    const blendAt = (weight: number) =>
      model.map((p, k) => logit(p) + weight * ((lines[k]! - zLines.mean[0]!) / (zLines.std[0]! || 1)));
    return {
      network: model,
      velocity,
      weighted: weightedScores(snap.base, zBase),
      velocityUnits: velocityScores(snap.base),
      fusion: reciprocalRankFusion([model, velocity], [1, fusionWeight]),
      blendAt,
    };
  };
  // The model as served: the network's order with the day's fresh picks, given the items on the
  // shelf the day before. Lists are made in time order (a cutoff, then the days after it).
  let shelf = new Set<number>();
  const served = (network: number[], snap: Snapshot): number[] => {
    const sorted = network.map((_, k) => k).sort((a, b) => network[b]! - network[a]! || a - b);
    const { order } = withFreshPicks(sorted, (k) => shelf.has(snap.items[k]!), freshPicks);
    shelf = new Set(order.slice(0, TOP_K).map((k) => snap.items[k]!));
    // The network's own scores where the picks change no place on the shelf (its ties at the cut
    // stay pro rata); otherwise the shelf's places above every other score, in their order.
    if (order.slice(0, TOP_K).every((k, i) => k === sorted[i])) return network;
    const out = network.slice();
    const above = network[sorted[0]!]! + 1;
    order.slice(0, TOP_K).forEach((k, i) => {
      out[k] = above + TOP_K - i;
    });
    return out;
  };
  /** A snapshot's scores per scorer, `selected`'s given (the weight it chose at the cutoff). */
  const everyScorer = (
    at: ReturnType<typeof scoreAt>,
    selected: number[],
    snap: Snapshot,
  ): Record<Name, number[]> => ({
    ...at,
    model: served(at.network, snap),
    blend: at.blendAt(blendWeight),
    selected,
  });
  for (const [h, t] of walked.entries()) {
    // c: the evaluated cutoff's index, negative for a history cutoff.
    const c = h - history.length;
    // Training rows: snapshots whose label window has closed by the training cutoff (t, or an
    // earlier cutoff when the model is reused for `--retrain-every` weeks). Retraining keeps the
    // evaluated cutoffs' schedule whatever the history.
    if (((c % retrainEvery) + retrainEvery) % retrainEvery === 0 || bag.length === 0) {
      trainedAt = t;
      // A snapshot trains once its 7-day window has closed by the training cutoff; a later week's
      // breakout counts in its label only once that week's window has closed too.
      const closed = (s: { t: number }, week: number) => s.t + (week + 1) * 7 * DAY_MS <= t;
      rows = training
        .filter((s) => closed(s, 0))
        .flatMap((s) =>
          s.base.map((b, k) => {
            const now = s.labels[k]! > 0 ? 1 : 0;
            const later = s.later.some((w, j) => closed(s, j + 1) && w.has(s.items[k]!)) ? 1 : 0;
            return {
              values: [...b, ...s.extra[k]!],
              base: b,
              label: two ? now : Math.max(now, later),
              later,
              item: s.items[k]!,
              t: s.t,
            };
          }),
        );
      positives = rows.filter((r) => r.label > 0).length;
      // Time budget: above --max-train-rows, keep every positive and a deterministic share of the
      // negatives (salted: FNV-1a of nearly equal strings is correlated with the snapshot sampling's).
      // The share of the negatives the cap kept, as the hashes fell (for the probabilities).
      let capShare = 1;
      if (rows.length > maxTrainRows) {
        if (positives >= maxTrainRows)
          throw new Error(`--max-train-rows (${maxTrainRows}) leaves no room beside ${positives} breakouts`);
        const share = (maxTrainRows - positives) / (rows.length - positives);
        const negativesBefore = rows.length - positives;
        rows = rows.filter((r) => r.label > 0 || r.later > 0 || keepShare(r.item, r.t, share, 'cap:'));
        capShare = Math.max(1, rows.length - positives) / negativesBefore;
      }
      const tt = performance.now();
      for (const m of bag) disposeHitModel(m);
      bag = [];
      sampling = [];
      const trainOptions = {
        epochs,
        hidden,
        batchSize: Number(args.batch),
        learningRate: Number(args['learning-rate']),
      };
      // `--ensemble k`: k networks from seeds seed, seed + 1000, ..., their probabilities averaged,
      // as the served model has them (SERVED_NETWORKS).
      const k = ensemble;
      if (!args.balanced) {
        sampling.push({
          weight: defaultPositiveWeight(rows.length, positives),
          negativeShare: negShare * capShare,
        });
        bag.push(await trainHitModel(rows, { ...trainOptions, seed, networks: k }));
      }
      for (let e = 0; args.balanced && e < k; e++) {
        // `--balanced`: network e keeps the negatives whose salted hash falls in [e/k, (e+1)/k).
        const mine = rows.filter((r) => {
          const u = rowUnit(r.item, r.t, 'bag:');
          return r.label > 0 || (u >= e / k && u < (e + 1) / k);
        });
        sampling.push({
          weight: defaultPositiveWeight(mine.length, mine.filter((r) => r.label > 0).length),
          negativeShare: (negShare * capShare) / k,
        });
        bag.push(await trainHitModel(mine, { ...trainOptions, seed: seed + 1000 * e }));
      }
      if (two) {
        if (laterModel) disposeHitModel(laterModel);
        laterModel = await trainHitModel(
          rows.map((r) => ({ ...r, label: r.later })),
          {
            epochs,
            hidden,
            seed,
            batchSize: Number(args.batch),
            learningRate: Number(args['learning-rate']),
          },
        );
      }
      trainMs += performance.now() - tt;
      zBase = fitStandardization(rows.map((r) => ({ values: r.base })));
      zLines = fitStandardization(rows.map((r) => ({ values: [linesOf(r.values, r.base.length)] })));
      trainings++;
    }
    if (trainedAt > t) throw new Error('unreachable: a model trained after its cutoff');
    const snap = snapshots[h]!;
    const at = scoreAt(snap);
    const scores = everyScorer(at, selection.choose(h, t, at.blendAt, at.velocity, snap), snap);
    // The days up to the next cutoff: the served ranking re-ranks hourly, so a merchandiser sees a
    // new list every day; each day's list counts toward lead time only (the networks of this
    // cutoff's training, features as of that day), and is the model's list before the next one's
    // fresh picks. None after the last cutoff: no breakout follows.
    if (t < lastCutoff) {
      for (let j = listEvery; j < 7; j += listEvery) {
        const d = t + j * DAY_MS;
        const day = snapshotAt(ix, series, log.itemIds, d);
        const on = scoreAt(day);
        selection.listBetween(d, on.blendAt, day);
        // Made before a history day is skipped: the shelf of the day before is the model's state.
        const between = everyScorer(on, on.blendAt(selection.chosen[selection.chosen.length - 1]!), day);
        if (c < 0 && t < warmFrom) continue;
        for (const n of names) per[n].shares.set(d, listed(topKShare(between[n], TOP_K), day));
      }
    }
    const shares = Object.fromEntries(names.map((n) => [n, topKShare(scores[n], TOP_K)])) as Record<
      Name,
      Float64Array
    >;
    if (c < 0) {
      // A warm-up week's lists count toward the lead time of the breakouts after it (and are the
      // model's list before the next day's), nothing else.
      if (t >= warmFrom) for (const n of names) per[n].shares.set(t, listed(shares[n], snap));
      continue;
    }
    for (const [k, item] of snap.items.entries()) if (snap.labels[k]! > 0) breakoutsAt.push({ item, t, c });
    if (!early) {
      // The networks' probabilities (averaged over --ensemble), as served and with the class weight
      // alone taken back out; the early labels' networks answer another question.
      const vectors = snap.base.map((b, k) => [...b, ...snap.extra[k]!]);
      // The networks run once; both readings are shifts of the same log-odds.
      const zs = bag.map((m) => logits(m, vectors));
      const averaged = (withShare: boolean) => {
        const all = zs.map((z, e) =>
          probabilitiesOf(z, sampling[e]!.weight, withShare ? sampling[e]!.negativeShare : 1),
        );
        return all[0]!.map((_, k) => all.reduce((sum, x) => sum + x[k]!, 0) / all.length);
      };
      calibrated.weightOnly.push(...averaged(false));
      calibrated.served.push(...averaged(true));
      for (const y of snap.labels) calibrated.outcomes.push(y > 0 ? 1 : 0);
    }
    for (const n of names) {
      const share = shares[n];
      const p = precisionAt(share, snap);
      const r = snap.breakouts > 0 ? hitsAtK(share, snap.labels) / snap.breakouts : Number.NaN;
      if (snap.breakouts > 0) {
        per[n].p.push(p);
        per[n].r.push(r);
      }
      const a = auc(scores[n], snap.labels);
      if (!Number.isNaN(a)) per[n].a.push(a);
      perCutoff[n].p.push(p);
      perCutoff[n].r.push(r);
      perCutoff[n].a.push(a);
      per[n].shares.set(t, listed(share, snap));
    }
    if (!args.json) {
      process.stderr.write(
        `\rcutoff ${c + 1}/${cutoffs.length} ${new Date(t).toISOString().slice(0, 10)}: ${rows.length} training rows ` +
          `(${positives} breakouts), ${snap.items.length} candidates, ${snap.breakouts} breakouts; ${secs(performance.now() - t2)}   `,
      );
    }
  }
  if (!args.json) process.stderr.write('\n');
  // Breakouts of products first seen at or after their cutoff count in the lead-time mean with 0.
  const allBreakouts = evaluated.reduce((n, s) => n + s.breakouts, 0);
  const breakoutsPer = evaluated.map((s) => s.breakouts);
  // Every scorer's bootstrap values, resample by resample (the same cutoffs: one seed), for the
  // paired differences below.
  const boots = {} as Record<Name, number[][]>;
  // Each scorer's summed lead days per cutoff, for `--seeds`' paired difference over seeds.
  const leadSums = {} as Record<Name, number[]>;
  const results = Object.fromEntries(
    names.map((n) => {
      const leads = breakoutsAt.map((b) => leadDays(per[n].shares, b.item, b.t));
      const leadSum = new Float64Array(cutoffs.length);
      breakoutsAt.forEach((b, j) => {
        leadSum[b.c]! += leads[j]!;
      });
      // Breakouts no scorer could rank (first seen at or after their cutoff) lead by 0.
      const all = [...leads, ...Array<number>(Math.max(0, allBreakouts - leads.length)).fill(0)].sort(
        (a, b) => a - b,
      );
      const share = (days: number) => all.filter((x) => x >= days).length / Math.max(1, all.length);
      // Bootstrap over cutoffs: each resample's means over its cutoffs (with repeats).
      const meanOver = (values: readonly number[], sample: Int32Array) => {
        let sum = 0;
        let count = 0;
        for (const c of sample) {
          const v = values[c]!;
          if (!Number.isNaN(v)) {
            sum += v;
            count++;
          }
        }
        return count === 0 ? Number.NaN : sum / count;
      };
      const boot = resampled(cutoffs.length, (sample) => {
        let lead = 0;
        let count = 0;
        for (const c of sample) {
          lead += leadSum[c]!;
          count += breakoutsPer[c]!;
        }
        return [
          meanOver(perCutoff[n].p, sample),
          meanOver(perCutoff[n].r, sample),
          meanOver(perCutoff[n].a, sample),
          count === 0 ? Number.NaN : lead / count,
        ];
      });
      boots[n] = boot;
      leadSums[n] = [...leadSum];
      const [pb, rb, ab, lb] = boot;
      const m: Metrics = {
        precision20: mean(per[n].p),
        recall20: mean(per[n].r),
        auc: mean(per[n].a),
        leadDays: allBreakouts === 0 ? Number.NaN : leads.reduce((a, b) => a + b, 0) / allBreakouts,
        ci95: {
          precision20: percentileInterval(pb!),
          recall20: percentileInterval(rb!),
          auc: percentileInterval(ab!),
          leadDays: percentileInterval(lb!),
        },
        leadDaysP50: quantile(all, 0.5),
        leadDaysP75: quantile(all, 0.75),
        leadDaysP90: quantile(all, 0.9),
        leadShare: { d1: share(1), d7: share(7), d14: share(14), d21: share(21) },
      };
      return [n, m];
    }),
  ) as Record<Name, Metrics>;
  // Model minus velocity, paired over the same resampled cutoffs: 95% intervals.
  const differences = Object.fromEntries(
    FIGURES.map((f, i) => [
      f,
      percentileInterval(boots.model[i]!.map((x, b) => x - boots.velocity[i]![b]!)).map((x) =>
        Number(x.toFixed(f === 'leadDays' ? 2 : 4)),
      ),
    ]),
  ) as Record<Figure, Interval>;
  // How well the network's scores read as chances of breaking out at the evaluated cutoffs: with
  // the class weight alone taken back out (the served scores until 2026-12-08) and as served.
  const calibrations = early
    ? null
    : {
        weightOnly: calibration(calibrated.weightOnly, calibrated.outcomes),
        served: calibration(calibrated.served, calibrated.outcomes),
      };
  const walkMs = performance.now() - t2;
  const totalMs = performance.now() - started;
  stderr(
    `timing: read ${secs(readMs)}, rows ${secs(rowsMs)}, training ${secs(trainMs)} (${trainings} models on ${backend}, one per ${retrainEvery} cutoff(s)), ` +
      `walk ${secs(walkMs)}, total ${secs(totalMs)}`,
  );

  const round = (x: number, d = 4) => Math.round(x * 10 ** d) / 10 ** d;
  const pick = (m: Metrics) => ({
    precision20: round(m.precision20),
    recall20: round(m.recall20),
    auc: round(m.auc),
    leadDays: round(m.leadDays, 2),
    leadDaysP50: round(m.leadDaysP50, 2),
    leadDaysP75: round(m.leadDaysP75, 2),
    leadDaysP90: round(m.leadDaysP90, 2),
    leadShare: Object.fromEntries(Object.entries(m.leadShare).map(([k, v]) => [k, round(v)])),
    ci95: Object.fromEntries(
      FIGURES.map((f) => [f, m.ci95[f].map((x) => round(x, f === 'leadDays' ? 2 : 4))]),
    ),
  });
  if (args.json) {
    process.stdout.write(
      `${JSON.stringify({
        cutoffs: cutoffs.length,
        warmupWeeks: history.filter((t) => t >= warmFrom).length,
        listEveryDays: listEvery,
        freshPicks,
        label: early ? `early (breakouts at t and the next ${earlyWeeks} weeks)` : 'now',
        breakouts: allBreakouts,
        model: pick(results.model),
        network: pick(results.network),
        velocity: pick(results.velocity),
        weighted: pick(results.weighted),
        blend: pick(results.blend),
        fusion: pick(results.fusion),
        selected: { ...pick(results.selected), weights: selection.chosen.slice(history.length) },
        modelMinusVelocity: differences,
        calibration:
          calibrations &&
          Object.fromEntries(
            Object.entries(calibrations).map(([k, c]) => [
              k,
              { ratio: round(c.ratio, 3), brier: round(c.brier, 5), ece: round(c.ece, 5), rows: c.n },
            ]),
          ),
        // Per cutoff (NaN as null), so that --seeds can pair the model with trending now over seeds.
        perCutoff: {
          breakouts: breakoutsPer,
          ...Object.fromEntries(
            (['model', 'network', 'velocity'] as const).map((n) => [
              n,
              { precision20: perCutoff[n].p, auc: perCutoff[n].a, leadSum: leadSums[n] },
            ]),
          ),
        },
      })}\n`,
    );
    return;
  }
  const label: Record<Name, string> = {
    model: `model (tfjs ${args.ensemble} x ${[...hidden, 1].join('-')}, ${freshPicks} fresh picks a day)`,
    network: `(the network${args.ensemble === '1' ? '' : 's'} alone, in ${args.ensemble === '1' ? 'its' : 'their'} own order)`,
    velocity: 'trending now (order lines 7 d)',
    weighted: 'hand-weighted',
    velocityUnits: '(velocity in units, for reference)',
    blend: `blend (network log-odds + ${args.blend} x trending now, z-scored)`,
    fusion: `fusion (reciprocal ranks: network + ${args.fusion} x trending now)`,
    selected: `selected (blend weight per cutoff from the closed weeks before: ${selection.chosen.slice(history.length).join(', ')})`,
  };
  const f = (x: number, d = 3) => (Number.isNaN(x) ? 'n/a' : x.toFixed(d));
  const lines = [
    `${args.input}: ${cutoffs.length} weekly cutoffs ${new Date(cutoffs[0]!).toISOString().slice(0, 10)} .. ` +
      `${new Date(lastCutoff).toISOString().slice(0, 10)}, ${allBreakouts} breakouts ` +
      `(${(allBreakouts / cutoffs.length).toFixed(1)} a week; ${breakoutsAt.length} among known products)`,
    '',
    `Lead time counts a list every ${listEvery} day(s), from ${history.filter((t) => t >= warmFrom).length} warm-up week(s) before the first cutoff.`,
    `Model trained on the ${early ? `early label (breakouts at t and at the next ${earlyWeeks} weekly cutoffs)` : 'breakouts at t'}; 95% bootstrap intervals over cutoffs (1,000 resamples).`,
    '',
    '| scorer | precision@20 | recall@20 | AUC | lead days (mean) | lead days p50 / p75 / p90 | flagged >= 7 / 14 / 21 d ahead |',
    '|---|---|---|---|---|---|---|',
    ...names.map((n) => {
      const m = results[n];
      const c = (fig: Figure, d = 3) => `${f(m[fig], d)} [${f(m.ci95[fig][0], d)}, ${f(m.ci95[fig][1], d)}]`;
      const pct = (x: number) => `${(x * 100).toFixed(0)}%`;
      return `| ${label[n]} | ${c('precision20')} | ${c('recall20')} | ${c('auc')} | ${c('leadDays', 2)} | ${f(m.leadDaysP50, 1)} / ${f(m.leadDaysP75, 1)} / ${f(m.leadDaysP90, 1)} | ${pct(m.leadShare.d7)} / ${pct(m.leadShare.d14)} / ${pct(m.leadShare.d21)} |`;
    }),
    '',
    `model minus trending now, paired over the same resampled cutoffs (95%): ${FIGURES.map(
      (fig) => `${fig} [${differences[fig][0]}, ${differences[fig][1]}]`,
    ).join(', ')}`,
    ...(calibrations === null
      ? []
      : Object.entries(calibrations).map(
          ([k, c]) =>
            `network's probabilities ${k === 'served' ? 'as served' : 'with the class weight alone undone'}: ` +
            `predicted/observed breakouts ${f(c.ratio, 2)}, Brier ${f(c.brier, 4)}, ECE ${f(c.ece, 4)} ` +
            `(10 equal-count bins, ${c.n.toLocaleString('en')} candidate rows)`,
        )),
    `model beats velocity on precision@20, AUC and mean lead days: ${
      results.model.precision20 > results.velocity.precision20 &&
      results.model.auc > results.velocity.auc &&
      results.model.leadDays > results.velocity.leadDays
        ? 'yes'
        : 'no'
    }`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((err: unknown) => {
  stderr(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exitCode = 1;
});

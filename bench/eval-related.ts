/**
 * Offline evaluation of the related-products model (issue 4, point 6).
 *
 *   npx tsx bench/eval-related.ts --input <file.csv> [--json] [--name <label>] [--no-tune]
 *   npx tsx bench/eval-related.ts --baskets --input ../shared/data/groceries/groceries.csv
 *   npx tsx bench/eval-related.ts --generate 1000000 --output /tmp/synthetic-1m.csv
 *
 * Input: a CSV with a header naming `user_id`, `item_id`, `timestamp` (ISO 8601, Unix seconds or
 * milliseconds) and optionally `event_type` (order/purchase, cart, view; other values are views);
 * other columns are ignored. `--baskets`: one basket per line, no header (groceries.csv); each
 * basket becomes one user with one order.
 *
 * Protocol: each user's last interaction (by time, then file order) of users with at least 3 is
 * held out; everything else trains. Each user's list is ranked from their 10 most recent distinct
 * training items (newest weighs most, fading by 0.8 per step), excluding everything the user
 * already interacted with, and filled up from the most popular items when short, the same way for
 * the model and every baseline (item-kNN, SAR and V-SKNN rank from what their papers use: the
 * whole profile, the time-decayed affinity, the current session). The model's parameters are
 * tuned on a validation split of the training data (each user's last training interaction), never
 * on the held-out items.
 *
 * Baselines (bench/related/baselines.ts, each from its paper or reference code, ranked under the
 * same protocol, their parameters tuned on the same validation split): most popular, plain
 * co-occurrence counts, item-kNN with cosine similarity (Sarwar et al. 2001; Deshpande and Karypis
 * 2004), SAR with Jaccard or lift similarity and time-decayed affinity (Microsoft Recommenders'
 * SARSingleNode) and V-SKNN (Ludewig and Jannach 2018; session-rec's vsknn). Every figure comes
 * with its 95% bootstrap interval over test users (bench/lib/bootstrap.ts), and the model's margin
 * over each baseline with a paired interval. `--json` prints, per method (`model`, `popularity`,
 * `cooccurrence`, `itemknn`, `sar`, `sknn`), `hr10`, `ndcg10`, `mrr10`, `coverage`, `ci95` (the
 * same four, each `[low, high]`) and `params`, then `differences`, `users` and `settings`: the
 * chosen parameters that differ from the defaults, which a stage serves as its cdk.json `related`.
 *
 * This file is the command line; the pieces are in bench/related/: interactions.ts (reading the
 * file), protocol.ts (split, ranking, metrics), model.ts, baselines.ts, tuning.ts, evaluation.ts
 * (one run and its report) and generate.ts (the synthetic file).
 */
import { basename, dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { settingsOf } from '../models/related/settings.ts';
import { type Evaluated, FIGURES, formatReport, METHODS, runEvaluation } from './related/evaluation.ts';
import { generateSynthetic } from './related/generate.ts';
import { readInteractions } from './related/interactions.ts';

function argValue(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

async function main(args: string[]): Promise<void> {
  const generate = argValue(args, '--generate');
  if (generate !== undefined) {
    const output = argValue(args, '--output') ?? '/tmp/related-synthetic.csv';
    const t0 = performance.now();
    await generateSynthetic(Number(generate), output);
    console.log(
      `wrote ${Number(generate).toLocaleString('en')} interactions to ${output} in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
    return;
  }
  const input = argValue(args, '--input');
  if (!input) {
    console.error(
      'usage: eval-related --input <file.csv> [--json] [--baskets] [--name <label>] [--no-tune] [--with-defaults|--no-defaults]',
    );
    process.exitCode = 2;
    return;
  }
  const json = args.includes('--json');
  const baskets = args.includes('--baskets');
  const name = argValue(args, '--name') ?? `${basename(dirname(input))}/${basename(input)}`;
  const log = (s: string) => {
    if (!json) console.log(s);
  };
  const t0 = performance.now();
  const data = await readInteractions(input, { baskets, name });
  const readSeconds = (performance.now() - t0) / 1000;
  // The defaults row costs another training run: by default only on files up to 300k interactions.
  const withDefaults =
    args.includes('--with-defaults') || (!args.includes('--no-defaults') && data.user.length <= 300_000);
  const report = runEvaluation(data, { tune: !args.includes('--no-tune'), withDefaults, log });
  if (json) {
    const pick = (m: Evaluated) => ({
      ...Object.fromEntries(FIGURES.map((f) => [f, m[f]])),
      ci95: m.ci95,
      params: m.params,
    });
    console.log(
      JSON.stringify({
        ...Object.fromEntries(METHODS.map((name) => [name, pick(report.methods[name])])),
        differences: report.differences,
        users: report.users,
        // What the shop's stage carries (cdk.json `related`) to serve the model as chosen here.
        settings: settingsOf(report.config),
      }),
    );
    const total = readSeconds + Object.values(report.timings).reduce((a, b) => a + b, 0);
    console.error(`${report.name}: ${total.toFixed(1)} s`);
  } else {
    console.log(formatReport(report, readSeconds));
    console.log(
      `\nto serve these settings, put in the stage's cdk.json: "related": ${JSON.stringify(settingsOf(report.config))}`,
    );
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  });
}

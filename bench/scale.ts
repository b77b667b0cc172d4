import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DuckDBInstance } from '@duckdb/node-api';
import { bundleConfig, relatedConfig } from '../functions/lib/config.ts';
import { LocalLake } from '../infra/local/lake/duckdb.ts';
import { duckdb } from '../models/lake/dialect.ts';
import { LAKE_JOBS, type LakeJobId } from '../models/lake/jobs/index.ts';
import type { LakePlan } from '../models/lake/jobs/plan.ts';
import { peakRssMb } from './lib/process.ts';

/**
 * npm run bench:scale -- --events 10000000[,30000000,100000000] --products 100000 --users 1000000 [--json]
 *
 * A history of a mid-size shop's shape, generated straight into a lake (Parquet by date and type,
 * as Firehose writes it) by DuckDB itself, then every batch job's SQL run on DuckDB over it, each
 * in a process of its own so that its peak resident memory is its own: rows in (the events of the
 * job's types in its window), seconds, peak RSS, and for a job run in steps (its plan) the seconds of
 * each step. Several sizes show the growth (seconds per million events at each). `--keep` keeps the
 * lakes; `--reuse DIR[,DIR...]` runs the jobs again over kept lakes, one per size.
 *
 * The history: sessions of ten events over `--days` days (default 90), each session with a theme
 * category (70% of its products from it, the rest from the whole catalog), popularity skewed within
 * and across categories; 72% views, 13% carts, 8% searches (ten results, a click), 6% orders of one
 * to three lines from the theme, 1% reviews; one user per session drawn from `--users`.
 * `--json` prints one line per size:
 * `{"events":N,"products":P,"users":U,"jobs":[{"name","rowsIn","rowsOut","seconds","peakRssMb"}]}` (a job that
 * failed: `{"name","failed","seconds"}`, and the command exits 1).
 */
const DAY_MS = 86_400_000;

interface Job {
  name: string;
  types: string[];
  windowDays: number | null;
  sql: (fromMs: number, toMs: number) => string;
  plan?: (fromMs: number, toMs: number) => LakePlan;
}

/** The event types each job reads (for its rows-in count); the jobs themselves are the lake's. */
const TYPES: Record<LakeJobId, string[]> = {
  'rfm-cut-points': ['OrderPlaced'],
  'bundle-itemsets': ['OrderPlaced'],
  'related-evidence': ['ProductViewed', 'ProductAddedToCart', 'OrderPlaced'],
  'related-totals': ['ProductViewed', 'ProductAddedToCart', 'OrderPlaced'],
  'hit-daily-signals': [
    'ProductViewed',
    'ProductAddedToCart',
    'OrderPlaced',
    'SearchPerformed',
    'ReviewPosted',
  ],
};

// The shop's settings as the local runtime reads them (RELATED_SETTINGS, BUNDLE_SETTINGS), so a
// setting's cost can be measured: `BUNDLE_SETTINGS='{"minSupport":0}' npm run bench:scale -- ...`.
const settings = () => ({ related: relatedConfig(), bundles: bundleConfig() });
const JOBS: Job[] = LAKE_JOBS.map((j) => ({
  name: j.id,
  types: TYPES[j.id],
  windowDays: j.windowDays,
  sql: (fromMs: number, toMs: number) => j.sql(duckdb, { fromMs, toMs, ...settings() }),
  ...('plan' in j
    ? { plan: (fromMs: number, toMs: number) => j.plan(duckdb, { fromMs, toMs, ...settings() }) }
    : {}),
}));

/** Writes the synthetic history into `<root>/events/`; returns the end of the window (ms). */
export async function generateHistory(
  root: string,
  {
    events,
    products,
    users,
    days,
    memoryLimit,
  }: {
    events: number;
    products: number;
    users: number;
    days: number;
    memoryLimit: string;
  },
): Promise<number> {
  const endMs = Date.UTC(2026, 10, 23);
  const startMs = endMs - days * DAY_MS;
  const sessions = Math.ceil(events / 10);
  const categories = Math.max(1, Math.round(products / 500));
  const perCategory = Math.ceil(products / categories);
  mkdirSync(join(root, 'events'), { recursive: true });
  const instance = await DuckDBInstance.create(':memory:', {
    memory_limit: memoryLimit,
    threads: '2',
    temp_directory: join(root, 'tmp'),
    preserve_insertion_order: 'false',
  });
  const db = await instance.connect();
  // DuckDB's range() is a single-threaded source, and a pipeline is as parallel as its source: the
  // event numbers are put in a table first (scanned by every thread), a chunk at a time so that the
  // table stays small. A chunk is whole sessions (a multiple of ten events).
  const chunk = 5_000_000;
  // u(k): a uniform number in [0, 1) from the event index and a stream k.
  const u = (k: number, of = 'i') => `((hash(${of} * 7919 + ${k}) % 1000003) / 1000003.0)`;
  const inCategory = (cat: string, k: number, of = 'i') =>
    `(${cat} * ${perCategory} + CAST(floor(power(${u(k, of)}, 2.5) * ${perCategory}) AS BIGINT)) % ${products}`;
  const anyProduct = (k: number) => `CAST(floor(power(${u(k)}, 3) * ${products}) AS BIGINT)`;
  const pid = (expr: string) => `printf('p-%07d', ${expr})`;
  for (let from = 0, part = 0; from < events; from += chunk, part++) {
    await db.run(
      `CREATE OR REPLACE TEMP TABLE numbers AS SELECT range AS i FROM range(${from}, ${Math.min(events, from + chunk)})`,
    );
    await db.run(`
    COPY (
      WITH base AS (
        SELECT i, i // 10 AS session, i % 10 AS step,
               (hash(i // 10) % ${categories}) AS theme,
               ${u(1)} AS kind, ${u(2)} AS local
        FROM numbers
      ),
      shaped AS (
        SELECT *,
          CASE WHEN kind < 0.72 THEN 'ProductViewed' WHEN kind < 0.85 THEN 'ProductAddedToCart'
               WHEN kind < 0.93 THEN 'SearchPerformed' WHEN kind < 0.99 THEN 'OrderPlaced' ELSE 'ReviewPosted' END AS event_type,
          CASE WHEN local < 0.7 THEN ${inCategory('theme', 3)} ELSE ${anyProduct(4)} END AS product,
          make_timestamp(CAST((${startMs} + floor(session * ${days * DAY_MS}.0 / ${sessions}) + step * 45000) * 1000 AS BIGINT)) AS occurred_at
        FROM base
      )
      SELECT printf('e-%012d', i) AS event_id, occurred_at, 1 AS version,
             printf('s-%09d', session) AS session_id,
             printf('u-%08d', hash(session) % ${users}) AS user_id,
             CASE WHEN event_type IN ('ProductViewed', 'ProductAddedToCart', 'ReviewPosted') THEN ${pid('product')} END AS product_id,
             CAST(NULL AS VARCHAR) AS referrer,
             CASE WHEN event_type = 'ProductAddedToCart' THEN 1 END AS quantity,
             CASE WHEN event_type = 'OrderPlaced' THEN printf('o-%012d', i) END AS order_id,
             CASE WHEN event_type = 'OrderPlaced' THEN
               list_transform(range(1 + CAST(hash(i * 31) % 3 AS BIGINT)),
                 x -> struct_pack(product_id := ${pid(`(theme * ${perCategory} + CAST(floor(power(((hash(i * 97 + x) % 1000003) / 1000003.0), 2.5) * ${perCategory}) AS BIGINT)) % ${products}`)},
                                  quantity := 1 + CAST(hash(i * 13 + x) % 2 AS INTEGER),
                                  paid_price := CAST(1000 + hash(i * 17 + x) % 50000 AS BIGINT)))
             END AS lines,
             CAST(NULL AS VARCHAR) AS quote_id,
             CASE WHEN event_type = 'SearchPerformed' THEN 'query ' || theme END AS query,
             CASE WHEN event_type = 'SearchPerformed' THEN
               list_transform(range(10), x -> ${pid(`(theme * ${perCategory} + CAST(floor(power(((hash(i * 101 + x) % 1000003) / 1000003.0), 2.5) * ${perCategory}) AS BIGINT)) % ${products}`)})
             END AS result_product_ids,
             CASE WHEN event_type = 'SearchPerformed' THEN ${pid('product')} END AS clicked_product_id,
             CASE WHEN event_type = 'ReviewPosted' THEN printf('r-%012d', i) END AS review_id,
             CASE WHEN event_type = 'ReviewPosted' THEN 1 + CAST(hash(i * 7) % 5 AS INTEGER) END AS rating,
             CASE WHEN event_type = 'ReviewPosted' THEN 'fine' END AS text,
             CASE WHEN event_type = 'ReviewPosted' THEN true END AS verified_purchase,
             strftime(occurred_at, '%Y-%m-%d') AS event_date, event_type
      FROM shaped
    ) TO '${join(root, 'events')}' (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (event_date, event_type), FILENAME_PATTERN 'part-${part}-{i}', OVERWRITE_OR_IGNORE)`);
  }
  db.closeSync();
  instance.closeSync();
  return endMs;
}

/** A job's figures at one size (`failed`: why it did not finish). */
interface JobFigures {
  name: string;
  seconds: number;
  rowsIn?: number;
  rowsOut?: number;
  peakRssMb?: number;
  steps?: Record<string, number>;
  failed?: string;
}

function newlines(bytes: Buffer): number {
  let n = 0;
  for (let i = bytes.indexOf(10); i !== -1; i = bytes.indexOf(10, i + 1)) n++;
  return n;
}

/** One job in this process (the child's side): prints `{"rowsIn","rowsOut","seconds","peakRssMb"}`. */
async function runJob(root: string, name: string, endMs: number, memoryLimit: string): Promise<void> {
  const job = JOBS.find((j) => j.name === name)!;
  const lake = await LocalLake.open({ root, memoryLimit });
  const fromMs = job.windowDays === null ? 0 : endMs - job.windowDays * DAY_MS;
  const [count] = await lake.query<{ n: number }>(
    `SELECT count(*) AS n FROM events WHERE event_type IN (${job.types.map((t) => `'${t}'`).join(', ')})
     AND epoch_ms(occurred_at) >= ${fromMs} AND epoch_ms(occurred_at) < ${endMs}`,
  );
  const started = performance.now();
  // As the local runtime runs it (infra/local/lake/jobs.ts): in steps where the job has them.
  const steps: Record<string, number> = {};
  if (job.plan)
    await lake.unloadPlan(job.plan(fromMs, endMs), join(root, 'results', name), (id, s) => {
      steps[id] = Math.round(((steps[id] ?? 0) + s) * 10) / 10;
    });
  else await lake.unload(job.sql(fromMs, endMs), join(root, 'results', name));
  const seconds = (performance.now() - started) / 1000;
  const peak = peakRssMb();
  lake.close();
  // The result's rows (JSON lines), counted after the clock stops and the peak is read: a job whose output grows faster
  // than its input will grow faster than linearly (bundle-itemsets at an absolute floor did).
  const rowsOut = readdirSync(join(root, 'results', name))
    .filter((f) => f.endsWith('.json'))
    .reduce((n, f) => n + newlines(readFileSync(join(root, 'results', name, f))), 0);
  process.stdout.write(
    `${JSON.stringify({ rowsIn: count!.n, rowsOut, seconds: Math.round(seconds * 10) / 10, peakRssMb: peak, ...(job.plan ? { steps } : {}) })}\n`,
  );
}

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '1000000' },
    products: { type: 'string', default: '100000' },
    users: { type: 'string', default: '1000000' },
    days: { type: 'string', default: '90' },
    'memory-limit': { type: 'string', default: '3GB' },
    json: { type: 'boolean', default: false },
    job: { type: 'string' },
    root: { type: 'string' },
    end: { type: 'string' },
    keep: { type: 'boolean', default: false },
    /** Lakes a previous run kept (`--keep` prints where), one per size of --events: not generated again. */
    reuse: { type: 'string' },
    /** Only these jobs (comma-separated). */
    only: { type: 'string' },
  },
});
const memoryLimit = values['memory-limit']!;

if (values.job) {
  await runJob(values.root!, values.job, Number(values.end), memoryLimit);
} else {
  const products = Number(values.products);
  const users = Number(values.users);
  const days = Number(values.days);
  const sizes = values.events!.split(',').map(Number);
  // One kept lake per size, in the order of --events.
  const reused = values.reuse?.split(',');
  if (reused && reused.length !== sizes.length)
    throw new Error('--reuse names one lake per size in --events');
  const growth: { events: number; jobs: JobFigures[] }[] = [];
  for (const [i, events] of sizes.entries()) {
    const reuse = reused?.[i];
    const root = reuse ?? mkdtempSync(join(tmpdir(), 'bench-scale-'));
    try {
      const t0 = performance.now();
      const endMs = reuse
        ? Date.UTC(2026, 10, 23)
        : await generateHistory(root, { events, products, users, days, memoryLimit });
      const generated = (performance.now() - t0) / 1000;
      if (values.keep && !values.json) console.log(`the lake is kept in ${root} (--reuse ${root})`);
      if (!values.json)
        console.log(
          `\n${events.toLocaleString('en')} events, ${products.toLocaleString('en')} products, ${users.toLocaleString('en')} users: ${reuse ? `the lake kept in ${reuse}` : `generated in ${generated.toFixed(1)} s`}`,
        );
      const jobs: JobFigures[] = [];
      for (const job of JOBS.filter((j) => !values.only || values.only.split(',').includes(j.name))) {
        const started = performance.now();
        let out: string;
        try {
          out = execFileSync(
            process.execPath,
            [
              '--import',
              'tsx',
              import.meta.filename,
              '--job',
              job.name,
              '--root',
              root,
              '--end',
              String(endMs),
              '--memory-limit',
              memoryLimit,
            ],
            { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 20 },
          );
        } catch (error) {
          // A job that fails (DuckDB out of memory, say) is a figure too: the rest still run.
          const stderr = String((error as { stderr?: string }).stderr ?? '');
          const reason =
            /Out of Memory Error[^\n]*/.exec(stderr)?.[0] ?? stderr.trim().split('\n').at(-1) ?? 'failed';
          const seconds = Math.round((performance.now() - started) / 100) / 10;
          jobs.push({ name: job.name, failed: reason, seconds });
          process.exitCode = 1;
          if (!values.json) console.log(`  ${job.name.padEnd(18)} FAILED after ${seconds} s: ${reason}`);
          continue;
        }
        const figures = JSON.parse(out.trim().split('\n').at(-1)!) as {
          rowsIn: number;
          rowsOut: number;
          seconds: number;
          peakRssMb: number;
          /** A job run in steps (its plan): seconds per statement, the result's buckets summed. */
          steps?: Record<string, number>;
        };
        jobs.push({ name: job.name, ...figures });
        if (!values.json)
          console.log(
            `  ${job.name.padEnd(18)} rows in ${figures.rowsIn.toLocaleString('en').padStart(12)}  out ${figures.rowsOut.toLocaleString('en').padStart(10)}  ${figures.seconds.toFixed(1).padStart(7)} s  peak RSS ${String(figures.peakRssMb).padStart(5)} MB${
              figures.steps
                ? `  (${Object.entries(figures.steps)
                    .map(([k, v]) => `${k} ${v} s`)
                    .join(', ')})`
                : ''
            }`,
          );
      }
      if (values.json) console.log(JSON.stringify({ events, products, users, jobs }));
      growth.push({ events, jobs });
    } finally {
      if (!values.keep && !reuse) rmSync(root, { recursive: true, force: true });
    }
  }
  if (growth.length > 1 && !values.json) {
    // Linear growth keeps seconds per million events level from one size to the next.
    console.log(
      `\ngrowth, seconds per million events (peak RSS MB) at ${growth.map((g) => `${g.events / 1e6}M`).join(' -> ')}:`,
    );
    for (const name of new Set(growth.flatMap((g) => g.jobs.map((j) => j.name)))) {
      const cells = growth.map((g) => {
        const j = g.jobs.find((x) => x.name === name);
        return !j || j.peakRssMb === undefined
          ? 'failed'
          : `${(j.seconds / (g.events / 1e6)).toFixed(2)} (${j.peakRssMb})`;
      });
      console.log(`  ${name.padEnd(18)} ${cells.join(' -> ')}`);
    }
  }
}

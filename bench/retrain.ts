import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { listResultFiles, readResultRows } from '../functions/adapters/lake-results.ts';
import { collectGarbage } from '../functions/lib/gc.ts';
import { functionById } from '../infra/topology.ts';
import type { ProductInfo } from '../models/hits/features.ts';
import { RETRAIN_HISTORY_DAYS, retrainHits, retrainWindow } from '../models/hits/retrain.ts';
import { DailySeries, DailySignalRow } from '../models/lake/jobs/hit-daily-signals.ts';
import { heapLimitMb, lambdaHeapFlags, peakRssMb, underHeapFlags } from './lib/process.ts';

/**
 * npm run bench:retrain -- --root <a lake kept by bench:scale> [--epochs 30] [--json]
 *
 * The scheduled retraining (functions/train-hits.ts) at a shop's size, in this process as the
 * function runs it: the hit-daily-signals job's result files that `bench:scale` left under
 * `<root>/results/hit-daily-signals/` (run the job there first), streamed row by row into the
 * series, the training rows of 56 days and the TensorFlow.js fit. The catalog is the one the generator drew
 * from (`p-0000000`.., 500 products a category, launched before the window): train-hits scans it
 * from the products table. Prints each phase's seconds and the process's peak RSS, to hold against
 * the function's 3,008 MB and 900 s (infra/topology/functions.ts), under the V8 heap flags Lambda
 * starts it with (`lambdaHeapFlags`; `--heap-mb N` for another old generation). `--json`: one line
 * `{"products","dailyRows","trainRows","seconds":{"read","fit","total"},"peakRssMb","heapLimitMb","status"}`.
 */
const { values } = parseArgs({
  options: {
    root: { type: 'string' },
    products: { type: 'string', default: '100000' },
    end: { type: 'string', default: '2026-11-23' },
    epochs: { type: 'string', default: '30' },
    json: { type: 'boolean', default: false },
    /** Another V8 old-generation limit to run under (MB) than the one Lambda gives train-hits. */
    'heap-mb': { type: 'string' },
  },
});
if (values.root === undefined) {
  process.stderr.write('usage: bench:retrain --root <lake dir> [--products N] [--epochs N] [--json]\n');
  process.exit(2);
}

// Under the heap Lambda gives train-hits (from its memory, infra/topology/functions.ts), re-run as a
// child if need be; `--heap-mb N`: under an old generation of N MB instead.
const heapMb = values['heap-mb'] === undefined ? undefined : Number(values['heap-mb']);
if (heapMb !== undefined && !(Number.isInteger(heapMb) && heapMb >= 64)) {
  process.stderr.write(`--heap-mb must be a whole number of MB, at least 64 (got "${values['heap-mb']}")\n`);
  process.exit(2);
}
underHeapFlags(
  heapMb === undefined
    ? lambdaHeapFlags(functionById('train-hits').memoryMb)
    : [`--max-old-space-size=${heapMb}`],
);

const products = Number(values.products);
const perCategory = 500;
// As bench/scale.ts draws them: product n in category floor(n / 500); a list price from the id.
const catalog: ProductInfo[] = Array.from({ length: products }, (_, n) => ({
  productId: `p-${String(n).padStart(7, '0')}`,
  category: `c-${Math.floor(n / perCategory)}`,
  listPrice: 1_000 + ((n * 7919) % 50_000),
  stock: 100,
  launchDate: '2025-01-01',
}));

const started = performance.now();
const daily = new DailySeries();
for (const file of await listResultFiles(join(values.root, 'results', 'hit-daily-signals'))) {
  for await (const row of readResultRows(file)) daily.add(DailySignalRow.parse(row));
}
const read = (performance.now() - started) / 1000;
const { startMs, endMs } = retrainWindow(Date.parse(`${values.end}T00:00:00Z`), RETRAIN_HISTORY_DAYS);
const fitStarted = performance.now();
// As train-hits does: the series built, then a collection before and between the phases.
const series = daily.build();
collectGarbage();
const result = await retrainHits(
  { products: catalog, series },
  { startMs, endMs, now: new Date(endMs) },
  undefined,
  { epochs: Number(values.epochs), collect: collectGarbage },
);
const fit = (performance.now() - fitStarted) / 1000;
const total = (performance.now() - started) / 1000;
const figures = {
  products,
  dailyRows: daily.rows,
  trainRows: result.status === 'skipped' ? 0 : result.rows.train,
  seconds: { read: +read.toFixed(1), fit: +fit.toFixed(1), total: +total.toFixed(1) },
  peakRssMb: peakRssMb(),
  heapLimitMb: heapLimitMb(),
  status: result.status,
};
if (values.json) console.log(JSON.stringify(figures));
else
  console.log(
    `${products.toLocaleString('en')} products, ${daily.rows.toLocaleString('en')} daily rows: ${result.status}` +
      `${result.status === 'skipped' ? ` (${result.reason})` : `, ${figures.trainRows.toLocaleString('en')} training rows, precision@20 ${result.metrics.precision20.toFixed(3)}`}\n` +
      `  read ${figures.seconds.read} s, rows and fit ${figures.seconds.fit} s, total ${figures.seconds.total} s; peak RSS ${figures.peakRssMb} MB (heap limit ${figures.heapLimitMb} MB)`,
  );

import { parseArgs } from 'node:util';
import type { BehaviourEvent } from '../events/behaviour.ts';
import { aggregateSignals } from '../functions/adapters/signals-store.ts';
import { generateDemoData } from '../infra/local/demo/data/generate.ts';
import { startRuntime } from '../infra/local/runtime.ts';
import { defaultHitArtifact } from '../models/hits/default-model.ts';
import { featureRows } from '../models/hits/features.ts';
import { hitProbabilities, loadHitModel, positiveWeightOf } from '../models/hits/model.ts';
import { bucketDeltas, buildSeries } from '../models/hits/signals.ts';
import { percentile, round } from './stats.ts';

/**
 * npm run -s bench:freshness [-- --json] [--bursts 50]
 *
 * (a) Freshness: the local runtime (`npm start`'s settings, demo storefront in memory, ranked once)
 *     takes a burst of events for one product through POST /v1/events, and the clock runs until
 *     GET /v1/hits serves that product scored after the burst: the whole path, the lake stream and
 *     signal queues, aggregation, SignalsAggregated, the re-rank queue, scoring and the list write.
 * (b) Aggregation throughput: aggregateSignals on DynamoDB Local, batches of 100, events per second.
 * (c) Scoring: features and tfjs hit probabilities for 1,000 products, in process.
 * `--json` prints only `{"bursts", "p50Ms", "p99Ms"}`.
 */
const { values } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    bursts: { type: 'string', default: '50' },
    'burst-size': { type: 'string', default: '30' },
  },
});
const bursts = Number(values.bursts);
const burstSize = Number(values['burst-size']);
if (!Number.isInteger(bursts) || bursts < 1) throw new RangeError('--bursts: a positive integer');
const say = values.json ? () => {} : (l: string) => console.log(l);

const rt = await startRuntime({ port: 0, memory: true, seed: 'always', log: (l) => say(`  ${l}`) });
await rt.seedDone;
await rt.hitsRanked;
if (rt.status().hits?.state !== 'ranked')
  throw new Error(`the first ranking failed: ${rt.status().hits?.error}`);
const get = async (path: string) => (await (await fetch(`${rt.url}${path}`)).json()) as any;

// Candidates: products in a category list below its top 3, one burst each, categories in turn.
const categories: string[] = [
  ...new Set((await get('/v1/hits?limit=50')).items.map((e: { category: string }) => e.category) as string[]),
];
const targets: { productId: string; category: string }[] = [];
for (const category of categories) {
  const list = await get(`/v1/hits?category=${category}&limit=50`);
  for (const e of list.items.slice(3)) targets.push({ productId: e.productId, category });
}
// Interleave categories so that consecutive bursts do not queue behind one list.
targets.sort((a, b) => (a.productId.charCodeAt(6) % 7) - (b.productId.charCodeAt(6) % 7));
if (targets.length < bursts) throw new Error(`only ${targets.length} candidates for ${bursts} bursts`);

let seq = 0;
function burstFor(productId: string): BehaviourEvent[] {
  const now = Date.now();
  const out: BehaviourEvent[] = [];
  for (let n = 0; out.length < burstSize; n++) {
    const base = {
      eventId: `evt-fresh-${seq++}`,
      occurredAt: new Date(now - 1000 + n).toISOString(),
      version: 1 as const,
    };
    const sessionId = `s-fresh-${seq}`;
    out.push(
      n % 3 === 0
        ? {
            ...base,
            type: 'SearchPerformed',
            sessionId,
            query: 'fresh',
            resultProductIds: [productId],
            clickedProductId: productId,
          }
        : n % 3 === 1
          ? { ...base, type: 'ProductViewed', sessionId, productId }
          : { ...base, type: 'ProductAddedToCart', sessionId, productId, quantity: 1 },
    );
  }
  return out;
}

const latencies: number[] = [];
for (let b = 0; b < bursts; b++) {
  const { productId, category } = targets[b]!;
  const started = Date.now();
  const startedIso = new Date(started).toISOString();
  const res = await fetch(`${rt.url}/v1/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ events: burstFor(productId) }),
  });
  if (res.status !== 202) throw new Error(`POST /v1/events answered ${res.status}`);
  for (;;) {
    const list = await get(`/v1/hits?category=${category}&limit=50`);
    const e = list.items.find((x: { productId: string }) => x.productId === productId);
    if (e !== undefined && e.scoredAt >= startedIso) break;
    if (Date.now() - started > 30_000) throw new Error(`burst ${b}: ${productId} not re-ranked within 30 s`);
    await new Promise((r) => setTimeout(r, 5));
  }
  latencies.push(Date.now() - started);
}
await rt.bus.drain();
const p50 = percentile([...latencies], 50);
const p99 = percentile([...latencies], 99);

if (values.json) {
  console.log(JSON.stringify({ bursts, p50Ms: p50, p99Ms: p99 }));
  await rt.stop();
  process.exit(0);
}
say(
  `(a) freshness, POST /v1/events -> GET /v1/hits serves the new score: ${bursts} bursts of ${burstSize} events, p50 ${p50} ms, p99 ${p99} ms, max ${Math.max(...latencies)} ms`,
);

// (b) Aggregation throughput on the same DynamoDB Local.
const names = { signals: rt.tableNames.signals, processed: rt.tableNames.processed };
const demo = generateDemoData({ seed: 7, endAt: new Date() });
const live = demo.events.slice(-20_000).map((e) => ({ ...e, eventId: `agg-${e.eventId}` }));
const t0 = performance.now();
for (let i = 0; i < live.length; i += 100) await aggregateSignals(names, live.slice(i, i + 100));
const aggMs = performance.now() - t0;
say(
  `(b) aggregation: ${live.length} demo events in batches of 100, ${round(aggMs / 1000, 1)} s, ${Math.round(live.length / (aggMs / 1000))} events/s (one batch at a time)`,
);

// (c) Scoring 1,000 products: features then the model.
const model = await loadHitModel(defaultHitArtifact);
const weight = positiveWeightOf(defaultHitArtifact.manifest);
const series = buildSeries(bucketDeltas(demo.events));
const products = demo.products.slice(0, 1000);
const t = Date.now();
const timings: { features: number; model: number }[] = [];
for (let r = 0; r < 7; r++) {
  const a = performance.now();
  const rows = featureRows(series, products, t);
  const b = performance.now();
  hitProbabilities(
    model,
    rows.map((x) => x.values),
    weight,
  );
  timings.push({ features: b - a, model: performance.now() - b });
}
const median = (xs: number[]) => percentile(xs, 50);
say(
  `(c) scoring 1,000 products (median of 7): features ${round(median(timings.map((x) => x.features)))} ms, tfjs model ${round(median(timings.map((x) => x.model)))} ms`,
);
await rt.stop();

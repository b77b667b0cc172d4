import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { FPGrowth } from 'node-fpgrowth';
import { startRuntime } from '../infra/local/runtime.ts';
import { mineRules, parseBaskets } from '../models/bundles/mining.ts';
import { percentile, round } from './stats.ts';

/**
 * npx tsx bench/scenes.ts [--json] [--seconds 15] [--concurrency 16]
 *
 * (1) Frequent-itemset mining on Groceries (../shared/data, skipped when absent): this project's
 *     FP-growth with its rules beside the npm package node-fpgrowth (itemsets only, no rules) at
 *     the same support, median of several runs, in this one process.
 * (2) The scenes endpoints through the local gateway (demo storefront in memory): a mix of
 *     GET /v1/products/{id}/scenes (products of the scenes' slot categories, half with a session)
 *     and GET /v1/scenes/{id}, at a fixed concurrency: requests/s, p50, p99.
 */
const { values } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    seconds: { type: 'string', default: '15' },
    concurrency: { type: 'string', default: '16' },
  },
});
const say = values.json ? () => {} : (l: string) => console.log(l);
const out: Record<string, unknown> = {};

// ------------------------------------------------------------------ (1) mining
const groceries = fileURLToPath(new URL('../../shared/data/groceries/groceries.csv', import.meta.url));
if (existsSync(groceries)) {
  const baskets = parseBaskets(readFileSync(groceries, 'utf8'));
  const median = (xs: number[]) => percentile([...xs], 50);
  const mining: Record<string, unknown>[] = [];
  for (const [support, confidence] of [
    [0.006, 0.25],
    [0.001, 0.8],
    [0.001, 0.5],
  ] as const) {
    const ours: number[] = [];
    let rules = 0;
    for (let r = 0; r < 5; r++) {
      const t = performance.now();
      rules = mineRules(baskets, { minSupport: support, minConfidence: confidence }).rules.length;
      ours.push(performance.now() - t);
    }
    const theirs: number[] = [];
    let itemsets = 0;
    for (let r = 0; r < 3; r++) {
      const t = performance.now();
      itemsets = (await new FPGrowth<string>(support).exec(baskets.map((b) => [...new Set(b)]))).length;
      theirs.push(performance.now() - t);
    }
    const row = {
      support,
      confidence,
      rules,
      oursMs: round(median(ours)),
      nodeFpgrowthItemsets: itemsets,
      nodeFpgrowthMs: round(median(theirs)),
    };
    mining.push(row);
    say(
      `groceries support ${support} confidence ${confidence}: ${rules} rules, ours (itemsets and rules) ${row.oursMs} ms; node-fpgrowth (${itemsets} itemsets, no rules) ${row.nodeFpgrowthMs} ms`,
    );
  }
  out.mining = mining;
} else {
  say(`(1) skipped: ${groceries} is not here`);
}

// ------------------------------------------------------------------ (2) scenes endpoints
const seconds = Number(values.seconds);
const concurrency = Number(values.concurrency);
const rt = await startRuntime({ port: 0, memory: true, seed: 'always', log: (l) => say(`  ${l}`) });
await rt.seedDone;
await rt.hitsRanked;
const get = async (path: string) => (await (await fetch(`${rt.url}${path}`)).json()) as any;
const scenes: any[] = (await get('/v1/scenes')).items;
const categories = [
  ...new Set(scenes.flatMap((s) => s.slots.flatMap((sl: any) => sl.constraint.categories ?? []))),
];
const products: string[] = [];
for (const c of categories)
  products.push(...(await get(`/v1/products?category=${c}&limit=10`)).items.map((p: any) => p.productId));
let n = 0;
const pathFor = (i: number) =>
  i % 4 === 3
    ? `/v1/scenes/${scenes[i % scenes.length].sceneId}`
    : `/v1/products/${products[(i * 7919) % products.length]}/scenes?limit=3${i % 2 === 0 ? `&sessionId=s-bench-${i % 20}` : ''}`;
for (let i = 0; i < 100; i++) await get(pathFor(i));

const latencies: number[] = [];
let errors = 0;
const until = performance.now() + seconds * 1000;
const t0 = performance.now();
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (performance.now() < until) {
      const path = pathFor(n++);
      const t = performance.now();
      const res = await fetch(`${rt.url}${path}`);
      await res.arrayBuffer();
      latencies.push(performance.now() - t);
      if (res.status !== 200) errors++;
    }
  }),
);
const elapsed = (performance.now() - t0) / 1000;
out.scenes = {
  requests: latencies.length,
  requestsPerSecond: round(latencies.length / elapsed),
  p50Ms: round(percentile([...latencies], 50)),
  p99Ms: round(percentile([...latencies], 99)),
  errors,
  concurrency,
};
say(
  `scenes endpoints through the local gateway, ${concurrency} in flight for ${seconds} s: ${(out.scenes as any).requestsPerSecond} req/s, p50 ${(out.scenes as any).p50Ms} ms, p99 ${(out.scenes as any).p99Ms} ms, ${errors} errors`,
);
await rt.stop();
if (values.json) console.log(JSON.stringify(out));

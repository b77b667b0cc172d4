import { parseArgs } from 'node:util';
import { startRuntime } from '../infra/local/runtime.ts';
import { percentile, round } from './stats.ts';

/**
 * Start-up and demo-data figures for the local runtime: a fresh in-memory start with the demo
 * storefront (DynamoDB Local spawn, table creation, generation, load), then the latency of the
 * catalog reads through the local gateway. `--json` prints one JSON object.
 */
const { values } = parseArgs({
  options: { json: { type: 'boolean', default: false }, requests: { type: 'string', default: '500' } },
});
const requests = Number(values.requests);

const t0 = performance.now();
const rt = await startRuntime({
  port: 0,
  memory: true,
  seed: 'always',
  log: values.json ? () => {} : (l) => console.log(`  ${l}`),
});
const readyMs = performance.now() - t0;
const seed = await rt.seedDone;
const loadedMs = performance.now() - t0;

async function time(path: string, n: number): Promise<{ p50: number; p99: number; rps: number }> {
  const sample: number[] = [];
  const start = performance.now();
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const res = await fetch(`${rt.url}${path}`);
    await res.arrayBuffer();
    if (!res.ok) throw new Error(`${path} answered ${res.status}`);
    sample.push(performance.now() - t);
  }
  const elapsed = performance.now() - start;
  return {
    p50: round(percentile(sample, 50), 2),
    p99: round(percentile(sample, 99), 2),
    rps: round((n / elapsed) * 1000, 0),
  };
}

// Warm the JIT of both Node and the JVM before measuring.
await time('/v1/products?limit=20', 100);
const figures = {
  readyMs: Math.round(readyMs),
  loadedMs: Math.round(loadedMs),
  seed,
  health: await time('/health', requests),
  productPage: await time('/v1/products?limit=20&category=tents', requests),
  product: await time('/v1/products/p-00042', requests),
  scenes: await time('/v1/scenes', Math.min(requests, 200)),
};
await rt.stop();

if (values.json) console.log(JSON.stringify(figures));
else {
  console.log(`\nserving (in memory, demo catalog stored) in ${figures.readyMs} ms`);
  console.log(`demo history stored as well after ${figures.loadedMs} ms`);
  console.log(`demo data: generated in ${figures.seed?.generateMs} ms, loaded in ${figures.seed?.loadMs} ms`);
  console.log('sequential requests through the local gateway (ms):');
  for (const k of ['health', 'productPage', 'product', 'scenes'] as const) {
    const f = figures[k];
    console.log(`  ${k.padEnd(12)} p50 ${f.p50}  p99 ${f.p99}  ${f.rps} req/s`);
  }
}

import { parseArgs } from 'node:util';
import type { BehaviourEvent } from '../events/behaviour.ts';
import { batchWriteAll } from '../functions/adapters/dynamo/batch-write.ts';
import { hitModelCache } from '../functions/adapters/hit-model-cache.ts';
import { dynamoHitStore } from '../functions/adapters/hits-store.ts';
import { importSignalHistory } from '../functions/adapters/signals-store.ts';
import { logger } from '../functions/lib/logger.ts';
import { defaultHitArtifact } from '../models/hits/default-model.ts';
import {
  mergePriors,
  rewriteCategoryLists,
  rewriteGlobalList,
  type ShardedRun,
  scoreShard,
  shardPriors,
} from '../models/hits/sharded.ts';
import { DAY_MS } from '../models/hits/signals.ts';
import { mulberry32 } from '../models/random.ts';
import { withLocalTables } from './lib/local-tables.ts';
import { peakRssMb } from './lib/process.ts';

/**
 * npm run bench:rerank [-- --products 100000] [--categories 1000] [--shards 2,16,128] [--json]
 *
 * The hourly full re-rank in shards (models/hits/sharded.ts, the `rerank-all` state machine) on
 * DynamoDB Local, each step run as its function runs it, one shard after another in this process:
 * a catalog of `--products` in `--categories`, 28 days of views, carts and orders for every product
 * (imported as the signals table holds them), then for each `--shards` count a run of the five
 * steps with the bundled model. Prints per step the slowest shard's seconds (what one invocation
 * takes, against the function's 300 s) and the run parts it read, and this process's peak RSS
 * (DynamoDB Local runs in a child process). DynamoDB Local is slower than DynamoDB, so the seconds
 * are an upper bound on the service's. `--json`: one line per shard count.
 */
const { values } = parseArgs({
  options: {
    products: { type: 'string', default: '100000' },
    categories: { type: 'string', default: '1000' },
    shards: { type: 'string', default: '2,16,128' },
    json: { type: 'boolean', default: false },
  },
});
const products = Number(values.products);
const categories = Number(values.categories);
const shardCounts = values.shards.split(',').map(Number);
if (!Number.isInteger(products) || products < 1) throw new RangeError('--products: a whole number from 1');
if (!Number.isInteger(categories) || categories < 1 || categories > products)
  throw new RangeError('--categories: a whole number from 1 to --products');
if (!shardCounts.every((s) => Number.isInteger(s) && s >= 1 && s <= 1000))
  throw new RangeError('--shards: whole numbers from 1 to 1,000, comma-separated');
const say = values.json ? () => {} : (line: string) => process.stderr.write(`${line}\n`);
// The functions' own info lines (the model loaded) would interleave with the figures.
logger.setLogLevel('WARN');

const NOW = Date.UTC(2026, 10, 23, 12);
const pid = (n: number) => `p-${String(n).padStart(7, '0')}`;

/** Each product's 28 days: a few views and carts, and orders for one product in nine. */
function* history(rand: () => number): Generator<BehaviourEvent> {
  let seq = 0;
  for (let i = 0; i < products; i++) {
    const productId = pid(i);
    // What every event of the product has: its own id, an instant in the 28 days, a session.
    const common = () => ({
      eventId: `b-${seq++}`,
      occurredAt: new Date(NOW - 1 - Math.floor(rand() * 28 * DAY_MS)).toISOString(),
      version: 1 as const,
      sessionId: 's',
    });
    for (let v = 0; v < 3 + (i % 5); v++) yield { type: 'ProductViewed', ...common(), productId };
    yield { type: 'ProductAddedToCart', ...common(), productId, quantity: 1 };
    for (let o = 0; i % 9 === 0 && o < 1 + (i % 4); o++) {
      const order = common();
      yield {
        type: 'OrderPlaced',
        ...order,
        orderId: `o-${order.eventId}`,
        lines: [{ productId, quantity: 1 + (i % 3), paidPrice: 1_000 }],
      };
    }
  }
}

const seconds = (from: number) => +((performance.now() - from) / 1000).toFixed(2);

await withLocalTables(
  'bench-rerank-',
  async ({ client, names }) => {
    const t0 = performance.now();
    await batchWriteAll(
      names.products,
      Array.from({ length: products }, (_, i) => ({
        productId: pid(i),
        title: `Product ${i}`,
        category: `cat-${i % categories}`,
        listPrice: 1_000 + ((i * 7919) % 50_000),
        stock: 100,
        launchDate: '2026-01-01',
        tags: [],
      })),
      { client, concurrency: 8 },
    );
    const imported = await importSignalHistory(names.signals, history(mulberry32(7)), { now: NOW, client });
    say(
      `catalog ${products.toLocaleString('en')} products in ${categories} categories, signals of ${imported.products.toLocaleString('en')} products (${imported.buckets.toLocaleString('en')} buckets), written in ${seconds(t0)} s`,
    );

    const store = dynamoHitStore(
      {
        products: names.products,
        signals: names.signals,
        hitscores: names.hitscores,
        rankings: names.rankings,
      },
      { client, publish: async () => {} },
    );
    const scorer = await hitModelCache(names.hitmodels, { latest: async () => defaultHitArtifact }).current();
    for (const [k, shards] of shardCounts.entries()) {
      // A run of its own per shard count: its parts are keyed by its instant.
      const run: ShardedRun = { runAt: new Date(NOW + k * 1000).toISOString(), shards };
      const steps: Record<string, { slowest: number; total: number }> = {};
      const timed = async (step: string, each: (shard: number) => Promise<unknown>, count: number) => {
        const r = { slowest: 0, total: 0 };
        for (let shard = 0; shard < count; shard++) {
          const t = performance.now();
          await each(shard);
          const s = seconds(t);
          r.slowest = Math.max(r.slowest, s);
          r.total = +(r.total + s).toFixed(2);
        }
        steps[step] = r;
      };
      await timed('shard-priors', (s) => shardPriors(store, s, run), shards);
      await timed('merge-priors', () => mergePriors(store, run), 1);
      await timed('score-shard', (s) => scoreShard(store, scorer, s, run), shards);
      await timed('rewrite-lists', (s) => rewriteCategoryLists(store, s, run), shards);
      let report: Awaited<ReturnType<typeof rewriteGlobalList>> | undefined;
      await timed(
        'rewrite-global',
        async () => {
          report = await rewriteGlobalList(store, run);
        },
        1,
      );
      const result = {
        products,
        categories,
        shards,
        productsPerShard: Math.ceil(products / shards),
        steps,
        scored: report!.scored,
        listsWritten: report!.listsWritten,
        peakRssMb: peakRssMb(),
      };
      if (values.json) process.stdout.write(`${JSON.stringify(result)}\n`);
      else {
        say(
          `\n${shards} shards (about ${result.productsPerShard.toLocaleString('en')} products each): ${result.scored.toLocaleString('en')} scored, ${result.listsWritten} lists written; peak RSS so far ${result.peakRssMb} MB`,
        );
        for (const [step, r] of Object.entries(steps))
          say(
            `  ${step.padEnd(15)} slowest invocation ${r.slowest.toFixed(2)} s, all ${r.total.toFixed(2)} s`,
          );
      }
    }
  },
  { heap: '2g' },
);

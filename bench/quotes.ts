import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { localShopperToken, startRuntime } from '../infra/local/runtime.ts';
import { percentile, round } from './stats.ts';

/**
 * `POST /v1/quotes` through the local gateway: a signed-in gold member's 5-item cart (a camping
 * kit, coffee and the WINTER-30 code) against the demo storefront's promotions, from a fixed number
 * of concurrent clients for a fixed time. Every request prices, signs and stores a quote.
 * `--json` prints one JSON object.
 */
const { values } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    seconds: { type: 'string', default: '15' },
    concurrency: { type: 'string', default: '8' },
  },
});
const seconds = Number(values.seconds);
const concurrency = Number(values.concurrency);
const say = values.json ? () => {} : (l: string) => console.log(l);

const rt = await startRuntime({ port: 0, memory: true, seed: 'always', log: (l) => say(`  ${l}`) });
await rt.seedDone;
const doc = DynamoDBDocumentClient.from(
  new DynamoDBClient({ endpoint: rt.dynamoEndpoint, region: 'us-east-1' }),
);
await doc.send(
  new PutCommand({
    TableName: rt.tableNames.customers,
    Item: { userId: 'u-bench-gold', memberTier: 'gold' },
  }),
);

async function firstOf(category: string): Promise<string> {
  const res = await fetch(`${rt.url}/v1/products?category=${category}&limit=1`);
  const page = (await res.json()) as { items: { productId: string }[] };
  if (!page.items[0]) throw new Error(`no product in ${category}`);
  return page.items[0].productId;
}
const items = await Promise.all(
  ['tents', 'camping-lamps', 'camping-stoves', 'sleeping-bags', 'coffee'].map(async (c) => ({
    productId: await firstOf(c),
    quantity: c === 'coffee' ? 2 : 1,
  })),
);
const body = JSON.stringify({ items, couponCodes: ['WINTER-30'] });
const headers = {
  'content-type': 'application/json',
  'accept-language': 'zh-CN',
  authorization: `Bearer ${localShopperToken('u-bench-gold', { nowMs: Date.now(), lifetimeSeconds: 3600 })}`,
};

async function post(): Promise<number> {
  const t = performance.now();
  const res = await fetch(`${rt.url}/v1/quotes`, { method: 'POST', headers, body });
  await res.arrayBuffer();
  if (res.status !== 201) throw new Error(`POST /v1/quotes answered ${res.status}`);
  return performance.now() - t;
}

async function run(ms: number) {
  const sample: number[] = [];
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() - start < ms) sample.push(await post());
    }),
  );
  const elapsed = performance.now() - start;
  return {
    requests: sample.length,
    p50: round(percentile(sample, 50), 2),
    p99: round(percentile(sample, 99), 2),
    rps: round((sample.length / elapsed) * 1000, 0),
  };
}

// Warm up Node's JIT, DynamoDB Local's JVM and the promotion cache.
await run(2_000);
const figures = { concurrency, seconds, cartItems: items.length, quotes: await run(seconds * 1000) };
await rt.stop();

if (values.json) console.log(JSON.stringify(figures));
else {
  console.log(
    `\nPOST /v1/quotes through the local gateway, ${concurrency} concurrent clients for ${seconds} s, ${items.length}-item cart:`,
  );
  const q = figures.quotes;
  console.log(`  ${q.requests} quotes  p50 ${q.p50} ms  p99 ${q.p99} ms  ${q.rps} req/s`);
}

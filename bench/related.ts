import { parseArgs } from 'node:util';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { startRuntime } from '../infra/local/runtime.ts';
import { percentile, round } from './stats.ts';

/**
 * GET /v1/products/{id}/related against the local runtime with the demo storefront in memory:
 * through the local gateway at a fixed concurrency (half the requests name a session that has
 * viewed a few products), then the handler alone, in process, sequentially. `--json` prints one
 * JSON object. `--seconds` (default 20) and `--concurrency` (default 16) set the load.
 */
const { values } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    seconds: { type: 'string', default: '20' },
    concurrency: { type: 'string', default: '16' },
  },
});
const seconds = Number(values.seconds);
const concurrency = Number(values.concurrency);
const say = values.json ? () => {} : (l: string) => console.log(l);

const rt = await startRuntime({ port: 0, memory: true, seed: 'always', log: (l) => say(`  ${l}`) });
await rt.seedDone;
const productIds = Array.from({ length: 2400 }, (_, i) => `p-${String(i + 1).padStart(5, '0')}`);
let rng = 42;
const random = () => {
  rng = (rng * 1_103_515_245 + 12_345) % 2 ** 31;
  return rng / 2 ** 31;
};
const pick = () => productIds[Math.floor(random() * productIds.length)]!;

// Twenty sessions, each with a few views, so that session blending is part of the work.
const sessions = Array.from({ length: 20 }, (_, s) => `s-bench-${s}`);
const now = Date.now();
const events = sessions.flatMap((sessionId, s) =>
  [0, 1, 2].map((k) => ({
    type: 'ProductViewed',
    eventId: `evt-bench-${s}-${k}`,
    occurredAt: new Date(now - (3 - k) * 60_000).toISOString(),
    version: 1,
    sessionId,
    productId: pick(),
  })),
);
for (let i = 0; i < events.length; i += 50) {
  const res = await fetch(`${rt.url}/v1/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ events: events.slice(i, i + 50) }),
  });
  if (res.status !== 202) throw new Error(`POST /v1/events answered ${res.status}`);
}
await rt.bus.drain();

const pathFor = (n: number) =>
  `/v1/products/${pick()}/related?limit=10${n % 2 === 0 ? `&sessionId=${sessions[n % sessions.length]}` : ''}`;

// Warm both JITs.
for (let i = 0; i < 200; i++) await (await fetch(`${rt.url}${pathFor(i)}`)).arrayBuffer();

const latencies: number[] = [];
let errors = 0;
let sent = 0;
const end = performance.now() + seconds * 1000;
const started = performance.now();
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (performance.now() < end) {
      const n = sent++;
      const t = performance.now();
      const res = await fetch(`${rt.url}${pathFor(n)}`);
      await res.arrayBuffer();
      latencies.push(performance.now() - t);
      if (res.status !== 200) errors++;
    }
  }),
);
const elapsed = (performance.now() - started) / 1000;

// The handler alone: the same function the gateway calls, without HTTP.
const handlerMs: number[] = [];
for (let i = 0; i < 500; i++) {
  const productId = pick();
  const query: Record<string, string> = {
    limit: '10',
    ...(i % 2 === 0 ? { sessionId: sessions[i % 20]! } : {}),
  };
  const event = {
    version: '2.0',
    routeKey: 'GET /v1/products/{productId}/related',
    rawPath: `/v1/products/${productId}/related`,
    rawQueryString: new URLSearchParams(query).toString(),
    headers: {},
    queryStringParameters: query,
    pathParameters: { productId },
    requestContext: {
      http: { method: 'GET', path: `/v1/products/${productId}/related` },
      requestId: `b-${i}`,
    },
    isBase64Encoded: false,
  } as unknown as APIGatewayProxyEventV2;
  const t = performance.now();
  const out = (await rt.invoke('related-read', event)) as { statusCode: number };
  handlerMs.push(performance.now() - t);
  if (out.statusCode !== 200) errors++;
}
await rt.stop();

const figures = {
  concurrency,
  seconds: round(elapsed, 1),
  requests: latencies.length,
  rps: Math.round(latencies.length / elapsed),
  p50: round(percentile(latencies, 50), 2),
  p99: round(percentile(latencies, 99), 2),
  errors,
  handler: { p50: round(percentile(handlerMs, 50), 2), p99: round(percentile(handlerMs, 99), 2) },
};
if (values.json) console.log(JSON.stringify(figures));
else {
  console.log(
    `\nGET /v1/products/{id}/related through the local gateway, ${concurrency} in flight, ${figures.seconds} s:`,
  );
  console.log(
    `  ${figures.requests} requests, ${figures.rps} req/s, p50 ${figures.p50} ms, p99 ${figures.p99} ms, errors ${errors}`,
  );
  console.log(
    `handler in process (sequential, 500 calls): p50 ${figures.handler.p50} ms, p99 ${figures.handler.p99} ms`,
  );
}

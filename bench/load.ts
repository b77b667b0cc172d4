import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { generateDemoData } from '../infra/local/demo/data/generate.ts';
import { localShopperToken } from '../infra/local/runtime.ts';
import { DEMO_SEED } from '../infra/local/seed.ts';

/**
 * A mixed storefront workload against the local runtime, as a separate process (`npm start --
 * --memory`, the seeded demo), driven by autocannon over loopback at a fixed concurrency:
 * 70% related products, 15% scene guides, 10% quotes (signed-in demo customers, 2-4 items),
 * 5% event batches (10 views and carts each, every event new). It prints requests/s, latency
 * p50/p99/p99.9, errors (socket errors, timeouts, non-2xx answers) and the runtime's memory
 * (RSS of the Node process, its heap after a forced collection, and DynamoDB Local's RSS) at the
 * start, when the load stops and once the queues have drained, with samples in between.
 *
 *   npm run bench:load                    60 s, 16 connections
 *   npm run bench:load -- --soak          10 minutes, memory sampled every 30 s
 *   npm run bench:load -- --seconds 20 --connections 32 --json
 */
const { values } = parseArgs({
  options: {
    seconds: { type: 'string' },
    connections: { type: 'string', default: '16' },
    soak: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    seed: { type: 'string', default: '9' },
  },
});
const seconds = Number(values.seconds ?? (values.soak ? 600 : 60));
const connections = Number(values.connections);
const say = values.json ? () => {} : (line: string) => console.log(line);
const ROOT = resolve(import.meta.dirname, '..');

async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.once('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => ok(port));
    });
  });
}

/** Resident memory of a process in MB, from /proc (Linux). */
function rssMb(pid: number | undefined): number | undefined {
  if (!pid) return undefined;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : undefined;
  } catch {
    return undefined;
  }
}
function childPids(pid: number): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

// The runtime, started as a user would, in memory so every run starts from the same demo.
const port = await freePort();
const url = `http://127.0.0.1:${port}`;
say(`starting the local runtime on ${url} ...`);
const runtime: ChildProcess = spawn(
  process.execPath,
  ['--expose-gc', '--import', 'tsx', 'infra/local/main.ts', '--memory', '--port', String(port)],
  {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, POWERTOOLS_LOG_LEVEL: 'ERROR' },
  },
);
const stopRuntime = () => {
  if (runtime.exitCode === null) runtime.kill('SIGTERM');
};
process.on('exit', stopRuntime);
process.on('SIGINT', () => process.exit(130));

const readyBy = Date.now() + 180_000;
for (;;) {
  if (runtime.exitCode !== null) throw new Error('the runtime exited before it was ready');
  if (Date.now() > readyBy) throw new Error('the runtime was not ready within 3 minutes');
  type Status = { hits?: { state: string }; bundles?: { state: string } };
  const status = await fetch(`${url}/_local/status`)
    .then(async (r) => (await r.json()) as Status)
    .catch(() => undefined);
  if (status?.hits?.state === 'ranked' && status.bundles?.state === 'mined') break;
  await new Promise((r) => setTimeout(r, 500));
}
/** DynamoDB Local is a Java process somewhere below the runtime (its launcher may sit between). */
function findDynamoLocal(pid: number, depth = 0): number | undefined {
  for (const child of childPids(pid)) {
    const cmd = (() => {
      try {
        return readFileSync(`/proc/${child}/cmdline`, 'utf8');
      } catch {
        return '';
      }
    })();
    // argv[0] is java itself (not a shell that launched it).
    if (/DynamoDBLocal/.test(cmd) && /(^|\/)java$/.test(cmd.split('\0')[0] ?? '')) return child;
    const below = depth < 3 ? findDynamoLocal(child, depth + 1) : undefined;
    if (below) return below;
  }
  return undefined;
}
const javaPid = findDynamoLocal(runtime.pid!);
type Status = {
  memoryMb?: { rss: number; heapUsed: number };
  queues?: Record<string, { queued: number; inFlight: number; deadLetters: number }>;
};
/** RSS of both processes, and the runtime's heap after a collection and its queue backlog. */
async function memory() {
  const status = (await fetch(`${url}/_local/status?gc=1`).then((r) => r.json())) as Status;
  const queues = Object.values(status.queues ?? {});
  return {
    runtimeMb: rssMb(runtime.pid),
    heapUsedMb: status.memoryMb?.heapUsed,
    dynamoLocalMb: rssMb(javaPid),
    backlog: queues.reduce((n, q) => n + q.queued + q.inFlight, 0),
    deadLetters: queues.reduce((n, q) => n + q.deadLetters, 0),
  };
}
const describe = (m: Awaited<ReturnType<typeof memory>>) =>
  `runtime RSS ${m.runtimeMb} MB, heap after GC ${m.heapUsedMb} MB, DynamoDB Local ${m.dynamoLocalMb} MB, queued ${m.backlog}`;

// What the demo storefront holds: the same seed as the runtime's.
const demo = generateDemoData({
  seed: DEMO_SEED,
  endAt: new Date(`${new Date().toISOString().slice(0, 10)}T00:00:00Z`),
});
const productIds = demo.products.map((p) => p.productId);
const sceneIds = demo.scenes.map((s) => s.sceneId);
const tokens = demo.customers
  .slice(0, 200)
  .map((c) => `Bearer ${localShopperToken(c.userId, { nowMs: Date.now() })}`);

let state = Number(values.seed) >>> 0;
const rand = () => {
  state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
  return state / 4294967296;
};
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
const run = Date.now().toString(36);
let sequence = 0;
const mix = { related: 0, scenes: 0, quotes: 0, events: 0 };

type Req = { method: string; path: string; headers?: Record<string, string>; body?: string };
function nextRequest(): Req {
  const r = rand();
  const session = `s-load-${Math.floor(rand() * 500)}`;
  if (r < 0.7) {
    mix.related++;
    return { method: 'GET', path: `/v1/products/${pick(productIds)}/related?limit=10&sessionId=${session}` };
  }
  if (r < 0.85) {
    mix.scenes++;
    return rand() < 0.5
      ? { method: 'GET', path: `/v1/products/${pick(productIds)}/scenes?sessionId=${session}` }
      : { method: 'GET', path: `/v1/scenes/${pick(sceneIds)}?sessionId=${session}` };
  }
  if (r < 0.95) {
    mix.quotes++;
    const items = [...new Set(Array.from({ length: 2 + Math.floor(rand() * 3) }, () => pick(productIds)))];
    return {
      method: 'POST',
      path: '/v1/quotes',
      headers: { 'content-type': 'application/json', authorization: pick(tokens) },
      body: JSON.stringify({ items: items.map((productId) => ({ productId, quantity: 1 })) }),
    };
  }
  mix.events++;
  const now = new Date().toISOString();
  const events = Array.from({ length: 10 }, () => {
    const base = {
      eventId: `evt-load-${run}-${sequence++}`,
      occurredAt: now,
      version: 1,
      sessionId: session,
    };
    return rand() < 0.8
      ? { ...base, type: 'ProductViewed', productId: pick(productIds) }
      : { ...base, type: 'ProductAddedToCart', productId: pick(productIds), quantity: 1 };
  });
  return {
    method: 'POST',
    path: '/v1/events',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ events }),
  };
}

const statusCounts = new Map<number, number>();
const samples: ({ atS: number } & Awaited<ReturnType<typeof memory>>)[] = [];
const start = await memory();
say(`ready. at start: ${describe(start)}`);
say(
  `load: ${connections} connections for ${seconds} s (70% related, 15% scenes, 10% quotes, 5% event batches)`,
);
const t0 = Date.now();
const sampler = setInterval(
  () => {
    const atS = Math.round((Date.now() - t0) / 1000);
    void memory().then((m) => {
      samples.push({ atS, ...m });
      say(`  ${atS} s: ${describe(m)}`);
    });
  },
  values.soak ? 30_000 : 10_000,
);

const result = await autocannon({
  url,
  connections,
  duration: seconds,
  timeout: 10,
  requests: [
    {
      setupRequest: () => {
        const next = nextRequest();
        return {
          method: next.method as 'GET' | 'POST',
          path: next.path,
          headers: next.headers ?? {},
          ...(next.body === undefined ? {} : { body: next.body }),
        };
      },
      onResponse: (status: number) => {
        statusCounts.set(status, (statusCounts.get(status) ?? 0) + 1);
      },
    },
  ],
});
clearInterval(sampler);
const atLoadEnd = await memory();
// What the consumers still had queued when the load stopped, worked off before the last reading,
// so the end figure compares like with like (a backlog is not a leak).
const drainStarted = Date.now();
let end = atLoadEnd;
while (end.backlog > 0 && Date.now() - drainStarted < 120_000) {
  await new Promise((r) => setTimeout(r, 1_000));
  end = await memory();
}
const drainS = Math.round((Date.now() - drainStarted) / 1000);

const summary = {
  seconds,
  connections,
  requests: result.requests.total,
  requestsPerSecond: Math.round(result.requests.average),
  latencyMs: {
    p50: result.latency.p50,
    p99: result.latency.p99,
    p99_9: result.latency.p99_9,
    max: result.latency.max,
  },
  errors: result.errors,
  timeouts: result.timeouts,
  non2xx: result.non2xx,
  statuses: Object.fromEntries([...statusCounts].sort(([a], [b]) => a - b)),
  mix,
  memory: { start, atLoadEnd, end, drainSeconds: drainS, samples },
};
stopRuntime();
if (values.json) console.log(JSON.stringify(summary));
else {
  say('');
  say(`requests: ${summary.requests} in ${seconds} s = ${summary.requestsPerSecond} req/s`);
  say(
    `latency: p50 ${summary.latencyMs.p50} ms, p99 ${summary.latencyMs.p99} ms, p99.9 ${summary.latencyMs.p99_9} ms, max ${summary.latencyMs.max} ms`,
  );
  say(
    `errors: ${summary.errors} socket errors, ${summary.timeouts} timeouts, ${summary.non2xx} non-2xx; statuses ${JSON.stringify(summary.statuses)}`,
  );
  say(`mix: ${JSON.stringify(mix)}`);
  say(`at start: ${describe(start)}`);
  say(`when the load stopped: ${describe(atLoadEnd)}`);
  say(`after the queues drained (${drainS} s): ${describe(end)}; dead letters ${end.deadLetters}`);
}
const failures = summary.errors + summary.timeouts + summary.non2xx + end.deadLetters;
process.exitCode = failures === 0 ? 0 : 1;

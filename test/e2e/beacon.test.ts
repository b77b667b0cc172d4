import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { resolve } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { eventsOnce } from '../../models/lake/dialect.ts';
import { startTestRuntime, type TestRuntime } from '../support/runtime.ts';

/**
 * The storefront beacon (client/beacon.ts) in Debian's Chromium. A page on a small test origin
 * loads the beacon; its `POST /v1/events` go through a proxy in front of the local runtime that
 * records every request (how it was sent, which event ids, what the service answered) and can
 * refuse (503, 429) or hold a request on the way. Checked: batches of `batchSize`, one visit id
 * per tab, retries after 503/429, sendBeacon on page hide, and nothing lost or duplicated when the
 * page closes while a batch is on its way.
 */
const CHROMIUM = '/usr/bin/chromium';
const ROOT = resolve(import.meta.dirname, '../..');

let rt: TestRuntime;
let browser: Browser;
let proxy: Server;
let origin: string;
let script: string;

interface Delivery {
  /** `beacon` (navigator.sendBeacon: text/plain) or `fetch` (application/json). */
  via: 'beacon' | 'fetch';
  ids: string[];
  sessionIds: string[];
  /** What the client was answered (the service's answer, or one made up by the plan). */
  status: number;
}
let deliveries: Delivery[] = [];
/** What to do with the next requests: refuse, hold for a while, or pass on (when empty). */
let plan: ({ refuse: number; retryAfter?: string } | { holdMs: number; dropIfAbandoned: boolean })[] = [];
let received = 0;

const readBody = async (req: IncomingMessage) => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
};

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`Debian's Chromium is not installed at ${CHROMIUM}`);
  const { build } = await import('esbuild');
  const bundle = await build({
    entryPoints: [resolve(ROOT, 'events/client/beacon.ts')],
    bundle: true,
    format: 'iife',
    globalName: 'MerchandiserBeacon',
    target: 'chrome120',
    write: false,
  });
  script = bundle.outputFiles[0]!.text;
  [rt, browser] = await Promise.all([
    startTestRuntime('bcn'),
    chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
      ],
    }),
  ]);
  proxy = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (req.method === 'GET' && url.pathname === '/beacon.js') {
        res.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
        return;
      }
      if (req.method === 'GET' && url.pathname.startsWith('/page')) {
        // The beacon's options come from the page's query string.
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(`<!doctype html>
<title>beacon</title><script src="/beacon.js"></script>
<script>
  const q = new URLSearchParams(location.search);
  window.beacon = MerchandiserBeacon.createBeacon({
    batchSize: Number(q.get('batchSize') ?? 20),
    flushIntervalMs: Number(q.get('flushIntervalMs') ?? 60000),
    baseDelayMs: 50,
  });
  window.view = (n) => Array.from({ length: n }, (_, i) =>
    window.beacon.track({ type: 'ProductViewed', productId: 'p-' + String(i).padStart(5, '0'), referrer: 'beacon-test' }).eventId);
</script>`);
        return;
      }
      if (req.method === 'POST' && url.pathname === '/v1/events') {
        const body = await readBody(req);
        received++;
        const via = (req.headers['content-type'] ?? '').startsWith('text/plain') ? 'beacon' : 'fetch';
        const events = (JSON.parse(body) as { events: { eventId: string; sessionId: string }[] }).events;
        const record = (status: number) =>
          deliveries.push({
            via,
            ids: events.map((e) => e.eventId),
            sessionIds: events.map((e) => e.sessionId),
            status,
          });
        const step = plan.shift();
        if (step && 'refuse' in step) {
          record(step.refuse);
          res
            .writeHead(step.refuse, {
              'content-type': 'application/json',
              ...(step.retryAfter ? { 'retry-after': step.retryAfter } : {}),
            })
            .end(JSON.stringify({ error: { code: 'Throttled', message: 'busy' } }));
          return;
        }
        if (step && 'holdMs' in step) {
          // The browser may give up a request of a page it closes: then the request is lost on the
          // way (dropIfAbandoned), or it arrived whole and the service handles it all the same.
          let abandoned = false;
          res.on('close', () => {
            if (!res.writableEnded) abandoned = true;
          });
          await new Promise((r) => setTimeout(r, step.holdMs));
          if (abandoned && step.dropIfAbandoned) {
            record(0);
            return;
          }
        }
        const upstream = await fetch(`${rt.url}/v1/events`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        });
        record(upstream.status);
        res.writeHead(upstream.status, { 'content-type': 'application/json' }).end(await upstream.text());
        return;
      }
      res.writeHead(404).end();
    })();
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  const address = proxy.address();
  origin = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((r) => proxy?.close(r));
  await rt?.stop();
});

beforeEach(() => {
  deliveries = [];
  plan = [];
  received = 0;
});

async function openPage(query = ''): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(`${origin}/page${query}`);
  return page;
}
const until = async (check: () => boolean, what: string, ms = 15_000) => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(deliveries)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
};
/** Each event id the service accepted, with how many times. */
const accepted = () => {
  const counts = new Map<string, number>();
  for (const d of deliveries)
    if (d.status === 202) for (const id of d.ids) counts.set(id, (counts.get(id) ?? 0) + 1);
  return counts;
};

describe('storefront beacon in Chromium', { timeout: 60_000 }, () => {
  it("sends events in batches of batchSize, all with the tab's visit id", async () => {
    const page = await openPage('?batchSize=20');
    const ids = (await page.evaluate('view(45)')) as string[];
    await page.evaluate('beacon.flush()');
    expect(deliveries.map((d) => [d.via, d.ids.length, d.status])).toEqual([
      ['fetch', 20, 202],
      ['fetch', 20, 202],
      ['fetch', 5, 202],
    ]);
    expect([...accepted().keys()].sort()).toEqual([...ids].sort());
    const sessionId = (await page.evaluate('beacon.sessionId')) as string;
    expect(new Set(deliveries.flatMap((d) => d.sessionIds))).toEqual(new Set([sessionId]));
    // The visit is the tab's: the same after a reload, another in a new tab.
    await page.reload();
    expect(await page.evaluate('beacon.sessionId')).toBe(sessionId);
    const other = await openPage();
    expect(await other.evaluate('beacon.sessionId')).not.toBe(sessionId);
    await Promise.all([page.close(), other.close()]);
  });

  it('retries a batch answered 503 and 429, with backoff, and delivers it once', async () => {
    plan = [{ refuse: 503 }, { refuse: 429, retryAfter: '0' }, { refuse: 503, retryAfter: '1' }];
    const page = await openPage();
    const ids = (await page.evaluate('view(3)')) as string[];
    const started = Date.now();
    await page.evaluate('beacon.flush()');
    expect(deliveries.map((d) => d.status)).toEqual([503, 429, 503, 202]);
    // The last refusal asked for a second (Retry-After: 1).
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
    expect([...accepted()]).toEqual(ids.map((id) => [id, 1]));
    expect(await page.evaluate('beacon.pending()')).toBe(0);
    await page.close();
  });

  it('sends what is waiting with sendBeacon when the page is hidden', async () => {
    const page = await openPage();
    const ids = (await page.evaluate('view(5)')) as string[];
    expect(deliveries).toEqual([]); // below the batch size, and the interval is a minute
    await page.goto('about:blank');
    await until(() => accepted().size === 5, 'the beaconed events');
    expect(deliveries.map((d) => [d.via, d.ids.length])).toEqual([['beacon', 5]]);
    expect([...accepted().keys()].sort()).toEqual([...ids].sort());
    await page.close();
  });

  /** Closes the page while its first batch of 20 is held on the way; 7 more events are queued. */
  async function closeMidBatch(dropIfAbandoned: boolean) {
    plan = [{ holdMs: 1_500, dropIfAbandoned }];
    const page = await openPage('?batchSize=20');
    const first = (await page.evaluate('view(20)')) as string[];
    await until(() => received === 1, 'the first batch on its way');
    const second = (await page.evaluate('view(7)')) as string[];
    await page.close({ runBeforeUnload: true });
    await until(() => accepted().size === 27, 'every event accepted');
    await new Promise((r) => setTimeout(r, 1_700));
    return [...first, ...second];
  }

  /** How many times the lake (where the service keeps every event it accepted) holds each id. */
  async function storedTimes(ids: string[]): Promise<Map<string, number>> {
    await rt.bus.drain();
    await rt.lakeFlush();
    const rows = await rt.lake.query<{ event_id: string; n: number }>(
      `SELECT event_id, count(*) AS n FROM events WHERE event_id IN (${ids.map((id) => `'${id}'`).join(', ')}) GROUP BY event_id`,
    );
    const counts = new Map(rows.map((r) => [r.event_id, r.n]));
    return new Map(ids.map((id) => [id, counts.get(id) ?? 0]));
  }

  it('loses nothing when the page closes while a batch is on its way and the browser drops it', async () => {
    const ids = await closeMidBatch(true);
    // The dropped batch went again with the 7 waiting, in one sendBeacon: each accepted once.
    expect(deliveries.map((d) => [d.via, d.ids.length, d.status]).sort()).toEqual([
      ['beacon', 27, 202],
      ['fetch', 20, 0],
    ]);
    expect([...accepted()].sort()).toEqual(ids.map((id) => [id, 1]).sort());
    expect([...(await storedTimes(ids)).values()]).toEqual(ids.map(() => 1));
  });

  it('stores each event once when the batch on its way arrives after the page closed', async () => {
    const ids = await closeMidBatch(false);
    // The batch arrived whole (20) and went again by sendBeacon, with the 7: 20 ids reached the
    // service twice. The lake keeps both deliveries (at-least-once, as Firehose does); what reads
    // it takes each event id once.
    expect(deliveries.map((d) => [d.via, d.ids.length, d.status]).sort()).toEqual([
      ['beacon', 27, 202],
      ['fetch', 20, 202],
    ]);
    expect(new Set(accepted().keys())).toEqual(new Set(ids));
    const stored = await storedTimes(ids);
    expect([...stored.values()].sort()).toEqual([...Array(7).fill(1), ...Array(20).fill(2)]);
    const once = await rt.lake.query<{ n: number }>(
      `SELECT count(*) AS n FROM ${eventsOnce(`e.event_id IN (${ids.map((id) => `'${id}'`).join(', ')})`)} AS o`,
    );
    expect(once).toEqual([{ n: 27 }]);
  });
});

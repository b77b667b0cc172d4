import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchWriteAll } from '../../functions/adapters/dynamo/batch-write.ts';
import { generateDemoData } from '../../infra/local/demo/data/generate.ts';
import { routes, type TableDecl, type TableId, tables } from '../../infra/topology.ts';
import { TEST_NOW } from '../support/clock.ts';
import { scanAll } from '../support/dynamo.ts';
import { sendThroughTheirDoors } from '../support/history.ts';
import { startTestRuntime, type TestRuntime } from '../support/runtime.ts';
import { apiFetch } from '../support/sigv4.ts';

/**
 * Every declared route against garbage, through the local gateway, seeded and bounded: whatever
 * the path parameters, query strings and bodies, the answer is a 2xx or a 4xx with the one error
 * shape, never a 5xx; and a rejected request changes nothing stored (every table dumped before
 * and after, the bus drained in between).
 */
let rt: TestRuntime;
beforeAll(async () => {
  rt = await startTestRuntime('fz');
});
afterAll(async () => rt?.stop());

const nasty = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    '',
    ' ',
    '../../etc/passwd',
    "p-1' OR '1'='1",
    '%00',
    '\u0000',
    '<script>alert(1)</script>',
    '{"$ne":null}',
    'p-00001#neighbours',
    'x'.repeat(5_000),
    '-1',
    '1e309',
    'NaN',
    '🙂',
  ),
);
const json = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }),
  fc.record({ events: fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 5 }) }),
  fc.record({
    items: fc.array(fc.record({ productId: nasty, quantity: fc.oneof(fc.integer(), fc.double()) }), {
      maxLength: 4,
    }),
  }),
);
const body = fc.oneof(
  json.map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 60 }),
  fc.constant('{"a":'.repeat(2_000)),
  fc.constant(''),
);

async function send(
  method: string,
  path: string,
  query: [string, string][],
  payload: string | undefined,
  headers: Record<string, string>,
) {
  const qs = new URLSearchParams(query).toString();
  // As the party allowed to call the route (an IAM route signed with the local keys), so that the
  // garbage reaches the function behind it.
  const res = await apiFetch(`${rt.url}${path}${qs ? `?${qs}` : ''}`, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    ...(payload !== undefined && method !== 'GET' ? { body: payload } : {}),
  });
  const text = await res.text();
  return { status: res.status, text };
}

describe('fuzzing every route through the local gateway', () => {
  it.each(routes.map((r) => [`${r.method} ${r.path}`, r] as const))(
    '%s answers 2xx or 4xx, never 5xx',
    async (_key, route) => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(nasty, { minLength: 3, maxLength: 3 }),
          fc.array(
            fc.tuple(
              fc.constantFrom(
                'limit',
                'category',
                'explain',
                'sessionId',
                'userId',
                'productId',
                'cursor',
                'exclude',
                'x',
              ),
              nasty,
            ),
            {
              maxLength: 4,
            },
          ),
          body,
          fc.constantFrom<Record<string, string>>(
            {},
            { authorization: 'Bearer not.a.token' },
            { 'accept-language': 'zh-CN;q=x, *' },
            { 'idempotency-key': 'k'.repeat(300) },
            { 'x-correlation-id': 'a b {"forged":1}' },
          ),
          async (params, query, payload, headers) => {
            let i = 0;
            const path = route.path.replace(/\{[^}]+\}/g, () => encodeURIComponent(params[i++] ?? ''));
            const { status, text } = await send(route.method, path, query, payload, headers);
            expect(status, `${route.method} ${path} -> ${text.slice(0, 200)}`).toBeLessThan(500);
            if (status >= 400) {
              // Always ours, {"error": {"code", "message", ...}}: a path no route takes (an empty id)
              // reaches the $default route, which answers 404/405 in the same shape.
              const parsed = JSON.parse(text) as { error?: { code?: unknown } };
              expect(typeof parsed.error?.code, text.slice(0, 200)).toBe('string');
            }
          },
        ),
        { numRuns: 25, seed: 20261123 },
      );
    },
    60_000,
  );
});

/** A stable JSON text of a stored item: keys sorted at every depth, sets as sorted arrays. */
function canonical(value: unknown): unknown {
  if (value instanceof Set) return [...value].map(canonical).sort();
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  return value;
}

/**
 * Every table's live items, each table sorted, as one JSON string. Items past their TTL are left
 * out: DynamoDB counts them as gone and deletes them in the background whenever it likes (the
 * demo's old visits expire at once), which is not a change a request made.
 */
async function dumpTables(doc: DynamoDBDocumentClient): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const nowS = rt.now() / 1000;
  for (const decl of tables as readonly TableDecl[]) {
    const id = decl.id as TableId;
    const table = rt.tableNames[id];
    const items = await scanAll(doc, table);
    const live = decl.ttlAttribute
      ? items.filter((i) => !(Number(i[decl.ttlAttribute!] ?? Number.POSITIVE_INFINITY) < nowS + 60))
      : items;
    out[id] = JSON.stringify(live.map((i) => JSON.stringify(canonical(i))).sort());
  }
  return out;
}

describe('a rejected request changes nothing stored', () => {
  let doc: DynamoDBDocumentClient;
  const rejectedBy = new Map<string, number>();
  const demo = generateDemoData({ seed: 5, products: 300, events: 1_000, days: 14, endAt: TEST_NOW });

  beforeAll(async () => {
    doc = rt.doc;
    // A small storefront with history, so that there is something to corrupt.
    const updatedAt = new Date(rt.now()).toISOString();
    const stamp = <T extends object>(xs: readonly T[]) => xs.map((x) => ({ ...x, updatedAt }));
    await batchWriteAll(rt.tableNames.products, stamp(demo.products), { client: doc });
    await batchWriteAll(rt.tableNames.scenes, stamp(demo.scenes), { client: doc });
    await batchWriteAll(rt.tableNames.promotions, stamp(demo.promotions), { client: doc });
    await batchWriteAll(rt.tableNames.customers, stamp(demo.customers.slice(0, 50)), { client: doc });
    // Behaviour, orders and reviews, each through its own door.
    await sendThroughTheirDoors(rt.url, demo.events.slice(-300));
    await rt.bus.drain();
  }, 120_000);

  const takesInput = routes.filter((r) => r.method !== 'GET' || r.path.includes('{'));
  const productId = fc.constantFrom(...demo.products.slice(0, 5).map((p) => p.productId));
  it.each(takesInput.map((r) => [`${r.method} ${r.path}`, r] as const))(
    '%s: tables identical before and after every 4xx',
    async (_key, route) => {
      let before = await dumpTables(doc);
      let rejected = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.oneof(nasty, productId), { minLength: 3, maxLength: 3 }),
          fc.array(fc.tuple(fc.constantFrom('limit', 'sessionId', 'category', 'explain', 'x'), nasty), {
            maxLength: 3,
          }),
          body,
          async (params, query, payload) => {
            let i = 0;
            const path = route.path.replace(/\{[^}]+\}/g, () => encodeURIComponent(params[i++] ?? ''));
            const { status, text } = await send(route.method, path, query, payload, {});
            expect(status, text.slice(0, 200)).toBeLessThan(500);
            await rt.bus.drain();
            const after = await dumpTables(doc);
            if (status >= 400) {
              rejected++;
              for (const table of Object.keys(before)) {
                expect(after[table], `${route.method} ${path} -> ${status} changed ${table}`).toBe(
                  before[table],
                );
              }
            }
            // An accepted request may change what is stored; the next comparison starts from it.
            before = after;
          },
        ),
        { numRuns: 6, seed: 20261124 },
      );
      rejectedBy.set(`${route.method} ${route.path}`, rejected);
    },
    60_000,
  );

  it.each(routes.filter((r) => r.method !== 'GET').map((r) => [`${r.method} ${r.path}`, r] as const))(
    '%s refuses a 2 MB body with a 4xx error, storing nothing',
    async (_key, route) => {
      const before = await dumpTables(doc);
      const huge = JSON.stringify({
        items: [{ productId: 'p-1', quantity: 1 }],
        pad: 'x'.repeat(2 * 1024 * 1024),
      });
      const path = route.path.replace(/\{[^}]+\}/g, 'x-huge-1');
      const { status, text } = await send(route.method, path, [], huge, {});
      expect(status, text.slice(0, 200)).toBeGreaterThanOrEqual(400);
      expect(status, text.slice(0, 200)).toBeLessThan(500);
      expect((JSON.parse(text) as { error?: { code?: string } }).error?.code, text.slice(0, 200)).toBeTypeOf(
        'string',
      );
      await rt.bus.drain();
      expect(await dumpTables(doc)).toEqual(before);
    },
    60_000,
  );

  it('compared after rejections on every route that takes input', () => {
    for (const r of takesInput)
      expect(rejectedBy.get(`${r.method} ${r.path}`), `${r.method} ${r.path}`).toBeGreaterThan(0);
  });
});

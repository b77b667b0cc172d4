import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Product } from '../../events/catalog.ts';
import { batchWriteAll } from '../../functions/adapters/dynamo/batch-write.ts';
import { eventBridge } from '../../functions/lib/eventbridge.ts';
import { generateDemoData } from '../../infra/local/demo/data/generate.ts';
import { routeKey, routes } from '../../infra/topology.ts';
import { TEST_NOW } from '../support/clock.ts';
import {
  type Answer,
  Contract,
  type GeneratedRequest,
  type Json,
  type Known,
  leafPaths,
  type Operation,
  probes,
  REMOVE,
  sample,
  schemaAt,
  setAt,
} from '../support/openapi-conformance.ts';
import { startTestRuntime, type TestRuntime } from '../support/runtime.ts';
import { apiFetch } from '../support/sigv4.ts';
import { shopperToken } from '../support/tokens.ts';

/**
 * The served OpenAPI document against the server, with peer tools: `redocly lint` with the
 * recommended rules (0 errors), and every operation driven with requests generated from the
 * document (valid ones, then single-field mutations of them, with and without the bearer token),
 * each answer validated with Ajv 2020 against the documented responses (status, body, headers).
 * The document itself decides whether it accepts a request; a request it accepts must not be a
 * 400, one it rejects must not be a 2xx. Then what no operation documents: unknown paths and
 * methods, a publish failure (503), a redemption retried after the quote expired (410).
 */

const ROOT = resolve(import.meta.dirname, '../..');
let rt: TestRuntime;
let contract: Contract;
let served: Json;

const demo = generateDemoData({ seed: 5, products: 300, events: 1_000, days: 14, endAt: TEST_NOW });
/** A customer of the shop (so that the admin profile route finds them) and another shopper. */
const USER = demo.customers[0]!.userId;
const OTHER = 'u-conformance-other';
const anchor = demo.products.find((p) => p.stock > 0)!;
const groupBuy = demo.promotions.find((p) => p.kind === 'groupBuy')!;
const MAX_PRICE_ID = 'p-conformance-max';

/** What the seeded store holds, by parameter or property name; ids learned from answers join it. */
const state: Record<string, unknown> = {
  productId: anchor.productId,
  sceneId: demo.scenes[0]!.sceneId,
  category: anchor.category,
  promotionId: groupBuy.promotionId,
  experimentId: 'exp-conformance',
  sessionId: 's-conformance',
  userId: USER,
  // Learned from answers: a quote to read and redeem, a group to join, a cursor to page on with.
  quoteId: undefined,
  groupId: undefined,
  cursor: undefined,
};
let events = 0;
const known: Known = {
  ...Object.fromEntries(Object.keys(state).map((k) => [k, () => state[k]])),
  eventId: () => `evt-conformance-${++events}`,
};

beforeAll(async () => {
  rt = await startTestRuntime('cf');
  const updatedAt = new Date(rt.now()).toISOString();
  const stamp = <T extends object>(xs: readonly T[]) => xs.map((x) => ({ ...x, updatedAt }));
  served = await (await fetch(`${rt.url}/openapi.json`)).json();
  contract = new Contract(served);
  // The document's example experiment is the valid body; its path names the same experiment.
  const example = contract.deref(
    served.components.schemas.ExperimentInput ?? served.components.schemas.Experiment,
  )?.examples?.[0];
  if (example?.experimentId) state.experimentId = example.experimentId;
  // A product at the largest list price the document allows: quotes for it must still conform.
  const listPrice =
    contract.deref(served.components.schemas.ProductCard).properties.listPrice.maximum ?? 1e11;
  const maxPriced: Product = {
    ...anchor,
    productId: MAX_PRICE_ID,
    listPrice,
    cost: Math.floor(listPrice / 2),
  };
  await batchWriteAll(rt.tableNames.products, stamp([...demo.products, maxPriced]), { client: rt.doc });
  await batchWriteAll(rt.tableNames.scenes, stamp(demo.scenes), { client: rt.doc });
  await batchWriteAll(rt.tableNames.promotions, stamp(demo.promotions), { client: rt.doc });
  await batchWriteAll(rt.tableNames.customers, stamp(demo.customers.slice(0, 50)), { client: rt.doc });
}, 120_000);
afterAll(async () => rt?.stop());

interface Violation {
  /** What is counted: one per operation and kind of disagreement. */
  key: string;
  example: string;
}
const violations = new Map<string, Violation>();
/** The statuses each operation answered: every one must have served at least one request. */
const statuses = new Map<string, Set<number>>();
const record = (key: string, example: string) => {
  if (!violations.has(key)) violations.set(key, { key, example });
};

async function send(op: { method: string; path: string }, req: GeneratedRequest): Promise<Answer> {
  const path = op.path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(req.path[name] ?? ''));
  const query = new URLSearchParams(req.query).toString();
  const body =
    req.body === undefined ? undefined : 'raw' in req.body ? req.body.raw : JSON.stringify(req.body.json);
  // An IAM operation is signed with the local keys, as the operator's tool or the shop's servers sign.
  const res = await apiFetch(`${rt.url}${path}${query ? `?${query}` : ''}`, {
    method: op.method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...req.headers },
    ...(body === undefined ? {} : { body }),
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/** Sends the request and records every way the answer disagrees with the document. */
async function exercise(op: Operation, req: GeneratedRequest, field: string): Promise<Answer> {
  const refusals = contract.refusals(op, req);
  const answer = await send(op, req);
  statuses.set(op.key, (statuses.get(op.key) ?? new Set()).add(answer.status));
  for (const problem of contract.checkAnswer(op, answer)) {
    record(`${op.key}: ${problem.replace(/ \(.*$/, '')}`, `${req.label}: ${problem}`);
  }
  if (refusals.length === 0 && answer.status === 400) {
    // Counted once per field the server names (`body.slots.*.constraint`), whatever was varied.
    const issue = (JSON.parse(answer.text) as { error?: { issues?: { path: string }[] } }).error?.issues?.[0];
    const where = issue?.path.replace(/\.\d+(?=\.|$)/g, '.*') ?? field;
    // Unless the document says the server checks that field beyond the schema (`x-server-checks`).
    if (!op.op['x-server-checks']?.[where]) {
      record(
        `${op.key}: the document accepts what the server refuses (${where})`,
        `${req.label}: ${answer.text.slice(0, 200)}`,
      );
    }
  }
  if (refusals.length > 0 && answer.status >= 200 && answer.status < 300) {
    record(
      `${op.key}: the server accepts what the document refuses (${field})`,
      `${req.label}: ${refusals.join('; ')}`,
    );
  }
  return answer;
}

/** The valid request of an operation: required parameters (or every one), token when required. */
function validRequest(op: Operation, optional: boolean): GeneratedRequest {
  const req: GeneratedRequest = {
    label: optional ? 'valid, every parameter' : 'valid',
    path: {},
    query: {},
    headers: {},
  };
  for (const { p } of op.parameters) {
    if (p.in === 'cookie' || (!p.required && !optional)) continue;
    // A userId in the query is only ever the token's own: sent with the token below.
    const value = sample(contract, p.schema, known, p.name);
    const text = Array.isArray(value) ? value.join(',') : String(value);
    if (p.in === 'path') req.path[p.name] = text;
    else if (p.in === 'query') req.query[p.name] = text;
    else req.headers[p.name.toLowerCase()] = text;
  }
  if (op.token === 'required' || (optional && op.token === 'optional')) {
    req.headers.authorization = `Bearer ${shopperToken(USER)}`;
  }
  const bodyPointer = contract.bodyPointer(op);
  if (bodyPointer) req.body = { json: sample(contract, contract.at(bodyPointer), known) };
  return req;
}

function* mutations(op: Operation, base: GeneratedRequest): Generator<[GeneratedRequest, string]> {
  const tweak = (label: string, change: (r: GeneratedRequest) => void): GeneratedRequest => {
    const r = structuredClone(base);
    r.label = label;
    change(r);
    return r;
  };
  for (const { p } of op.parameters) {
    if (p.in === 'cookie') continue;
    const name = p.in === 'header' ? p.name.toLowerCase() : p.name;
    const bag = (r: GeneratedRequest) => (p.in === 'path' ? r.path : p.in === 'query' ? r.query : r.headers);
    for (const probe of probes(p.schema, contract)) {
      if (p.in === 'path' && (probe === '' || probe === '   ')) continue;
      const text = typeof probe === 'string' ? probe : JSON.stringify(probe);
      yield [
        tweak(`${p.in} ${p.name}=${text.slice(0, 40)}`, (r) => {
          bag(r)[name] = text;
        }),
        `${p.in} ${p.name}`,
      ];
    }
    if (p.in !== 'path' && bag(base)[name] !== undefined) {
      yield [tweak(`${p.in} ${p.name} left out`, (r) => void delete bag(r)[name]), `${p.in} ${p.name}`];
    }
  }
  if (op.token !== 'none') {
    yield [
      tweak('a token that is not one', (r) => {
        r.headers.authorization = 'Bearer not-a-token';
      }),
      'token',
    ];
    if (op.token === 'required') {
      yield [tweak('no token', (r) => void delete r.headers.authorization), 'token'];
    } else {
      yield [
        tweak('a valid token', (r) => {
          r.headers.authorization = `Bearer ${shopperToken(USER)}`;
        }),
        'token',
      ];
    }
  }
  const bodyPointer = contract.bodyPointer(op);
  if (!bodyPointer || !base.body || !('json' in base.body)) return;
  const json = base.body.json;
  yield [
    tweak('body not JSON', (r) => {
      r.body = { raw: '{"not json' };
    }),
    'body',
  ];
  yield [tweak('no body', (r) => void delete r.body), 'body'];
  yield [
    tweak('a 2 MB body', (r) => {
      r.body = { raw: JSON.stringify({ pad: 'x'.repeat(2 * 1024 * 1024) }) };
    }),
    'body size',
  ];
  const paths = leafPaths(json).filter((p) => p.length > 0);
  // Every field of small bodies; an even spread over large ones (a segment policy has hundreds).
  const step = Math.max(1, Math.ceil(paths.length / 40));
  for (const path of paths.filter((_, i) => i % step === 0)) {
    const schema = schemaAt(contract, contract.at(bodyPointer), path, json);
    const field = `body ${path.map((p) => (typeof p === 'number' ? '*' : p)).join('.')}`;
    for (const probe of probes(schema, contract)) {
      yield [
        tweak(`${field}=${JSON.stringify(probe).slice(0, 40)}`, (r) => {
          r.body = { json: setAt(json, path, probe) };
        }),
        field,
      ];
    }
    yield [
      tweak(`${field} left out`, (r) => {
        r.body = { json: setAt(json, path, REMOVE) };
      }),
      field,
    ];
  }
}

function learn(op: Operation, answer: Answer) {
  if (answer.status !== 200 && answer.status !== 201) return;
  const body = JSON.parse(answer.text) as Record<string, unknown>;
  if (op.key === 'POST /v1/quotes' && body.userId === USER) state.quoteId = body.quoteId;
  if (op.key === 'POST /v1/groups') state.groupId = body.groupId;
  // A cursor is opaque: only one the API issued is valid, so the next request pages on with it.
  if (typeof body.nextCursor === 'string') state.cursor = body.nextCursor;
}

/** Operations that create what others need go first (a quote to read and redeem, a group to join). */
const ORDER = ['POST /v1/quotes', 'POST /v1/groups', 'PUT /v1/admin/experiments/{experimentId}'];

describe('the served OpenAPI document', () => {
  it('passes redocly lint with the recommended rules: 0 errors', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'openapi-'));
    try {
      const file = join(dir, 'openapi.json');
      writeFileSync(file, JSON.stringify(served, null, 2));
      const cli = join(ROOT, 'node_modules/@redocly/cli/bin/cli.js');
      const out = await promisify(execFile)(
        process.execPath,
        [
          cli,
          'lint',
          '--extends',
          'recommended',
          '--config',
          join(ROOT, 'redocly.yaml'),
          '--format',
          'json',
          file,
        ],
        { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 },
      ).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }));
      const report = JSON.parse(out.stdout) as {
        totals: { errors: number; warnings: number };
        problems: { ruleId: string; severity: string; message: string; location: { pointer: string }[] }[];
      };
      console.log(
        `redocly lint --extends recommended: ${report.totals.errors} errors, ${report.totals.warnings} warnings`,
      );
      const errors = report.problems
        .filter((p) => p.severity === 'error')
        .map((p) => `${p.ruleId} ${p.location[0]?.pointer}: ${p.message}`);
      expect(errors).toEqual([]);
      expect(report.totals.errors).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('is what the server does: every operation, valid and invalid requests, 0 violations', async () => {
    const ops = contract.operations().sort((a, b) => {
      const rank = (o: Operation) => (ORDER.includes(o.key) ? ORDER.indexOf(o.key) : ORDER.length);
      return rank(a) - rank(b);
    });
    expect(ops.map((o) => o.key).sort()).toEqual(routes.map(routeKey).sort());
    let requests = 0;
    for (const op of ops) {
      const base = validRequest(op, false);
      learn(op, await exercise(op, base, 'a valid request'));
      learn(op, await exercise(op, validRequest(op, true), 'every parameter'));
      requests += 2;
      if (op.key === 'POST /v1/quotes') {
        // Two units of the product at the documented maximum price: the answer must still conform.
        const items = [{ productId: MAX_PRICE_ID, quantity: 2 }];
        await exercise(
          op,
          { ...base, label: 'the maximum price, twice', body: { json: { items } } },
          'body items',
        );
        const quantity = contract.deref(served.components.schemas.QuoteRequest).properties.items.items
          .properties.quantity.maximum;
        const most = [{ productId: MAX_PRICE_ID, quantity }];
        await exercise(
          op,
          { ...base, label: 'the maximum price and quantity', body: { json: { items: most } } },
          'body items',
        );
      }
      for (const [req, field] of mutations(op, base)) {
        await exercise(op, req, field);
        requests++;
      }
    }
    console.log(`conformance: ${requests} requests over ${ops.length} operations`);

    // Not in any operation: an unknown path and an unknown method answer the documented error shape.
    const errorShape = '#/components/schemas/ErrorResponse';
    for (const [method, path, status] of [
      ['GET', '/v1/no-such-thing', 404],
      ['DELETE', '/v1/products', 405],
      ['PATCH', `/v1/quotes/${String(state.quoteId)}`, 405],
    ] as const) {
      const res = await fetch(`${rt.url}${path}`, { method });
      const text = await res.text();
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {}
      const problems = res.status === status ? contract.errors(errorShape, body) : [`answered ${res.status}`];
      if (status === 405 && !res.headers.get('allow')) problems.push('no Allow header');
      for (const p of problems)
        record(`${method} ${path.replace(/q-[\w-]+/, '{quoteId}')}: ${status}: ${p}`, text);
    }

    // An IAM operation without a signature: API Gateway's bare 403, as documented.
    for (const op of ops.filter((o) => (o.op.security ?? []).some((s: object) => 'sigv4' in s))) {
      const req = validRequest(op, false);
      const path = op.path.replace(/\{(\w+)\}/g, (_, name: string) =>
        encodeURIComponent(req.path[name] ?? ''),
      );
      const body = req.body && 'json' in req.body ? JSON.stringify(req.body.json) : undefined;
      const res = await fetch(`${rt.url}${path}`, {
        method: op.method,
        headers: { 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body }),
      });
      const answer = { status: res.status, headers: res.headers, text: await res.text() };
      statuses.set(op.key, (statuses.get(op.key) ?? new Set()).add(answer.status));
      if (answer.status !== 403) record(`${op.key}: unsigned is not a 403`, answer.text);
      for (const problem of contract.checkAnswer(op, answer))
        record(`${op.key}: unsigned: ${problem}`, answer.text);
    }

    // The bus refusing every PutEvents call: 503, with Retry-After, in the documented shape.
    const events = ops.find((o) => o.key === 'POST /v1/events')!;
    const stack = eventBridge().middlewareStack;
    stack.add(
      () => async () => {
        throw Object.assign(new Error('the bus is down'), { name: 'InternalException', $fault: 'server' });
      },
      { step: 'initialize', name: 'conformanceBusDown' },
    );
    try {
      // With the token: the sample's events name the shopper, which only their token may do.
      const failed = await exercise(events, validRequest(events, true), 'publish failure');
      if (failed.status !== 503)
        record('POST /v1/events: a publish failure is not a 503', String(failed.status));
    } finally {
      stack.remove('conformanceBusDown');
    }

    // A redemption after the quote expired (410), signed in, with a fresh key.
    const redeem = ops.find((o) => o.key === 'POST /v1/quotes/{quoteId}/redeem')!;
    const quote = ops.find((o) => o.key === 'POST /v1/quotes')!;
    const fresh = await send(quote, validRequest(quote, true));
    state.quoteId = (JSON.parse(fresh.text) as { quoteId: string }).quoteId;
    // Past the quote's 15 minutes, well within the token's day.
    rt.clock.advance(3_600_000);
    const late = await exercise(redeem, validRequest(redeem, false), 'after expiry');
    if (late.status !== 410)
      record('POST /v1/quotes/{quoteId}/redeem: an expired quote is not a 410', late.text);
    // Someone else's quote.
    const token = `Bearer ${shopperToken(OTHER)}`;
    const base = validRequest(redeem, false);
    await exercise(
      redeem,
      { ...base, label: "another shopper's quote", headers: { ...base.headers, authorization: token } },
      'token',
    );

    const answered = [...statuses].map(([key, set]) => `${key}: ${[...set].sort().join(' ')}`);
    console.log(`statuses answered:\n${answered.join('\n')}`);
    const list = [...violations.values()].map((v) => `${v.key}\n      e.g. ${v.example}`);
    console.log(`conformance violations: ${list.length}\n${list.join('\n')}`);
    expect(list).toEqual([]);
    // And the valid requests the document generates are served: every operation answered a 2xx.
    expect(answered.filter((line) => !/: .*\b2\d\d\b/.test(line))).toEqual([]);
  }, 600_000);
});

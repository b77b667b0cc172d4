import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import type { BehaviourEvent } from '../../events/behaviour.ts';
import type { Product } from '../../events/catalog.ts';
import { batchWriteAll } from '../../functions/adapters/dynamo/batch-write.ts';
import { storeListInputs, storeRelatedFile } from '../../functions/adapters/related-rebuild.ts';
import { readNeighbourLists, writeNeighbourLists } from '../../functions/adapters/related-store.ts';
import { updateRelated } from '../../functions/adapters/related-updater.ts';
import { buildEvidence } from '../../models/related/batch.ts';
import { catalogProduct } from '../support/builders.ts';
import { freshTables } from '../support/dynamo.ts';
import { injectFaults, SimulatedCrash } from '../support/faults.ts';

let db: Awaited<ReturnType<typeof freshTables>>;
const id = (n: number) => `p-${String(n).padStart(5, '0')}`;
const product = (n: number): Product =>
  catalogProduct(id(n), `cat-${n % 6}`, {
    title: `Product ${n}`,
    tags: [`t-${n % 4}`],
    listPrice: 1000 + n * 10,
    cost: 500,
  });
const t0 = Date.UTC(2026, 10, 20, 8);
let seq = 0;
const order = (lines: number[], at = t0): BehaviourEvent => ({
  type: 'OrderPlaced',
  eventId: `evt-ru-${seq++}`,
  occurredAt: new Date(at).toISOString(),
  version: 1,
  userId: 'u-1',
  orderId: `o-${seq}`,
  lines: lines.map((n) => ({ productId: id(n), quantity: 1, paidPrice: 1000 })),
});

beforeAll(async () => {
  db = await freshTables();
  await batchWriteAll(
    db.names.products,
    Array.from({ length: 200 }, (_, n) => product(n)),
    { client: db.doc },
  );
});

async function evidenceOf(productId: string, tables = db) {
  const out = await tables.doc.send(
    new QueryCommand({
      TableName: tables.names.related,
      KeyConditionExpression: 'productId = :p AND part = :e',
      ExpressionAttributeValues: { ':p': productId, ':e': 'evidence' },
    }),
  );
  const { version: _v, ...ev } = out.Items?.[0] ?? {};
  return out.Items?.[0] ? ev : undefined;
}

describe('updateRelated on DynamoDB Local', () => {
  it('counts each event once, however often the batch is delivered, and rewrites the lists', async () => {
    const batch = [order([1, 2, 3]), order([1, 2]), order([2, 4], t0 + 60_000)];
    const first = await updateRelated(db.names, batch, { client: db.doc, now: t0 + 120_000 });
    expect(first).toMatchObject({ applied: 3, duplicates: 0 });
    const after = await evidenceOf(id(1));
    expect(after?.pairs[id(2)].bought).toBeGreaterThan(after?.pairs[id(3)].bought);

    const again = await updateRelated(db.names, [...batch].reverse(), { client: db.doc, now: t0 + 120_000 });
    expect(again).toMatchObject({ applied: 0, duplicates: 3 });
    expect(await evidenceOf(id(1))).toEqual(after);

    const lists = await readNeighbourLists(db.names.related, [id(1)], db.doc);
    expect(lists.get(id(1))![0]).toMatchObject({ productId: id(2) });
    expect(lists.get(id(1))![0]!.reasons).toContain('bought_together');
  });

  it('loses no update when batches touching the same products run concurrently', async () => {
    const batches = Array.from({ length: 8 }, (_, b) => [order([10, 11]), order([10, 12 + b])]);
    await Promise.all(batches.map((events) => updateRelated(db.names, events, { client: db.doc })));
    const ev = await evidenceOf(id(10));
    expect(ev?.orders).toBeCloseTo(16, 6);
  });

  it('stores an order larger than one transaction in groups, once', async () => {
    const big = order(Array.from({ length: 150 }, (_, n) => 30 + n));
    expect(await updateRelated(db.names, [big], { client: db.doc })).toMatchObject({ applied: 1 });
    expect(await updateRelated(db.names, [big], { client: db.doc })).toMatchObject({
      applied: 0,
      duplicates: 1,
    });
    const first = await evidenceOf(id(30));
    const last = await evidenceOf(id(179));
    expect(first?.orders).toBeCloseTo(1, 6);
    expect(last?.orders).toBeCloseTo(1, 6);
  });

  it('applies every group of a large order exactly once when it is redelivered after a crash between its groups', async () => {
    // Tables of its own: the crash is injected into this client's transactions only.
    const crashy = await freshTables();
    await batchWriteAll(
      crashy.names.products,
      Array.from({ length: 200 }, (_, n) => product(n)),
      { client: crashy.doc },
    );
    // 150 products: one group of 99 (with the group's marker) and one of 51.
    const lines = Array.from({ length: 150 }, (_, n) => 30 + n);
    const big = order(lines);
    const now = t0 + 60_000;
    const ordersOf = async () =>
      Promise.all(lines.map(async (n) => (await evidenceOf(id(n), crashy))?.orders as number | undefined));

    const faults = injectFaults(
      { dynamo: crashy.client, eventBridge: new EventBridgeClient({ region: 'us-east-1' }) },
      { throttle: 0, timeout: 0, partialBatch: 0, failedEntries: 0, crashEvery: 2, maxCrashes: 1 },
    );
    try {
      await expect(updateRelated(crashy.names, [big], { client: crashy.doc, now })).rejects.toBeInstanceOf(
        SimulatedCrash,
      );
    } finally {
      faults.remove();
    }
    expect(faults.counts.crashed).toBe(1);
    // The crash fell between the groups: the first group is stored, the second is not.
    const crashed = await ordersOf();
    expect(crashed.slice(0, 99).every((o) => o !== undefined && Math.abs(o - 1) < 1e-6)).toBe(true);
    expect(crashed.slice(99)).toEqual(Array(51).fill(undefined));

    // The queue delivers the order again: the rest is applied, the first group not a second time.
    expect(await updateRelated(crashy.names, [big], { client: crashy.doc, now })).toMatchObject({
      applied: 1,
      duplicates: 0,
      // Every line's list, the first group's too: the crash came before any list was written.
      listsWritten: 150,
    });
    const resumed = await ordersOf();
    for (const o of resumed) expect(o).toBeCloseTo(1, 6);
    const lists = await readNeighbourLists(crashy.names.related, lines.map(id), crashy.doc);
    expect(
      lines.filter((n) => !lists.get(id(n))?.some((x) => x.reasons.includes('bought_together'))),
    ).toEqual([]);
    expect(await updateRelated(crashy.names, [big], { client: crashy.doc, now })).toMatchObject({
      applied: 0,
      duplicates: 1,
    });
    expect(await ordersOf()).toEqual(resumed);
  });

  it('rewrites the lists of an event whose evidence was stored just before a crash, when it comes again', async () => {
    const crashy = await freshTables();
    await batchWriteAll(
      crashy.names.products,
      Array.from({ length: 20 }, (_, n) => product(n)),
      { client: crashy.doc },
    );
    const small = order([3, 4, 5]);
    const now = t0 + 60_000;
    // The transaction commits, then the process dies before the lists are written: the evidence
    // and the marker are stored, the lists are not.
    const crashOnLists = 'crash-on-lists';
    crashy.client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'PutItemCommand') throw new SimulatedCrash('died before the lists');
        return next(args);
      },
      { step: 'initialize', name: crashOnLists },
    );
    try {
      await expect(updateRelated(crashy.names, [small], { client: crashy.doc, now })).rejects.toBeInstanceOf(
        SimulatedCrash,
      );
    } finally {
      crashy.client.middlewareStack.remove(crashOnLists);
    }
    expect((await evidenceOf(id(3), crashy))?.orders).toBeCloseTo(1, 6);
    expect((await readNeighbourLists(crashy.names.related, [id(3)], crashy.doc)).size).toBe(0);
    // The redelivery is a duplicate for the evidence, and still writes the three lists.
    expect(await updateRelated(crashy.names, [small], { client: crashy.doc, now })).toMatchObject({
      applied: 0,
      duplicates: 1,
      listsWritten: 3,
    });
    const lists = await readNeighbourLists(crashy.names.related, [3, 4, 5].map(id), crashy.doc);
    expect(
      lists
        .get(id(3))
        ?.slice(0, 2)
        .map((x) => x.productId),
    ).toEqual(expect.arrayContaining([id(4), id(5)]));
    expect((await evidenceOf(id(3), crashy))?.orders).toBeCloseTo(1, 6);
  });

  it("stores a rebuild (the lake job's evidence) to the same evidence as the live path, and a list for every product", async () => {
    const rebuilt = await freshTables();
    await batchWriteAll(
      rebuilt.names.products,
      Array.from({ length: 200 }, (_, n) => product(n)),
      {
        client: rebuilt.doc,
      },
    );
    const history = [
      order([190, 191, 192]),
      order([190, 191], t0 + 3_600_000),
      order([191, 193], t0 + 7_200_000),
    ];
    // The lake's related-evidence job computes what buildEvidence does (test/integration/lake-jobs.test.ts);
    // the related-totals job runs first (its content items), then each file is stored on its own.
    const evidence = buildEvidence(history);
    const now = t0 + 7_200_000;
    const inputs = await storeListInputs(rebuilt.names, evidence.values(), {
      now,
      windowEnd: now,
      client: rebuilt.doc,
    });
    expect(inputs).toEqual({ content: 200, totals: 4, contentOnlyLists: 196 });
    const rows = [...evidence.values()].map((ev) => ({
      evidence: ev,
      partnerTotals: new Map(Object.keys(ev.pairs).map((p) => [p, evidence.get(p)!])),
    }));
    const files = [rows.slice(0, 1), rows.slice(1)];
    const results = [];
    for (const file of files)
      results.push(await storeRelatedFile(rebuilt.names, file, { now, client: rebuilt.doc }));
    expect(results).toEqual([
      { products: 1, lists: 1 },
      { products: 3, lists: 3 },
    ]);
    await updateRelated(db.names, history, { client: db.doc });
    const live = await evidenceOf(id(190));
    const fromLog = await rebuilt.doc.send(
      new QueryCommand({
        TableName: rebuilt.names.related,
        KeyConditionExpression: 'productId = :p AND part = :e',
        ExpressionAttributeValues: { ':p': id(190), ':e': 'evidence' },
      }),
    );
    const { version: _v, part: _p, ...rebuiltEv } = fromLog.Items![0]!;
    const { part: _q, ...liveEv } = live!;
    expect(Object.keys(rebuiltEv.pairs).sort()).toEqual(Object.keys(liveEv.pairs).sort());
    expect(rebuiltEv.orders).toBeCloseTo(liveEv.orders as number, 9);
    // A product with no evidence still has a list, from content similarity.
    const cold = await readNeighbourLists(rebuilt.names.related, [id(199)], rebuilt.doc);
    expect(cold.get(id(199))!.length).toBeGreaterThan(0);
    expect(cold.get(id(199))![0]!.reasons).toContain('similar_content');
  });

  it('writes lists without a catalog scan or a partner evidence read: content and totals come from the compact items', async () => {
    const compact = await freshTables();
    await batchWriteAll(
      compact.names.products,
      Array.from({ length: 40 }, (_, n) => product(n)),
      { client: compact.doc },
    );
    // The daily job's items: content neighbours for every product, totals for those with evidence.
    const stored = await storeListInputs(compact.names, [{ productId: id(7), views: 50, orders: 20 }], {
      now: t0,
      windowEnd: t0,
      client: compact.doc,
    });
    expect(stored).toEqual({ content: 40, totals: 1, contentOnlyLists: 39 });
    const commands: string[] = [];
    const watch = 'watch-commands';
    compact.client.middlewareStack.add(
      (next, context) => async (args) => {
        commands.push(String(context.commandName));
        return next(args);
      },
      { step: 'initialize', name: watch },
    );
    try {
      await updateRelated(compact.names, [order([5, 7])], { client: compact.doc, now: t0 + 60_000 });
    } finally {
      compact.client.middlewareStack.remove(watch);
    }
    expect(commands.filter((c) => c.startsWith('ScanCommand'))).toEqual([]);
    const lists = await readNeighbourLists(compact.names.related, [id(5)], compact.doc);
    const list = lists.get(id(5))!;
    // Bought together first, then its content neighbours (same category cat-5 and tags) to fill.
    expect(list[0]).toMatchObject({ productId: id(7), reasons: expect.arrayContaining(['bought_together']) });
    expect(list.slice(1).some((n) => n.reasons.includes('similar_content'))).toBe(true);
  });

  it('gives a cold product content neighbours daily, but keeps a list the live path wrote after the window', async () => {
    const daily = await freshTables();
    await batchWriteAll(
      daily.names.products,
      Array.from({ length: 30 }, (_, n) => product(n)),
      { client: daily.doc },
    );
    const windowEnd = Date.UTC(2026, 10, 20);
    // Lists from before the window's end (an old rebuild) and after it (the live path, this morning).
    const stale = {
      productId: id(3),
      neighbours: [{ productId: id(9), score: 1, reasons: ['bought_together'] }],
    };
    await writeNeighbourLists(
      daily.names.related,
      [
        { ...stale, updatedAt: new Date(windowEnd - 60_000).toISOString() },
        { ...stale, productId: id(4), updatedAt: new Date(windowEnd + 60_000).toISOString() },
      ],
      { client: daily.doc },
    );
    const stored = await storeListInputs(daily.names, [{ productId: id(7), views: 5, orders: 1 }], {
      now: windowEnd + 3_600_000,
      windowEnd,
      client: daily.doc,
    });
    // Every product but id(7) (it has totals: its list is the evidence's) and id(4) (newer than the window).
    expect(stored).toMatchObject({ content: 30, totals: 1, contentOnlyLists: 28 });
    const lists = await readNeighbourLists(daily.names.related, [3, 4, 7, 20].map(id), daily.doc);
    expect(lists.get(id(3))!.every((n) => n.reasons.includes('similar_content'))).toBe(true);
    expect(lists.get(id(20))!.length).toBeGreaterThan(0);
    expect(lists.get(id(4))).toEqual(stale.neighbours);
    expect(lists.has(id(7))).toBe(false);
  });
});

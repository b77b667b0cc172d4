import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { OrderPlaced } from '../../events/behaviour.ts';
import { Sources } from '../../events/envelope.ts';
import { busBatchConsumer } from '../../functions/lib/queue.ts';

const fixture = JSON.parse(
  readFileSync(join(import.meta.dirname, '../fixtures/events/OrderPlaced.json'), 'utf8'),
) as OrderPlaced;

const order = (orderId: string) => ({ ...fixture, eventId: `evt-order-${orderId}`, orderId });

const record = (detail: object, source: string = Sources.commerce): SQSRecord =>
  ({
    messageId: `m-${(detail as { orderId?: string }).orderId ?? 'x'}`,
    body: JSON.stringify({ id: 'e-1', 'detail-type': 'OrderPlaced', source, detail }),
  }) as SQSRecord;
const context = {
  functionName: 'test',
  awsRequestId: 'r-1',
  getRemainingTimeInMillis: () => 30_000,
} as unknown as Context;
const run = (handler: ReturnType<typeof busBatchConsumer>, records: SQSRecord[]) =>
  handler({ Records: records } as SQSEvent, context) as Promise<{
    batchItemFailures: { itemIdentifier: string }[];
  }>;

describe('busBatchConsumer', () => {
  it("reports only the record that fails its batch; its neighbours' are applied", async () => {
    const applied = new Set<string>();
    let calls = 0;
    const handler = busBatchConsumer(OrderPlaced, async (orders) => {
      calls++;
      // A write the store refuses whenever the poison is in it: the whole call fails.
      if (orders.some((o) => o.orderId === 'o-poison')) throw new Error('ValidationException');
      for (const o of orders) applied.add(o.orderId);
    });
    const ids = Array.from({ length: 9 }, (_, i) => `o-${i}`);
    const records = [...ids.slice(0, 4), 'o-poison', ...ids.slice(4)].map((id) => record(order(id)));
    const answer = await run(handler, records);
    expect(answer.batchItemFailures).toEqual([{ itemIdentifier: 'm-o-poison' }]);
    expect([...applied].sort()).toEqual(ids);
    // A binary search, not one call per record.
    expect(calls).toBeLessThan(records.length);
  });

  it('reports every record when the failure is not one record’s, within a bounded number of calls', async () => {
    let calls = 0;
    const handler = busBatchConsumer(OrderPlaced, async () => {
      calls++;
      throw new Error('store unavailable');
    });
    const records = Array.from({ length: 100 }, (_, i) => record(order(`o-${i}`)));
    const answer = await run(handler, records);
    expect(answer.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(
      records.map((r) => r.messageId).sort(),
    );
    expect(calls).toBeLessThanOrEqual(25);
  });

  it("refuses an order that travelled under the storefront's source, alone", async () => {
    const applied: string[] = [];
    const handler = busBatchConsumer(OrderPlaced, async (orders) => {
      applied.push(...orders.map((o) => o.orderId));
    });
    const forged = { ...record(order('o-forged'), Sources.storefront), messageId: 'm-forged' };
    const answer = await run(handler, [forged, record(order('o-real'))]);
    expect(answer.batchItemFailures).toEqual([{ itemIdentifier: 'm-forged' }]);
    expect(applied).toEqual(['o-real']);
  });
});

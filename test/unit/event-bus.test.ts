import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { EventBusError, LocalEventBus } from '../../infra/local/event-bus.ts';
import type { RuleDecl } from '../../infra/topology.ts';

const queued: RuleDecl = {
  id: 'views',
  description: '',
  pattern: { source: ['shop'], 'detail-type': ['ProductViewed'] },
  target: {
    kind: 'queue',
    functionId: 'aggregate-signals',
    batchSize: 3,
    maxBatchingWindowSeconds: 1,
    maxReceiveCount: 3,
  },
};
const direct: RuleDecl = {
  id: 'big-orders',
  description: '',
  pattern: { source: ['shop'], detail: { total: [{ numeric: ['>=', 1000] }] } },
  target: { kind: 'direct', functionId: 'catalog-write' },
};

const entry = (detailType: string, detail: object) => ({
  Source: 'shop',
  DetailType: detailType,
  Detail: JSON.stringify(detail),
  EventBusName: 'bus',
});

describe('LocalEventBus', () => {
  describe('putEvents', () => {
    it('validates each entry as PutEvents does and counts the failures', () => {
      const bus = new LocalEventBus('bus', [], async () => undefined);
      const out = bus.putEvents([
        entry('A', { n: 1 }),
        { ...entry('A', { n: 2 }), EventBusName: 'other' },
        { Source: 'shop', DetailType: 'A', Detail: '[1,2]', EventBusName: 'bus' },
        { Source: 'shop', Detail: '{}', EventBusName: 'bus' },
      ]);
      expect(out.FailedEntryCount).toBe(3);
      expect(out.Entries[0]).toHaveProperty('EventId');
      expect(out.Entries.slice(1).map((e) => ('ErrorCode' in e ? e.ErrorCode : 'ok'))).toEqual([
        'InvalidArgument',
        'MalformedDetail',
        'InvalidArgument',
      ]);
    });

    it('refuses more than 10 entries in one call', () => {
      const bus = new LocalEventBus('bus', [], async () => undefined);
      expect(() => bus.putEvents(Array.from({ length: 11 }, () => entry('A', {})))).toThrow(EventBusError);
    });
  });

  describe('rules', () => {
    it('delivers matching events in batches of the declared size, each exactly once', async () => {
      const batches: string[][] = [];
      const bus = new LocalEventBus(
        'bus',
        [queued],
        async (_fn, event) => {
          batches.push((event as SQSEvent).Records.map((r) => JSON.parse(r.body).detail.n));
          return { batchItemFailures: [] };
        },
        { windowMs: 20 },
      );
      for (let n = 0; n < 7; n++) bus.putEvents([entry('ProductViewed', { n })]);
      bus.putEvents([entry('OrderPlaced', { n: 99 })]);
      await bus.drain();
      expect(batches.flat().sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
      expect(Math.max(...batches.map((b) => b.length))).toBeLessThanOrEqual(3);
      expect(bus.stats().views).toEqual({ queued: 0, inFlight: 0, delivered: 7, deadLetters: 0 });
    });

    it('retries only the failed records of a batch, then moves a poison record to the DLQ', async () => {
      const received = new Map<number, number>();
      const bus = new LocalEventBus(
        'bus',
        [queued],
        async (_fn, event): Promise<SQSBatchResponse> => {
          const failures = [];
          for (const r of (event as SQSEvent).Records) {
            const n = JSON.parse(r.body).detail.n as number;
            received.set(n, (received.get(n) ?? 0) + 1);
            // Record 1 always fails; record 2 fails once, then succeeds.
            if (n === 1 || (n === 2 && received.get(2) === 1)) failures.push({ itemIdentifier: r.messageId });
          }
          return { batchItemFailures: failures };
        },
        { windowMs: 5, retryDelayMs: 5 },
      );
      bus.putEvents([0, 1, 2].map((n) => entry('ProductViewed', { n })));
      await bus.drain();
      expect(Object.fromEntries(received)).toEqual({ 0: 1, 1: 3, 2: 2 });
      expect(bus.deadLetters('views').map((m) => JSON.parse(m.body).detail.n)).toEqual([1]);
      const stats = bus.stats().views!;
      // Nothing lost, nothing counted twice: in = delivered + dead letters.
      expect(stats.delivered + stats.deadLetters).toBe(3);
    });

    it('fails the whole batch when the function crashes', async () => {
      let calls = 0;
      const bus = new LocalEventBus(
        'bus',
        [queued],
        async () => {
          calls++;
          if (calls === 1) throw new Error('crash mid-batch');
          return { batchItemFailures: [] };
        },
        { windowMs: 5, retryDelayMs: 5 },
      );
      bus.putEvents([0, 1].map((n) => entry('ProductViewed', { n })));
      await bus.drain();
      expect(calls).toBe(2);
      expect(bus.stats().views!.delivered).toBe(2);
    });

    it('invokes direct targets with the EventBridge event for content-filtered matches only', async () => {
      const got: unknown[] = [];
      const bus = new LocalEventBus('bus', [direct], async (_fn, event) => {
        got.push(event);
      });
      bus.putEvents([entry('OrderPlaced', { total: 999 }), entry('OrderPlaced', { total: 1000 })]);
      await bus.drain();
      expect(got).toEqual([
        expect.objectContaining({ source: 'shop', 'detail-type': 'OrderPlaced', detail: { total: 1000 } }),
      ]);
    });
  });

  it('starts a sharded job for a rule that targets one, and records the start that keeps failing', async () => {
    const trained: RuleDecl = {
      id: 'model-to-rerank',
      description: '',
      pattern: { source: ['hits'], 'detail-type': ['HitModelTrained'] },
      target: { kind: 'sharded-job', jobId: 'rerank-all' },
    };
    const started: string[] = [];
    const invoked: unknown[] = [];
    const bus = new LocalEventBus('bus', [trained], async (_fn, event) => void invoked.push(event), {
      startJob: async (jobId, event) => void started.push(`${jobId} ${event['detail-type']}`),
    });
    bus.putEvents([{ ...entry('HitModelTrained', { modelVersion: 'm2' }), Source: 'hits' }]);
    await bus.drain();
    expect(started).toEqual(['rerank-all HitModelTrained']);
    expect(invoked).toEqual([]);

    let attempts = 0;
    const failing = new LocalEventBus('bus', [trained], async () => undefined, {
      startJob: async () => {
        attempts++;
        throw new Error('no shards');
      },
    });
    failing.putEvents([{ ...entry('HitModelTrained', {}), Source: 'hits' }]);
    await failing.drain();
    expect(attempts).toBe(3);
    expect(failing.directFailures).toEqual([
      expect.objectContaining({ ruleId: 'model-to-rerank', error: 'no shards' }),
    ]);
  });

  describe('testEventPattern', () => {
    it('answers like the API, and refuses an invalid pattern with InvalidEventPatternException', () => {
      const bus = new LocalEventBus('bus', [], async () => undefined);
      const event = JSON.stringify({ source: 'shop', detail: { n: 1 } });
      expect(bus.testEventPattern(JSON.stringify({ source: ['shop'] }), event)).toBe(true);
      expect(bus.testEventPattern(JSON.stringify({ source: [{ prefix: 'x' }] }), event)).toBe(false);
      expect(() => bus.testEventPattern(JSON.stringify({ source: 'shop' }), event)).toThrow(
        expect.objectContaining({ type: 'InvalidEventPatternException' }),
      );
    });
  });
});

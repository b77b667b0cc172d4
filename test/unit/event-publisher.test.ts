import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import type { ProductViewed } from '../../events/behaviour.ts';
import type { HitRankingUpdated } from '../../events/hits.ts';
import { publishEvents } from '../../functions/adapters/event-publisher.ts';
import { dynamoHitStore } from '../../functions/adapters/hits-store.ts';

const eb = mockClient(EventBridgeClient);
const client = new EventBridgeClient({ region: 'us-east-1' });
const noWait = async () => {};

const viewed = (n: number): ProductViewed => ({
  type: 'ProductViewed',
  eventId: `evt-test-${String(n).padStart(4, '0')}`,
  occurredAt: '2026-11-20T10:00:00Z',
  version: 1,
  sessionId: 's-1',
  productId: `p-${n}`,
});

describe('event-publisher', () => {
  beforeEach(() => eb.reset());

  describe('publishEvents', () => {
    it('sends 25 events as PutEvents calls of 10, 10 and 5 with source and detail-type from the registry', async () => {
      eb.on(PutEventsCommand).callsFake((input: { Entries: unknown[] }) => ({
        FailedEntryCount: 0,
        Entries: input.Entries.map((_, i) => ({ EventId: `id-${i}` })),
      }));
      const events = Array.from({ length: 25 }, (_, i) => viewed(i));
      const result = await publishEvents(events, { client, busName: 'bus', wait: noWait });
      expect(result.failed).toEqual([]);
      expect(result.published).toEqual(events.map((e) => e.eventId));
      const calls = eb.commandCalls(PutEventsCommand);
      expect(calls.map((c) => c.args[0].input.Entries?.length)).toEqual([10, 10, 5]);
      expect(calls[0]!.args[0].input.Entries?.[0]).toMatchObject({
        Source: 'merchandiser.storefront',
        DetailType: 'ProductViewed',
        EventBusName: 'bus',
      });
    });

    it('retries only the entries that FailedEntryCount reported, until they go through', async () => {
      eb.on(PutEventsCommand)
        .resolvesOnce({
          FailedEntryCount: 2,
          Entries: [
            { EventId: 'a' },
            { ErrorCode: 'ThrottlingException', ErrorMessage: 'slow down' },
            { EventId: 'c' },
            { ErrorCode: 'InternalFailure', ErrorMessage: 'oops' },
          ],
        })
        .resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'b' }, { EventId: 'd' }] });
      const events = [viewed(1), viewed(2), viewed(3), viewed(4)];
      const result = await publishEvents(events, { client, busName: 'bus', wait: noWait });
      expect(result.failed).toEqual([]);
      expect(new Set(result.published)).toEqual(new Set(events.map((e) => e.eventId)));
      expect(result.published).toHaveLength(4);
      const retried = eb.commandCalls(PutEventsCommand)[1]!.args[0].input.Entries!;
      expect(retried.map((e) => JSON.parse(e.Detail!).eventId)).toEqual([
        events[1]!.eventId,
        events[3]!.eventId,
      ]);
    });

    it('surfaces entries that still fail after every attempt instead of dropping them', async () => {
      eb.on(PutEventsCommand).resolves({
        FailedEntryCount: 1,
        Entries: [{ ErrorCode: 'ThrottlingException', ErrorMessage: 'slow down' }],
      });
      const result = await publishEvents([viewed(1)], {
        client,
        busName: 'bus',
        wait: noWait,
        maxAttempts: 3,
      });
      expect(result.published).toEqual([]);
      expect(result.failed).toEqual([
        { eventId: viewed(1).eventId, code: 'ThrottlingException', message: 'slow down' },
      ]);
      expect(eb).toHaveReceivedCommandTimes(PutEventsCommand, 3);
    });

    it('retries a call that throws, then succeeds', async () => {
      eb.on(PutEventsCommand)
        .rejectsOnce(Object.assign(new Error('timeout'), { name: 'TimeoutError' }))
        .resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'x' }] });
      const result = await publishEvents([viewed(7)], { client, busName: 'bus', wait: noWait });
      expect(result).toEqual({ published: [viewed(7).eventId], failed: [] });
    });
  });

  it('the hit store counts the announcements EventBridge took, also when others failed for good', async () => {
    // One entry of two fails at every attempt (the backoff's four waits are at most 750 ms).
    eb.on(PutEventsCommand).callsFake((input: { Entries: { Detail?: string }[] }) => ({
      FailedEntryCount: input.Entries.filter((e) => JSON.parse(e.Detail!).scope === 'tents').length,
      Entries: input.Entries.map((e, i) =>
        JSON.parse(e.Detail!).scope === 'tents'
          ? { ErrorCode: 'InternalFailure', ErrorMessage: 'oops' }
          : { EventId: `id-${i}` },
      ),
    }));
    const announcement = (scope: string): HitRankingUpdated => ({
      type: 'HitRankingUpdated',
      eventId: `hits-${scope}-v2-r2`,
      occurredAt: '2026-11-20T10:00:00Z',
      version: 1,
      scope,
      rankingVersion: 2,
      modelVersion: 'hits-20261208-031110',
      top: [],
    });
    const counted: number[] = [];
    const store = dynamoHitStore(
      { products: 'p', signals: 's', hitscores: 'h', rankings: 'r' },
      { onPublished: (n) => counted.push(n) },
    );
    await expect(store.publish([announcement('global'), announcement('tents')])).rejects.toThrow(
      '1 hit-ranking events were not published',
    );
    expect(counted).toEqual([1]);
  });
});

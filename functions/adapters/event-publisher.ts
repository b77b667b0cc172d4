import {
  type EventBridgeClient,
  PutEventsCommand,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import type { AnyEvent } from '../../events/registry.ts';
import { toBusEntry } from '../../events/registry.ts';
import { backoffDelayMs, chunk } from '../../models/batching.ts';
import { env } from '../lib/config.ts';
import { eventBridge } from '../lib/eventbridge.ts';
import { logger } from '../lib/logger.ts';
import { sleep } from '../lib/timers.ts';

export interface PublishFailure {
  eventId: string;
  code: string;
  message: string;
}
export interface PublishResult {
  published: string[];
  failed: PublishFailure[];
}

/** PutEvents limits: 10 entries and 256 KB per call. */
const MAX_ENTRIES = 10;
const MAX_BYTES = 256 * 1024;

/** AWS's size rule for a PutEvents entry (EventBridge docs, "Calculating PutEvents event entry size"). */
function entrySize(e: PutEventsRequestEntry): number {
  return (
    (e.Time ? 14 : 0) +
    Buffer.byteLength(e.Source ?? '') +
    Buffer.byteLength(e.DetailType ?? '') +
    Buffer.byteLength(e.Detail ?? '') +
    (e.Resources ?? []).reduce((n, r) => n + Buffer.byteLength(r), 0)
  );
}

/**
 * Publishes events to the bus in PutEvents chunks. Entries that come back failed (FailedEntryCount,
 * e.g. ThrottlingException or InternalFailure) and chunks whose call throws are retried with
 * full-jitter backoff; what still fails after `maxAttempts` is returned, never dropped.
 */
export async function publishEvents(
  events: readonly AnyEvent[],
  {
    client = eventBridge(),
    busName = env().EVENT_BUS_NAME,
    maxAttempts = 5,
    wait = sleep,
  }: {
    client?: EventBridgeClient;
    busName?: string;
    maxAttempts?: number;
    wait?: (ms: number) => Promise<void>;
  } = {},
): Promise<PublishResult> {
  const published: string[] = [];
  const failed: PublishFailure[] = [];
  const withEntries = events.map((event) => ({
    event,
    entry: { ...toBusEntry(event), EventBusName: busName },
  }));
  const { chunks, oversized } = chunk(withEntries, {
    maxCount: MAX_ENTRIES,
    maxBytes: MAX_BYTES,
    sizeOf: (x) => entrySize(x.entry),
  });
  for (const o of oversized) {
    failed.push({
      eventId: o.event.eventId,
      code: 'EntryTooLarge',
      message: 'the event is larger than 256 KB',
    });
  }

  for (const batch of chunks) {
    let pending = batch;
    let lastErrors = new Map<string, PublishFailure>();
    for (let attempt = 0; attempt < maxAttempts && pending.length > 0; attempt++) {
      if (attempt > 0) await wait(backoffDelayMs(attempt));
      try {
        const out = await client.send(new PutEventsCommand({ Entries: pending.map((p) => p.entry) }));
        const results = out.Entries ?? [];
        const retry: typeof pending = [];
        lastErrors = new Map();
        pending.forEach((p, i) => {
          const r = results[i];
          if (r?.EventId && !r.ErrorCode) {
            published.push(p.event.eventId);
          } else {
            retry.push(p);
            lastErrors.set(p.event.eventId, {
              eventId: p.event.eventId,
              code: r?.ErrorCode ?? 'Unknown',
              message: r?.ErrorMessage ?? 'no result for this entry',
            });
          }
        });
        if (retry.length > 0)
          logger.warn('PutEvents entries failed; retrying', { failed: retry.length, attempt });
        pending = retry;
      } catch (error) {
        const e = error as Error;
        logger.warn('PutEvents call failed; retrying', { attempt, error: e.name });
        lastErrors = new Map(
          pending.map((p) => [
            p.event.eventId,
            { eventId: p.event.eventId, code: e.name, message: e.message },
          ]),
        );
      }
    }
    for (const p of pending) failed.push(lastErrors.get(p.event.eventId)!);
  }
  return { published, failed };
}

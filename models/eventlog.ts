import type { BehaviourEvent } from '../events/behaviour.ts';
import { fnv1a } from './hash.ts';

/** Partitions per day: 8 spreads a day's writes over 8 keys (about 8,000 writes/s of headroom). */
export const EVENTLOG_SHARDS = 8;
/** How long the raw history is kept for rebuilding models: a year and a season. */
export const EVENTLOG_RETENTION_DAYS = 400;

export interface EventLogKey {
  bucket: string;
  eventKey: string;
}

/**
 * Where an event lives in the event log. The key is a pure function of the event, so a redelivery
 * lands on the same item and a conditional put turns it into a no-op.
 */
export function eventLogKey(event: Pick<BehaviourEvent, 'eventId' | 'occurredAt'>): EventLogKey {
  const at = new Date(event.occurredAt).toISOString();
  return {
    bucket: `${at.slice(0, 10)}#${fnv1a(event.eventId) % EVENTLOG_SHARDS}`,
    eventKey: `${at}#${event.eventId}`,
  };
}

export const eventLogBuckets = (day: string): string[] =>
  Array.from({ length: EVENTLOG_SHARDS }, (_, shard) => `${day}#${shard}`);

export function eventLogExpiry(event: Pick<BehaviourEvent, 'occurredAt'>): number {
  return Math.floor(Date.parse(event.occurredAt) / 1000) + EVENTLOG_RETENTION_DAYS * 86_400;
}

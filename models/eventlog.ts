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

/**
 * Bulk imports (the demo history, a backfill from the archive) are stored as segments: one item
 * holds up to this many events of one bucket, compressed. A day's history then costs a few writes
 * instead of thousands, which is what lets a first local start load 100,000 events in seconds
 * on disk (one item per event managed about 600/s there). Segments stay far below DynamoDB's
 * 400 KB item limit: 1,000 events are about 190 KB as JSON and 30 KB compressed.
 */
export const EVENTLOG_SEGMENT_MAX_EVENTS = 1000;
/** Segment sort keys sort after every per-event key of the bucket (`~` follows the digits). */
export const EVENTLOG_SEGMENT_PREFIX = '~segment#';

export interface EventLogSegment {
  bucket: string;
  eventKey: string;
  events: BehaviourEvent[];
}

/** Groups events into segments by bucket, in time order, deterministically. */
export function eventLogSegments(events: readonly BehaviourEvent[]): EventLogSegment[] {
  const byBucket = new Map<string, { key: string; event: BehaviourEvent }[]>();
  for (const event of events) {
    const { bucket, eventKey } = eventLogKey(event);
    let list = byBucket.get(bucket);
    if (!list) {
      list = [];
      byBucket.set(bucket, list);
    }
    list.push({ key: eventKey, event });
  }
  const segments: EventLogSegment[] = [];
  for (const [bucket, list] of [...byBucket].sort(([a], [b]) => (a < b ? -1 : 1))) {
    list.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    for (let i = 0, n = 0; i < list.length; i += EVENTLOG_SEGMENT_MAX_EVENTS, n++) {
      segments.push({
        bucket,
        eventKey: `${EVENTLOG_SEGMENT_PREFIX}${String(n).padStart(4, '0')}`,
        events: list.slice(i, i + EVENTLOG_SEGMENT_MAX_EVENTS).map((x) => x.event),
      });
    }
  }
  return segments;
}

/**
 * The events of one bucket in time order, once each, from per-event items and segments alike
 * (a live delivery of an event that a backfill also holds counts once).
 */
export function mergeBucketEvents(parts: readonly (readonly BehaviourEvent[])[]): BehaviourEvent[] {
  const seen = new Set<string>();
  const out: { key: string; event: BehaviourEvent }[] = [];
  for (const part of parts) {
    for (const event of part) {
      if (seen.has(event.eventId)) continue;
      seen.add(event.eventId);
      out.push({ key: eventLogKey(event).eventKey, event });
    }
  }
  out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return out.map((x) => x.event);
}

/** The UTC days from `from` to `to`, both included, as yyyy-mm-dd. */
export function daysBetween(from: string, to: string): string[] {
  const days: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += 86_400_000) {
    days.push(new Date(t).toISOString().slice(0, 10));
  }
  return days;
}

import type { AnyEvent } from '../../events/registry.ts';
import { publishEvents } from '../adapters/event-publisher.ts';
import { HttpError } from './http.ts';

/**
 * Publishes a validated batch for an intake route (`POST /v1/events`, `POST /v1/commerce/events`).
 * What still fails after the publisher's retries is a 503 naming each event's index, so the sender
 * resends the batch whole (consumers drop event ids they have seen).
 */
export async function publishBatch(events: readonly AnyEvent[]): Promise<string[]> {
  const { published, failed } = await publishEvents(events);
  if (failed.length > 0) {
    const index = new Map(events.map((e, i) => [e.eventId, i]));
    throw new HttpError(
      503,
      'PublishFailed',
      `${failed.length} of ${events.length} events could not be published; resend the batch (duplicates are ignored)`,
      failed.map((f) => ({
        in: 'body',
        path: `events.${index.get(f.eventId)}`,
        message: `${f.code}: ${f.message}`,
      })),
      { 'retry-after': '1' },
    );
  }
  return published;
}

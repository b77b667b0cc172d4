import { PostEventsRequest } from '../events/api.ts';
import { dedupeByEventId } from '../models/batching.ts';
import { publishEvents } from './adapters/event-publisher.ts';
import { updateShopperRecords } from './adapters/related-store.ts';
import { tableName } from './lib/config.ts';
import { HttpError, httpApi, jsonBody, parseAt } from './lib/http.ts';
import { logger } from './lib/logger.ts';
import { withinBudget } from './lib/timers.ts';

/** 100 events with long review texts fit; a 2 MB body does not. */
const MAX_BODY_BYTES = 1024 * 1024;
/** How long the answer waits for the visit's record (the function has 15 s, publishing first). */
const SHOPPER_UPDATE_BUDGET_MS = 3_000;

const shopperTables = {
  visits: tableName('visits'),
  related: tableName('related'),
  products: tableName('products'),
};

/**
 * POST /v1/events. The batch is all or nothing at validation: one bad event rejects the batch with
 * every failing index and field, and nothing is published, so a client can fix and resend it whole.
 * Redelivery is safe: consumers drop events whose eventId they have seen.
 */
export const handler = httpApi({
  'POST /v1/events': async (req) => {
    const { events } = parseAt('body', PostEventsRequest, jsonBody(req, MAX_BODY_BYTES));
    const unique = dedupeByEventId(events);
    const { published, failed } = await publishEvents(unique);
    if (failed.length > 0) {
      const index = new Map(unique.map((e, i) => [e.eventId, i]));
      throw new HttpError(
        503,
        'PublishFailed',
        `${failed.length} of ${unique.length} events could not be published; resend the batch (duplicates are ignored)`,
        failed.map((f) => ({
          in: 'body',
          path: `events.${index.get(f.eventId)}`,
          message: `${f.code}: ${f.message}`,
        })),
        { 'retry-after': '1' },
      );
    }
    // The visit's record is updated before answering, so the storefront's next related request
    // already reflects these events. It is derived state: if it fails, the events are still on the
    // bus and the answer is still 202; the session adapts from its next events. Under throttling
    // it gets a bounded time, so the answer does not wait out the SDK's retries (or the timeout).
    try {
      await withinBudget(updateShopperRecords(shopperTables, unique), SHOPPER_UPDATE_BUDGET_MS);
    } catch (error) {
      logger.warn('session records not updated', { error: (error as Error).message });
    }
    return { status: 202, body: { accepted: published, count: published.length } };
  },
});

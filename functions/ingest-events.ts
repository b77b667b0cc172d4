import { MAX_EVENTS_BODY_BYTES, PostEventsRequest } from '../events/api.ts';
import { commerceEventTypes } from '../events/behaviour.ts';
import { dedupeByEventId, inUtc } from '../models/batching.ts';
import { updateShopperRecords } from './adapters/related-store.ts';
import { claimedShopper } from './lib/auth.ts';
import { tableName } from './lib/config.ts';
import { HttpError, httpApi, jsonBody, parseAt } from './lib/http.ts';
import { publishBatch } from './lib/intake.ts';
import { logger } from './lib/logger.ts';
import { withinBudget } from './lib/timers.ts';

/** How long the answer waits for the visit's record (the function has 15 s, publishing first). */
const SHOPPER_UPDATE_BUDGET_MS = 3_000;

const shopperTables = {
  visits: tableName('visits'),
  related: tableName('related'),
  products: tableName('products'),
};

/** Orders and reviews are the shop's to tell: a 400 naming each, pointing at the right door. */
function refuseCommerceFacts(body: unknown): void {
  const events = (body as { events?: unknown } | null)?.events;
  if (!Array.isArray(events)) return;
  const issues = events.flatMap((e, i) =>
    (commerceEventTypes as readonly unknown[]).includes((e as { type?: unknown } | null)?.type)
      ? [
          {
            in: 'body' as const,
            path: `events.${i}.type`,
            message:
              "orders and reviews come only from the shop's servers (POST /v1/commerce/events, or PutEvents with the commerce source)",
          },
        ]
      : [],
  );
  if (issues.length > 0) {
    throw new HttpError(
      400,
      'ValidationError',
      `invalid body.${issues[0]!.path}: ${issues[0]!.message}`,
      issues.slice(0, 50),
    );
  }
}

/**
 * POST /v1/events: storefront behaviour (views, carts, searches) from browsers. The batch is all or
 * nothing at validation: one bad event rejects the batch with every failing index and field, and
 * nothing is published, so a client can fix and resend it whole. The events' shopper is the
 * verified bearer token's, or none: an event's `userId` must be the token's own (else 401 without
 * a token, 403 with another shopper's, naming the field), and with a token every event is the
 * token's shopper's. Redelivery is safe: consumers drop events whose eventId they have seen.
 */
export const handler = httpApi({
  'POST /v1/events': async (req) => {
    const body = jsonBody(req, MAX_EVENTS_BODY_BYTES);
    refuseCommerceFacts(body);
    const { events } = parseAt('body', PostEventsRequest, body);
    const claimed = events.flatMap((e, i) =>
      e.userId === undefined ? [] : [{ userId: e.userId, in: 'body' as const, path: `events.${i}.userId` }],
    );
    const userId = await claimedShopper(req, claimed);
    const unique = inUtc(dedupeByEventId(events)).map((e) => (userId === null ? e : { ...e, userId }));
    const accepted = await publishBatch(unique);
    // The visit's record is updated before answering, so the storefront's next related request
    // already reflects these events. It is derived state: if it fails, the events are still on the
    // bus and the answer is still 202; the session adapts from its next events. Under throttling
    // it gets a bounded time, so the answer does not wait out the SDK's retries (or the timeout).
    try {
      await withinBudget(updateShopperRecords(shopperTables, unique), SHOPPER_UPDATE_BUDGET_MS);
    } catch (error) {
      logger.warn('session records not updated', { error: (error as Error).message });
    }
    return { status: 202, body: { accepted, count: accepted.length } };
  },
});

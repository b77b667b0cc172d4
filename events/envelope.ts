import * as z from 'zod';
import { Instant } from './common.ts';

/**
 * EventBridge `source` values. Every event type names exactly one of these (see registry.ts),
 * and the CDK rules, the local bus and the publishers all read them from here. A source is also a
 * trust boundary: `storefront` is what browsers send through the public route (behaviour only),
 * `commerce` what the shop's own servers send (orders, reviews: IAM route or their own PutEvents),
 * and a rule takes each type only from its source.
 */
export const Sources = {
  storefront: 'merchandiser.storefront',
  commerce: 'merchandiser.commerce',
  catalog: 'merchandiser.catalog',
  hits: 'merchandiser.hits',
  experiments: 'merchandiser.experiments',
} as const;
export type Source = (typeof Sources)[keyof typeof Sources];

/**
 * Fields every event detail carries. `eventId` is the idempotency key (a redelivery has the same
 * id); `version` is the schema's major version, bumped only on a breaking change, so consumers can
 * keep accepting old fixtures.
 */
export const envelopeShape = {
  eventId: z
    .string()
    .min(8)
    .max(128)
    .regex(/^[A-Za-z0-9._:-]+$/, 'must be letters, digits, ".", "_", ":" or "-"'),
  occurredAt: Instant,
  version: z.literal(1),
};

/**
 * Event schemas are tolerant readers: unknown fields are dropped, not rejected, so a producer can
 * add an optional field without breaking consumers that have not been redeployed yet.
 */
export function eventSchema<const T extends string, S extends z.ZodRawShape>(type: T, shape: S) {
  return eventObject(type, shape).meta({ id: type });
}

/** An event's object before it is named: for a schema with checks across fields (name it after). */
export function eventObject<const T extends string, S extends z.ZodRawShape>(type: T, shape: S) {
  return z.object({ type: z.literal(type), ...envelopeShape, ...shape });
}

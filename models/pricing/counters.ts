import type { Reservation } from '../../events/pricing.ts';
import { DomainError } from '../errors.ts';
import { fnv1a } from '../hash.ts';

/**
 * Keys of the `redemptions` table and the capped counters redemption consumes.
 *
 * - `idem#<userId>#<Idempotency-Key>`: the stored result of a redemption; a retry reads it back.
 *   Scoped by user so that one shopper's key can never return another's result.
 * - `quote#<quoteId>`: exists once the quote is redeemed; its conditional Put is what makes a quote
 *   redeemable once, whatever key a second attempt carries.
 * - `coupon#<promotionId>#user#<userId>`, `flash#<promotionId>#user#<userId>`: one shopper's uses
 *   of a coupon and units of a flash sale (capped by perUserLimit / perUserCap).
 * - `coupon#<promotionId>#budget#<shard>`, `flash#<promotionId>#stock#<shard>`: the hot counters.
 *   A popular coupon would make one item take every redemption's write, so the counter is split
 *   over COUNTER_SHARDS items and each shard owns a fixed slice of the cap (the slices sum to the
 *   cap exactly). A redemption starts on the shard its quote id hashes to and moves to the next
 *   when that one's slice is full. Counters only grow, so a shard seen full stays full: a 409 is
 *   given only after every shard was seen full, hence never while some of the cap is left, and
 *   the shards together never exceed the cap.
 */
export const COUNTER_SHARDS = 4;

export const idempotencyKey = (userId: string, key: string) => `idem#${userId}#${key}`;
export const redeemedKey = (quoteId: string) => `quote#${quoteId}`;
export const perUserKey = (kind: Reservation['kind'], promotionId: string, userId: string) =>
  `${kind === 'coupon' ? 'coupon' : 'flash'}#${promotionId}#user#${userId}`;
export const shardKey = (kind: Reservation['kind'], promotionId: string, shard: number) =>
  kind === 'coupon' ? `coupon#${promotionId}#budget#${shard}` : `flash#${promotionId}#stock#${shard}`;

/** The part of `cap` shard `shard` owns: the slices differ by at most one and sum to `cap`. */
export function shardSlice(cap: number, shard: number, shards = COUNTER_SHARDS): number {
  return Math.floor(cap / shards) + (shard < cap % shards ? 1 : 0);
}

/** The order a redemption tries the shards in: from the quote's own shard, round the ring. */
export function shardOrder(quoteId: string, shards = COUNTER_SHARDS): number[] {
  const first = fnv1a(quoteId) % shards;
  return Array.from({ length: shards }, (_, i) => (first + i) % shards);
}

/** What a Idempotency-Key may look like: opaque, but short and safe inside a key. */
export const IDEMPOTENCY_KEY = /^[A-Za-z0-9._:-]{8,128}$/;

/** The counters a reservation touches, with their caps from the promotion as it stands now. */
export interface CappedReservation extends Reservation {
  perUserCap: number;
  totalCap: number;
}

export type ExhaustedWhat = 'budget' | 'stock' | 'perUser';

/** A 409 that names what ran out: `promotion.<id>.budget`, `.stock` or `.perUser`. */
export class ExhaustedError extends DomainError {
  readonly code: string;
  constructor(
    readonly promotionId: string,
    readonly what: ExhaustedWhat,
  ) {
    const text =
      what === 'budget'
        ? 'the coupon budget is used up'
        : what === 'stock'
          ? 'the flash sale is sold out'
          : 'the per-shopper limit is reached';
    super('conflict', `promotion ${promotionId}: ${text}`, `promotion.${promotionId}.${what}`);
    this.code =
      what === 'budget' ? 'BudgetExhausted' : what === 'stock' ? 'StockExhausted' : 'PerUserLimitReached';
  }
}

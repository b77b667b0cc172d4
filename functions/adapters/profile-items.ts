import { type RfmCutPoints, type RfmProfile, SegmentPolicy } from '../../events/segments.ts';
import { segmentSettingsCacheSeconds } from '../lib/config.ts';
import { logger } from '../lib/logger.ts';
import { withoutMeta } from './dynamo/items.ts';

/**
 * The `profiles` table: one item per signed-in shopper who ordered (`userId`, the RfmProfile as it
 * is), and one item for the shop's current quintile cut points under the reserved key `#cuts` (not
 * a valid user id: ids start with a letter or digit). Keeping the cut points in the same table lets
 * the pricing function read a shopper's profile and the cut points in the one BatchGetItem it
 * already makes, and the scheduled recomputation scan skips that one item. The segment policy (rule
 * table and treatments, `PUT /v1/admin/segments`) sits beside it under `#policy` for the same
 * reason: whoever classifies a shopper reads profile, cut points and policy in one round trip.
 */
export const CUTS_KEY = '#cuts';
export const POLICY_KEY = '#policy';

/** Keys that are not shoppers: user ids never start with `#`. */
export const isReservedKey = (userId: unknown): boolean =>
  typeof userId === 'string' && userId.startsWith('#');

/** The keys to read for classifying `userId`: the profile, the cut points and the policy. */
export const segmentKeys = (userId: string) => [{ userId }, { userId: CUTS_KEY }, { userId: POLICY_KEY }];

export const profileOfItem = (item: Record<string, unknown>): RfmProfile => withoutMeta<RfmProfile>(item);
export const cutsOfItem = (item: Record<string, unknown>): RfmCutPoints =>
  withoutMeta<RfmCutPoints>(item, 'userId');

/**
 * The stored policy, or undefined when none is stored or the stored one no longer parses (then
 * the built-in default serves: a broken item must not take every shopper's segment down with it).
 */
export function policyOfItem(item: Record<string, unknown> | undefined): SegmentPolicy | undefined {
  if (item === undefined) return undefined;
  const parsed = SegmentPolicy.safeParse(item.policy);
  if (!parsed.success) {
    logger.warn('stored segment policy does not parse; the default serves', {
      issues: parsed.error.issues.slice(0, 3).map((i) => i.path.join('.')),
    });
    return undefined;
  }
  return parsed.data;
}

/** What `segmentKeys(userId)` read, sorted out. */
export function segmentFactsOf(
  items: readonly Record<string, unknown>[] | undefined,
  userId: string,
): { profile: RfmProfile | undefined; cuts: RfmCutPoints | undefined; policy: SegmentPolicy | undefined } {
  const find = (key: string) => items?.find((i) => i.userId === key);
  const profile = find(userId);
  const cuts = find(CUTS_KEY);
  return {
    profile: profile ? profileOfItem(profile) : undefined,
    cuts: cuts ? cutsOfItem(cuts) : undefined,
    policy: policyOfItem(find(POLICY_KEY)),
  };
}

type SegmentFacts = ReturnType<typeof segmentFactsOf>;

/**
 * The shop-wide items (`#cuts`, `#policy`) kept per container between reads. Every signed-in
 * request on the read path and in pricing classifies its shopper; reading those two items each time
 * would make them the hottest keys of the table (a partition serves about 6,000 eventually
 * consistent small-item reads a second, and a sale's traffic passes that). They change daily (cut points) or
 * when a merchandiser edits the policy, so a container re-reads them, in the same BatchGetItem as
 * the shopper's profile, once they are older than `SEGMENT_SETTINGS_CACHE_SECONDS` (default 60);
 * between re-reads it reads the profile alone. Still one round trip either way.
 */
export function segmentSettingsCache({
  maxAgeSeconds,
  clock = Date.now,
}: {
  maxAgeSeconds?: number;
  clock?: () => number;
} = {}) {
  let cached: { at: number; cuts: RfmCutPoints | undefined; policy: SegmentPolicy | undefined } | undefined;
  let maxAgeMs: number | undefined;
  const fresh = (now: number) => {
    maxAgeMs ??= (maxAgeSeconds ?? segmentSettingsCacheSeconds()) * 1000;
    return cached !== undefined && now - cached.at < maxAgeMs;
  };
  return {
    /**
     * The keys to read for `userId`; `readAt` (set when the shop-wide items are among them) is
     * when the read was asked for, so that a slow read cannot replace a newer one's items.
     */
    keysFor(userId: string): { keys: { userId: string }[]; readAt?: number } {
      const now = clock();
      return fresh(now) ? { keys: [{ userId }] } : { keys: segmentKeys(userId), readAt: now };
    },
    /** What `keysFor` read, sorted out, with the shop-wide items from the cache when not read. */
    factsOf(
      items: readonly Record<string, unknown>[] | undefined,
      userId: string,
      readAt: number | undefined,
    ): SegmentFacts {
      const facts = segmentFactsOf(items, userId);
      if (readAt !== undefined) {
        if (cached === undefined || cached.at <= readAt)
          cached = { at: readAt, cuts: facts.cuts, policy: facts.policy };
        return facts;
      }
      return { profile: facts.profile, cuts: cached?.cuts, policy: cached?.policy };
    },
  };
}

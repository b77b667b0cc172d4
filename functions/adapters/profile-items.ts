import { type RfmCutPoints, type RfmProfile, SegmentPolicy } from '../../events/segments.ts';
import { logger } from '../lib/logger.ts';

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

const strip = <T>(item: Record<string, unknown>, ...keys: string[]): T => {
  const out = { ...item };
  for (const k of ['updatedAt', ...keys]) delete out[k];
  return out as T;
};

export const profileOfItem = (item: Record<string, unknown>): RfmProfile => strip<RfmProfile>(item);
export const cutsOfItem = (item: Record<string, unknown>): RfmCutPoints =>
  strip<RfmCutPoints>(item, 'userId');

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

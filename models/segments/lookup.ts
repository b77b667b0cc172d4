import type { RfmCutPoints, RfmProfile, SegmentPolicy, UserProfileResponse } from '../../events/segments.ts';
import { DomainError } from '../errors.ts';
import { profileAnswer } from './answer.ts';
import { DEFAULT_SEGMENT_POLICY } from './policy.ts';
import { computeCutPoints } from './scoring.ts';

/** What the admin profile answer reads: one round trip for the profile, the cut points and the customer. */
export interface ProfileReader {
  read(userId: string): Promise<{
    profile: RfmProfile | undefined;
    cuts: RfmCutPoints | undefined;
    /** The stored segment policy; undefined: the built-in one. */
    policy?: SegmentPolicy | undefined;
    /** Whether the shop knows this user at all (a customer record). */
    customer: boolean;
  }>;
}

/**
 * `GET /v1/users/{userId}/profile`: a shopper the shop knows (a customer record, or a profile from
 * orders) is a 200, with `hasOrders: false` when they have not ordered; an id the shop has never
 * seen is a 404. Before the first scheduled computation of the cut points, the fixed fallback ones
 * are used (as pricing does), so the answer never depends on whether the job has run yet.
 */
export async function userProfile(
  reader: ProfileReader,
  userId: string,
  now: number,
): Promise<UserProfileResponse> {
  const { profile, cuts, policy = DEFAULT_SEGMENT_POLICY, customer } = await reader.read(userId);
  if (profile === undefined && !customer) {
    throw new DomainError('not_found', `no shopper ${userId}`, 'path.userId');
  }
  return profileAnswer({ userId, profile, cuts: cuts ?? computeCutPoints([], now), policy, now });
}

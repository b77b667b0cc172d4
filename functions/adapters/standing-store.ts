import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { MemberTier } from '../../events/common.ts';
import { DEFAULT_SEGMENT_POLICY, type ShopperStanding } from '../../models/segments/policy.ts';
import { classify } from '../../models/segments/rules.ts';
import { computeCutPoints } from '../../models/segments/scoring.ts';
import { documentClient } from '../lib/aws.ts';
import { nowMs } from '../lib/clock.ts';
import { tableName } from '../lib/config.ts';
import { logger } from '../lib/logger.ts';
import { batchGetAll } from './dynamo/batch-get.ts';
import { segmentSettingsCache } from './profile-items.ts';

/**
 * A signed-in shopper's standing: their stored RFM profile (scene filling's purchase price signal),
 * their segment (the profile against the stored cut points, the fixed fallback ones before the
 * first scheduled computation, and the stored segment policy's table, as pricing derives it) and
 * the policy itself for the segment's treatment. One BatchGetItem: the profile, and the shop-wide
 * cut points and policy when this container's copy is older than a minute (`segmentSettingsCache`).
 * Segment null: no order yet.
 */
export function standingReader(
  table: string,
  {
    client,
    clock = nowMs,
    settings = segmentSettingsCache({ clock }),
    customers,
  }: {
    client?: DynamoDBDocumentClient;
    clock?: () => number;
    settings?: ReturnType<typeof segmentSettingsCache>;
    /** The customers table: also read the member tier, in the same BatchGetItem (scene prices). */
    customers?: string;
  } = {},
): (userId: string) => Promise<ShopperStanding> {
  return async (userId) => {
    const { keys, readAt } = settings.keysFor(userId);
    const out = await batchGetAll(
      { [table]: keys, ...(customers ? { [customers]: [{ userId }] } : {}) },
      { client: client ?? documentClient() },
    );
    const { profile, cuts, policy = DEFAULT_SEGMENT_POLICY } = settings.factsOf(out[table], userId, readAt);
    const classified = classify(profile, cuts ?? computeCutPoints([], clock()), policy.table);
    const standing: ShopperStanding = { profile, segment: classified?.segment.segment ?? null, policy };
    if (customers) {
      const tier = MemberTier.safeParse(out[customers]?.[0]?.memberTier);
      standing.memberTier = tier.success ? tier.data : 'none';
    }
    return standing;
  };
}

/**
 * Personalisation, not correctness: when the standing cannot be read, the answer is served as for
 * a shopper with no order yet (default policy, no experiment audience of segments), and logged.
 */
export function standingOrDefaults(
  read: (userId: string) => Promise<ShopperStanding>,
): (userId: string) => Promise<ShopperStanding> {
  return async (userId) => {
    try {
      return await read(userId);
    } catch (error) {
      logger.warn('shopper standing not read; defaults served', { error: (error as Error).message });
      return { profile: undefined, segment: null, policy: DEFAULT_SEGMENT_POLICY };
    }
  };
}

/**
 * The read routes' standing reader, wired once per container from the function's tables: the RFM
 * profile (and the shop-wide settings beside it), with the member tier from the customer record
 * when the route shows prices (scenes, bundles); defaults when the read fails.
 */
export function shopperStanding({
  memberTier,
}: {
  memberTier: boolean;
}): (userId: string) => Promise<ShopperStanding> {
  return standingOrDefaults(
    standingReader(tableName('rfmProfiles'), memberTier ? { customers: tableName('customers') } : {}),
  );
}

import type { Group } from '../../events/api.ts';
import type { Promotion } from '../../events/catalog.ts';
import { CodedError, DomainError } from '../errors.ts';
import type { GroupState } from './types.ts';

/**
 * Group buys: open a group for a promotion, join it once per shopper; the quote prices a member's
 * cart at the group price once the group is complete (models/pricing/quotes.ts). The adapter lives
 * in functions/adapters/pricing-store.ts.
 */

export interface StoredGroup {
  groupId: string;
  promotionId: string;
  productId: string;
  size: number;
  members: string[];
  status: 'open' | 'completed';
  openedAt: string;
  /** When an open group stops taking members (ISO). */
  closesAt: string;
}

export interface GroupStore {
  get(groupId: string): Promise<StoredGroup | undefined>;
  create(group: StoredGroup): Promise<void>;
  /**
   * Adds the user if the group still has `expectedMembers` members and is open at `now`; false when
   * it changed.
   */
  join(
    groupId: string,
    userId: string,
    expectedMembers: number,
    status: StoredGroup['status'],
    now: Date,
  ): Promise<boolean>;
}

export const groupStatus = (g: StoredGroup, now: Date): GroupState['status'] =>
  g.status === 'completed' ? 'completed' : now.getTime() >= Date.parse(g.closesAt) ? 'expired' : 'open';

export function groupView(g: StoredGroup, userId: string, now: Date, joined?: boolean): Group {
  return {
    groupId: g.groupId,
    promotionId: g.promotionId,
    productId: g.productId,
    size: g.size,
    members: g.members.length,
    status: groupStatus(g, now),
    expiresAt: g.closesAt,
    member: g.members.includes(userId),
    ...(joined === undefined ? {} : { joined }),
  };
}

export async function openGroup(
  ports: { groups: GroupStore; promotions: (ids: string[]) => Promise<Promotion[]> },
  { promotionId, userId, now, groupId }: { promotionId: string; userId: string; now: Date; groupId: string },
): Promise<Group> {
  const [p] = await ports.promotions([promotionId]);
  if (!p) throw new DomainError('not_found', `no promotion ${promotionId}`, 'body.promotionId');
  if (p.kind !== 'groupBuy') {
    throw new DomainError('invalid', `promotion ${promotionId} is not a group buy`, 'body.promotionId');
  }
  const t = now.getTime();
  if (t < Date.parse(p.validFrom) || t >= Date.parse(p.validTo)) {
    throw new CodedError(
      'conflict',
      'PromotionNotActive',
      `promotion ${promotionId} is not running now`,
      'body.promotionId',
    );
  }
  const group: StoredGroup = {
    groupId,
    promotionId,
    productId: p.productId,
    size: p.groupSize,
    members: [userId],
    status: 'open',
    openedAt: now.toISOString(),
    closesAt: new Date(t + p.groupTtlHours * 3_600_000).toISOString(),
  };
  await ports.groups.create(group);
  return groupView(group, userId, now);
}

/** Optimistic retries of a join that lost a race with another join. */
const JOIN_ATTEMPTS = 8;

/**
 * Joins once per user. Joining a group one is already in answers the group as it is with
 * `joined: false` (200, not 409): a storefront retrying after a timeout must not show an error.
 */
export async function joinGroup(
  groups: GroupStore,
  { groupId, userId, now }: { groupId: string; userId: string; now: Date },
): Promise<Group> {
  for (let attempt = 0; attempt < JOIN_ATTEMPTS; attempt++) {
    const g = await groups.get(groupId);
    if (!g) throw new DomainError('not_found', `no group ${groupId}`, 'path.groupId');
    if (g.members.includes(userId)) return groupView(g, userId, now, false);
    const status = groupStatus(g, now);
    if (status === 'expired') {
      throw new CodedError(
        'gone',
        'GroupExpired',
        `group ${groupId} closed at ${g.closesAt}`,
        'path.groupId',
      );
    }
    if (status === 'completed' || g.members.length >= g.size) {
      throw new CodedError('conflict', 'GroupFull', `group ${groupId} is already complete`, 'path.groupId');
    }
    const next = g.members.length + 1;
    const nextStatus = next >= g.size ? 'completed' : 'open';
    if (await groups.join(groupId, userId, g.members.length, nextStatus, now)) {
      return groupView({ ...g, members: [...g.members, userId], status: nextStatus }, userId, now, true);
    }
  }
  throw new CodedError('conflict', 'TryAgain', `group ${groupId} is busy: try again`, 'path.groupId');
}

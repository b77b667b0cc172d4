import type { Group, QuoteStatus, Redemption } from '../events/api.ts';
import type { Product, Promotion, Scene } from '../events/catalog.ts';
import type { Locale, MemberTier } from '../events/common.ts';
import type { Experiment, ExperimentExposed } from '../events/experiments.ts';
import type { Quote, QuoteRequest, Reservation } from '../events/pricing.ts';
import type { RfmCutPoints, RfmProfile, SegmentPolicy } from '../events/segments.ts';
import { DomainError } from './errors.ts';
import { planPromotions, triggeredBy } from './experiments/promotions.ts';
import { priceQuote } from './pricing/engine.ts';
import { signQuote, verifyQuote } from './pricing/sign.ts';
import type { GroupState } from './pricing/types.ts';
import { type CappedReservation, COUNTER_SHARDS, CodedError, perUserKey, shardKey } from './redemption.ts';
import { DEFAULT_SEGMENT_POLICY } from './segments/policy.ts';
import { classify } from './segments/rules.ts';
import { computeCutPoints } from './segments/scoring.ts';

/**
 * The pricing service's use cases: quote, show, redeem, open and join a group. Each takes the
 * narrow ports it needs; the DynamoDB adapters live in functions/adapters/pricing-store.ts. What the
 * shopper is (tier, group, uses) always comes from these ports, never from the request body.
 */

// ---------------------------------------------------------------------------------------------
// Ports

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

export interface PricingFacts {
  products: Map<string, Product>;
  scenes: Scene[];
  memberTier: MemberTier;
  /** The shopper's RFM profile (undefined: a guest, or no order yet) and the shop's cut points. */
  profile?: RfmProfile | undefined;
  cuts?: RfmCutPoints | undefined;
  /** The stored segment policy (undefined: the built-in one), whose table names the segment. */
  policy?: SegmentPolicy | undefined;
  group: StoredGroup | undefined;
  /** Counter values by redemptions key (absent = 0). */
  counters: Map<string, number>;
}

export interface PricingSources {
  /** Every promotion (the adapter caches the set per container). */
  promotions(): Promise<Promotion[]>;
  /** One round trip for the rest of what a quote depends on. */
  facts(req: {
    productIds: string[];
    sceneIds: string[];
    userId: string | null;
    groupId: string | undefined;
    counterKeys: string[];
  }): Promise<PricingFacts>;
}

export interface QuoteStore {
  put(quote: Quote): Promise<void>;
  get(quoteId: string): Promise<Quote | undefined>;
}

export interface RedemptionPlan {
  userId: string;
  quoteId: string;
  idempotencyKey: string;
  reservations: CappedReservation[];
  result: Redemption;
}

export interface RedemptionStore {
  /** The result stored under this user's key, if any. */
  previous(userId: string, idempotencyKey: string): Promise<Redemption | undefined>;
  /** Consumes everything at once or nothing: throws ExhaustedError or a CodedError conflict. */
  redeem(plan: RedemptionPlan): Promise<Redemption>;
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

/** Promotion experiments (models/experiments/promotions.ts); without them, quotes serve none. */
export interface QuoteExperimentPorts {
  /** The experiment definitions (the adapter caches them per container); read for signed-in shoppers only. */
  definitions(): Promise<readonly Experiment[]>;
  /** Records exposures. Must not throw: the quote is answered whether or not the record is. */
  exposed(events: ExperimentExposed[]): Promise<void>;
  /** An id for each ExperimentExposed event. */
  newEventId(): string;
}

export interface Keys {
  signingKey: string;
}

// ---------------------------------------------------------------------------------------------
// Quotes

export interface QuoteContext {
  userId: string | null;
  locale: Locale;
  now: Date;
  quoteId: string;
  currency: string;
  minMarginPercent: number;
  ttlSeconds: number;
  signingKey: string;
}

const groupStatus = (g: StoredGroup, now: Date): GroupState['status'] =>
  g.status === 'completed' ? 'completed' : now.getTime() >= Date.parse(g.closesAt) ? 'expired' : 'open';

/** The counters a quote reads: the shopper's uses and every shard of the caps it may touch. */
function counterKeysFor(promotions: Promotion[], request: QuoteRequest, userId: string | null): string[] {
  if (userId === null) return [];
  const codes = new Set(request.couponCodes.map((c) => c.toUpperCase()));
  const inCart = new Set(request.items.map((i) => i.productId));
  const keys: string[] = [];
  for (const p of promotions) {
    const kind =
      p.kind === 'coupon' && codes.has(p.code)
        ? 'coupon'
        : p.kind === 'flashSale' && inCart.has(p.productId)
          ? 'flashSale'
          : undefined;
    if (kind === undefined) continue;
    keys.push(perUserKey(kind, p.promotionId, userId));
    for (let s = 0; s < COUNTER_SHARDS; s++) keys.push(shardKey(kind, p.promotionId, s));
  }
  return keys;
}

function usage(promotions: Promotion[], counters: Map<string, number>, userId: string | null) {
  const couponUses: Record<string, number> = {};
  const couponBudgetUsed: Record<string, number> = {};
  const flashSold: Record<string, number> = {};
  const flashBought: Record<string, number> = {};
  if (userId === null) return { couponUses, couponBudgetUsed, flashSold, flashBought };
  for (const p of promotions) {
    if (p.kind !== 'coupon' && p.kind !== 'flashSale') continue;
    const kind = p.kind;
    const mine = counters.get(perUserKey(kind, p.promotionId, userId)) ?? 0;
    let all = 0;
    for (let s = 0; s < COUNTER_SHARDS; s++) all += counters.get(shardKey(kind, p.promotionId, s)) ?? 0;
    if (kind === 'coupon') {
      couponUses[p.promotionId] = mine;
      couponBudgetUsed[p.promotionId] = all;
    } else {
      flashBought[p.promotionId] = mine;
      flashSold[p.promotionId] = all;
    }
  }
  return { couponUses, couponBudgetUsed, flashSold, flashBought };
}

/**
 * The shopper's segment for segment-limited offers: from the stored profile against the stored cut
 * points (before the first scheduled computation, the fixed fallback ones), never from the request.
 */
function segmentOf(facts: PricingFacts, now: Date): string | null {
  const cuts = facts.cuts ?? computeCutPoints([], now.getTime());
  return (
    classify(facts.profile, cuts, (facts.policy ?? DEFAULT_SEGMENT_POLICY).table)?.segment.segment ?? null
  );
}

/**
 * Prices the cart for the shopper the server knows, signs the quote and stores it. For a signed-in
 * shopper, the running promotion experiments decide which promotions the engine sees: a 'withhold'
 * variant's promotion is left out (absent from the quote, as an offer outside the shopper's segment
 * is: nothing shopper-facing names the experiment). The quote lists, signed, each variant whose
 * promotion concerned the cart (`triggeredBy`), and an ExperimentExposed is published for each,
 * beside the quote's write.
 */
export async function createQuote(
  ports: { sources: PricingSources; quotes: QuoteStore; experiments?: QuoteExperimentPorts | undefined },
  request: QuoteRequest,
  ctx: QuoteContext,
): Promise<Quote> {
  const [promotions, experiments] = await Promise.all([
    ports.sources.promotions(),
    ctx.userId !== null && ports.experiments ? ports.experiments.definitions() : [],
  ]);
  const giftIds = promotions.flatMap((p) => (p.kind === 'gift' ? [p.giftProductId] : []));
  const sceneIds = promotions.flatMap((p) => (p.kind === 'bundle' && p.sceneId ? [p.sceneId] : []));
  const facts = await ports.sources.facts({
    productIds: [...new Set([...request.items.map((i) => i.productId), ...giftIds])],
    sceneIds: [...new Set(sceneIds)],
    userId: ctx.userId,
    groupId: request.groupId,
    counterKeys: counterKeysFor(promotions, request, ctx.userId),
  });
  const lines = request.items.map((item, i) => {
    const product = facts.products.get(item.productId);
    if (!product) {
      throw new DomainError('not_found', `no product ${item.productId}`, `body.items.${i}.productId`);
    }
    return { product, quantity: item.quantity };
  });
  if (request.groupId !== undefined && facts.group === undefined) {
    throw new DomainError('not_found', `no group ${request.groupId}`, 'body.groupId');
  }
  const g = facts.group;
  // Only a member prices with the group; anyone else sees the offer as "join the group".
  const group: GroupState | undefined =
    g && ctx.userId !== null && g.members.includes(ctx.userId)
      ? {
          groupId: g.groupId,
          promotionId: g.promotionId,
          members: g.members.length,
          size: g.size,
          status: groupStatus(g, ctx.now),
        }
      : undefined;
  const segment = ctx.userId === null ? null : segmentOf(facts, ctx.now);
  const plan = planPromotions(experiments, { userId: ctx.userId ?? undefined, segment }, ctx.now.getTime());
  const price = (offered: Promotion[]) =>
    priceQuote({
      lines,
      promotions: offered,
      scenes: facts.scenes,
      giftProducts: giftIds.flatMap((id) => {
        const p = facts.products.get(id);
        return p ? [p] : [];
      }),
      shopper: {
        userId: ctx.userId,
        memberTier: ctx.userId === null ? 'none' : facts.memberTier,
        segment,
        group,
        ...usage(promotions, facts.counters, ctx.userId),
      },
      couponCodes: request.couponCodes,
      now: ctx.now.toISOString(),
      currency: ctx.currency,
      minMarginPercent: ctx.minMarginPercent,
      locale: ctx.locale,
    });
  // With nothing withheld the quote is its own trigger; otherwise one more run, with every planned
  // promotion on, tells which experiments' promotions concerned the cart, the same way in both arms.
  const withAll = price(promotions);
  const body =
    plan.withheld.size === 0 ? withAll : price(promotions.filter((p) => !plan.withheld.has(p.promotionId)));
  const served = plan.served.length > 0 ? triggeredBy(plan, withAll) : [];
  const quote = signQuote(body, {
    quoteId: ctx.quoteId,
    issuedAt: ctx.now.toISOString(),
    ttlSeconds: ctx.ttlSeconds,
    key: ctx.signingKey,
    experiments: served,
  });
  const { userId } = ctx;
  const xp = ports.experiments;
  // Beside the quote's write: the exposure costs the shopper no extra round trip.
  await Promise.all([
    ports.quotes.put(quote),
    userId !== null && xp !== undefined && served.length > 0
      ? xp.exposed(
          served.map((s) => ({
            type: 'ExperimentExposed' as const,
            eventId: xp.newEventId(),
            occurredAt: ctx.now.toISOString(),
            version: 1 as const,
            experimentId: s.experimentId,
            variantId: s.variantId,
            userId,
          })),
        )
      : undefined,
  ]);
  return quote;
}

/** A quote the caller may see: a guest's quote to anyone with its id, a shopper's to that shopper. */
async function ownQuote(quotes: QuoteStore, quoteId: string, userId: string | null): Promise<Quote> {
  const quote = await quotes.get(quoteId);
  // Someone else's quote is a 404 like an unknown one: quote ids are not disclosed.
  if (!quote || (quote.userId !== null && quote.userId !== userId)) {
    throw new DomainError('not_found', `no quote ${quoteId}`, 'path.quoteId');
  }
  return quote;
}

export async function readQuote(
  quotes: QuoteStore,
  quoteId: string,
  { userId, now, signingKey }: { userId: string | null; now: Date; signingKey: string },
): Promise<QuoteStatus> {
  const quote = await ownQuote(quotes, quoteId, userId);
  const check = verifyQuote(quote, signingKey, now);
  // A quote signed before quotes said which experiments priced them (none did) reads as none.
  const shown = { ...quote, experiments: quote.experiments ?? [] };
  return check.ok ? { ...shown, valid: true } : { ...shown, valid: false, reason: check.reason };
}

// ---------------------------------------------------------------------------------------------
// Redemption

export async function redeemQuote(
  ports: {
    quotes: QuoteStore;
    redemptions: RedemptionStore;
    promotions: (ids: string[]) => Promise<Promotion[]>;
  },
  {
    quoteId,
    userId,
    idempotencyKey,
    now,
    signingKey,
  }: {
    quoteId: string;
    userId: string;
    idempotencyKey: string;
    now: Date;
    signingKey: string;
  },
): Promise<Redemption> {
  const previous = await ports.redemptions.previous(userId, idempotencyKey);
  if (previous) return sameQuoteOrConflict(previous, quoteId);
  const quote = await ownQuote(ports.quotes, quoteId, userId);
  if (quote.userId === null) {
    throw new CodedError(
      'conflict',
      'GuestQuote',
      'a guest quote cannot be redeemed: quote again signed in',
      'path.quoteId',
    );
  }
  const check = verifyQuote(quote, signingKey, now);
  if (!check.ok && check.reason === 'tampered') {
    throw new CodedError(
      'conflict',
      'QuoteTampered',
      'the quote does not match its signature',
      'path.quoteId',
    );
  }
  if (!check.ok) {
    throw new CodedError(
      'gone',
      'QuoteExpired',
      `the quote expired at ${quote.expiresAt}: ask for a new one`,
      'path.quoteId',
    );
  }
  const ids = [...new Set(quote.reservations.map((r) => r.promotionId))];
  const byId = new Map((ids.length ? await ports.promotions(ids) : []).map((p) => [p.promotionId, p]));
  const reservations = quote.reservations.map((r) => capped(r, byId.get(r.promotionId)));
  const result: Redemption = {
    quoteId,
    userId,
    status: 'redeemed',
    redeemedAt: now.toISOString(),
    currency: quote.currency,
    total: quote.total,
    reservations: quote.reservations,
  };
  const stored = await ports.redemptions.redeem({ userId, quoteId, idempotencyKey, reservations, result });
  return sameQuoteOrConflict(stored, quoteId);
}

function sameQuoteOrConflict(stored: Redemption, quoteId: string): Redemption {
  if (stored.quoteId !== quoteId) {
    throw new CodedError(
      'conflict',
      'IdempotencyKeyReused',
      `this Idempotency-Key already redeemed quote ${stored.quoteId}`,
      'header.idempotency-key',
    );
  }
  return stored;
}

function capped(r: Reservation, p: Promotion | undefined): CappedReservation {
  if (p?.kind === 'coupon' && r.kind === 'coupon') {
    return { ...r, perUserCap: p.perUserLimit, totalCap: p.totalBudgetUses };
  }
  if (p?.kind === 'flashSale' && r.kind === 'flashSale') {
    return { ...r, perUserCap: p.perUserCap, totalCap: p.stockCap };
  }
  throw new CodedError(
    'conflict',
    'PromotionUnavailable',
    `promotion ${r.promotionId} is no longer offered: ask for a new quote`,
    `promotion.${r.promotionId}`,
  );
}

// ---------------------------------------------------------------------------------------------
// Groups

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

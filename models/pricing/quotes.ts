import type { QuoteStatus } from '../../events/api.ts';
import type { Product, Promotion, Scene } from '../../events/catalog.ts';
import type { Locale, MemberTier } from '../../events/common.ts';
import type { Experiment, ExperimentExposed } from '../../events/experiments.ts';
import type { Quote, QuoteRequest } from '../../events/pricing.ts';
import type { RfmCutPoints, RfmProfile, SegmentPolicy } from '../../events/segments.ts';
import { DomainError } from '../errors.ts';
import { planPromotions, triggeredBy } from '../experiments/promotions.ts';
import { DEFAULT_SEGMENT_POLICY } from '../segments/policy.ts';
import { classify } from '../segments/rules.ts';
import { computeCutPoints } from '../segments/scoring.ts';
import { COUNTER_SHARDS, perUserKey, shardKey } from './counters.ts';
import { priceQuote } from './engine.ts';
import { groupStatus, type StoredGroup } from './groups.ts';
import { type QuoteKeys, signQuote, verifyQuote } from './sign.ts';
import type { GroupState } from './types.ts';

/**
 * Quotes: price a cart, sign it and store it; show it to its shopper. Redemption and group buys are
 * beside it (redemption.ts, groups.ts). Each use case takes the narrow ports it needs; the DynamoDB
 * adapters live in functions/adapters/pricing-store.ts. What the
 * shopper is (tier, group, uses) always comes from these ports, never from the request body.
 */

// ---------------------------------------------------------------------------------------------
// Ports

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
  signingKey: QuoteKeys;
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
  signingKey: QuoteKeys;
}

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
function segmentFromFacts(facts: PricingFacts, now: Date): string | null {
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
  const segment = ctx.userId === null ? null : segmentFromFacts(facts, ctx.now);
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
export async function ownQuote(quotes: QuoteStore, quoteId: string, userId: string | null): Promise<Quote> {
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
  { userId, now, signingKey }: { userId: string | null; now: Date; signingKey: QuoteKeys },
): Promise<QuoteStatus> {
  const quote = await ownQuote(quotes, quoteId, userId);
  const check = verifyQuote(quote, signingKey, now);
  // A quote signed before quotes said which experiments priced them (none did) reads as none.
  const shown = { ...quote, experiments: quote.experiments ?? [] };
  return check.ok ? { ...shown, valid: true } : { ...shown, valid: false, reason: check.reason };
}

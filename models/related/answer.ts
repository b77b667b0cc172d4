import type { ProductCard } from '../../events/api.ts';
import type { Product } from '../../events/catalog.ts';
import type { Experiment, ExperimentExposed, ServedVariant } from '../../events/experiments.ts';
import { toProductCard } from '../catalog.ts';
import { DomainError } from '../errors.ts';
import { exposuresOf } from '../experiments/exposure.ts';
import { planRelated, type RelatedPlan } from '../experiments/related.ts';
import { relatedStrategyFor, type ShopperStanding } from '../segments/policy.ts';
import { type PopularLists, popularBlend, popularFallbacks } from './popular.ts';
import { DEFAULT_RELATED_STRATEGY, type RelatedStrategy, reasonWeight } from './strategies.ts';
import type { VisitRecord } from './visit.ts';

/** One stored neighbour of a product: what the update function and the rebuild write. */
export interface StoredNeighbour {
  productId: string;
  score: number;
  reasons: string[];
}

export interface RelatedQuery {
  limit: number;
  exclude: string[];
  category?: string | undefined;
  maxPrice?: number | undefined;
  /**
   * At most this many items of one category ahead of the others (the storefront may raise it); when
   * the list would be short, items of a full category fill the remaining places after them.
   */
  perCategory: number;
}

export interface RelatedItem {
  product: ProductCard;
  score: number;
  reasons: string[];
}

/** The port: at most two DynamoDB round trips, which the adapter counts. */
export interface RelatedReader {
  /**
   * Round trip 1: the anchor, its neighbour list, the session's and user's records, and the shop's
   * precomputed popular lists (the fallback's last links; undefined before the first rebuild).
   */
  first(input: { productId: string; sessionId?: string | undefined; userId?: string | undefined }): Promise<{
    anchor: Product | undefined;
    neighbours: StoredNeighbour[];
    session?: VisitRecord | undefined;
    user?: VisitRecord | undefined;
    popular?: PopularLists | undefined;
  }>;
  /** Round trip 2: the candidates' current facts (stock, price, category). */
  products(productIds: readonly string[]): Promise<Map<string, Product>>;
}

/**
 * How much the visit counts against the anchor's own neighbours comes from the strategy
 * (models/related/strategies.ts; the default, `behavioural`: the session at 0.6, the user at 0.3).
 * A session candidate that is also a neighbour of the anchor rises most; one that is not can still
 * enter the list, lower down.
 */
/** Candidates fetched beyond the limit, so that filters and diversity still leave a full list. */
const OVERFETCH = 4;
/** Keys of the second round trip: one BatchGetItem takes 100. */
const MAX_FACTS = 100;
/** Neighbour candidates at most (the stored list holds 60, the visit adds its own). */
const MAX_CANDIDATES = 60;
/** A fallback scores below every neighbour: at most this share of the weakest one. */
const FALLBACK_SHARE = 0.5;

export async function relatedProducts(
  reader: RelatedReader,
  input: { productId: string; sessionId?: string | undefined; userId?: string | undefined },
  query: RelatedQuery,
  currency: string,
  /** A promise when it is being decided beside the first round trip (experiments, segment). */
  strategyOrPlan: RelatedStrategy | Promise<RelatedStrategy> = DEFAULT_RELATED_STRATEGY,
  /**
   * Runs once the anchor is known to exist, beside the second round trip (the serving code records
   * experiment exposures here, so that they cost the request no extra wait when they are faster).
   */
  whileFetching?: () => Promise<void>,
): Promise<{ productId: string; items: RelatedItem[] }> {
  const { anchor, neighbours, session, user, popular } = await reader.first(input);
  if (!anchor) throw new DomainError('not_found', `no product ${input.productId}`, 'path.productId');
  const strategy = await strategyOrPlan;

  const scored = new Map<string, { score: number; reasons: Set<string> }>();
  const add = (productId: string, score: number, reasons: readonly string[]) => {
    const entry = scored.get(productId) ?? { score: 0, reasons: new Set<string>() };
    entry.score += score;
    for (const r of reasons) entry.reasons.add(r);
    scored.set(productId, entry);
  };
  let top = 1e-9;
  for (const n of neighbours) {
    const score = n.score * reasonWeight(strategy, n.reasons);
    // A weight of 0 turns a candidate source off (e.g. no look-alikes for a segment).
    if (score <= 0) continue;
    top = Math.max(top, score);
    add(n.productId, score, n.reasons);
  }
  // Session candidates are normalised to the anchor's best score so the blend does not depend on
  // the scale of either list.
  for (const [record, weight] of [
    [session, strategy.sessionWeight],
    [user, strategy.userWeight],
  ] as const) {
    if (!record || record.candidates.length === 0 || weight <= 0) continue;
    const best = Math.max(1e-9, ...record.candidates.map((c) => c.weight));
    for (const c of record.candidates)
      add(c.productId, (weight * top * c.weight) / best, [`session:${c.via}`]);
  }

  // The shop's popularity blend (zero unless its validation split chose one): popular products
  // compete with the evidence at a share of the anchor's best score, as eval:related measures it.
  if (neighbours.length > 0)
    for (const c of popularBlend(popular, anchor.category, top))
      if (reasonWeight(strategy, [c.reason]) > 0) add(c.productId, c.score, [c.reason]);

  // Only user records hold purchases: a session's `bought` stays empty.
  const excluded = new Set([input.productId, ...query.exclude, ...(user?.bought ?? [])]);
  const ranked = [...scored]
    .filter(([id]) => !excluded.has(id))
    .sort(([a, x], [b, y]) => y.score - x.score || (a < b ? -1 : 1))
    .slice(0, Math.min(MAX_CANDIDATES, query.limit * OVERFETCH + 20));
  // The fallback chain's last links, read in round trip 1 and spent on the keys round trip 2 has
  // left: the category's, then the shop's popular products, each with its reason.
  const fallbacks = popularFallbacks(popular, {
    // A strategy turns a fallback off as it does a neighbour source: by a weight of 0.
    use: (reason) => reasonWeight(strategy, [reason]) > 0,
    category: query.category ?? anchor.category,
    only: query.category,
    maxPrice: query.maxPrice,
    skip: new Set([...excluded, ...ranked.map(([id]) => id)]),
    budget: Math.min(MAX_FACTS - ranked.length, query.limit * 2 + 10),
  });
  const [facts] = await Promise.all([
    reader.products([...ranked.map(([id]) => id), ...fallbacks.map((f) => f.productId)]),
    whileFetching?.(),
  ]);

  const eligible = (p: Product | undefined): p is Product =>
    p !== undefined &&
    p.stock > 0 &&
    (query.category === undefined || p.category === query.category) &&
    (query.maxPrice === undefined || p.listPrice <= query.maxPrice);
  const chain: { product: Product; score: number; reasons: string[] }[] = [];
  for (const [id, { score, reasons }] of ranked) {
    const p = facts.get(id);
    if (eligible(p)) chain.push({ product: p, score, reasons: [...reasons].sort() });
  }
  const floor = FALLBACK_SHARE * (chain.length > 0 ? chain[chain.length - 1]!.score : 1);
  const bestPopularity = Math.max(1e-9, ...fallbacks.map((f) => f.popularity));
  for (const f of fallbacks) {
    const p = facts.get(f.productId);
    if (eligible(p))
      chain.push({
        product: p,
        score: floor * (0.5 + (0.5 * f.popularity) / bestPopularity),
        reasons: [f.reason],
      });
  }

  // Diversity re-ranks, it never empties a slot: down the chain (evidence, the visit, scene
  // partners and content as scored, then the popular fallbacks), at most `perCategory` of one
  // category first; if that leaves the list short, the items it held back fill it, in chain order.
  const perCategory = new Map<string, number>();
  const items: RelatedItem[] = [];
  const heldBack: RelatedItem[] = [];
  for (const { product: p, score, reasons } of chain) {
    if (items.length >= query.limit) break;
    const item = { product: toProductCard(p, currency), score: Math.round(score * 1e4) / 1e4, reasons };
    const inCategory = perCategory.get(p.category) ?? 0;
    if (query.category === undefined && inCategory >= query.perCategory) {
      heldBack.push(item);
      continue;
    }
    perCategory.set(p.category, inCategory + 1);
    items.push(item);
  }
  items.push(...heldBack.slice(0, query.limit - items.length));
  return { productId: input.productId, items };
}

/** How long the stored list is, and how many of one category it keeps. */
export const STORED_LIST_LENGTH = 60;
export const STORED_PER_CATEGORY = 12;

/**
 * The neighbour list as stored for the request path: the best neighbours, but no more than a
 * dozen of one category, so that a product whose shoppers mostly compare look-alikes still offers
 * what goes with it (a sleeping bag's tents, stoves and lamps) after the answer's diversity rule.
 */
export function listToStore(
  ranked: readonly StoredNeighbour[],
  categoryOf: (productId: string) => string | undefined,
  { length = STORED_LIST_LENGTH, perCategory = STORED_PER_CATEGORY } = {},
): StoredNeighbour[] {
  const counts = new Map<string, number>();
  const out: StoredNeighbour[] = [];
  for (const n of ranked) {
    if (out.length >= length) break;
    const category = categoryOf(n.productId);
    if (category === undefined) continue;
    const c = counts.get(category) ?? 0;
    if (c >= perCategory) continue;
    counts.set(category, c + 1);
    out.push({ productId: n.productId, score: Math.round(n.score * 1e6) / 1e6, reasons: [...n.reasons] });
  }
  return out;
}

/** A behavioural neighbour that is also similar in content gains up to this share of its score. */
const CONTENT_BONUS = 0.5;
/** Content-only neighbours rank below the weakest behavioural one, scaled into this share of it. */
const CONTENT_FLOOR_SHARE = 0.9;

const isScenePartner = (reasons: readonly string[]) => reasons.some((r) => r.startsWith('same_scene:'));

/**
 * Blends behavioural neighbours (what shoppers did) with content neighbours (what shares a scene or
 * looks alike): the first links of the answer's fallback chain, evidence, then scene partners, then
 * content. Evidence leads: a behavioural neighbour keeps its score, raised by up to half when the
 * content agrees. Content-only neighbours follow below the weakest behavioural one: scene partners
 * (what goes with the product) in the upper half of that range, look-alikes in the lower half, each
 * in content order, so they fill the list for new and long-tail products without pushing evidence
 * aside. With no behavioural evidence at all the list is content alone, scene partners first.
 */
export function blendForStore(
  behavioural: readonly StoredNeighbour[],
  content: readonly StoredNeighbour[],
): StoredNeighbour[] {
  const contentBy = new Map(content.map((c) => [c.productId, c]));
  const bestContent = Math.max(1e-12, ...content.map((c) => c.score));
  const out: StoredNeighbour[] = behavioural.map((b) => {
    const c = contentBy.get(b.productId);
    return c
      ? {
          productId: b.productId,
          score: b.score * (1 + (CONTENT_BONUS * c.score) / bestContent),
          reasons: [...new Set([...b.reasons, ...c.reasons])],
        }
      : { ...b, reasons: [...b.reasons] };
  });
  const floor =
    behavioural.length > 0 ? Math.min(...behavioural.map((b) => b.score)) * CONTENT_FLOOR_SHARE : 1;
  const taken = new Set(behavioural.map((b) => b.productId));
  for (const c of content) {
    if (taken.has(c.productId)) continue;
    const share = c.score / bestContent / 2;
    out.push({
      productId: c.productId,
      score: floor * (isScenePartner(c.reasons) ? 0.5 + share : share),
      reasons: [...c.reasons],
    });
  }
  return out.sort((a, b) => b.score - a.score || (a.productId < b.productId ? -1 : 1));
}

export interface RelatedServingPorts {
  reader: RelatedReader;
  /** The experiment definitions (the adapter caches them per container). */
  experiments: () => Promise<readonly Experiment[]>;
  /**
   * The shopper's standing (server-side segment and the segment policy). Must not throw: the adapter
   * answers no segment and the default policy when the read fails (personalisation, not correctness).
   */
  standingOf: (userId: string) => Promise<ShopperStanding>;
  /** Records exposures. Must not throw: the answer is served whether or not the record is. */
  exposed: (events: ExperimentExposed[]) => Promise<void>;
}

/**
 * `GET /v1/products/{productId}/related` for a shopper: the plan (experiment variant, else the
 * segment's strategy, else the default), the answer with the plan's strategy, and an
 * ExperimentExposed per variant that served it, sent once the anchor is known to exist (a 404
 * exposes nobody), beside the answer's second round trip. The segment and the experiments are read
 * beside the answer's first round trip, so a signed-in shopper waits for no extra one. Guests read
 * neither.
 */
export async function relatedForShopper(
  ports: RelatedServingPorts,
  input: { productId: string; sessionId?: string | undefined; userId?: string | undefined },
  query: RelatedQuery,
  currency: string,
  clock: { now: number; newEventId: () => string },
): Promise<{ productId: string; items: RelatedItem[]; experiments: ServedVariant[] }> {
  const { userId } = input;
  const planned: Promise<RelatedPlan> =
    userId === undefined
      ? Promise.resolve({ strategy: DEFAULT_RELATED_STRATEGY, served: [] })
      : Promise.all([ports.experiments(), ports.standingOf(userId)]).then(
          ([experiments, { segment, policy }]) =>
            planRelated(experiments, { userId, segment }, clock.now, relatedStrategyFor(policy, segment)),
        );
  const strategy = planned.then((p) => p.strategy);
  // Awaited by the answer once its first round trip is back (never, after a 404); until then a
  // failure must not count as unhandled.
  planned.catch(() => {});
  strategy.catch(() => {});
  let served: ServedVariant[] = [];
  const expose = async () => {
    served = (await planned).served;
    if (userId !== undefined && served.length > 0) await ports.exposed(exposuresOf(served, userId, clock));
  };
  const answer = await relatedProducts(ports.reader, input, query, currency, strategy, expose);
  return { ...answer, experiments: served };
}

import type { ProductCard } from '../../events/api.ts';
import type { Product, Promotion, Scene, Slot } from '../../events/catalog.ts';
import type { Locale } from '../../events/common.ts';
import type { Experiment, ExperimentExposed, ServedVariant } from '../../events/experiments.ts';
import type { RfmProfile } from '../../events/segments.ts';
import { toProductCard } from '../catalog.ts';
import { DomainError } from '../errors.ts';
import { exposuresOf } from '../experiments/exposure.ts';
import { planSceneFill, type SceneFillPlan } from '../experiments/scenes.ts';
import {
  type PreviewShopper,
  type PricePreview,
  previewPrice,
  previewShopperOf,
} from '../pricing/preview.ts';
import { fitsSlot } from '../pricing/rules.ts';
import type { RelatedReader, StoredNeighbour } from '../related/answer.ts';
import type { VisitRecord } from '../related/visit.ts';
import { type ShopperStanding, sceneFillRefFor } from '../segments/policy.ts';
import {
  type FilledScene,
  fillScene,
  fillSceneForEveryone,
  priceStyleOf,
  rankScenes,
  type SlotPick,
  scenesForProduct,
} from './fill.ts';
import { type FillPriceStyle, fillPriceStyle, type SceneFillStrategy } from './strategies.ts';

/**
 * Scene guides for a shopper: the port's reads, the fill (models/scenes) with the shopper's scene
 * fill strategy (models/experiments/scenes.ts), and a guest price for each filled scene. Round
 * trips: the anchor, its neighbour list and the shopper's records in one, beside which a signed-in
 * shopper's RFM profile is read; the neighbour lists of the candidates that have evidence and the
 * visit's products in a second; the slot candidates come from a per-container catalog cache
 * (`categoryProducts`), the experiments from a per-container cache of their own.
 */
export interface SceneReader {
  /** Round trip 1, as for related products: the anchor, its neighbour list, the visit's records. */
  first: RelatedReader['first'];
  visits(input: { sessionId?: string | undefined; userId?: string | undefined }): Promise<VisitRecord[]>;
  scenes(): Promise<Scene[]>;
  promotions(): Promise<Promotion[]>;
  /** In-stock and out-of-stock products of these categories, cached per container for minutes. */
  categoryProducts(categories: readonly string[]): Promise<Product[]>;
  /** Every product (for slots constrained by tags only), cached the same way. */
  allProducts(): Promise<Product[]>;
  neighbourLists(productIds: readonly string[]): Promise<Map<string, StoredNeighbour[]>>;
  products(productIds: readonly string[]): Promise<Map<string, Product>>;
}

export interface SceneOptions {
  now: Date;
  currency: string;
  minMarginPercent: number;
  locale: Locale;
}

export interface PickView {
  product: ProductCard;
  score: number;
  reasons: string[];
}

export interface SceneView extends Omit<FilledScene, 'slots'> {
  slots: {
    slotId: string;
    title: FilledScene['slots'][number]['title'];
    quantity: number;
    required: boolean;
    isAnchor: boolean;
    pick: PickView | null;
    alternatives: PickView[];
  }[];
  /** The filled slots priced together for a guest; null when nothing could be filled. */
  price: PricePreview | null;
}

/** How many candidates' own neighbour lists are read for evidence between picks. */
const MAX_CANDIDATE_LISTS = 80;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

function slotCategories(scenes: readonly Scene[]): { categories: string[]; tagOnly: boolean } {
  const categories = new Set<string>();
  let tagOnly = false;
  for (const sc of scenes)
    for (const sl of sc.slots) {
      if (sl.constraint.categories) for (const c of sl.constraint.categories) categories.add(c);
      else tagOnly = true;
    }
  return { categories: [...categories].sort(), tagOnly };
}

interface Shared {
  candidatesFor: (slot: Slot) => Product[];
  neighbours: Map<string, StoredNeighbour[]>;
  recent: string[];
  priceStyle: FillPriceStyle;
  strategy: SceneFillStrategy;
  pool: Map<string, Product>;
}

/** What every fill of one request shares: candidates, evidence, the visit and the price style. */
async function prepare(
  reader: SceneReader,
  scenes: readonly Scene[],
  anchor: { product: Product; neighbours: StoredNeighbour[] } | undefined,
  records: readonly (VisitRecord | undefined)[],
  fill: ShopperFill,
): Promise<Shared> {
  const { categories, tagOnly } = slotCategories(scenes);
  const catalog = tagOnly ? await reader.allProducts() : await reader.categoryProducts(categories);
  const pool = new Map(catalog.map((p) => [p.productId, p]));
  const recent = [
    ...new Set(
      records.flatMap((r) => (r ? [...r.recent].sort((a, b) => b.at - a.at).map((i) => i.productId) : [])),
    ),
  ];
  // Round trip 2: candidate lists with evidence (the anchor's neighbours that could fill a slot) and
  // the visit's products, whose facts also decide the price style.
  const evidenceIds = (anchor?.neighbours ?? []).map((n) => n.productId).filter((id) => pool.has(id));
  const listIds = [...new Set([...evidenceIds, ...recent])].slice(0, MAX_CANDIDATE_LISTS);
  const [lists, seenFacts] = await Promise.all([
    reader.neighbourLists(listIds),
    reader.products(recent.filter((id) => !pool.has(id))),
  ]);
  const neighbours = new Map(lists);
  if (anchor) neighbours.set(anchor.product.productId, anchor.neighbours);
  const seen = recent.flatMap((id) => {
    const p = pool.get(id) ?? seenFacts.get(id);
    return p ? [p] : [];
  });
  // Medians only of the categories the visit touched: that is all the price style reads.
  const seenCategories = new Set(seen.map((p) => p.category));
  const byCategory = new Map<string, number[]>();
  for (const p of catalog) {
    if (!seenCategories.has(p.category)) continue;
    const prices = byCategory.get(p.category);
    if (prices) prices.push(p.listPrice);
    else byCategory.set(p.category, [p.listPrice]);
  }
  const medians = new Map([...byCategory].map(([c, prices]) => [c, median(prices)]));
  // The same fit rule the pricing engine's scene bundles use, and stock for the slot's quantity;
  // one filter per slot, however many times a fill asks.
  const perSlot = new Map<Slot, Product[]>();
  return {
    candidatesFor: (slot) => {
      let list = perSlot.get(slot);
      if (list === undefined) {
        list = catalog.filter((p) => p.stock >= slot.quantity && fitsSlot(p, slot));
        perSlot.set(slot, list);
      }
      return list;
    },
    neighbours,
    recent,
    priceStyle: fillPriceStyle(fill.plan.strategy, fill.profile, () => priceStyleOf(seen, medians)),
    strategy: fill.plan.strategy,
    pool,
  };
}

function view(
  filled: FilledScene,
  pricing: { promotions: Promotion[]; scenes: Scene[]; gifts: Product[] },
  opts: SceneOptions,
  pricedFor: PreviewShopper | undefined,
): SceneView {
  const card = (p: SlotPick): PickView => ({
    product: toProductCard(p.product, opts.currency),
    score: p.score,
    reasons: p.reasons,
  });
  const lines = filled.slots.flatMap((s) =>
    s.pick && s.pick.product.stock >= s.quantity ? [{ product: s.pick.product, quantity: s.quantity }] : [],
  );
  return {
    ...filled,
    slots: filled.slots.map((s) => ({
      slotId: s.slotId,
      title: s.title,
      quantity: s.quantity,
      required: s.required,
      isAnchor: s.isAnchor,
      pick: s.pick ? card(s.pick) : null,
      alternatives: s.alternatives.map(card),
    })),
    price:
      lines.length === 0
        ? null
        : previewPrice(
            lines,
            { promotions: pricing.promotions, scenes: pricing.scenes, giftProducts: pricing.gifts },
            opts,
            pricedFor,
          ),
  };
}

async function pricingOf(reader: SceneReader, scenes: Scene[]) {
  const promotions = await reader.promotions();
  const giftIds = promotions.flatMap((p) => (p.kind === 'gift' ? [p.giftProductId] : []));
  const gifts = [...(await reader.products(giftIds)).values()];
  return { promotions, scenes, gifts };
}

export interface SceneServingPorts {
  reader: SceneReader;
  /** The experiment definitions (the adapter caches them per container). */
  experiments: () => Promise<readonly Experiment[]>;
  /**
   * A signed-in shopper's stored RFM profile (undefined before their first order), their
   * server-side segment (null without one) and the segment policy: one BatchGetItem. Must not
   * throw: the adapter answers no profile, no segment and the default policy when the read fails.
   */
  standingOf: (userId: string) => Promise<ShopperStanding>;
  /** Records exposures. Must not throw: the answer is served whether or not the record is. */
  exposed: (events: ExperimentExposed[]) => Promise<void>;
}

export interface ServingClock {
  now: number;
  newEventId: () => string;
}

/** The shopper's scene fill strategy, what its price style may read, and who the prices are for. */
interface ShopperFill {
  plan: SceneFillPlan;
  profile: RfmProfile | undefined;
  /** Undefined for a guest: scene prices are guest prices. */
  pricedFor?: PreviewShopper;
}

/**
 * The plan and the profile, made beside round trip 1. Guests read nothing: no experiment (no
 * stable id to assign), no profile. For a signed-in shopper, the experiments come from the
 * container's cache, and the profile, the segment and the segment policy from one BatchGetItem:
 * the plan is the running experiment's variant, else the segment's strategy, else the default.
 */
async function shopperFill(
  ports: SceneServingPorts,
  userId: string | undefined,
  now: number,
): Promise<ShopperFill> {
  if (userId === undefined) {
    return { plan: planSceneFill([], { userId, segment: null }, now), profile: undefined };
  }
  const [experiments, { profile, segment, policy, memberTier }] = await Promise.all([
    ports.experiments(),
    ports.standingOf(userId),
  ]);
  return {
    plan: planSceneFill(experiments, { userId, segment }, now, sceneFillRefFor(policy, segment)),
    profile,
    pricedFor: previewShopperOf(userId, { segment, memberTier }, experiments, now),
  };
}

/**
 * Exposes the shopper to the plan's variants once the answer is known to be served (after the
 * 404 checks), beside round trip 2; the caller awaits it before answering.
 */
const expose = (
  ports: SceneServingPorts,
  userId: string | undefined,
  served: readonly ServedVariant[],
  clock: ServingClock,
): Promise<void> =>
  userId !== undefined && served.length > 0
    ? ports.exposed(exposuresOf(served, userId, clock))
    : Promise.resolve();

/** `GET /v1/products/{productId}/scenes`: the scenes the product fits, filled, best first. */
export async function scenesForShopper(
  ports: SceneServingPorts,
  input: { productId: string; sessionId?: string | undefined; userId?: string | undefined; limit: number },
  opts: SceneOptions,
  clock: ServingClock,
): Promise<{
  productId: string;
  priceStyle: FillPriceStyle;
  scenes: SceneView[];
  experiments: ServedVariant[];
}> {
  const { reader } = ports;
  const [first, all, fill] = await Promise.all([
    reader.first(input),
    reader.scenes(),
    shopperFill(ports, input.userId, clock.now),
  ]);
  if (!first.anchor) throw new DomainError('not_found', `no product ${input.productId}`, 'path.productId');
  const fitting = scenesForProduct(all, first.anchor);
  // A product in no scene gets an empty answer the strategy did not shape: nobody to expose.
  const served = fitting.length > 0 ? fill.plan.served : [];
  const exposing = expose(ports, input.userId, served, clock);
  const shared = await prepare(
    reader,
    fitting,
    { product: first.anchor, neighbours: first.neighbours },
    [first.session, first.user],
    fill,
  );
  const ctx = { ...shared, anchor: first.anchor, now: opts.now };
  const ranked = rankScenes(fitting.map((scene) => fillScene(scene, ctx))).slice(0, input.limit);
  const pricing = await pricingOf(reader, all);
  await exposing;
  return {
    productId: input.productId,
    priceStyle: shared.priceStyle,
    scenes: ranked.map((f) => view(f, pricing, opts, fill.pricedFor)),
    experiments: served,
  };
}

/**
 * `GET /v1/scenes/{sceneId}`: one scene filled around `productId` when given (in its slot if it
 * fits one, else as the guide's starting point), or for everyone; the visit still counts.
 */
export async function sceneForShopper(
  ports: SceneServingPorts,
  input: {
    sceneId: string;
    productId?: string | undefined;
    sessionId?: string | undefined;
    userId?: string | undefined;
  },
  opts: SceneOptions,
  clock: ServingClock,
): Promise<{ priceStyle: FillPriceStyle; scene: SceneView; experiments: ServedVariant[] }> {
  const { reader } = ports;
  // The plan and profile start now, beside the scenes (cached) and round trip 1.
  const planning = shopperFill(ports, input.userId, clock.now);
  // Not awaited yet: a 404 below must not leave it rejected and unhandled.
  planning.catch(() => {});
  const all = await reader.scenes();
  const scene = all.find((s) => s.sceneId === input.sceneId && s.active);
  if (!scene) throw new DomainError('not_found', `no scene ${input.sceneId}`, 'path.sceneId');
  let filled: FilledScene;
  let shared: Shared;
  let served: ServedVariant[];
  if (input.productId !== undefined) {
    const [first, fill] = await Promise.all([
      reader.first({ ...input, productId: input.productId }),
      planning,
    ]);
    if (!first.anchor) throw new DomainError('not_found', `no product ${input.productId}`, 'query.productId');
    served = fill.plan.served;
    const exposing = expose(ports, input.userId, served, clock);
    shared = await prepare(
      reader,
      [scene],
      { product: first.anchor, neighbours: first.neighbours },
      [first.session, first.user],
      fill,
    );
    filled = fillScene(scene, { ...shared, anchor: first.anchor, now: opts.now });
    await exposing;
  } else {
    const [records, fill] = await Promise.all([reader.visits(input), planning]);
    served = fill.plan.served;
    const exposing = expose(ports, input.userId, served, clock);
    shared = await prepare(reader, [scene], undefined, records, fill);
    const first = fillSceneForEveryone(scene, { ...shared, now: opts.now });
    // Without an anchor there is no evidence to start from: fill once, read the picks' own
    // neighbour lists, and fill again so that the picks go with each other.
    const picks = first.slots.flatMap((s) => (s.pick ? [s.pick.product.productId] : []));
    const lists = await reader.neighbourLists(picks.filter((id) => !shared.neighbours.has(id)));
    for (const [id, list] of lists) shared.neighbours.set(id, list);
    filled = fillSceneForEveryone(scene, { ...shared, now: opts.now });
    await exposing;
  }
  return {
    priceStyle: shared.priceStyle,
    scene: view(filled, await pricingOf(reader, all), opts, (await planning).pricedFor),
    experiments: served,
  };
}

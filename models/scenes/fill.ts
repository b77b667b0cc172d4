import type { Product, Scene, Season, Slot } from '../../events/catalog.ts';
import type { LocalizedText } from '../../events/common.ts';
import { fitsSlot } from '../pricing/rules.ts';
import type { StoredNeighbour } from '../related/answer.ts';
import { LinkIndex } from './evidence.ts';
import type { PriceStyle, PriceStyleVerdict } from './price-style.ts';
import { DEFAULT_SCENE_FILL_STRATEGY, type SceneFillStrategy } from './strategies.ts';

/**
 * Scene guides: which scenes an anchor product belongs to, and each scene filled around it, one
 * in-stock product per slot, each with the reasons it was chosen. Pure domain logic: the caller
 * reads the scenes, the neighbour lists and the candidates, and passes `now`.
 */

export { MIN_SEEN, type PriceStyle, type PriceStyleVerdict, priceStyleOf } from './price-style.ts';

export interface FillContext {
  anchor: Product;
  /** Neighbour lists already read, by product id: at least the anchor's; maybe some candidates'. */
  neighbours: ReadonlyMap<string, readonly StoredNeighbour[]>;
  /**
   * In-stock catalog products that satisfy a slot's constraint. The caller filters; the fill checks
   * the constraint and the stock again, because a stale or broad read must not put a wrong product
   * on the page.
   */
  candidatesFor: (slot: Slot) => readonly Product[];
  /** Products of the visit (session, then signed-in user), newest first: a pick the shopper already looked at is a good sign. */
  recent: readonly string[];
  /** Already chosen from the strategy's source (see `fillPriceStyle`). */
  priceStyle: PriceStyleVerdict;
  /** How much the price style and the visit weigh; the default (`evidence-led`) when left out. */
  strategy?: Pick<SceneFillStrategy, 'styleBonus' | 'recentBonus'>;
  /** Decides the season; nothing here reads the clock. */
  now: Date;
}

/** A scene for everyone (GET /v1/scenes/{id} without an anchor): the same context, no anchor. */
export type EveryoneContext = Omit<FillContext, 'anchor'>;

export interface SlotPick {
  product: Product;
  score: number;
  reasons: string[];
}

export interface FilledSlot {
  slotId: string;
  title: LocalizedText;
  quantity: number;
  required: boolean;
  /** The anchor in its slot, or the best pick; null when nothing in stock fits. */
  pick: SlotPick | null;
  isAnchor: boolean;
  /** Up to `alternatives` (default 3) next-best picks for this slot, best first, excluding the pick and any product used elsewhere in the fill. */
  alternatives: SlotPick[];
}

export interface FilledScene {
  sceneId: string;
  title: LocalizedText;
  summary: LocalizedText;
  guide: Scene['guide'];
  season: Season;
  occasion?: string;
  slots: FilledSlot[];
  /** Every required slot filled in stock. */
  complete: boolean;
  /** When not complete: which required slots are empty, said plainly in both languages. */
  incomplete?: LocalizedText;
  /** 0-1 components and the blended ranking score. */
  fit: number;
  seasonMatch: number;
  completeness: number;
  score: number;
  priceStyle: PriceStyle;
}

export interface FillOptions {
  /** Alternatives per slot (default 3). */
  alternatives?: number;
  /**
   * Whether the anchor takes its slot (default true). False shows the scene around the anchor
   * without placing it: its neighbours still guide the picks, and it is never picked itself.
   */
  anchorInScene?: boolean;
}

/** Weight of the anchor's evidence against that of each product picked before (the anchor is what the shopper chose). */
const ANCHOR_WEIGHT = 1;
const PICK_WEIGHT = 0.5;
/** A style bonus is named as a reason from this much, or whenever it changed the pick. */
const STYLE_REASON_MIN = 0.1;
const DEFAULT_ALTERNATIVES = 3;
/** Optional slots count half as much as required ones towards completeness. */
const OPTIONAL_SHARE = 0.5;
/** fit for an anchor that belongs only to an optional slot: the scene is less about it. */
const FIT_OPTIONAL = 0.7;
const SEASON_MATCH = { same: 1, allYear: 0.6, other: 0.2 } as const;
const SCORE_WEIGHTS = { fit: 0.45, season: 0.25, completeness: 0.3 } as const;

/** Reasons of equal strength are listed in this order. */
const REASON_ORDER = [
  'anchor',
  'bought_together',
  'viewed_together',
  'same_scene',
  'similar_content',
  'in_your_visit',
  'value_pick',
  'premium_pick',
  'fits_slot',
];
const reasonRank = (label: string): number => {
  const i = REASON_ORDER.indexOf(label.split(':', 1)[0]!);
  return i < 0 ? REASON_ORDER.length : i;
};

const byId = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
/** Scores leave the module rounded, so that float noise never shows and equal fills compare equal. */
const round4 = (x: number): number => Math.round(x * 1e4) / 1e4;

/**
 * Whether a product may fill a slot: it fits the constraint and there is stock for the slot's
 * quantity. The constraint is read as pricing reads it for scene bundles (one of the categories
 * and all of the tags, each when given), so a filled scene is always a bundle the pricing engine
 * recognises.
 */
export const canFill = (product: Product, slot: Slot): boolean =>
  fitsSlot(product, slot) && product.stock >= slot.quantity;

/** The first slot whose constraint the anchor satisfies (stock aside: the anchor is what is on screen). */
export function anchorSlot(scene: Scene, anchor: Product): Slot | undefined {
  return scene.slots.find((slot) => fitsSlot(anchor, slot));
}

/** Active scenes with a slot the anchor fits, in the order given. */
export function scenesForProduct(scenes: readonly Scene[], anchor: Product): Scene[] {
  return scenes.filter((scene) => scene.active !== false && anchorSlot(scene, anchor) !== undefined);
}

/** Northern hemisphere, by UTC month: Mar-May spring, Jun-Aug summer, Sep-Nov autumn, Dec-Feb winter. */
export function seasonOf(now: Date): Exclude<Season, 'all-year'> {
  const month = now.getUTCMonth();
  if (Number.isNaN(month)) throw new RangeError('seasonOf needs a valid date');
  if (month >= 2 && month <= 4) return 'spring';
  if (month >= 5 && month <= 7) return 'summer';
  if (month >= 8 && month <= 10) return 'autumn';
  return 'winter';
}

/** Best first by score; equal scores by sceneId, so the order never depends on the input order. */
export function rankScenes(filled: readonly FilledScene[]): FilledScene[] {
  return [...filled].sort((a, b) => b.score - a.score || byId(a.sceneId, b.sceneId));
}

/**
 * A scene filled around the anchor: the anchor takes the first slot it fits, and every other slot
 * gets the in-stock product that goes best with the anchor and with what was picked before. An
 * anchor that fits no slot of the scene is treated as with `anchorInScene: false`.
 */
export function fillScene(scene: Scene, ctx: FillContext, opts: FillOptions = {}): FilledScene {
  const slot = opts.anchorInScene === false ? undefined : anchorSlot(scene, ctx.anchor);
  return fill(scene, ctx, ctx.anchor, slot, opts.alternatives);
}

/**
 * A scene for everyone: no anchor, so the first pick has no evidence to go by and is chosen by the
 * shopper's price style, then by the product with the most neighbour evidence overall, then by
 * productId; the later picks go with the earlier ones. A separate function rather than an optional
 * `anchor`, so that the anchored path (the common one) cannot forget its anchor by accident.
 */
export function fillSceneForEveryone(
  scene: Scene,
  ctx: EveryoneContext,
  opts: Pick<FillOptions, 'alternatives'> = {},
): FilledScene {
  return fill(scene, ctx, undefined, undefined, opts.alternatives);
}

interface Member {
  productId: string;
  weight: number;
}

interface Scored {
  product: Product;
  /** Reason label -> its share of the score (evidence normalised so the slot's best has 1). */
  parts: Map<string, number>;
  recentBonus: number;
  styleBonus: number;
  /** Evidence and visit, without the price style. */
  base: number;
  score: number;
  overall: number;
}

interface SlotFill {
  pick: SlotPick | null;
  isAnchor: boolean;
  ranked: Scored[];
}

function fill(
  scene: Scene,
  ctx: EveryoneContext,
  anchor: Product | undefined,
  placeAt: Slot | undefined,
  alternatives: number | undefined,
): FilledScene {
  const maxAlternatives =
    alternatives === undefined || !Number.isFinite(alternatives)
      ? DEFAULT_ALTERNATIVES
      : Math.max(0, Math.trunc(alternatives));
  const links = new LinkIndex(ctx.neighbours, scene.sceneId);
  const recent = new Set(ctx.recent);
  const styleLabel =
    ctx.priceStyle.style === 'value'
      ? 'value_pick'
      : ctx.priceStyle.style === 'premium'
        ? 'premium_pick'
        : undefined;

  // Each product at most once per scene; the anchor is never offered again, placed or not.
  const used = new Set<string>(anchor ? [anchor.productId] : []);
  const members: Member[] = anchor ? [{ productId: anchor.productId, weight: ANCHOR_WEIGHT }] : [];
  const fills = new Map<string, SlotFill>();
  if (anchor && placeAt) {
    fills.set(placeAt.slotId, {
      pick: { product: anchor, score: 1, reasons: ['anchor'] },
      isAnchor: true,
      ranked: [],
    });
  }

  // The caller is asked once per slot; its answer is checked again (constraint, stock, duplicates).
  const candidates = new Map<string, Product[]>();
  for (const slot of scene.slots) {
    if (fills.has(slot.slotId)) continue;
    const seen = new Set<string>();
    const ok: Product[] = [];
    for (const p of ctx.candidatesFor(slot)) {
      if (seen.has(p.productId) || !canFill(p, slot)) continue;
      seen.add(p.productId);
      ok.push(p);
    }
    candidates.set(slot.slotId, ok);
  }
  const eligible = (slot: Slot) => (candidates.get(slot.slotId) ?? []).filter((p) => !used.has(p.productId));

  // Fill the slot the current fill has most evidence for first, so the strongest pairs (a
  // bought-together partner of the anchor) are settled before they can be taken by a weaker slot,
  // and anchor the picks after them. Ties, including no evidence at all, keep the declared order.
  let open = scene.slots.filter((s) => !fills.has(s.slotId));
  while (open.length > 0) {
    let next = open[0]!;
    let nextEvidence = -1;
    for (const slot of open) {
      let best = 0;
      for (const p of eligible(slot)) best = Math.max(best, evidenceOf(p, members, links, scene.sceneId).raw);
      if (best > nextEvidence) {
        next = slot;
        nextEvidence = best;
      }
    }
    const { ranked, styleChangedPick } = rankSlot(eligible(next), members, links, recent, ctx, scene.sceneId);
    const best = ranked[0];
    fills.set(next.slotId, {
      pick: best ? toPick(best, styleLabel, styleChangedPick) : null,
      isAnchor: false,
      ranked,
    });
    if (best) {
      used.add(best.product.productId);
      members.push({ productId: best.product.productId, weight: PICK_WEIGHT });
    }
    open = open.filter((s) => s !== next);
  }

  // Alternatives once the fill is final, so none of them is a product another slot took later.
  const slots: FilledSlot[] = scene.slots.map((slot) => {
    const f = fills.get(slot.slotId)!;
    return {
      slotId: slot.slotId,
      title: slot.title,
      quantity: slot.quantity,
      required: slot.required,
      pick: f.pick,
      isAnchor: f.isAnchor,
      alternatives: f.ranked
        .filter((s) => !used.has(s.product.productId))
        .slice(0, maxAlternatives)
        .map((s) => toPick(s, styleLabel, false)),
    };
  });

  // "Filled" means filled in stock: an anchor short of stock holds its slot on the page, but the
  // scene cannot be bought complete.
  const inStock = (s: FilledSlot) => s.pick !== null && s.pick.product.stock >= s.quantity;
  const missing = slots.filter((s) => s.required && !inStock(s));
  let have = 0;
  let want = 0;
  for (const s of slots) {
    const w = s.required ? 1 : OPTIONAL_SHARE;
    want += w;
    if (inStock(s)) have += w;
  }
  // A scene has at least one slot, so `want` is positive.
  const completeness = want > 0 ? have / want : 1;
  // For everyone there is nothing to fit: 1 for all, so season and completeness rank the scenes.
  const fit = anchor ? fitOf(scene, anchor, ctx.neighbours.get(anchor.productId) ?? []) : 1;
  const seasonMatch =
    scene.season === seasonOf(ctx.now)
      ? SEASON_MATCH.same
      : scene.season === 'all-year'
        ? SEASON_MATCH.allYear
        : SEASON_MATCH.other;
  const score =
    SCORE_WEIGHTS.fit * fit + SCORE_WEIGHTS.season * seasonMatch + SCORE_WEIGHTS.completeness * completeness;

  return {
    sceneId: scene.sceneId,
    title: scene.title,
    summary: scene.summary,
    guide: scene.guide,
    season: scene.season,
    ...(scene.occasion !== undefined ? { occasion: scene.occasion } : {}),
    slots,
    complete: missing.length === 0,
    ...(missing.length > 0 ? { incomplete: incompleteText(missing.map((s) => s.title)) } : {}),
    fit: round4(fit),
    seasonMatch: round4(seasonMatch),
    completeness: round4(completeness),
    score: round4(score),
    priceStyle: ctx.priceStyle.style,
  };
}

/**
 * fit: 1 when the anchor's own neighbours already share this scene or the anchor fits a required
 * slot (the scene is about it); 0.7 when it fits only an optional one; 0 when it fits none.
 */
function fitOf(scene: Scene, anchor: Product, neighbours: readonly StoredNeighbour[]): number {
  const tag = `same_scene:${scene.sceneId}`;
  if (neighbours.some((n) => n.reasons.includes(tag))) return 1;
  const fitting = scene.slots.filter((s) => fitsSlot(anchor, s));
  if (fitting.some((s) => s.required)) return 1;
  return fitting.length > 0 ? FIT_OPTIONAL : 0;
}

/** The evidence linking a candidate with the fill so far, in total and by reason. */
function evidenceOf(
  product: Product,
  members: readonly Member[],
  links: LinkIndex,
  sceneId: string,
): { raw: number; parts: Map<string, number> } {
  let raw = 0;
  const parts = new Map<string, number>();
  for (const m of members) {
    const link = links.link(m.productId, product.productId);
    if (link === undefined) continue;
    const w = m.weight * link.weighted;
    // Sharing the scene is one reason however many members share it; pairs name the partner.
    const label = link.kind === 'same_scene' ? `same_scene:${sceneId}` : `${link.kind}:${m.productId}`;
    parts.set(label, (parts.get(label) ?? 0) + w);
    raw += w;
  }
  return { raw, parts };
}

/** Best first: score, then evidence with anything (overall), then productId. */
const byRank = (a: Scored, b: Scored): number =>
  b.score - a.score || b.overall - a.overall || byId(a.product.productId, b.product.productId);

function rankSlot(
  eligible: readonly Product[],
  members: readonly Member[],
  links: LinkIndex,
  recent: ReadonlySet<string>,
  ctx: EveryoneContext,
  sceneId: string,
): { ranked: Scored[]; styleChangedPick: boolean } {
  // The default's weights: a candidate of the visit +0.15; the style at most +0.2, less than the
  // best evidence (1) but enough to decide between equals.
  const weights = ctx.strategy ?? DEFAULT_SCENE_FILL_STRATEGY;
  const evidence = eligible.map((p) => evidenceOf(p, members, links, sceneId));
  // Normalised per slot: how well a candidate goes with the fill compared with the slot's best,
  // so a slot with only weak evidence still ranks by it, and the bonuses mean the same everywhere.
  const top = Math.max(0, ...evidence.map((e) => e.raw));
  // Price rank among the distinct prices of the slot's candidates: equal prices get the same
  // bonus, and a slot with one price level has no cheaper or dearer product to prefer.
  const prices = [...new Set(eligible.map((p) => p.listPrice))].sort((a, b) => a - b);
  const steps = prices.length - 1;
  const ranked = eligible.map((product, i): Scored => {
    const e = evidence[i]!;
    const parts = new Map<string, number>();
    if (top > 0) for (const [label, w] of e.parts) parts.set(label, w / top);
    const rank = prices.indexOf(product.listPrice);
    const styleBonus =
      steps === 0
        ? 0
        : ctx.priceStyle.style === 'value'
          ? (weights.styleBonus * (steps - rank)) / steps
          : ctx.priceStyle.style === 'premium'
            ? (weights.styleBonus * rank) / steps
            : 0;
    const recentBonus = recent.has(product.productId) ? weights.recentBonus : 0;
    const normalised = top > 0 ? e.raw / top : 0;
    const base = normalised + recentBonus;
    return {
      product,
      parts,
      recentBonus,
      styleBonus,
      base,
      score: base + styleBonus,
      overall: links.overall(product.productId),
    };
  });
  ranked.sort(byRank);
  const pick = ranked[0];
  // Would the pick be another product without the style? Then the style decided, and says so.
  const withoutStyle = [...ranked].sort(
    (a, b) => b.base - a.base || b.overall - a.overall || byId(a.product.productId, b.product.productId),
  )[0];
  return { ranked, styleChangedPick: pick !== undefined && withoutStyle !== pick };
}

function toPick(s: Scored, styleLabel: string | undefined, styleChangedPick: boolean): SlotPick {
  const parts: [string, number][] = [...s.parts].filter(([, w]) => w > 0);
  const hasEvidence = parts.length > 0;
  if (s.recentBonus > 0) parts.push(['in_your_visit', s.recentBonus]);
  if (
    styleLabel !== undefined &&
    s.styleBonus > 0 &&
    (styleChangedPick || s.styleBonus >= STYLE_REASON_MIN - 1e-9)
  ) {
    parts.push([styleLabel, s.styleBonus]);
  }
  // Strongest first; equal strengths in the documented order, then by name.
  parts.sort(([a, x], [b, y]) => y - x || reasonRank(a) - reasonRank(b) || byId(a, b));
  const reasons = parts.map(([label]) => label);
  // With no pair evidence, say only what is true: it fits the slot.
  if (!hasEvidence) reasons.push('fits_slot');
  return { product: s.product, score: round4(s.score), reasons };
}

/** "No stove in stock for this scene"; several slots: "No stove or chairs in stock for this scene". */
function incompleteText(titles: readonly LocalizedText[]): LocalizedText {
  const en = titles.map((t) => lowerFirst(t.en));
  const list = en.length <= 1 ? (en[0] ?? '') : `${en.slice(0, -1).join(', ')} or ${en[en.length - 1]}`;
  return {
    en: `No ${list} in stock for this scene`,
    'zh-CN': `此场景的${titles.map((t) => t['zh-CN']).join('、')}暂时缺货`,
  };
}

/** "Stove" reads "stove" mid-sentence; an acronym ("USB hub") keeps its capitals. */
function lowerFirst(s: string): string {
  const second = s.charAt(1);
  return second !== '' && second === second.toUpperCase() && second !== second.toLowerCase()
    ? s
    : s.charAt(0).toLowerCase() + s.slice(1);
}

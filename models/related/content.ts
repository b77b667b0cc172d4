import type { Product, Scene } from '../../events/catalog.ts';
import { byScore, type Neighbour, type NeighbourReason } from './neighbours.ts';

/**
 * Content similarity for products with little or no behaviour (new, long tail): same category,
 * shared tags, equal attributes, a close price, and membership of the same scene (a product is a
 * member when it fits one of the scene's slots). Built once from the catalog; pure.
 */

/** Weights of the parts of a content score; they sum to 1, so a score is in [0, 1]. */
const W = { category: 0.35, tags: 0.2, attributes: 0.1, price: 0.1, scene: 0.25 } as const;
/** Prices further apart than this factor are not "close". */
const PRICE_RATIO = 4;
/** Scenes named in the reasons of one neighbour. */
const MAX_SCENE_REASONS = 2;
/**
 * The most a product sharing neither the category nor a scene can score: the price counts only
 * within a category or a scene, so tags and attributes are all it has.
 */
const TAG_ONLY_MAX = W.tags + W.attributes;
/**
 * Products sharing only tags that one product's neighbours are looked for among, rarest tags
 * first. A tag can span the catalog ("gift"): without a bound every product of a small category
 * would score the whole catalog (at 20k products the daily job took 420 s; npm run bench:list-inputs).
 */
export const TAG_CANDIDATES_MAX = 5_000;

interface Features {
  product: Product;
  tags: Set<string>;
  attributes: Set<string>;
  /** Active scenes the product fits a slot of. */
  scenes: Set<string>;
}

const fits = (p: Product, c: { categories?: string[] | undefined; tags?: string[] | undefined }) =>
  (c.categories === undefined || c.categories.includes(p.category)) &&
  (c.tags === undefined || c.tags.every((t) => p.tags.includes(t)));

function jaccard(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 && b.size === 0) return 0;
  let inter = 0;
  for (const x of a) if (b.has(x)) inter++;
  return inter / (a.size + b.size - inter);
}

export class ContentIndex {
  readonly #features = new Map<string, Features>();
  /** category, tag or scene -> product ids: where candidates come from. */
  readonly #byCategory = new Map<string, string[]>();
  readonly #byScene = new Map<string, string[]>();
  readonly #byTag = new Map<string, string[]>();

  constructor(products: readonly Product[], scenes: readonly Scene[]) {
    const active = scenes.filter((s) => s.active !== false);
    for (const product of [...products].sort((a, b) => (a.productId < b.productId ? -1 : 1))) {
      const attributes = new Set(
        Object.entries(product.attributes ?? {}).map(([k, v]) => `${k}=${String(v)}`),
      );
      const memberOf = active
        .filter((s) => s.slots.some((slot) => fits(product, slot.constraint)))
        .map((s) => s.sceneId);
      const f: Features = { product, tags: new Set(product.tags), attributes, scenes: new Set(memberOf) };
      this.#features.set(product.productId, f);
      push(this.#byCategory, product.category, product.productId);
      for (const s of f.scenes) push(this.#byScene, s, product.productId);
      for (const t of f.tags) push(this.#byTag, t, product.productId);
    }
  }

  /** The similarity of two products and the reasons for it (0 and none for an unknown product). */
  similarity(aId: string, bId: string): { score: number; reasons: NeighbourReason[] } {
    const a = this.#features.get(aId);
    const b = this.#features.get(bId);
    if (!a || !b || aId === bId) return { score: 0, reasons: [] };
    const category = a.product.category === b.product.category ? 1 : 0;
    const tags = jaccard(a.tags, b.tags);
    const attributes = jaccard(a.attributes, b.attributes);
    const pa = Math.max(1, a.product.listPrice);
    const pb = Math.max(1, b.product.listPrice);
    const price = Math.max(0, 1 - Math.abs(Math.log(pa / pb)) / Math.log(PRICE_RATIO));
    const shared = [...a.scenes].filter((s) => b.scenes.has(s)).sort();
    const scene = shared.length > 0 ? 1 : 0;
    const described = W.category * category + W.tags * tags + W.attributes * attributes;
    const score = described + W.price * price * (category || scene) + W.scene * scene;
    const reasons: NeighbourReason[] = [];
    if (described > 0) reasons.push('similar_content');
    for (const s of shared.slice(0, MAX_SCENE_REASONS)) reasons.push(`same_scene:${s}`);
    return { score, reasons };
  }

  /**
   * The k most similar products (score descending, then product id); empty for an unknown product.
   * The category's and the scenes' products are scored first. Products sharing only tags are
   * scored only when fewer than k of those score above TAG_ONLY_MAX (none of them could enter
   * otherwise, so the list is the same as scoring everything), and then at most TAG_CANDIDATES_MAX
   * of them, rarest tags first: a large category costs its own size, not the catalog's.
   */
  neighbours(productId: string, k: number): Neighbour[] {
    const f = this.#features.get(productId);
    if (!f || k <= 0) return [];
    const candidates = new Set<string>(this.#byCategory.get(f.product.category) ?? []);
    for (const s of f.scenes) for (const id of this.#byScene.get(s) ?? []) candidates.add(id);
    candidates.add(productId);
    const out: Neighbour[] = [];
    let above = 0;
    const score = (id: string) => {
      const { score, reasons } = this.similarity(productId, id);
      if (score > 0) out.push({ productId: id, score, reasons });
      if (score > TAG_ONLY_MAX) above++;
    };
    for (const id of candidates) if (id !== productId) score(id);
    if (above < k) {
      const tags = [...f.tags].sort(
        (a, b) => (this.#byTag.get(a)?.length ?? 0) - (this.#byTag.get(b)?.length ?? 0) || (a < b ? -1 : 1),
      );
      let taken = 0;
      outer: for (const t of tags) {
        for (const id of this.#byTag.get(t) ?? []) {
          if (candidates.has(id)) continue;
          if (taken === TAG_CANDIDATES_MAX) break outer;
          candidates.add(id);
          taken++;
          score(id);
        }
      }
    }
    return out.sort(byScore).slice(0, k);
  }
}

function push(index: Map<string, string[]>, key: string, id: string) {
  const list = index.get(key);
  if (list) list.push(id);
  else index.set(key, [id]);
}

/**
 * A content neighbour's score against behavioural ones. Behavioural scores are shrunk for small
 * counts, so a pair seen once or twice scores about as low as a good content match and the two
 * compete; a well-evidenced neighbour (score 0.3 and up) stays above any content-only one.
 */
export const CONTENT_WEIGHT = 0.15;
/** A behavioural neighbour that is also similar in content gains half of that. */
const BOTH_BONUS = 0.5;

/**
 * Blends behavioural and content neighbours: content fills in when evidence is thin (few or weak
 * behavioural neighbours) and breaks near-ties among behavioural ones. Reasons are merged.
 */
export function blendNeighbours(behavioural: Neighbour[], content: Neighbour[], k: number): Neighbour[] {
  const merged = new Map<string, { score: number; reasons: Set<NeighbourReason> }>();
  for (const n of behavioural) merged.set(n.productId, { score: n.score, reasons: new Set(n.reasons) });
  for (const c of content) {
    const m = merged.get(c.productId);
    if (m) {
      m.score += BOTH_BONUS * CONTENT_WEIGHT * c.score;
      for (const r of c.reasons) m.reasons.add(r);
    } else merged.set(c.productId, { score: CONTENT_WEIGHT * c.score, reasons: new Set(c.reasons) });
  }
  return [...merged]
    .map(([productId, m]) => ({ productId, score: m.score, reasons: [...m.reasons] }))
    .sort(byScore)
    .slice(0, Math.max(0, k));
}

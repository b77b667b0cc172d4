import type { StoredNeighbour } from '../related/answer.ts';

/**
 * Pair evidence for filling a scene, read from stored neighbour lists (models/related): how much
 * one product says that another goes with it in this scene. Pure; built once per scene fill.
 */

/**
 * How much one kind of neighbour evidence counts for "goes together in this scene". Bought
 * together is the best proof of a pair; viewed together is often a comparison, so it counts less;
 * sharing this scene is content, not behaviour; looking alike is the weakest sign that two products
 * complete each other (a scene wants a lamp next to a tent, not a second tent).
 */
export const LINK_WEIGHT = {
  bought_together: 1,
  viewed_together: 0.6,
  same_scene: 0.5,
  similar_content: 0.3,
} as const;
export type LinkKind = keyof typeof LINK_WEIGHT;

export interface Link {
  kind: LinkKind;
  /** The neighbour's score times the weight of its strongest reason. */
  weighted: number;
}

/**
 * The strongest reason of one stored neighbour for this scene. Another scene's `same_scene` says
 * nothing about this one, and reasons this module does not know (e.g. `session:*`) count for nothing.
 */
export function strongestKind(reasons: readonly string[], sceneId: string): LinkKind | undefined {
  let best: LinkKind | undefined;
  for (const r of reasons) {
    const kind: LinkKind | undefined =
      r === 'bought_together' || r === 'viewed_together' || r === 'similar_content'
        ? r
        : r === `same_scene:${sceneId}`
          ? 'same_scene'
          : undefined;
    if (kind !== undefined && (best === undefined || LINK_WEIGHT[kind] > LINK_WEIGHT[best])) best = kind;
  }
  return best;
}

/**
 * The links between products, symmetric: a pair counts once, with the stronger of what either
 * product's list says, so that holding both lists does not double the evidence for a pair.
 */
export class LinkIndex {
  readonly #links = new Map<string, Map<string, Link>>();

  constructor(neighbours: ReadonlyMap<string, readonly StoredNeighbour[]>, sceneId: string) {
    for (const [owner, list] of neighbours) {
      for (const n of list) {
        if (n.productId === owner || !Number.isFinite(n.score) || n.score <= 0) continue;
        const kind = strongestKind(n.reasons, sceneId);
        if (kind === undefined) continue;
        const link: Link = { kind, weighted: n.score * LINK_WEIGHT[kind] };
        this.#put(owner, n.productId, link);
        this.#put(n.productId, owner, link);
      }
    }
  }

  #put(a: string, b: string, link: Link): void {
    let row = this.#links.get(a);
    if (row === undefined) {
      row = new Map();
      this.#links.set(a, row);
    }
    const prev = row.get(b);
    // Stronger evidence wins; on equal strength the stronger kind, so the result does not depend
    // on the order in which the lists were read.
    if (
      prev === undefined ||
      link.weighted > prev.weighted ||
      (link.weighted === prev.weighted && LINK_WEIGHT[link.kind] > LINK_WEIGHT[prev.kind])
    ) {
      row.set(b, link);
    }
  }

  link(a: string, b: string): Link | undefined {
    return this.#links.get(a)?.get(b);
  }

  /**
   * All the evidence the read lists hold for a product, with anything: the last tie-break, so a
   * product shoppers demonstrably combine with others comes before one nobody has paired.
   */
  overall(productId: string): number {
    let sum = 0;
    for (const link of this.#links.get(productId)?.values() ?? []) sum += link.weighted;
    return sum;
  }
}

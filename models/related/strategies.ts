/**
 * Related-products strategies an experiment can compare: how the answer weighs the anchor's stored
 * neighbours by the kind of evidence behind them, and how much the visit and the shopper's own
 * history count against them. Pure data; `relatedProducts` applies one.
 */
export interface RelatedStrategy {
  name: string;
  description: string;
  /** The visit's candidates, against the anchor's best neighbour score (see related-answer.ts). */
  sessionWeight: number;
  /** The signed-in shopper's candidates, likewise. */
  userWeight: number;
  /**
   * A stored neighbour's score is multiplied by the largest weight among its reasons (a reason
   * matches a key when it equals it or starts with `<key>:`); a reason not listed weighs 1, and a
   * neighbour whose every reason weighs 0 is left out.
   */
  reasonWeights: Readonly<Record<string, number>>;
}

export const RELATED_STRATEGIES = {
  /** What the route served before experiments: evidence as stored, the visit blended in. */
  behavioural: {
    name: 'behavioural',
    description:
      'Stored neighbours as scored (bought and viewed together lead), the visit at 0.6, the user at 0.3',
    sessionWeight: 0.6,
    userWeight: 0.3,
    reasonWeights: {},
  },
  /** Look-alikes and scene partners first: for shoppers who compare before they buy. */
  'content-first': {
    name: 'content-first',
    description:
      'Neighbours that are similar in content count double and scene partners 1.5 times; the visit at 0.3, the user at 0.15',
    sessionWeight: 0.3,
    userWeight: 0.15,
    reasonWeights: { similar_content: 2, same_scene: 1.5 },
  },
  /** The visit leads: what the shopper looked at in this session pulls harder than the anchor's list. */
  'visit-first': {
    name: 'visit-first',
    description: 'Stored neighbours as scored, the visit at 1.2 and the user at 0.6',
    sessionWeight: 1.2,
    userWeight: 0.6,
    reasonWeights: {},
  },
} as const satisfies Record<string, RelatedStrategy>;

export type RelatedStrategyName = keyof typeof RELATED_STRATEGIES;
export const DEFAULT_RELATED_STRATEGY: RelatedStrategy = RELATED_STRATEGIES.behavioural;

export const isRelatedStrategy = (name: string): name is RelatedStrategyName =>
  Object.hasOwn(RELATED_STRATEGIES, name);

/**
 * The multiplier a strategy gives a neighbour with these reasons: the largest weight among them,
 * a reason not listed weighing 1, so that a neighbour bought together (unlisted) and viewed together
 * (weighted 0) stays on the strength of the first. 1 for a neighbour with no reason.
 */
export function reasonWeight(strategy: RelatedStrategy, reasons: readonly string[]): number {
  let best: number | undefined;
  for (const r of reasons) {
    const key = r.includes(':') ? r.slice(0, r.indexOf(':')) : r;
    const w = strategy.reasonWeights[key] ?? 1;
    if (best === undefined || w > best) best = w;
  }
  return best ?? 1;
}

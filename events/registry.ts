import type * as z from 'zod';
import {
  BehaviourEvent,
  OrderPlaced,
  ProductAddedToCart,
  ProductViewed,
  ReviewPosted,
  SearchPerformed,
} from './behaviour.ts';
import {
  CatalogEvent,
  CustomerUpserted,
  ProductUpserted,
  PromotionUpserted,
  SceneUpserted,
} from './catalog.ts';
import { type Source, Sources } from './envelope.ts';
import { ExperimentExposed } from './experiments.ts';
import { HitModelTrained, HitRankingUpdated, OutputEvent, SignalsAggregated } from './hits.ts';

/**
 * The one place that says which EventBridge `source` and `detail-type` each event travels under.
 * The detail-type is the event's `type` field; publishers, CDK rules and the local bus read it here.
 */
export const eventCatalog = {
  ProductViewed: { source: Sources.storefront, schema: ProductViewed },
  ProductAddedToCart: { source: Sources.storefront, schema: ProductAddedToCart },
  OrderPlaced: { source: Sources.commerce, schema: OrderPlaced },
  SearchPerformed: { source: Sources.storefront, schema: SearchPerformed },
  ReviewPosted: { source: Sources.commerce, schema: ReviewPosted },
  ProductUpserted: { source: Sources.catalog, schema: ProductUpserted },
  SceneUpserted: { source: Sources.catalog, schema: SceneUpserted },
  PromotionUpserted: { source: Sources.catalog, schema: PromotionUpserted },
  CustomerUpserted: { source: Sources.catalog, schema: CustomerUpserted },
  HitRankingUpdated: { source: Sources.hits, schema: HitRankingUpdated },
  SignalsAggregated: { source: Sources.hits, schema: SignalsAggregated },
  HitModelTrained: { source: Sources.hits, schema: HitModelTrained },
  ExperimentExposed: { source: Sources.experiments, schema: ExperimentExposed },
} as const satisfies Record<string, { source: Source; schema: z.ZodType }>;

export type DetailType = keyof typeof eventCatalog;
export type AnyEvent = BehaviourEvent | CatalogEvent | OutputEvent | ExperimentExposed;

export const detailTypesOf = (source: Source): DetailType[] =>
  (Object.keys(eventCatalog) as DetailType[]).filter((t) => eventCatalog[t].source === source);

/**
 * An EventBridge pattern for these detail-types, each only from the source the registry names: one
 * branch per source (`$or` when there are several), so a commerce fact put on the bus under the
 * storefront's source (or any other) matches nothing.
 */
export function patternOf(types: readonly DetailType[]): Record<string, unknown> {
  const bySource = new Map<Source, DetailType[]>();
  for (const t of types)
    bySource.set(eventCatalog[t].source, [...(bySource.get(eventCatalog[t].source) ?? []), t]);
  const branches = [...bySource].map(([source, detailTypes]) => ({
    source: [source],
    'detail-type': detailTypes,
  }));
  return branches.length === 1 ? branches[0]! : { $or: branches };
}

/** The detail-types a pattern built by `patternOf` names, across its branches. */
export const detailTypesIn = (pattern: Record<string, unknown>): string[] =>
  (Array.isArray(pattern.$or) ? (pattern.$or as Record<string, unknown>[]) : [pattern]).flatMap(
    (branch) => (branch['detail-type'] as string[] | undefined) ?? [],
  );

/** Whether `source` is the one `type` travels under (consumers refuse an event from any other). */
export const fromItsSource = (type: string, source: string): boolean =>
  type in eventCatalog ? eventCatalog[type as DetailType].source === source : false;

/** The EventBridge entry (without bus name) that carries `event`. */
export function toBusEntry(event: AnyEvent): {
  Source: Source;
  DetailType: DetailType;
  Detail: string;
  Time: Date;
} {
  return {
    Source: eventCatalog[event.type].source,
    DetailType: event.type,
    Detail: JSON.stringify(event),
    Time: new Date(event.occurredAt),
  };
}

export { BehaviourEvent, CatalogEvent, OutputEvent };

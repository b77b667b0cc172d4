import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  defaultRelatedConfig,
  type ProductEvidence,
  type RelatedConfig,
} from '../../models/related/evidence.ts';
import type { PartnerTotals } from '../../models/related/neighbours.ts';
import { buildPopular, popularityOf } from '../../models/related/popular.ts';
import { documentClient } from '../lib/aws.ts';
import { batchWriteAll } from './dynamo/batch-write.ts';
import { EVIDENCE_PART, NEIGHBOURS_PART, writePopularLists } from './related-store.ts';
import { contentIndex, neighbourList, type RelatedTables } from './related-updater.ts';

/**
 * Stores rebuilt evidence (the lake's related-evidence job, functions/lake-results.ts), every
 * catalog product's neighbour list (products with no evidence get content neighbours, so a cold
 * product is never empty) and the shop's popular lists (the answer's last fallback). The partners' totals come from
 * `partnerTotals` when given (the lake's rows carry them), else from the evidence itself.
 */
export async function storeRebuiltRelated(
  names: Pick<RelatedTables, 'related' | 'products' | 'scenes'>,
  evidence: ReadonlyMap<string, ProductEvidence>,
  {
    now,
    partnerTotals,
    client = documentClient(),
    config = defaultRelatedConfig,
    signal,
  }: {
    now: number;
    partnerTotals?: ReadonlyMap<string, PartnerTotals>;
    client?: DynamoDBDocumentClient;
    config?: RelatedConfig;
    signal?: AbortSignal;
  },
): Promise<{ products: number; lists: number }> {
  const catalog = await contentIndex(names, client);
  const version = now;
  const totalsOf = (id: string) => evidence.get(id) ?? partnerTotals?.get(id);
  const lists = catalog.productIds.map((productId) => ({
    productId,
    part: NEIGHBOURS_PART,
    neighbours: neighbourList(productId, evidence.get(productId), totalsOf, catalog, now, config),
    updatedAt: new Date(now).toISOString(),
  }));
  const options = { client, concurrency: 4, ...(signal ? { signal } : {}) };
  await batchWriteAll(
    names.related,
    [...evidence.values()].map((ev) => ({ ...ev, part: EVIDENCE_PART, version })),
    options,
  );
  await batchWriteAll(names.related, lists, options);
  // The fallback's popular lists, from the same totals (a product's own decayed views and orders).
  await writePopularLists(
    names.related,
    buildPopular(
      catalog.products,
      (id) => popularityOf(totalsOf(id), now, config.halfLifeDays),
      new Date(now).toISOString(),
    ),
    client,
  );
  return { products: evidence.size, lists: lists.length };
}

import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { STORED_LIST_LENGTH } from '../../models/related/answer.ts';
import {
  defaultRelatedConfig,
  type ProductEvidence,
  type RelatedConfig,
} from '../../models/related/evidence.ts';
import type { PartnerTotals } from '../../models/related/neighbours.ts';
import { buildPopular, popularityOf } from '../../models/related/popular.ts';
import { documentClient } from '../lib/aws.ts';
import { batchWriteAll } from './dynamo/batch-write.ts';
import {
  CONTENT_PART,
  EVIDENCE_PART,
  NEIGHBOURS_PART,
  TOTALS_PART,
  writePopularLists,
} from './related-store.ts';
import { contentIndex, neighbourList, type RelatedCatalog, type RelatedTables } from './related-updater.ts';

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
      { popularityBlend: config.popularityBlend },
    ),
    client,
  );
  await storeListInputs(names, evidence.values(), { now, catalog, client, ...(signal ? { signal } : {}) });
  return { products: evidence.size, lists: lists.length };
}

/**
 * The compact items the live path builds lists from (functions/adapters/related-updater.ts), so that
 * its work per event does not grow with the catalog: every catalog product's content neighbours
 * (each with its category) and every product's decayed totals with its category. Written by the
 * rebuild and by the daily related-totals job.
 */
export async function storeListInputs(
  names: Pick<RelatedTables, 'related' | 'products' | 'scenes'>,
  totals: Iterable<{ productId: string; views: number; orders: number }>,
  {
    now,
    catalog,
    client = documentClient(),
    signal,
  }: { now: number; catalog?: RelatedCatalog; client?: DynamoDBDocumentClient; signal?: AbortSignal },
): Promise<{ content: number; totals: number }> {
  const index = catalog ?? (await contentIndex(names, client));
  const computedAt = new Date(now).toISOString();
  const options = { client, concurrency: 4, ...(signal ? { signal } : {}) };
  const contentItems = index.productIds.map((productId) => ({
    productId,
    part: CONTENT_PART,
    category: index.categoryOf(productId),
    neighbours: index.index
      .neighbours(productId, STORED_LIST_LENGTH)
      .map((n) => ({ ...n, category: index.categoryOf(n.productId) })),
    computedAt,
  }));
  const totalItems = [...totals].map((t) => ({
    productId: t.productId,
    part: TOTALS_PART,
    views: t.views,
    orders: t.orders,
    at: now,
    ...(index.categoryOf(t.productId) ? { category: index.categoryOf(t.productId) } : {}),
  }));
  await batchWriteAll(names.related, contentItems, options);
  await batchWriteAll(names.related, totalItems, options);
  return { content: contentItems.length, totals: totalItems.length };
}

import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { BehaviourEvent } from '../../events/behaviour.ts';
import { buildEvidence } from '../../models/related/batch.ts';
import {
  defaultRelatedConfig,
  type ProductEvidence,
  type RelatedConfig,
} from '../../models/related/evidence.ts';
import type { PartnerTotals } from '../../models/related/neighbours.ts';
import { documentClient } from '../lib/aws.ts';
import { nowMs } from '../lib/clock.ts';
import { batchWriteAll } from './dynamo/batch-write.ts';
import { readEventLog } from './eventlog-store.ts';
import { EVIDENCE_PART, NEIGHBOURS_PART } from './related-store.ts';
import { contentIndex, neighbourList, type RelatedTables } from './related-updater.ts';

/**
 * Rebuilds every product's evidence and neighbour list from the event log (`npm run
 * rebuild:related`, and the local runtime after loading the demo history). Products with no
 * evidence still get a list, from content similarity, so a cold product is never empty.
 */
export async function rebuildRelated(
  names: RelatedTables & { eventlog: string },
  { fromDay, toDay, now = nowMs() }: { fromDay: string; toDay: string; now?: number },
  {
    client = documentClient(),
    config = defaultRelatedConfig,
    signal,
  }: { client?: DynamoDBDocumentClient; config?: RelatedConfig; signal?: AbortSignal } = {},
): Promise<{ events: number; products: number; lists: number }> {
  let events = 0;
  async function* history(): AsyncGenerator<BehaviourEvent> {
    for await (const day of readEventLog(names.eventlog, { fromDay, toDay }, client)) {
      signal?.throwIfAborted();
      events += day.length;
      yield* day;
    }
  }
  const collected: BehaviourEvent[] = [];
  for await (const e of history()) collected.push(e);
  const evidence = buildEvidence(collected, config);
  const stored = await storeRebuiltRelated(names, evidence, {
    now,
    client,
    config,
    ...(signal ? { signal } : {}),
  });
  return { events, ...stored };
}

/**
 * Stores rebuilt evidence and every catalog product's neighbour list (products with no evidence get
 * content neighbours, so a cold product is never empty). The partners' totals come from
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
  return { products: evidence.size, lists: lists.length };
}

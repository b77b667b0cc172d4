import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { batchWriteAll } from '../../functions/adapters/dynamo/batch-write.ts';
import { importProfiles, putPolicy } from '../../functions/adapters/profile-store.ts';
import { importSignalHistory } from '../../functions/adapters/signals-store.ts';
import { profilesOfHistory } from '../../models/segments/catalog-prices.ts';
import type { TableId } from '../topology.ts';
import { generateDemoData } from './demo/data/generate.ts';
import { DEMO_SEGMENT_POLICY } from './demo/data/segment-policy.ts';
import type { LocalLake } from './lake/duckdb.ts';

export const DEMO_SEED = 42;
const MARKER = 'demo-seed.json';

export interface SeedReport {
  products: number;
  scenes: number;
  promotions: number;
  customers: number;
  /** RFM profiles of the shoppers who ordered (and the cut points beside them). */
  profiles?: number;
  events: number;
  relatedLists: number;
  endAt: string;
  generateMs: number;
  loadMs: number;
}

/** The last full load recorded in a data folder, if one finished there. */
export function readSeedMarker(dataDir: string): SeedReport | undefined {
  const path = join(dataDir, MARKER);
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as SeedReport) : undefined;
}

export interface DemoLoad {
  /** Resolves once products, scenes and promotions are stored: enough to serve. */
  catalog: Promise<void>;
  /** Resolves after customers and the behaviour history too, with the report (marker written). */
  done: Promise<SeedReport>;
  eventsTotal: number;
}

/**
 * Loads the seeded demo storefront straight into the tables and the lake (it is history, not news:
 * nothing is published to the bus). The catalog goes first and alone, so the service can answer
 * within seconds while customers, the signals and the 100,000-odd history events (into the lake, as
 * Firehose would have delivered them) follow; then `rebuildRelated` runs the lake's related job over
 * that history. Writes are idempotent puts, so an interrupted load is simply repeated; the marker is
 * written only after everything is in.
 */
export function startDemoLoad(
  client: DynamoDBDocumentClient,
  names: Record<TableId, string>,
  {
    endAt,
    dataDir,
    seed = DEMO_SEED,
    signal,
    lake,
    rebuildRelated,
  }: {
    endAt: Date;
    dataDir?: string;
    seed?: number;
    signal?: AbortSignal;
    lake: LocalLake;
    /** Builds every product's evidence and neighbour list from the lake (the related-evidence job). */
    rebuildRelated: () => Promise<{ lists: number }>;
  },
): DemoLoad {
  const t0 = performance.now();
  const demo = generateDemoData({ seed, endAt });
  const t1 = performance.now();
  const updatedAt = endAt.toISOString();
  const stamp = <T extends object>(xs: readonly T[]) => xs.map((x) => ({ ...x, updatedAt }));
  const catalog = Promise.all([
    batchWriteAll(names.products, stamp(demo.products), { client, concurrency: 6, signal }),
    batchWriteAll(names.scenes, stamp(demo.scenes), { client, concurrency: 1, signal }),
    batchWriteAll(names.promotions, stamp(demo.promotions), { client, concurrency: 1, signal }),
  ]).then(() => undefined);
  // The shoppers' RFM profiles rebuilt from the orders of the history, scored against the cut
  // points as of endAt, as the orders-to-profiles rule and the daily job would have left them.
  const rfm = profilesOfHistory(demo.events, demo.products, endAt.getTime());
  const done = catalog.then(async () => {
    await Promise.all([
      batchWriteAll(names.customers, stamp(demo.customers), { client, concurrency: 4, signal }),
      importProfiles(names.rfmProfiles, rfm.profiles, rfm.cuts, {
        client,
        updatedAt,
        ...(signal ? { signal } : {}),
      }),
      putPolicy(names.rfmProfiles, DEMO_SEGMENT_POLICY, { client, now: endAt }),
      lake.append(demo.events),
      // The hit signals of the history, one compact item per product (see importSignalHistory).
      importSignalHistory(names.signals, demo.events, {
        now: endAt.getTime(),
        client,
        ...(signal ? { signal } : {}),
      }),
    ]);
    // The neighbour lists are built from the lake just written, as `npm run rebuild:related` would.
    signal?.throwIfAborted();
    const related = await rebuildRelated();
    const report: SeedReport = {
      products: demo.products.length,
      scenes: demo.scenes.length,
      promotions: demo.promotions.length,
      customers: demo.customers.length,
      profiles: rfm.profiles.length,
      events: demo.events.length,
      endAt: updatedAt,
      relatedLists: related.lists,
      generateMs: Math.round(t1 - t0),
      loadMs: Math.round(performance.now() - t1),
    };
    if (dataDir) writeFileSync(join(dataDir, MARKER), `${JSON.stringify(report, null, 2)}\n`);
    return report;
  });
  // Whoever awaits `done` sees a failure; this only keeps an early catalog failure from also
  // surfacing as an unhandled rejection of the chained promise.
  done.catch(() => {});
  return { catalog, done, eventsTotal: demo.events.length };
}

/** Both phases, awaited: for benchmarks and scripts that want the whole load timed. */
export function loadDemoData(
  client: DynamoDBDocumentClient,
  names: Record<TableId, string>,
  options: Parameters<typeof startDemoLoad>[2],
): Promise<SeedReport> {
  return startDemoLoad(client, names, options).done;
}

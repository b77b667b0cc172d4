import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { batchWriteAll } from '../../functions/adapters/batch-write.ts';
import { eventLogItem } from '../../functions/adapters/eventlog-store.ts';
import { generateDemoData } from '../../models/demo/generate.ts';
import type { TableId } from '../topology.ts';

export const DEMO_SEED = 42;
const MARKER = 'demo-seed.json';

export interface SeedReport {
  products: number;
  scenes: number;
  promotions: number;
  customers: number;
  events: number;
  endAt: string;
  generateMs: number;
  loadMs: number;
}

/** The last full load recorded in a data folder, if one finished there. */
export function readSeedMarker(dataDir: string): SeedReport | undefined {
  const path = join(dataDir, MARKER);
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as SeedReport) : undefined;
}

/**
 * Loads the seeded demo storefront straight into the tables (it is history, not news: nothing is
 * published to the bus). Writes are idempotent puts, so an interrupted load is simply repeated;
 * the marker is written only after everything is in.
 */
export async function loadDemoData(
  client: DynamoDBDocumentClient,
  names: Record<TableId, string>,
  { endAt, dataDir, seed = DEMO_SEED }: { endAt: Date; dataDir?: string; seed?: number },
): Promise<SeedReport> {
  const t0 = performance.now();
  const demo = generateDemoData({ seed, endAt });
  const t1 = performance.now();
  const updatedAt = endAt.toISOString();
  const stamp = <T extends object>(xs: readonly T[]) => xs.map((x) => ({ ...x, updatedAt }));
  await Promise.all([
    batchWriteAll(names.products, stamp(demo.products), { client, concurrency: 4 }),
    batchWriteAll(names.scenes, stamp(demo.scenes), { client, concurrency: 1 }),
    batchWriteAll(names.promotions, stamp(demo.promotions), { client, concurrency: 1 }),
    batchWriteAll(names.customers, stamp(demo.customers), { client, concurrency: 2 }),
    batchWriteAll(names.eventlog, demo.events.map(eventLogItem), { client, concurrency: 8 }),
  ]);
  const report: SeedReport = {
    products: demo.products.length,
    scenes: demo.scenes.length,
    promotions: demo.promotions.length,
    customers: demo.customers.length,
    events: demo.events.length,
    endAt: updatedAt,
    generateMs: Math.round(t1 - t0),
    loadMs: Math.round(performance.now() - t1),
  };
  if (dataDir) writeFileSync(join(dataDir, MARKER), `${JSON.stringify(report, null, 2)}\n`);
  return report;
}

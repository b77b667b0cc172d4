import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { TableId } from '../topology.ts';
import type { LocalLake } from './lake/duckdb.ts';
import type { SeedReport } from './seed.ts';
import type { StatusBoard } from './status.ts';

export interface DemoStart {
  /** As Runtime['seeded']: `loading` once the catalog is in, `kept`, or `skipped`. */
  seeded: 'loading' | 'kept' | 'skipped';
  /** Settles once the demo data is fully stored (at once when kept or skipped). */
  seedDone: Promise<SeedReport | undefined>;
}

/**
 * Loads the demo storefront when asked to (`always`, or `auto` on a data folder without a finished
 * load), returning once the catalog is in while customers and the behaviour history follow;
 * otherwise keeps the finished load the folder records. Reports its progress on the status board
 * and in the log; a failure of the background part is reported there, and rethrown by `seedDone`.
 */
export async function startDemo({
  client,
  tableNames,
  dataDir,
  seed,
  seedEndAt,
  now,
  signal,
  status,
  log,
  lake,
  rebuildRelated,
}: {
  client: DynamoDBClient;
  tableNames: Record<TableId, string>;
  dataDir: string | undefined;
  seed: 'auto' | 'always' | 'never';
  seedEndAt: Date | undefined;
  now: () => number;
  /** Aborted when the runtime stops: the load stops writing. */
  signal: AbortSignal;
  status: StatusBoard;
  log: (line: string) => void;
  lake: LocalLake;
  /** The related-evidence job over the lake, once the history is in it. */
  rebuildRelated: () => Promise<{ lists: number }>;
}): Promise<DemoStart> {
  // Imported only now: the seed loader reuses the functions' adapters, whose AWS clients read
  // the endpoints from process.env when their module is first evaluated.
  const { startDemoLoad, readSeedMarker } = await import('./seed.ts');
  const marker = dataDir ? readSeedMarker(dataDir) : undefined;
  if (seed === 'always' || (seed === 'auto' && !marker)) {
    const endAt = seedEndAt ?? startOfDayUtc(now());
    log('loading the demo storefront (first run): the catalog first, then the behaviour history ...');
    const load = startDemoLoad(DynamoDBDocumentClient.from(client), tableNames, {
      endAt,
      signal,
      lake,
      rebuildRelated,
      ...(dataDir ? { dataDir } : {}),
    });
    await load.catalog;
    status.set({ demo: { state: 'loading', eventsTotal: load.eventsTotal } });
    const seedDone = load.done.then(
      (report) => {
        status.set({ demo: { state: 'ready', report } });
        log(
          `demo data loaded: ${report.products} products, ${report.scenes} scenes, ${report.promotions} promotions, ${report.customers} customers, ${report.events} events (generated in ${report.generateMs} ms, stored in ${report.loadMs} ms)`,
        );
        return report;
      },
      (error: Error) => {
        status.set({ demo: { state: 'failed', error: error.message } });
        if (!signal.aborted) log(`demo data load failed: ${error.message}`);
        throw error;
      },
    );
    // The failure is reported in the log and in /_local/status; awaiting seedDone rethrows it.
    seedDone.catch(() => {});
    return { seeded: 'loading', seedDone };
  }
  if (marker) {
    status.set({ demo: { state: 'kept', report: marker } });
    log(`demo data already loaded in ${dataDir} (${marker.products} products, ${marker.events} events)`);
    return { seeded: 'kept', seedDone: Promise.resolve(marker) };
  }
  return { seeded: 'skipped', seedDone: Promise.resolve(undefined) };
}

function startOfDayUtc(ms: number): Date {
  return new Date(Math.floor(ms / 86_400_000) * 86_400_000);
}

import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { useClock } from '../../functions/lib/clock.ts';
import {
  defaultRoute,
  EVENT_BUS_ENV,
  type FunctionDecl,
  type FunctionId,
  functions,
  type RouteDecl,
  type RuleDecl,
  routes,
  rules,
  type ScheduleDecl,
  schedules,
  type TableId,
  tableEnvVar,
} from '../topology.ts';
import { demoPages } from './demo/server.ts';
import { type DynamoLocal, startDynamoLocal } from './dynamodb.ts';
import { LocalEventBus } from './event-bus.ts';
import { LocalGateway } from './gateway.ts';
import { invokeLocal, type LambdaHandler } from './lambda.ts';
import type { SeedReport } from './seed.ts';
import { ensureTables, localTableNames } from './tables.ts';

const ROOT = resolve(import.meta.dirname, '../..');
export const LOCAL_BUS_NAME = 'merchandiser-local';
/** How long stop() waits for queued deliveries before it stops DynamoDB Local. */
const STOP_DRAIN_MS = 10_000;
/** The local runtime's bearer-token key unless AUTH_JWT_SECRET is set; tests sign tokens with it. */
export const LOCAL_DEV_JWT_SECRET = 'local-dev-jwt-secret-not-for-production';

export interface RuntimeOptions {
  /** 0 picks a free port. */
  port?: number;
  host?: string;
  /** Where DynamoDB Local keeps its files; ignored with `memory`. */
  dataDir?: string;
  memory?: boolean;
  /** Use an already running DynamoDB (Local) instead of spawning one; tests share one this way. */
  dynamoEndpoint?: string;
  tablePrefix?: string;
  /** `auto`: load the demo data unless this data folder already holds a finished load. */
  seed?: 'auto' | 'always' | 'never';
  /** Fixes the demo data's end; defaults to the start of the clock's day (UTC). */
  seedEndAt?: Date;
  /**
   * The service's clock, in epoch milliseconds (default: the wall clock). Tests pass one that starts
   * at a fixed instant, so the seeded history, the handlers and their assertions agree on "now" on
   * any calendar day. Set for the whole process: there is one runtime per process.
   */
  now?: () => number;
  logLevel?: string;
  log?: (line: string) => void;
  /** Local queues wait at most this long to fill a batch (the declared window can be seconds). */
  busWindowMs?: number;
}

export interface Runtime {
  url: string;
  port: number;
  dynamoEndpoint: string;
  tableNames: Record<TableId, string>;
  bus: LocalEventBus;
  gateway: LocalGateway;
  /**
   * `loading`: the catalog is in; customers and the behaviour history are being written;
   * `kept`: this data folder already held a finished load; `skipped`: seeding was turned off.
   */
  seeded: 'loading' | 'kept' | 'skipped';
  /** Settles once the demo data is fully stored (at once when kept or skipped). */
  seedDone: Promise<SeedReport | undefined>;
  /** Settles after the first full hit re-rank and bundle mining (never rejects: see status()). */
  hitsRanked: Promise<void>;
  status(): LocalStatus;
  /** The functions as loaded, for tests that call one directly. */
  invoke(functionId: FunctionId, event: unknown): Promise<unknown>;
  /** The runtime's clock (epoch milliseconds): what the handlers take as "now". */
  now(): number;
  /** Runs a declared schedule's job now (its timer runs it every `everyMinutes` as well). */
  runSchedule(id: ScheduleDecl['id']): Promise<unknown>;
  stop(): Promise<void>;
  routes: readonly RouteDecl[];
  rules: readonly RuleDecl[];
}

export interface LocalStatus {
  demo: {
    state: 'loading' | 'ready' | 'kept' | 'skipped' | 'failed';
    eventsTotal?: number;
    error?: string;
    report?: SeedReport;
  };
  /** The first full hit re-rank after the demo data is in (or after a restart on kept data). */
  hits?: { state: 'ranking' | 'ranked' | 'failed'; ms?: number; error?: string };
  /** The first frequently-bought-together mining, after the first ranking. */
  bundles?: { state: 'mining' | 'mined' | 'failed'; ms?: number; error?: string };
  /** The local queues (what waits, what is in flight, what was delivered or dead-lettered). */
  queues?: ReturnType<LocalEventBus['stats']>;
  /** This process's memory, in MB, for load runs and soaks. */
  memoryMb?: { rss: number; heapUsed: number };
}

/**
 * The whole service on one machine: DynamoDB Local as a child process, the tables, rules and routes
 * of infra/topology.ts, and the real handlers in this process behind a local HTTP gateway and a
 * local EventBridge bus. Handlers read their configuration from process.env at import, so there is
 * one runtime per process.
 */
export async function startRuntime(options: RuntimeOptions = {}): Promise<Runtime> {
  const log = options.log ?? (() => {});
  const now = options.now ?? Date.now;
  useClock(now);
  const memory = options.memory ?? false;
  const dataDir = memory ? undefined : resolve(options.dataDir ?? resolve(ROOT, '.data'));
  const tableNames = localTableNames(options.tablePrefix ?? 'merchandiser-');

  let dynamo: DynamoLocal | undefined;
  const handlers = new Map<FunctionId, LambdaHandler>();
  const bus = new LocalEventBus(LOCAL_BUS_NAME, rules, (functionId, event) => invoke(functionId, event), {
    windowMs: options.busWindowMs ?? 100,
  });
  const invoke = async (functionId: FunctionId, event: unknown) => {
    const handler = handlers.get(functionId);
    const decl = functions.find((f) => f.id === functionId) as FunctionDecl | undefined;
    if (!handler || !decl) throw new Error(`function ${functionId} is not loaded`);
    return invokeLocal(decl, handler, event);
  };
  let status: LocalStatus = { demo: { state: 'skipped' } };
  const currentStatus = (): LocalStatus => status;
  const gateway = new LocalGateway(
    routes,
    (functionId, event: APIGatewayProxyEventV2) => invoke(functionId, event),
    [
      async (req, res, body) => {
        if (!req.url?.startsWith('/_local/eventbridge')) return false;
        await bus.handleHttp(req, res, body.toString('utf8'));
        return true;
      },
      async (req, res) => {
        if (req.url !== '/_local/status' && req.url !== '/_local/status?gc=1') return false;
        // Load runs start the runtime with --expose-gc and ask for a collection first, so heapUsed
        // is live data (a leak shows as growth), not garbage waiting for the collector.
        const gc = (globalThis as { gc?: () => void }).gc;
        if (req.url.endsWith('?gc=1') && gc) gc();
        const m = process.memoryUsage();
        const mb = (n: number) => Math.round(n / 1024 / 1024);
        res.writeHead(200, { 'content-type': 'application/json' }).end(
          JSON.stringify({
            ...currentStatus(),
            queues: bus.stats(),
            memoryMb: { rss: mb(m.rss), heapUsed: mb(m.heapUsed) },
          }),
        );
        return true;
      },
      // The demo storefront, dashboard and quote explainer (infra/local/demo), on the API's origin.
      demoPages({ log }),
    ],
    defaultRoute.functionId,
  );

  const timers: NodeJS.Timeout[] = [];
  const runSchedule = (id: string) => {
    const sch = (schedules as readonly ScheduleDecl[]).find((x) => x.id === id);
    if (!sch) throw new Error(`no schedule ${id}`);
    return invoke(sch.functionId, sch.input);
  };
  const loading = new AbortController();
  let seedDone: Promise<SeedReport | undefined> = Promise.resolve(undefined);
  let hitsRanked: Promise<void> = Promise.resolve();
  let raw: DynamoDBClient | undefined;
  const stop = async () => {
    for (const t of timers) clearInterval(t);
    loading.abort(new Error('the runtime stopped before the demo data was loaded'));
    await seedDone.catch(() => {});
    raw?.destroy();
    await gateway.close();
    // Deliveries already on the local queues finish before the store goes away (bounded: a
    // message that keeps failing would otherwise hold the stop until its DLQ).
    await Promise.race([bus.drain(), new Promise((r) => setTimeout(r, STOP_DRAIN_MS).unref())]);
    await dynamo?.stop();
  };

  try {
    const port = await gateway.listen(options.port ?? 3000, options.host ?? '127.0.0.1');
    const url = `http://${options.host ?? '127.0.0.1'}:${port}`;

    if (options.dynamoEndpoint === undefined) {
      dynamo = await startDynamoLocal({ ...(dataDir ? { dataDir: resolve(dataDir, 'dynamodb') } : {}), log });
    }
    const dynamoEndpoint = options.dynamoEndpoint ?? dynamo!.endpoint;

    // What the stack sets on each Lambda function, set once for this process.
    Object.assign(process.env, {
      AWS_REGION: process.env.AWS_REGION ?? 'us-east-1',
      AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? 'local',
      AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? 'local',
      AWS_EC2_METADATA_DISABLED: 'true',
      DYNAMODB_ENDPOINT: dynamoEndpoint,
      EVENTBRIDGE_ENDPOINT: `${url}/_local/eventbridge`,
      [EVENT_BUS_ENV]: LOCAL_BUS_NAME,
      POWERTOOLS_SERVICE_NAME: 'merchandiser',
      POWERTOOLS_LOG_LEVEL: options.logLevel ?? process.env.POWERTOOLS_LOG_LEVEL ?? 'WARN',
      // Business metrics are CloudWatch EMF lines on Lambda; locally they would only be noise.
      POWERTOOLS_METRICS_DISABLED: process.env.POWERTOOLS_METRICS_DISABLED ?? 'true',
      // Development keys for the pricing function; on AWS they come from Secrets Manager or SSM.
      AUTH_JWT_SECRET: process.env.AUTH_JWT_SECRET ?? LOCAL_DEV_JWT_SECRET,
      QUOTE_SIGNING_KEY: process.env.QUOTE_SIGNING_KEY ?? 'local-dev-quote-signing-key-not-for-production',
      ...Object.fromEntries(
        Object.entries(tableNames).map(([id, name]) => [tableEnvVar(id as TableId), name]),
      ),
    });

    raw = new DynamoDBClient({ endpoint: dynamoEndpoint, region: process.env.AWS_REGION });
    // TTL only on the wall clock: DynamoDB Local sweeps expired items by it (see ensureTables).
    const created = await ensureTables(raw, tableNames, { ttl: options.now === undefined });
    if (created.length > 0) log(`created tables: ${created.join(', ')}`);

    // Imported only now: the seed loader reuses the functions' adapters, whose AWS clients read
    // the endpoints from process.env when their module is first evaluated.
    const { startDemoLoad, readSeedMarker } = await import('./seed.ts');
    let seeded: Runtime['seeded'] = 'skipped';
    const marker = dataDir ? readSeedMarker(dataDir) : undefined;
    const wantSeed = options.seed ?? 'auto';
    if (wantSeed === 'always' || (wantSeed === 'auto' && !marker)) {
      const endAt = options.seedEndAt ?? startOfDayUtc(now());
      log('loading the demo storefront (first run): the catalog first, then the behaviour history ...');
      const load = startDemoLoad(DynamoDBDocumentClient.from(raw), tableNames, {
        endAt,
        signal: loading.signal,
        ...(dataDir ? { dataDir } : {}),
      });
      await load.catalog;
      seeded = 'loading';
      status = { demo: { state: 'loading', eventsTotal: load.eventsTotal } };
      seedDone = load.done.then(
        (report) => {
          status = { demo: { state: 'ready', report } };
          log(
            `demo data loaded: ${report.products} products, ${report.scenes} scenes, ${report.promotions} promotions, ${report.customers} customers, ${report.events} events (generated in ${report.generateMs} ms, stored in ${report.loadMs} ms)`,
          );
          return report;
        },
        (error: Error) => {
          status = { demo: { state: 'failed', error: error.message } };
          if (!loading.signal.aborted) log(`demo data load failed: ${error.message}`);
          throw error;
        },
      );
      // The failure is reported in the log and in /_local/status; awaiting seedDone rethrows it.
      seedDone.catch(() => {});
    } else if (marker) {
      seeded = 'kept';
      status = { demo: { state: 'kept', report: marker } };
      seedDone = Promise.resolve(marker);
      log(`demo data already loaded in ${dataDir} (${marker.products} products, ${marker.events} events)`);
    }

    for (const fn of functions) {
      const module = (await import(pathToFileURL(resolve(ROOT, fn.entry)).href)) as {
        handler?: LambdaHandler;
      };
      if (typeof module.handler !== 'function') throw new Error(`${fn.entry} does not export a handler`);
      handlers.set(fn.id, module.handler);
    }
    gateway.ready = true;

    // Rank the hits once the history's signals are in (first start), or at once on kept data
    // (time has passed since it was last ranked); then on the declared schedule.
    if (seeded !== 'skipped') {
      const firstRank = seedDone.then(async () => {
        status = { ...status, hits: { state: 'ranking' } };
        const t0 = performance.now();
        await runSchedule('rerank-all-hourly');
        status = { ...status, hits: { state: 'ranked', ms: Math.round(performance.now() - t0) } };
        log(`hit ranking computed in ${Math.round(performance.now() - t0)} ms`);
      });
      firstRank.catch((error: Error) => {
        status = { ...status, hits: { state: 'failed', error: error.message } };
        if (!loading.signal.aborted) log(`hit ranking failed: ${error.message}`);
      });
      const firstMining = seedDone.then(async () => {
        const t1 = performance.now();
        status = { ...status, bundles: { state: 'mining' } };
        await runSchedule('mine-bundles-daily');
        status = { ...status, bundles: { state: 'mined', ms: Math.round(performance.now() - t1) } };
      });
      firstMining.catch((error: Error) => {
        status = { ...status, bundles: { state: 'failed', error: error.message } };
        if (!loading.signal.aborted) log(`bundle mining failed: ${error.message}`);
      });
      hitsRanked = Promise.allSettled([firstRank, firstMining]).then(() => {});
    }
    for (const sch of schedules as readonly ScheduleDecl[]) {
      const timer = setInterval(() => {
        runSchedule(sch.id).catch((error: Error) => log(`schedule ${sch.id} failed: ${error.message}`));
      }, sch.everyMinutes * 60_000);
      timer.unref();
      timers.push(timer);
    }

    return {
      url,
      port,
      dynamoEndpoint,
      tableNames,
      bus,
      gateway,
      seeded,
      seedDone,
      status: currentStatus,
      now,
      invoke,
      runSchedule,
      hitsRanked,
      stop,
      routes,
      rules,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

function startOfDayUtc(ms: number): Date {
  return new Date(Math.floor(ms / 86_400_000) * 86_400_000);
}

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { useClock } from '../../functions/lib/clock.ts';
import type { LakeJobId } from '../../models/lake/jobs/index.ts';
import {
  defaultRoute,
  type FunctionDecl,
  type FunctionId,
  functions,
  lakeStreams,
  type RouteDecl,
  type RuleDecl,
  routes,
  rules,
  type ScheduleDecl,
  type TableId,
} from '../topology.ts';
import { startDemo } from './demo-load.ts';
import { type DynamoLocal, startDynamoLocal } from './dynamodb.ts';
import { handlerEnvironment } from './environment.ts';
import { LocalEventBus } from './event-bus.ts';
import { LocalGateway } from './gateway.ts';
import { LakeBuffer } from './lake/buffer.ts';
import { LocalLake } from './lake/duckdb.ts';
import { type LakeJobRun, runLakeJob } from './lake/jobs.ts';
import { invokeLocal, type LambdaHandler, loadHandlers } from './lambda.ts';
import { localRoutes } from './local-routes.ts';
import { firstRankingAndMining, scheduleRunner, startSchedules } from './schedules.ts';
import type { SeedReport } from './seed.ts';
import { type LocalStatus, StatusBoard } from './status.ts';
import { localTableNames, prepareTables } from './tables.ts';

export {
  LOCAL_DEV_JWT_SECRET,
  LOCAL_TOKEN_AUDIENCE,
  LOCAL_TOKEN_ISSUER,
  localShopperToken,
} from './environment.ts';
export type { LocalStatus } from './status.ts';

const ROOT = resolve(import.meta.dirname, '../..');
export const LOCAL_BUS_NAME = 'merchandiser-local';
/** How long stop() waits for queued deliveries before it stops DynamoDB Local. */
const STOP_DRAIN_MS = 10_000;

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
  /**
   * The local lake's buffering (Firehose's is minutes and 64 MB): a delivery when this many seconds
   * or bytes are buffered. A lake job flushes the buffer first, so it reads everything received.
   */
  lakeBuffer?: { seconds: number; bytes: number };
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
  /** The lake (Parquet under the data folder, DuckDB over it). */
  lake: LocalLake;
  /** Runs a lake job now, as its state machine would (its schedule runs it as well); `input` goes to its results function. */
  runLakeJob(id: LakeJobId, input?: Record<string, unknown>): Promise<LakeJobRun>;
  /** Writes what the lake's buffer holds now (Firehose would after its interval). */
  lakeFlush(): Promise<void>;
  stop(): Promise<void>;
  routes: readonly RouteDecl[];
  rules: readonly RuleDecl[];
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

  const handlers = new Map<FunctionId, LambdaHandler>();
  const invoke = async (functionId: FunctionId, event: unknown) => {
    const handler = handlers.get(functionId);
    const decl = functions.find((f) => f.id === functionId) as FunctionDecl | undefined;
    if (!handler || !decl) throw new Error(`function ${functionId} is not loaded`);
    return invokeLocal(decl, handler, event);
  };
  // The lake: Parquet files under the data folder (a temporary folder in memory mode), a Firehose-like
  // buffer fed by the bus's streams, and DuckDB to run the jobs.
  const lakeRoot = dataDir ? join(dataDir, 'lake') : mkdtempSync(join(tmpdir(), 'merchandiser-lake-'));
  const lake = await LocalLake.open({ root: lakeRoot });
  const lakeBuffer = new LakeBuffer((events) => lake.append(events), {
    maxSeconds: options.lakeBuffer?.seconds ?? 10,
    maxBytes: options.lakeBuffer?.bytes ?? 16 * 1024 * 1024,
  });
  let lakeJobs: Promise<unknown> = Promise.resolve();
  const lakeJob = (id: LakeJobId, input?: Record<string, unknown>) => {
    // One at a time, as DuckDB's one connection runs one statement at a time.
    const run = lakeJobs.then(async () => {
      await lakeBuffer.flush();
      return runLakeJob(lake, id, { now: now(), invoke, ...(input ? { input } : {}) });
    });
    lakeJobs = run.catch(() => {});
    return run;
  };
  const runSchedule = scheduleRunner(invoke, lakeJob, now);
  const status = new StatusBoard();
  const bus = new LocalEventBus(LOCAL_BUS_NAME, rules, (functionId, event) => invoke(functionId, event), {
    windowMs: options.busWindowMs ?? 100,
    startJob: (jobId) => runSchedule(jobId),
  });
  for (const stream of lakeStreams) {
    bus.addStream(stream.id, stream.pattern, (detail) => lakeBuffer.add([detail as never]));
  }
  // The one local principal: the keys the handlers' SDK clients sign with (handlerEnvironment sets
  // them once the runtime starts; `local`/`local` unless the environment gives others).
  const credentials = () =>
    process.env.AWS_ACCESS_KEY_ID && process.env.AWS_SECRET_ACCESS_KEY
      ? { [process.env.AWS_ACCESS_KEY_ID]: process.env.AWS_SECRET_ACCESS_KEY }
      : {};
  const gateway = new LocalGateway(
    routes,
    (functionId, event: APIGatewayProxyEventV2) => invoke(functionId, event),
    localRoutes({ bus, status, log, credentials, lake: { buffer: lakeBuffer, runJob: lakeJob } }),
    defaultRoute.functionId,
    credentials,
  );

  // What stop() undoes, as far as the start got.
  let dynamo: DynamoLocal | undefined;
  let raw: DynamoDBClient | undefined;
  let timers: NodeJS.Timeout[] = [];
  const loading = new AbortController();
  let seedDone: Promise<SeedReport | undefined> = Promise.resolve(undefined);
  const stop = async () => {
    for (const t of timers) clearInterval(t);
    loading.abort(new Error('the runtime stopped before the demo data was loaded'));
    await seedDone.catch(() => {});
    raw?.destroy();
    await gateway.close();
    // Deliveries already on the local queues finish before the store goes away (bounded: a
    // message that keeps failing would otherwise hold the stop until its DLQ).
    await Promise.race([bus.drain(), new Promise((r) => setTimeout(r, STOP_DRAIN_MS).unref())]);
    await lakeBuffer.flush();
    await lakeJobs;
    lake.close();
    if (!dataDir) rmSync(lakeRoot, { recursive: true, force: true });
    await dynamo?.stop();
  };

  try {
    const port = await gateway.listen(options.port ?? 3000, options.host ?? '127.0.0.1');
    const url = `http://${options.host ?? '127.0.0.1'}:${port}`;

    if (options.dynamoEndpoint === undefined) {
      dynamo = await startDynamoLocal({ ...(dataDir ? { dataDir: resolve(dataDir, 'dynamodb') } : {}), log });
    }
    const dynamoEndpoint = options.dynamoEndpoint ?? dynamo!.endpoint;

    // Set once for this process, before any handler or adapter module is loaded.
    Object.assign(
      process.env,
      handlerEnvironment({
        dynamoEndpoint,
        url,
        busName: LOCAL_BUS_NAME,
        tableNames,
        logLevel: options.logLevel,
      }),
    );

    raw = new DynamoDBClient({ endpoint: dynamoEndpoint, region: process.env.AWS_REGION });
    // TTL only on the wall clock: DynamoDB Local sweeps expired items by it (see ensureTables).
    await prepareTables(raw, tableNames, { ttl: options.now === undefined, log });

    const demo = await startDemo({
      client: raw,
      tableNames,
      dataDir,
      seed: options.seed ?? 'auto',
      seedEndAt: options.seedEndAt,
      now,
      signal: loading.signal,
      status,
      log,
      lake,
      // The totals job first: its content items are what the evidence job's files read, and it
      // gives the products without evidence their content lists (functions/adapters/related-rebuild.ts).
      rebuildRelated: async () => {
        const totals = (await lakeJob('related-totals')).result as { contentOnlyLists: number };
        const evidence = (await lakeJob('related-evidence')).result as { lists: number };
        return { lists: evidence.lists + totals.contentOnlyLists };
      },
    });
    seedDone = demo.seedDone;

    await loadHandlers(handlers);
    gateway.ready = true;

    // Rank the hits once the history's signals are in (first start), or at once on kept data
    // (time has passed since it was last ranked); then on the declared schedule.
    const hitsRanked =
      demo.seeded !== 'skipped'
        ? firstRankingAndMining({ seedDone, runSchedule, status, signal: loading.signal, log })
        : Promise.resolve();
    timers = startSchedules(runSchedule, log);

    return {
      url,
      port,
      dynamoEndpoint,
      tableNames,
      bus,
      gateway,
      seeded: demo.seeded,
      seedDone,
      status: () => status.get(),
      now,
      invoke,
      runSchedule,
      lake,
      runLakeJob: lakeJob,
      lakeFlush: () => lakeBuffer.flush(),
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

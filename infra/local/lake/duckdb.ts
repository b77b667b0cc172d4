import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { BehaviourEvent } from '../../../events/behaviour.ts';
import { type LakePlan, withSteps } from '../../../models/lake/jobs/plan.ts';
import {
  duckType,
  type LakeColumn,
  lakeColumnsOf,
  lakePartition,
  lakeRecord,
} from '../../../models/lake/schema.ts';

/** The columns of the events table, from the contracts (the Glue table on AWS has the same). */
export const EVENT_COLUMNS: readonly LakeColumn[] = lakeColumnsOf(BehaviourEvent.options);

const columnSpec = (columns: readonly LakeColumn[]) =>
  `{${[...columns.map((c) => `${c.name}: '${duckType(c.type)}'`), "event_date: 'VARCHAR'", "event_type: 'VARCHAR'"].join(', ')}}`;

/** DuckDB's JS values as JSON-like ones: BIGINT and HUGEINT as numbers (exact below 2^53), dates as ISO text. */
function plain(value: unknown): unknown {
  if (typeof value === 'bigint') {
    if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < -BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new RangeError(`a lake value does not fit a JS number exactly: ${value}`);
    }
    return Number(value);
  }
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(plain);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  }
  return value;
}

export interface LocalLakeOptions {
  /** Where the Parquet files go (`<root>/events/event_date=.../event_type=.../part-*.parquet`). */
  root: string;
  /** DuckDB's memory limit, e.g. '3GB': it spills to disk beyond it. */
  memoryLimit?: string;
  threads?: number;
}

/**
 * The lake on this machine: Parquet files in the same layout Firehose writes to S3 (partitioned by
 * event date and type), and DuckDB, embedded, as the SQL engine the batch jobs run on. The jobs'
 * SQL reads a view named `events` over the files, as Athena reads the Glue table of that name.
 */
export class LocalLake {
  private constructor(
    readonly root: string,
    private readonly instance: DuckDBInstance,
    private readonly db: DuckDBConnection,
  ) {}

  static async open({ root, memoryLimit = '2GB', threads = 2 }: LocalLakeOptions): Promise<LocalLake> {
    mkdirSync(join(root, 'events'), { recursive: true });
    const instance = await DuckDBInstance.create(':memory:', {
      memory_limit: memoryLimit,
      threads: String(threads),
      temp_directory: join(tmpdir(), `merchandiser-duckdb-${process.pid}`),
      // Insertion order is not needed by any job, and keeping it costs memory on large sorts.
      preserve_insertion_order: 'false',
    });
    return new LocalLake(root, instance, await instance.connect());
  }

  get eventsDir(): string {
    return join(this.root, 'events');
  }

  /** Whether any event was ever written (DuckDB cannot glob an empty folder). */
  hasEvents(): boolean {
    return existsSync(this.eventsDir) && readdirSync(this.eventsDir).some((d) => d.startsWith('event_date='));
  }

  /**
   * Writes events as new Parquet files, one per partition touched (an append: the lake is
   * at-least-once, as Firehose is, and the jobs' SQL drops repeated event ids). A record that is not
   * a behaviour event cannot be converted: it goes, as it came, to `errors/` (Firehose's error output
   * prefix) and the others are written; one bad record never holds back its neighbours.
   */
  async append(records: readonly unknown[]): Promise<{ written: number; errors: number }> {
    const events: BehaviourEvent[] = [];
    const bad: unknown[] = [];
    for (const r of records) {
      const parsed = BehaviourEvent.safeParse(r);
      if (parsed.success) events.push(parsed.data);
      else bad.push(r);
    }
    if (bad.length > 0) {
      mkdirSync(join(this.root, 'errors'), { recursive: true });
      writeFileSync(
        join(this.root, 'errors', `conversion-failed-${randomUUID()}.jsonl`),
        `${bad.map((r) => JSON.stringify(r)).join('\n')}\n`,
      );
    }
    if (events.length === 0) return { written: 0, errors: bad.length };
    const staging = join(tmpdir(), `merchandiser-lake-${randomUUID()}.jsonl`);
    const lines = events.map((e) => {
      const record = lakeRecord(e as unknown as Record<string, unknown>, EVENT_COLUMNS);
      // Instants are stored in UTC.
      record.occurred_at = new Date(e.occurredAt).toISOString();
      return JSON.stringify({ ...record, ...lakePartition(e) });
    });
    writeFileSync(staging, `${lines.join('\n')}\n`);
    try {
      await this.db.run(
        `COPY (SELECT * FROM read_json('${staging}', columns = ${columnSpec(EVENT_COLUMNS)}, format = 'newline_delimited'))
         TO '${this.eventsDir}' (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (event_date, event_type),
         FILENAME_PATTERN 'part-{uuid}', APPEND)`,
      );
    } finally {
      rmSync(staging, { force: true });
    }
    return { written: events.length, errors: bad.length };
  }

  /** (Re)defines the `events` view the jobs read: the Parquet files, or an empty table before any. */
  private async defineEvents(): Promise<void> {
    const columns = [
      ...EVENT_COLUMNS.map((c) => `${c.name} ${duckType(c.type)}`),
      'event_date VARCHAR',
      'event_type VARCHAR',
    ].join(', ');
    if (this.hasEvents()) {
      await this.db.run(
        `CREATE OR REPLACE VIEW events AS SELECT * FROM read_parquet('${this.eventsDir}/*/*/*.parquet',
         hive_partitioning = true, hive_types = {'event_date': VARCHAR, 'event_type': VARCHAR}, union_by_name = true)`,
      );
    } else {
      await this.db.run(`CREATE OR REPLACE TABLE events_empty (${columns})`);
      await this.db.run('CREATE OR REPLACE VIEW events AS SELECT * FROM events_empty');
    }
  }

  /** Rows of a query over the lake, as plain objects (BIGINT as JS numbers when they fit). */
  async query<T = Record<string, unknown>>(sql: string): Promise<T[]> {
    await this.defineEvents();
    const reader = await this.db.runAndReadAll(sql);
    return reader.getRowObjectsJS().map((row) => plain(row)) as T[];
  }

  /**
   * Writes a query's result as newline-delimited JSON files under `dir` (what Athena's UNLOAD writes
   * to S3 on AWS), in files of about 8 MB; returns the files.
   */
  async unload(sql: string, dir: string): Promise<string[]> {
    await this.defineEvents();
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    await this.db.run(
      `COPY (${sql}) TO '${dir}' (FORMAT json, PER_THREAD_OUTPUT true, FILE_SIZE_BYTES '8MB')`,
    );
    return readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .sort()
      .map((f) => join(dir, f));
  }

  /**
   * A job's plan (models/lake/jobs/plan.ts) the one-machine way: each materialized step written as
   * Parquet under `<dir>.work/<step>/` (partitioned as the step says) and read back as a view of its
   * name, the steps in between carried as common table expressions of the statements that read
   * them, and the result written one bucket at a time into `dir` (files `b<bucket>-<n>.json`, as
   * `unload` writes them). The work files go once the result is written. Returns the result files.
   */
  async unloadPlan(
    plan: LakePlan,
    dir: string,
    /** Told each statement's seconds (the step's id, or `result`). */
    onStatement?: (id: string, seconds: number) => void,
  ): Promise<string[]> {
    const timed = async (id: string, sql: string) => {
      const t0 = performance.now();
      await this.db.run(sql);
      onStatement?.(id, (performance.now() - t0) / 1000);
    };
    await this.defineEvents();
    const work = join(dir, '..', `${basename(dir)}.work`);
    rmSync(work, { recursive: true, force: true });
    const carried: LakePlan['steps'][number][] = [];
    const withCarried = (sql: string) => withSteps(carried, sql);
    try {
      for (const step of plan.steps) {
        if (!step.materialize) {
          carried.push(step);
          continue;
        }
        const out = join(work, step.id);
        mkdirSync(out, { recursive: true });
        const by = step.materialize.partitionBy;
        const parts = step.materialize.parts;
        const statements = parts
          ? Array.from({ length: parts.count }, (_, p) => ({ sql: parts.of(p), name: `p${p}-{i}` }))
          : [{ sql: step.sql, name: 'data-{i}' }];
        for (const { sql, name } of statements) {
          await timed(
            step.id,
            `COPY (${withCarried(sql)}) TO '${out}' (FORMAT parquet, COMPRESSION zstd, ${by ? `PARTITION_BY (${by})` : 'PER_THREAD_OUTPUT true'}, FILENAME_PATTERN '${name}', OVERWRITE_OR_IGNORE)`,
          );
        }
        const files = by ? `${out}/*/*.parquet` : `${out}/*.parquet`;
        // No row, no file: the view is then the step's own (empty) result.
        const hasFiles = readdirSync(out, { recursive: true }).some((f) => String(f).endsWith('.parquet'));
        await this.db.run(
          hasFiles
            ? `CREATE OR REPLACE TEMP VIEW ${step.id} AS SELECT * FROM read_parquet('${files}'${by ? ', hive_partitioning = true' : ''})`
            : `CREATE OR REPLACE TEMP VIEW ${step.id} AS ${withCarried(step.sql)} LIMIT 0`,
        );
      }
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      const buckets = plan.buckets === undefined ? [null] : Array.from({ length: plan.buckets }, (_, b) => b);
      for (const bucket of buckets) {
        await timed(
          'result',
          `COPY (${withCarried(plan.result(bucket))}) TO '${dir}' (FORMAT json, PER_THREAD_OUTPUT true, FILE_SIZE_BYTES '8MB', FILENAME_PATTERN 'b${bucket ?? 0}-{i}', OVERWRITE_OR_IGNORE)`,
        );
      }
    } finally {
      for (const step of plan.steps)
        if (step.materialize) await this.db.run(`DROP VIEW IF EXISTS ${step.id}`);
      rmSync(work, { recursive: true, force: true });
    }
    return readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .sort()
      .map((f) => join(dir, f));
  }

  close(): void {
    this.db.closeSync();
    this.instance.closeSync();
  }
}

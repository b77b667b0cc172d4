/**
 * The few places where the batch jobs' SQL differs between Athena (engine v3, Trino) on AWS and
 * DuckDB on this machine. Everything else in a job's SQL is the common subset, written once:
 *
 * - the table is `events`: the Glue table on AWS, a view over the Parquet files locally;
 * - divisions cast to DOUBLE first (Trino divides integers as integers, DuckDB does not);
 * - no `QUALIFY`, `GROUP BY ALL`, `read_parquet(...)` or other DuckDB-only syntax, no Trino-only
 *   functions: `test/unit/lake-jobs.test.ts` parses every job's text as Trino and runs it on DuckDB.
 */
export interface Dialect {
  readonly name: 'athena' | 'duckdb';
  /** Epoch milliseconds (BIGINT) of a TIMESTAMP column. */
  epochMs(column: string): string;
  /**
   * A FROM-clause fragment expanding an array of structs into one row per element, with a column
   * `<alias>_<field>` per field (Trino expands row fields itself; DuckDB needs a lateral subquery).
   */
  unnestStructs(arrayColumn: string, alias: string, fields: readonly string[]): string;
  /** One row per element of an array (of the row it is joined to), the element as `alias.column`. */
  unnestValues(array: string, alias: string, column: string): string;
  /** A deterministic pseudo-random number in [0, 1) from a text expression (for sampling). */
  hashFraction(textExpression: string): string;
  /** The `index`th field (from 1) of each row in an array of anonymous rows, as an array. */
  fieldOfEach(arrayOfRows: string, index: number): string;
  /** A 64-bit hash (BIGINT) of a text expression: a compact key (engines differ in the values). */
  hash64(textExpression: string): string;
}

export const athena: Dialect = {
  name: 'athena',
  epochMs: (c) => `CAST(to_unixtime(${c}) * 1000 AS BIGINT)`,
  unnestStructs: (array, alias, fields) =>
    `CROSS JOIN UNNEST(${array}) AS ${alias}(${fields.map((f) => `${alias}_${f}`).join(', ')})`,
  unnestValues: (array, alias, column) => `CROSS JOIN UNNEST(${array}) AS ${alias}(${column})`,
  // xxhash64 gives 8 bytes; the low 52 bits of their big-endian value, as a fraction.
  hashFraction: (e) =>
    `CAST(bitwise_and(from_big_endian_64(xxhash64(to_utf8(${e}))), 4503599627370495) AS DOUBLE) / 4503599627370496.0`,
  fieldOfEach: (a, i) => `transform(${a}, x -> x[${i}])`,
  hash64: (e) => `from_big_endian_64(xxhash64(to_utf8(${e})))`,
};

export const duckdb: Dialect = {
  name: 'duckdb',
  epochMs: (c) => `epoch_ms(${c})`,
  unnestStructs: (array, alias, fields) =>
    `CROSS JOIN LATERAL (SELECT ${fields.map((f) => `x.${f} AS ${alias}_${f}`).join(', ')} FROM (SELECT unnest(${array}) AS x)) AS ${alias}`,
  unnestValues: (array, alias, column) =>
    `CROSS JOIN LATERAL (SELECT unnest(${array}) AS ${column}) AS ${alias}`,
  hashFraction: (e) => `CAST(hash(${e}) & 4503599627370495 AS DOUBLE) / 4503599627370496.0`,
  fieldOfEach: (a, i) => `list_transform(${a}, x -> x[${i}])`,
  // hash() is an unsigned 64-bit number: its top 63 bits fit a BIGINT.
  hash64: (e) => `CAST(hash(${e}) >> 1 AS BIGINT)`,
};

export const dialects = { athena, duckdb } as const;

/**
 * The events that match `where`, each event id once, with only `columns` (and `event_id`): the lake
 * is at-least-once (Firehose and the local writer may deliver an event twice), so every job reads
 * through this. A hash aggregate on the event id, not a window sorted over every column: at 10M
 * events a window over whole rows ran out of DuckDB's 3 GB. Deliveries of one event are identical,
 * so `arbitrary` takes any. Common SQL.
 */
export function eventsOnce(where: string, columns: readonly string[] = []): string {
  const picked = columns.map((c) => `, arbitrary(e.${c}) AS ${c}`).join('');
  return `(SELECT e.event_id${picked} FROM events e WHERE ${where} GROUP BY e.event_id)`;
}

/** A partition filter on the event date, a day wider each side (offsets), for `[fromMs, toMs)`. */
export function eventDates(fromMs: number, toMs: number): string {
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  return `event_date BETWEEN '${day(fromMs - 86_400_000)}' AND '${day(toMs + 86_400_000)}'`;
}

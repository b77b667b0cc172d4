import * as z from 'zod';

/**
 * The lake's table layout, derived from the zod contracts so that it is never written twice: the
 * Glue table on AWS (Firehose converts JSON to Parquet against it), the local Parquet files
 * (DuckDB writes them with the same columns) and the records both are fed come from here.
 *
 * Columns are the union of the event types' fields, in snake_case (`occurredAt` -> `occurred_at`),
 * each with the JSON key it is read from. The event type and the event's date are not columns but
 * partition keys (`event_type`, `event_date`), as Firehose's dynamic partitioning writes them.
 */

export type LakeType =
  | 'string'
  | 'int'
  | 'bigint'
  | 'double'
  | 'boolean'
  | 'timestamp'
  | { array: LakeType }
  | { struct: readonly LakeColumn[] };

export interface LakeColumn {
  name: string;
  /** The field of the event (JSON) the column is read from. */
  jsonKey: string;
  type: LakeType;
}

/** Partition keys, outermost first: `event_date=YYYY-MM-DD/event_type=<type>/`. */
export const PARTITION_KEYS = [
  {
    name: 'event_date',
    jsonKey: 'occurredAt',
    description:
      "occurredAt's first ten characters (YYYY-MM-DD): the UTC date for a Z instant, the local one for an offset",
  },
  { name: 'event_type', jsonKey: 'type', description: 'the event type (detail-type)' },
] as const;

const INT32_MAX = 2 ** 31 - 1;

export const snakeCase = (key: string): string => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

type JsonSchema = {
  type?: string | string[];
  format?: string;
  maximum?: number;
  minimum?: number;
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
  const?: unknown;
  anyOf?: JsonSchema[];
};

function lakeTypeOf(s: JsonSchema, defs: Record<string, JsonSchema>, where: string): LakeType {
  if (s.$ref) return lakeTypeOf(defs[s.$ref.replace('#/$defs/', '')]!, defs, where);
  if (s.anyOf) {
    const types = s.anyOf.filter((x) => x.type !== 'null');
    if (types.length !== 1) throw new Error(`${where}: a union cannot be one lake column`);
    return lakeTypeOf(types[0]!, defs, where);
  }
  switch (s.type) {
    case 'string':
      return s.format === 'date-time' ? 'timestamp' : 'string';
    case 'boolean':
      return 'boolean';
    case 'integer':
      // Minor units reach 1e11: beyond 32 bits.
      return (s.maximum ?? Number.POSITIVE_INFINITY) <= INT32_MAX &&
        (s.minimum ?? Number.NEGATIVE_INFINITY) >= -INT32_MAX
        ? 'int'
        : 'bigint';
    case 'number':
      // `version: z.literal(1)` comes out as a number constant.
      return Number.isInteger(s.const) ? 'int' : 'double';
    case 'array':
      return { array: lakeTypeOf(s.items ?? {}, defs, `${where}[]`) };
    case 'object':
      return {
        struct: Object.entries(s.properties ?? {}).map(([key, p]) => ({
          name: snakeCase(key),
          jsonKey: key,
          type: lakeTypeOf(p, defs, `${where}.${key}`),
        })),
      };
    default:
      throw new Error(`${where}: no lake type for ${JSON.stringify(s.type)}`);
  }
}

const same = (a: LakeType, b: LakeType): boolean => JSON.stringify(a) === JSON.stringify(b);

/**
 * The union of the objects' fields as lake columns, in first-seen order, without the partition
 * keys' fields. A field two schemas type differently cannot share a column: that is an error here,
 * at build time, rather than a conversion failure in Firehose.
 */
export function lakeColumnsOf(schemas: readonly z.ZodType[]): LakeColumn[] {
  const partitioned = new Set<string>(
    PARTITION_KEYS.filter((k) => k.name !== 'event_date').map((k) => k.jsonKey),
  );
  const out = new Map<string, LakeColumn>();
  for (const schema of schemas) {
    const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
    const root = json.$ref ? json.$defs![json.$ref.replace('#/$defs/', '')]! : json;
    for (const [key, prop] of Object.entries(root.properties ?? {})) {
      if (partitioned.has(key)) continue;
      const column = { name: snakeCase(key), jsonKey: key, type: lakeTypeOf(prop, json.$defs ?? {}, key) };
      const seen = out.get(column.name);
      if (seen && !same(seen.type, column.type)) {
        throw new Error(
          `field ${key} has two types: ${JSON.stringify(seen.type)} and ${JSON.stringify(column.type)}`,
        );
      }
      if (!seen) out.set(column.name, column);
    }
  }
  return [...out.values()];
}

/** The column's type as Glue (Hive DDL) writes it, e.g. `array<struct<product_id:string,...>>`. */
export function glueType(t: LakeType): string {
  if (typeof t === 'string') return t;
  if ('array' in t) return `array<${glueType(t.array)}>`;
  return `struct<${t.struct.map((c) => `${c.name}:${glueType(c.type)}`).join(',')}>`;
}

/** The column's type as DuckDB writes it, e.g. `STRUCT(product_id VARCHAR, ...)[]`. */
export function duckType(t: LakeType): string {
  if (typeof t === 'string') {
    return {
      string: 'VARCHAR',
      int: 'INTEGER',
      bigint: 'BIGINT',
      double: 'DOUBLE',
      boolean: 'BOOLEAN',
      timestamp: 'TIMESTAMP',
    }[t];
  }
  if ('array' in t) return `${duckType(t.array)}[]`;
  return `STRUCT(${t.struct.map((c) => `${c.name} ${duckType(c.type)}`).join(', ')})`;
}

function recordValue(value: unknown, t: LakeType): unknown {
  if (value === undefined || value === null) return null;
  if (typeof t === 'string') return value;
  if ('array' in t) return (value as unknown[]).map((v) => recordValue(v, t.array));
  const o = value as Record<string, unknown>;
  return Object.fromEntries(t.struct.map((c) => [c.name, recordValue(o[c.jsonKey], c.type)]));
}

/** An event as the lake stores it: every column (null when the event has no such field). */
export function lakeRecord(
  event: Record<string, unknown>,
  columns: readonly LakeColumn[],
): Record<string, unknown> {
  return Object.fromEntries(columns.map((c) => [c.name, recordValue(event[c.jsonKey], c.type)]));
}

/**
 * The partition an event is written under: what Firehose's dynamic partitioning extracts with
 * `.occurredAt[0:10]` and `.type`. A query reads its dates' partitions with a day's margin each side
 * and then filters on `occurred_at`, so an instant written with an offset is still found.
 */
export function lakePartition(event: { occurredAt: string; type: string }): {
  event_date: string;
  event_type: string;
} {
  return { event_date: event.occurredAt.slice(0, 10), event_type: event.type };
}

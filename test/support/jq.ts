/**
 * The JQ subset a Firehose delivery stream's metadata extraction is written in (infra/stacks/
 * lake-stack.ts): `{key: .field, key: .field[from:to]}`, evaluated as Firehose would, so tests can
 * compare the partition it computes with what the local lake writes by. Anything else throws.
 */
export function evaluateJq(query: string, record: Record<string, unknown>): Record<string, unknown> {
  const body = /^\{(.*)\}$/.exec(query.trim())?.[1];
  if (body === undefined) throw new Error(`not an object construction: ${query}`);
  return Object.fromEntries(
    body.split(',').map((entry) => {
      const m = /^\s*(\w+):\s*\.(\w+)(?:\[(\d+):(\d+)\])?\s*$/.exec(entry);
      if (!m) throw new Error(`outside the JQ subset: ${entry}`);
      const value = record[m[2]!];
      return [m[1]!, m[3] === undefined ? value : String(value).slice(Number(m[3]), Number(m[4]))];
    }),
  );
}

/** A Firehose S3 prefix with its `!{partitionKeyFromQuery:<key>}` parts filled in. */
export const firehosePrefix = (prefix: string, keys: Record<string, unknown>): string =>
  prefix.replace(/!\{partitionKeyFromQuery:(\w+)\}/g, (_, k: string) => String(keys[k]));

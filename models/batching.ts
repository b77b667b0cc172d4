/**
 * Splits items into chunks of at most `maxCount` items and `maxBytes` bytes, in order, as the AWS
 * batch APIs demand (PutEvents: 10 entries and 256 KB; BatchWriteItem: 25 items). An item larger
 * than `maxBytes` on its own is returned in `oversized`, never silently dropped.
 */
export function chunk<T>(
  items: readonly T[],
  {
    maxCount,
    maxBytes = Number.POSITIVE_INFINITY,
    sizeOf = () => 0,
  }: { maxCount: number; maxBytes?: number; sizeOf?: (item: T) => number },
): { chunks: T[][]; oversized: T[] } {
  const chunks: T[][] = [];
  const oversized: T[] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = sizeOf(item);
    if (size > maxBytes) {
      oversized.push(item);
      continue;
    }
    if (current.length === maxCount || bytes + size > maxBytes) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return { chunks, oversized };
}

/**
 * "Full jitter" exponential backoff (AWS Architecture Blog, "Exponential Backoff And Jitter"):
 * a random delay in [0, min(cap, base * 2^attempt)), so that retrying callers spread out.
 */
export function backoffDelayMs(
  attempt: number,
  { baseMs = 50, capMs = 2_000, random = Math.random } = {},
): number {
  return Math.floor(random() * Math.min(capMs, baseMs * 2 ** attempt));
}

/** Keeps the first occurrence of each eventId, in order: a batch may repeat an event on retry. */
export function dedupeByEventId<T extends { eventId: string }>(events: readonly T[]): T[] {
  const seen = new Set<string>();
  return events.filter((e) => {
    if (seen.has(e.eventId)) return false;
    seen.add(e.eventId);
    return true;
  });
}

/**
 * Each event's `occurredAt` as the UTC instant it names (`...Z`, millisecond precision): the
 * contract takes any offset, but everything downstream compares instants as strings, and the lake's
 * Parquet conversion on AWS refuses a timestamp with an offset (docs/deploying.md). Both intake
 * doors publish only this form.
 */
export function inUtc<T extends { occurredAt: string }>(events: readonly T[]): T[] {
  return events.map((e) => {
    const utc = new Date(e.occurredAt).toISOString();
    return utc === e.occurredAt ? e : { ...e, occurredAt: utc };
  });
}

/**
 * `work` over every item, at most `limit` at once, the results in the items' order: what a
 * Distributed Map's MaxConcurrency does, in process (the local runtime's lake jobs and re-rank).
 * The first failure rejects, after the calls in flight settle no further items are started.
 */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  if (!(limit >= 1)) throw new RangeError(`a concurrency limit of at least 1, not ${limit}`);
  const out: R[] = new Array(items.length);
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      const i = next++;
      try {
        out[i] = await work(items[i]!, i);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

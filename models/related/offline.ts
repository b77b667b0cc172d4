/**
 * Pure pieces of the offline evaluation (`bench/eval-related.ts`): reading interaction files
 * (CSV records, the three timestamp forms, event types) and the ranking metrics.
 */

/**
 * Splits CSV text into records, keeping state across lines so that a quoted field may hold commas,
 * doubled quotes ("") and line breaks. Feed lines with `push`; it returns the records completed.
 */
export class CsvRecordReader {
  #fields: string[] = [];
  #field = '';
  #quoted = false;

  /** One line of input without its line break; returns the record it completes, if any. */
  push(line: string): string[] | undefined {
    for (let i = 0; i < line.length; i++) {
      const ch = line[i];
      if (this.#quoted) {
        if (ch === '"') {
          if (line[i + 1] === '"') {
            this.#field += '"';
            i++;
          } else this.#quoted = false;
        } else this.#field += ch;
      } else if (ch === '"' && this.#field === '') this.#quoted = true;
      else if (ch === ',') {
        this.#fields.push(this.#field);
        this.#field = '';
      } else if (ch === '\r' && i === line.length - 1) {
        // A CRLF file read by lines leaves the CR behind.
      } else this.#field += ch;
    }
    if (this.#quoted) {
      this.#field += '\n';
      return undefined;
    }
    this.#fields.push(this.#field);
    const record = this.#fields;
    this.#fields = [];
    this.#field = '';
    return record;
  }

  /** Whether a quoted field is still open (the input ended inside quotes). */
  get pending(): boolean {
    return this.#quoted;
  }

  /** At the end of input: the unfinished record, its open quote closed (undefined when none). */
  flush(): string[] | undefined {
    if (!this.#quoted) return undefined;
    const record = [...this.#fields, this.#field.replace(/\n$/, '')];
    this.#fields = [];
    this.#field = '';
    this.#quoted = false;
    return record;
  }
}

/** One CSV line as fields (a line with an unterminated quote is read as if closed at its end). */
export function parseCsvLine(line: string): string[] {
  const reader = new CsvRecordReader();
  return reader.push(line) ?? reader.flush()!;
}

/** Below this a number is Unix seconds, above it milliseconds (1e11 s is in the year 5138). */
const SECONDS_LIMIT = 1e11;

/**
 * Epoch milliseconds of a timestamp given as ISO 8601 (with or without offset; without one it is
 * read as UTC), Unix seconds or Unix milliseconds (integer or decimal). NaN when unreadable.
 */
export function parseTimestamp(text: string): number {
  const s = text.trim();
  if (s === '') return Number.NaN;
  if (/^-?\d+(\.\d+)?$/.test(s)) {
    const n = Number(s);
    return Math.abs(n) < SECONDS_LIMIT ? Math.round(n * 1000) : Math.round(n);
  }
  const iso = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(s) ? `${s.replace(' ', 'T')}Z` : s;
  return Date.parse(iso);
}

export type InteractionKind = 'view' | 'cart' | 'order';

/** An `event_type` value as an interaction kind; unknown or missing types count as views. */
export function interactionKind(eventType: string | undefined): InteractionKind {
  const t = (eventType ?? '')
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');
  if (['order', 'purchase', 'buy', 'bought', 'transaction', 'checkout'].includes(t)) return 'order';
  if (['cart', 'add_to_cart', 'addtocart', 'added_to_cart', 'basket'].includes(t)) return 'cart';
  return 'view';
}

export interface RankMetrics {
  hr10: number;
  ndcg10: number;
  mrr10: number;
}

/**
 * Leave-one-out ranking metrics at a cut-off: per case one held-out item and a ranked list.
 * HR = share of cases whose item is in the top `cutoff`; NDCG = mean 1 / log2(rank + 1); MRR =
 * mean 1 / rank (rank from 1; 0 when missing). Means over all cases (0 for no cases).
 */
export function rankMetrics(
  cases: Iterable<{ truth: string; ranked: readonly string[] }>,
  cutoff = 10,
): RankMetrics & { cases: number } {
  let n = 0;
  let hits = 0;
  let ndcg = 0;
  let mrr = 0;
  for (const c of cases) {
    n++;
    const index = c.ranked.slice(0, cutoff).indexOf(c.truth);
    if (index < 0) continue;
    hits++;
    ndcg += 1 / Math.log2(index + 2);
    mrr += 1 / (index + 1);
  }
  return n === 0
    ? { hr10: 0, ndcg10: 0, mrr10: 0, cases: 0 }
    : { hr10: hits / n, ndcg10: ndcg / n, mrr10: mrr / n, cases: n };
}

/** Share of the catalog that appears in at least one list's top `cutoff`. */
export function catalogCoverage(
  lists: Iterable<readonly string[]>,
  catalogSize: number,
  cutoff = 10,
): number {
  if (catalogSize <= 0) return 0;
  const seen = new Set<string>();
  for (const l of lists) for (const id of l.slice(0, cutoff)) seen.add(id);
  return seen.size / catalogSize;
}

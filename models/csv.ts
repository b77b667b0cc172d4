/**
 * Reading interaction files (CSV records, the three timestamp forms), shared by the offline
 * evaluations of related products and hit products (bench/); pure: the caller reads the file.
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

import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { CsvRecordReader, parseTimestamp } from '../../models/csv.ts';
import { type InteractionKind, interactionKind } from '../../models/related/offline.ts';
import { mulberry32 } from '../lib/synthetic.ts';

/** Interaction files read into compact columns (bench/eval-related.ts): one row per interaction. */

export const KIND_CODE: Record<InteractionKind, number> = { view: 0, cart: 1, order: 2 };

export interface Interactions {
  name: string;
  userIds: string[];
  itemIds: string[];
  user: number[];
  item: number[];
  at: number[];
  kind: number[];
  skipped: number;
}

class Interner {
  readonly ids: string[] = [];
  readonly #index = new Map<string, number>();
  of(id: string): number {
    let i = this.#index.get(id);
    if (i === undefined) {
      i = this.ids.length;
      this.ids.push(id);
      this.#index.set(id, i);
    }
    return i;
  }
}

/** Streams the file line by line into compact columns. */
export async function readInteractions(
  path: string,
  opts: { baskets: boolean; name: string },
): Promise<Interactions> {
  const users = new Interner();
  const items = new Interner();
  const out: Interactions = {
    name: opts.name,
    userIds: users.ids,
    itemIds: items.ids,
    user: [],
    item: [],
    at: [],
    kind: [],
    skipped: 0,
  };
  const reader = new CsvRecordReader();
  const lines = createInterface({ input: createReadStream(path), crlfDelay: Number.POSITIVE_INFINITY });
  let columns: { user: number; item: number; time: number; type: number } | undefined;
  let basket = 0;
  const basketEpoch = Date.parse('2020-01-01T00:00:00Z');
  for await (const line of lines) {
    const record = reader.push(line);
    if (!record) continue;
    if (opts.baskets) {
      const names = record.filter((f) => f !== '');
      if (names.length === 0) continue;
      const u = users.of(`basket-${basket}`);
      // One order per basket, a minute apart. A basket's items have no order, but a file may sort
      // them (groceries.csv lists them by category, shopping bags and newspapers last), so they are
      // shuffled with a seed per basket: the held-out item and the validation item are then both a
      // random item of the basket, not the file's last and second-to-last categories.
      const at = basketEpoch + basket * 60_000;
      const rand = mulberry32(basket + 1);
      for (let i = names.length - 1; i > 0; i--) {
        const j = Math.floor(rand() * (i + 1));
        [names[i], names[j]] = [names[j]!, names[i]!];
      }
      basket++;
      for (const n of names) {
        out.user.push(u);
        out.item.push(items.of(n));
        out.at.push(at);
        out.kind.push(KIND_CODE.order);
      }
      continue;
    }
    if (!columns) {
      const header = record.map((h) => h.trim().toLowerCase());
      const need = (name: string) => {
        const i = header.indexOf(name);
        if (i < 0) throw new Error(`${path}: no "${name}" column in the header (${header.join(', ')})`);
        return i;
      };
      columns = {
        user: need('user_id'),
        item: need('item_id'),
        time: need('timestamp'),
        type: header.indexOf('event_type'),
      };
      continue;
    }
    const user = record[columns.user]?.trim() ?? '';
    const item = record[columns.item]?.trim() ?? '';
    const at = parseTimestamp(record[columns.time] ?? '');
    if (user === '' || item === '' || !Number.isFinite(at)) {
      out.skipped++;
      continue;
    }
    out.user.push(users.of(user));
    out.item.push(items.of(item));
    out.at.push(at);
    out.kind.push(KIND_CODE[interactionKind(columns.type >= 0 ? record[columns.type] : undefined)]);
  }
  const last = reader.flush();
  if (last) out.skipped++;
  return out;
}

/**
 * Walks one user's rows (in time order) as the model sees them: each order (the order rows at one
 * instant) whole, and each view or cart with whether it opens a new session (more than `gapMs`
 * after the previous view or cart).
 */
export function walkUser(
  data: Interactions,
  rows: readonly number[],
  gapMs: number,
  on: { order(rows: number[]): void; view(row: number, newSession: boolean): void },
): void {
  let lastView = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < rows.length; ) {
    const r = rows[i]!;
    const at = data.at[r]!;
    if (data.kind[r] === KIND_CODE.order) {
      let j = i;
      while (j < rows.length && data.at[rows[j]!] === at && data.kind[rows[j]!] === KIND_CODE.order) j++;
      on.order(rows.slice(i, j));
      i = j;
      continue;
    }
    on.view(r, at - lastView > gapMs);
    lastView = at;
    i++;
  }
}

import { type Interactions, walkUser } from './interactions.ts';

/**
 * The co-occurrence baseline (the popularity baseline is the protocol's fill-up alone:
 * `recommend` without a scorer).
 */

/** Distinct items of one order or session that the co-occurrence baseline pairs (caps n^2). */
const MAX_GROUP = 300;
/** Partners per item the co-occurrence baseline keeps (the model keeps topK = 20). */
const COOC_ROW = 1_000;

/** Growable list of packed pair keys (a * items + b). */
class PairKeys {
  keys = new Float64Array(1 << 20);
  length = 0;
  push(k: number) {
    if (this.length === this.keys.length) {
      const grown = new Float64Array(this.keys.length * 2);
      grown.set(this.keys);
      this.keys = grown;
    }
    this.keys[this.length++] = k;
  }
}

/**
 * Plain co-occurrence counts: +1 per order and per session (split by the gap) holding both items,
 * no decay, no normalisation. Each item keeps its COOC_ROW strongest partners (ties: item id).
 */
export function cooccurrence(
  data: Interactions,
  train: readonly (number[] | undefined)[],
  gapMinutes: number,
  rank: Int32Array,
): { item: number; count: number }[][] {
  const n = data.itemIds.length;
  const gapMs = gapMinutes * 60_000;
  const keys = new PairKeys();
  const count = (items: Set<number>) => {
    const list = [...items].slice(0, MAX_GROUP);
    for (const a of list) for (const b of list) if (a !== b) keys.push(a * n + b);
  };
  for (const g of train) {
    if (!g) continue;
    let session = new Set<number>();
    walkUser(data, g, gapMs, {
      order: (rows) => count(new Set(rows.map((r) => data.item[r]!))),
      view(r, newSession) {
        if (newSession) {
          count(session);
          session = new Set();
        }
        session.add(data.item[r]!);
      },
    });
    count(session);
  }
  const sorted = keys.keys.subarray(0, keys.length).sort();
  const rows: { item: number; count: number }[][] = [];
  for (let i = 0; i < sorted.length; ) {
    const k = sorted[i]!;
    let j = i;
    while (j < sorted.length && sorted[j] === k) j++;
    const a = Math.floor(k / n);
    const entry = { item: k - a * n, count: j - i };
    const row = rows[a];
    if (row) row.push(entry);
    else rows[a] = [entry];
    i = j;
  }
  for (const row of rows) {
    if (!row || row.length <= COOC_ROW) continue;
    row.sort((x, y) => y.count - x.count || rank[x.item]! - rank[y.item]!);
    row.length = COOC_ROW;
  }
  return rows;
}

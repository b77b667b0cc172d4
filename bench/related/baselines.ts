import { type Interactions, walkUser } from './interactions.ts';
import { RECENT_FADE, type UserScorer } from './protocol.ts';

/**
 * The baselines of eval:related, each implemented from its paper or reference code and ranked
 * under the same protocol (bench/related/protocol.ts: the same split, never an item the user has
 * seen, the same popular fill-up): most popular (the fill-up alone), plain co-occurrence counts,
 * item-kNN (cosine), SAR (Microsoft Recommenders) and V-SKNN (session-rec). Their parameters are
 * tuned on the same validation split as the model's (bench/related/tuning.ts).
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

// ------------------------------------------------------------------ shared: profiles and co-counts

/** Each training user's distinct items (item indices, ascending). */
export function userProfiles(train: readonly (number[] | undefined)[], data: Interactions): Int32Array[] {
  // Array.from, not map: a sampled split leaves holes, which map would keep.
  return Array.from(train, (g) =>
    g ? Int32Array.from(new Set(g.map((r) => data.item[r]!))).sort() : new Int32Array(0),
  );
}

/** Dense co-count matrices up to this many items (4 bytes a cell: 6,000 items are 144 MB); sparse rows above. */
const DENSE_ITEMS = 6_000;

/**
 * Item-item co-occurrence over user profiles: C[i][j] = users whose profile holds both i and j,
 * C[i][i] = users holding i (the binary user-item matrix A, C = AᵀA). Rows come out as sparse
 * (partner, count) lists, partners ascending.
 */
export function coCounts(
  profiles: readonly Int32Array[],
  items: number,
): {
  diag: Float64Array;
  rows: { items: Int32Array; counts: Float32Array }[];
} {
  const diag = new Float64Array(items);
  for (const p of profiles) for (const i of p) diag[i]! += 1;
  const rows: { items: Int32Array; counts: Float32Array }[] = [];
  if (items <= DENSE_ITEMS) {
    const m = new Float32Array(items * items);
    for (const p of profiles)
      for (let a = 0; a < p.length; a++) {
        const base = p[a]! * items;
        for (let b = 0; b < p.length; b++) if (a !== b) m[base + p[b]!]! += 1;
      }
    for (let i = 0; i < items; i++) {
      const partners: number[] = [];
      const counts: number[] = [];
      for (let j = 0, base = i * items; j < items; j++) {
        const c = m[base + j]!;
        if (c > 0) {
          partners.push(j);
          counts.push(c);
        }
      }
      rows.push({ items: Int32Array.from(partners), counts: Float32Array.from(counts) });
    }
    return { diag, rows };
  }
  const maps = Array.from({ length: items }, () => new Map<number, number>());
  for (const p of profiles)
    for (let a = 0; a < p.length; a++) {
      const row = maps[p[a]!]!;
      for (let b = 0; b < p.length; b++) if (a !== b) row.set(p[b]!, (row.get(p[b]!) ?? 0) + 1);
    }
  for (const row of maps) {
    const partners = [...row.keys()].sort((x, y) => x - y);
    rows.push({
      items: Int32Array.from(partners),
      counts: Float32Array.from(partners, (j) => row.get(j)!),
    });
  }
  return { diag, rows };
}

const coMemo = new WeakMap<object, ReturnType<typeof coCounts>>();
/** The co-counts of one training split, computed once for the baselines that share them. */
function coOf(data: Interactions, train: readonly (number[] | undefined)[]): ReturnType<typeof coCounts> {
  let co = coMemo.get(train);
  if (!co) {
    co = coCounts(userProfiles(train, data), data.itemIds.length);
    coMemo.set(train, co);
  }
  return co;
}

/** A sparse similarity row, strongest first. */
interface SimRow {
  items: Int32Array;
  sims: Float64Array;
}

function sortedRow(items: Int32Array, sims: Float64Array, rank: Int32Array): SimRow {
  const order = Array.from(items.keys()).sort(
    (a, b) => sims[b]! - sims[a]! || rank[items[a]!]! - rank[items[b]!]!,
  );
  return { items: Int32Array.from(order, (k) => items[k]!), sims: Float64Array.from(order, (k) => sims[k]!) };
}

// ------------------------------------------------------------------ item-kNN (cosine)

/**
 * Item-based top-N recommendation with cosine similarity (Sarwar, Karypis, Konstan and Riedl 2001,
 * "Item-based collaborative filtering recommendation algorithms"; Deshpande and Karypis 2004,
 * "Item-based top-N recommendation algorithms"). Items are binary vectors over users:
 * sim(i, j) = |U_i ∩ U_j| / sqrt(|U_i| |U_j|). Each item keeps its k most similar items; a user's
 * score for an item is the sum of its similarities to every item of the user's training profile
 * (`profile: 'all'`, as in the papers), or, tuned as an option so that the baseline is as strong as
 * the protocol allows, to the protocol's recent items with their fading weights (`'recent'`, what
 * the model and co-occurrence get).
 */
export interface ItemKnnParams {
  k: number;
  profile: 'all' | 'recent';
}

export function itemKnn(
  data: Interactions,
  train: readonly (number[] | undefined)[],
  rank: Int32Array,
): (params: ItemKnnParams) => UserScorer {
  const { diag, rows } = coOf(data, train);
  const sims = rows.map((row, i) =>
    sortedRow(
      row.items,
      Float64Array.from(row.items, (j, n) => row.counts[n]! / Math.sqrt(diag[i]! * diag[j]!)),
      rank,
    ),
  );
  return ({ k, profile }) =>
    (view, scores) => {
      if (profile === 'all') for (const i of view.seen) scores.addRow(sims[i]!.items, sims[i]!.sims, 1, k);
      else
        view.recent.forEach((i, n) => {
          scores.addRow(sims[i]!.items, sims[i]!.sims, RECENT_FADE ** n, k);
        });
    };
}

// ------------------------------------------------------------------ SAR

export type SarSimilarity = 'jaccard' | 'lift';
export interface SarParams {
  similarity: SarSimilarity;
  halfLifeDays: number;
  threshold: number;
}
const DAY = 86_400_000;

/**
 * SAR, Smart Adaptive Recommendations, as Microsoft Recommenders defines it
 * (recommenders/models/sar/sar_singlenode.py, SARSingleNode): the item co-occurrence matrix C over
 * users (C = AᵀA of the binary user-item matrix), entries below `threshold` set to 0, turned into
 * a similarity S: Jaccard C_ij / (C_ii + C_jj - C_ij) or lift C_ij / (C_ii C_jj). The user affinity
 * is time-decayed (`timedecay_formula=True`): every interaction weighs 2^(-(t_now - t) / T), T the
 * `time_decay_coefficient` in days (Recommenders' default 30), t_now the latest training instant,
 * summed per user and item (each interaction has rating 1: implicit data). Scores = A_decayed S;
 * items the user has seen are removed (`remove_seen=True`).
 */
export function sar(
  data: Interactions,
  train: readonly (number[] | undefined)[],
  now: number,
): (opts: SarParams) => UserScorer {
  const { diag, rows } = coOf(data, train);
  const cache = new Map<string, SimRow[]>();
  const similarity = (kind: SarSimilarity, threshold: number) => {
    const key = `${kind}:${threshold}`;
    let s = cache.get(key);
    if (!s) {
      s = rows.map((row, i) => {
        const items: number[] = [];
        const sims: number[] = [];
        row.items.forEach((j, n) => {
          const c = row.counts[n]!;
          if (c < threshold) return;
          items.push(j);
          sims.push(kind === 'jaccard' ? c / (diag[i]! + diag[j]! - c) : c / (diag[i]! * diag[j]!));
        });
        return { items: Int32Array.from(items), sims: Float64Array.from(sims) };
      });
      cache.set(key, s);
    }
    return s;
  };
  return ({ similarity: kind, halfLifeDays, threshold }) => {
    const s = similarity(kind, threshold);
    const affinity = new Map<number, number>();
    return (view, scores) => {
      affinity.clear();
      for (const r of view.rows) {
        const item = data.item[r]!;
        const w = 2 ** (-(now - data.at[r]!) / (halfLifeDays * DAY));
        affinity.set(item, (affinity.get(item) ?? 0) + w);
      }
      for (const [i, a] of affinity) scores.addRow(s[i]!.items, s[i]!.sims, a);
    };
  };
}

// ------------------------------------------------------------------ V-SKNN

export interface SknnParams {
  /** Neighbour sessions kept. */
  k: number;
  /** Most recent candidate sessions considered. */
  sample: number;
}

/** A training session: an order, or a visit's views and carts split by the session gap. */
interface Session {
  user: number;
  /** Distinct items. */
  items: Int32Array;
  /** Its last interaction (epoch ms). */
  at: number;
}

/**
 * V-SKNN, session-based kNN with vector-multiplication similarity (Jannach and Ludewig 2017, "When
 * recurrent neural networks meet the neighborhood for session-based recommendation"; Ludewig and
 * Jannach 2018, "Evaluation of session-based recommendation algorithms"; session-rec's
 * algorithms/knn/vsknn.py). The current session is the user's most recent distinct items (the
 * protocol's, at most 10), oldest first; item p of L weighs p / L (session-rec's `div` weighting:
 * the latest item 1). Candidate neighbours are the `sample` most recent training sessions that share
 * an item with it (`sampling='recent'`), the user's own left out; a neighbour's similarity is the
 * sum of the weights of the shared items divided by L; the k most similar are kept, and an item's
 * score is the sum of the similarities of the neighbours that hold it.
 */
export function vsknn(
  data: Interactions,
  train: readonly (number[] | undefined)[],
  gapMinutes: number,
): (opts: SknnParams) => UserScorer {
  const sessions: Session[] = [];
  const gapMs = gapMinutes * 60_000;
  train.forEach((g, user) => {
    if (!g) return;
    let current = new Set<number>();
    let at = 0;
    const close = () => {
      if (current.size > 0) sessions.push({ user, items: Int32Array.from(current), at });
      current = new Set();
    };
    walkUser(data, g, gapMs, {
      order(rows) {
        sessions.push({
          user,
          items: Int32Array.from(new Set(rows.map((r) => data.item[r]!))),
          at: data.at[rows[0]!]!,
        });
      },
      view(r, newSession) {
        if (newSession) close();
        current.add(data.item[r]!);
        at = data.at[r]!;
      },
    });
    close();
  });
  // Sessions newest first (then by index), so each item's list is already in sampling order.
  const order = Array.from(sessions.keys()).sort((a, b) => sessions[b]!.at - sessions[a]!.at || a - b);
  const byItem: number[][] = Array.from({ length: data.itemIds.length }, () => []);
  order.forEach((s, position) => {
    for (const i of sessions[s]!.items) byItem[i]!.push(position);
  });
  const sorted = order.map((s) => sessions[s]!);
  // Scratch space reused by every call (the evaluation is single-threaded).
  const stamp = new Int32Array(sorted.length).fill(-1);
  const weight = new Float64Array(data.itemIds.length);
  let buffer = new Int32Array(1024);
  let call = 0;
  return ({ k, sample }) =>
    (view, scores) => {
      const current = [...view.recent].reverse();
      const L = current.length;
      if (L === 0) return;
      const generation = call++;
      current.forEach((item, p) => {
        weight[item] = (p + 1) / L;
      });
      // The `sample` most recent sessions holding any current item (positions are in recency order).
      let n = 0;
      for (const item of current)
        for (const s of byItem[item]!) {
          if (stamp[s] === generation || sorted[s]!.user === view.user) continue;
          stamp[s] = generation;
          if (n === buffer.length) {
            const grown = new Int32Array(buffer.length * 2);
            grown.set(buffer);
            buffer = grown;
          }
          buffer[n++] = s;
        }
      const recent = buffer.subarray(0, n).sort().subarray(0, Math.min(n, sample));
      const sims = new Float64Array(recent.length);
      recent.forEach((s, m) => {
        let sim = 0;
        for (const i of sorted[s]!.items) sim += weight[i]!;
        sims[m] = sim / L;
      });
      for (const item of current) weight[item] = 0;
      const best = Array.from(recent.keys());
      if (best.length > k) best.sort((a, b) => sims[b]! - sims[a]! || a - b).length = k;
      for (const m of best) {
        const sim = sims[m]!;
        for (const i of sorted[recent[m]!]!.items) scores.add(i, sim);
      }
    };
}

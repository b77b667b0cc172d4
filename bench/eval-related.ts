/**
 * Offline evaluation of the related-products model (issue 4, point 6).
 *
 *   npx tsx bench/eval-related.ts --input <file.csv> [--json] [--name <label>] [--no-tune]
 *   npx tsx bench/eval-related.ts --baskets --input ../shared/data/groceries/groceries.csv
 *   npx tsx bench/eval-related.ts --generate 1000000 --output /tmp/synthetic-1m.csv
 *
 * Input: a CSV with a header naming `user_id`, `item_id`, `timestamp` (ISO 8601, Unix seconds or
 * milliseconds) and optionally `event_type` (order/purchase, cart, view; other values are views);
 * other columns are ignored. `--baskets`: one basket per line, no header (groceries.csv); each
 * basket becomes one user with one order.
 *
 * Protocol: each user's last interaction (by time, then file order) of users with at least 3 is
 * held out; everything else trains. Each user's list is ranked from their 10 most recent distinct
 * training items (newest weighs most, fading by 0.8 per step), excluding everything the user
 * already interacted with, and filled up from the most popular items when short, the same way for
 * the model and both baselines. The model's parameters are tuned on a validation split of the
 * training data (each user's last training interaction), never on the held-out items.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { basename, dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import type { BehaviourEvent } from '../events/behaviour.ts';
import { CsvRecordReader, parseTimestamp } from '../models/csv.ts';
import { buildEvidence, neighboursOfAll } from '../models/related/batch.ts';
import { defaultRelatedConfig, type RelatedConfig } from '../models/related/evidence.ts';
import type { Neighbour } from '../models/related/neighbours.ts';
import {
  catalogCoverage,
  type InteractionKind,
  interactionKind,
  type RankMetrics,
  rankMetrics,
} from '../models/related/offline.ts';

const CUTOFF = 10;
/** Distinct recent training items a user's list is built from, and how fast older ones fade. */
const RECENT_ITEMS = 10;
const RECENT_FADE = 0.8;
/** Distinct items of one order or session that the co-occurrence baseline pairs (caps n^2). */
const MAX_GROUP = 300;
/** Partners per item the co-occurrence baseline keeps (the model keeps topK = 20). */
const COOC_ROW = 1_000;
/** Tuning trains on a sample of users holding about this many interactions at most. */
const MAX_TUNING_ROWS = 250_000;
/** Order lines per OrderPlaced, as the contract allows. */
const MAX_ORDER_LINES = 500;
/** Validation users used for tuning at most (a deterministic sample), to bound the time. */
const MAX_TUNING_USERS = 20_000;
const KIND_CODE: Record<InteractionKind, number> = { view: 0, cart: 1, order: 2 };

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
      // One order per basket, a minute apart, in file order.
      const at = basketEpoch + basket * 60_000;
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

interface Split {
  /** Training rows grouped by user, each group in time order (then file order). */
  train: number[][];
  /** One held-out row per eligible user. */
  test: { user: number; row: number }[];
}

/** Each user's rows in time order (then file order). */
function groupByUser(data: Interactions, rows: Iterable<number>): number[][] {
  const groups: number[][] = [];
  for (const r of rows) {
    const u = data.user[r]!;
    const g = groups[u];
    if (g) g.push(r);
    else groups[u] = [r];
  }
  for (const g of groups) g?.sort((a, b) => data.at[a]! - data.at[b]! || a - b);
  return groups;
}

/** Leave the last out of every user with at least 3 interactions. */
function leaveLastOut(data: Interactions, groups: readonly (number[] | undefined)[]): Split {
  void data;
  const train: number[][] = [];
  const test: { user: number; row: number }[] = [];
  groups.forEach((g, u) => {
    if (!g) return;
    if (g.length >= 3) {
      test.push({ user: u, row: g[g.length - 1]! });
      train[u] = g.slice(0, -1);
    } else train[u] = g;
  });
  return { train, test };
}

const ISO = (ms: number) => new Date(ms).toISOString();

/** Training rows as behaviour events: orders by (user, timestamp), sessions split by the gap. */
function toEvents(
  data: Interactions,
  train: readonly (number[] | undefined)[],
  gapMinutes: number,
): BehaviourEvent[] {
  const events: BehaviourEvent[] = [];
  const gapMs = gapMinutes * 60_000;
  let id = 0;
  const eventId = () => `evt-${(id++).toString(36).padStart(8, '0')}`;
  train.forEach((g, u) => {
    if (!g) return;
    const userId = `u${u}`;
    let session = 0;
    let lastView = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < g.length; ) {
      const r = g[i]!;
      const at = data.at[r]!;
      if (data.kind[r] === KIND_CODE.order) {
        const lines: { productId: string; quantity: number; paidPrice: number }[] = [];
        let j = i;
        while (j < g.length && data.at[g[j]!] === at && data.kind[g[j]!] === KIND_CODE.order) {
          if (lines.length < MAX_ORDER_LINES)
            lines.push({ productId: data.itemIds[data.item[g[j]!]!]!, quantity: 1, paidPrice: 0 });
          j++;
        }
        events.push({
          type: 'OrderPlaced',
          eventId: eventId(),
          occurredAt: ISO(at),
          version: 1,
          userId,
          orderId: `o${id}`,
          lines,
        });
        i = j;
        continue;
      }
      if (at - lastView > gapMs) session++;
      lastView = at;
      const sessionId = `${userId}-s${session}`;
      const productId = data.itemIds[data.item[r]!]!;
      const base = {
        eventId: eventId(),
        occurredAt: ISO(at),
        version: 1 as const,
        sessionId,
        userId,
        productId,
      };
      events.push(
        data.kind[r] === KIND_CODE.cart
          ? { type: 'ProductAddedToCart', ...base, quantity: 1 }
          : { type: 'ProductViewed', ...base },
      );
      i++;
    }
  });
  return events;
}

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
function cooccurrence(
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
    let lastView = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < g.length; ) {
      const r = g[i]!;
      const at = data.at[r]!;
      if (data.kind[r] === KIND_CODE.order) {
        const order = new Set<number>();
        let j = i;
        while (j < g.length && data.at[g[j]!] === at && data.kind[g[j]!] === KIND_CODE.order)
          order.add(data.item[g[j++]!]!);
        count(order);
        i = j;
        continue;
      }
      if (at - lastView > gapMs) {
        count(session);
        session = new Set();
      }
      lastView = at;
      session.add(data.item[r]!);
      i++;
    }
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

/** Keeps the best `n` (score descending, then item id) of a stream of candidates. */
class TopN {
  readonly items: { item: number; score: number }[] = [];
  constructor(
    readonly n: number,
    readonly rank: Int32Array,
  ) {}
  offer(item: number, score: number) {
    const list = this.items;
    if (list.length === this.n) {
      const worst = list[list.length - 1]!;
      if (score < worst.score || (score === worst.score && this.rank[item]! > this.rank[worst.item]!)) return;
    }
    let i = list.length;
    while (i > 0) {
      const prev = list[i - 1]!;
      if (prev.score > score || (prev.score === score && this.rank[prev.item]! < this.rank[item]!)) break;
      i--;
    }
    list.splice(i, 0, { item, score });
    if (list.length > this.n) list.pop();
  }
}

interface Context {
  data: Interactions;
  split: Split;
  /** Items by popularity in training (interaction count), then by id. */
  popular: number[];
  /** Position of each item in id order, for deterministic ties. */
  rank: Int32Array;
  catalogSize: number;
  now: number;
}

function makeContext(data: Interactions, split: Split): Context {
  const counts = new Float64Array(data.itemIds.length);
  let now = Number.NEGATIVE_INFINITY;
  let catalog = 0;
  for (const g of split.train) {
    if (!g) continue;
    for (const r of g) {
      const item = data.item[r]!;
      if (counts[item] === 0) catalog++;
      counts[item]! += 1;
      now = Math.max(now, data.at[r]!);
    }
  }
  const byId = data.itemIds.map((_, i) => i).sort((a, b) => (data.itemIds[a]! < data.itemIds[b]! ? -1 : 1));
  const rank = new Int32Array(data.itemIds.length);
  byId.forEach((item, pos) => {
    rank[item] = pos;
  });
  const popular = byId
    .filter((i) => counts[i]! > 0)
    .sort((a, b) => counts[b]! - counts[a]! || rank[a]! - rank[b]!);
  return { data, split, popular, rank, catalogSize: catalog, now };
}

type Scorer = (item: number, add: (partner: number, score: number) => void) => void;

/** Every test user's top-10: from the recent items' neighbours, then popular items. */
function recommend(
  ctx: Context,
  cases: readonly { user: number; row: number }[],
  scorer: Scorer | undefined,
): string[][] {
  const { data } = ctx;
  return cases.map(({ user }) => {
    const history = ctx.split.train[user] ?? [];
    const seen = new Set<number>();
    const recent: number[] = [];
    for (let i = history.length - 1; i >= 0; i--) {
      const item = data.item[history[i]!]!;
      if (!seen.has(item) && recent.length < RECENT_ITEMS) recent.push(item);
      seen.add(item);
    }
    const top = new TopN(CUTOFF, ctx.rank);
    if (scorer) {
      const scores = new Map<number, number>();
      recent.forEach((item, k) => {
        const w = RECENT_FADE ** k;
        scorer(item, (partner, score) => {
          if (!seen.has(partner)) scores.set(partner, (scores.get(partner) ?? 0) + w * score);
        });
      });
      for (const [item, score] of scores) if (score > 0) top.offer(item, score);
    }
    const list = top.items.map((c) => c.item);
    const inList = new Set(list);
    for (const item of ctx.popular) {
      if (list.length >= CUTOFF) break;
      if (!seen.has(item) && !inList.has(item)) list.push(item);
    }
    return list.map((i) => data.itemIds[i]!);
  });
}

export interface MethodResult extends RankMetrics {
  coverage: number;
}

function evaluate(
  ctx: Context,
  cases: readonly { user: number; row: number }[],
  lists: string[][],
): MethodResult {
  const m = rankMetrics(
    cases.map((c, i) => ({ truth: ctx.data.itemIds[ctx.data.item[c.row]!]!, ranked: lists[i]! })),
    CUTOFF,
  );
  return {
    hr10: m.hr10,
    ndcg10: m.ndcg10,
    mrr10: m.mrr10,
    coverage: catalogCoverage(lists, ctx.catalogSize, CUTOFF),
  };
}

function modelScorer(ctx: Context, neighbours: Map<string, Neighbour[]>): Scorer {
  const index = new Map<string, number>();
  ctx.data.itemIds.forEach((id, i) => {
    index.set(id, i);
  });
  const byItem: { item: number; score: number }[][] = [];
  for (const [id, list] of neighbours)
    byItem[index.get(id)!] = list.map((n) => ({ item: index.get(n.productId)!, score: n.score }));
  return (item, add) => {
    for (const n of byItem[item] ?? []) add(n.item, n.score);
  };
}

function trainModel(ctx: Context, config: RelatedConfig, events?: BehaviourEvent[]) {
  const evidence = buildEvidence(
    events ?? toEvents(ctx.data, ctx.split.train, config.sessionGapMinutes),
    config,
  );
  return evidence;
}

/** Deterministic sample of at most n cases (every k-th). */
function sample<T>(list: readonly T[], n: number): T[] {
  if (list.length <= n) return [...list];
  const step = list.length / n;
  return Array.from({ length: n }, (_, i) => list[Math.floor(i * step)]!);
}

/**
 * Coordinate search on the validation split: first what changes the evidence (half-life, basket
 * damping), then what only changes the scoring (popularity beta, shrinkage, view weight).
 */
function tune(
  data: Interactions,
  trainGroups: number[][],
  log: (s: string) => void,
): { config: RelatedConfig; trials: number } {
  // A sample of users (by a hash of their index) keeps tuning within the time budget on big files.
  const rows = trainGroups.reduce((n, g) => n + (g?.length ?? 0), 0);
  const share = Math.min(1, MAX_TUNING_ROWS / Math.max(1, rows));
  const sampled = trainGroups.map((g, u) =>
    (Math.imul(u + 1, 2654435761) >>> 0) / 2 ** 32 < share ? g : undefined,
  );
  const split = leaveLastOut(data, sampled);
  const ctx = makeContext(data, split);
  const cases = sample(split.test, MAX_TUNING_USERS);
  const hasViews = data.kind.some((k) => k !== KIND_CODE.order);
  const hasOrders = data.kind.some((k) => k === KIND_CODE.order);
  let best = { ...defaultRelatedConfig };
  let bestScore = Number.NEGATIVE_INFINITY;
  let trials = 0;
  const events = toEvents(data, split.train, best.sessionGapMinutes);
  let evidence = buildEvidence(events, best);
  const score = (config: RelatedConfig, ev = evidence) => {
    trials++;
    const lists = recommend(ctx, cases, modelScorer(ctx, neighboursOfAll(ev, ctx.now, config)));
    const m = evaluate(ctx, cases, lists);
    return m.ndcg10 + m.hr10 * 1e-3;
  };
  const consider = (config: RelatedConfig, ev = evidence) => {
    const s = score(config, ev);
    if (s > bestScore) {
      bestScore = s;
      best = config;
      return true;
    }
    return false;
  };
  consider(best);
  const rebuild = (patch: Partial<RelatedConfig>) => {
    const config = { ...best, ...patch };
    const ev = buildEvidence(events, config);
    if (consider(config, ev)) evidence = ev;
  };
  for (const halfLifeDays of [7, 90, 365]) rebuild({ halfLifeDays });
  if (hasOrders) for (const basketDamping of [0, 1]) rebuild({ basketDamping });
  for (const popularityBeta of [0, 0.1, 0.25, 0.75]) consider({ ...best, popularityBeta });
  for (const shrinkage of [0.25, 0.5, 8]) consider({ ...best, shrinkage });
  if (hasViews && hasOrders) for (const viewedWeight of [0.25, 1]) consider({ ...best, viewedWeight });
  log(
    `tuned on ${cases.length} validation users (${(share * 100).toFixed(0)}% of users sampled), ${trials} trials`,
  );
  return { config: best, trials };
}

export interface Report {
  name: string;
  interactions: number;
  skipped: number;
  users: number;
  items: number;
  config: RelatedConfig;
  tuned: boolean;
  model: MethodResult;
  /** The model with `defaultRelatedConfig`, when tuned and asked for. */
  modelDefaults: MethodResult | undefined;
  popularity: MethodResult;
  cooccurrence: MethodResult;
  timings: Record<string, number>;
}

export function runEvaluation(
  data: Interactions,
  opts: { tune: boolean; withDefaults: boolean; log: (s: string) => void },
): Report {
  const timings: Record<string, number> = {};
  let t = performance.now();
  const lap = (name: string) => {
    const now = performance.now();
    timings[name] = (now - t) / 1000;
    t = now;
  };
  const rows = data.user.map((_, i) => i);
  const split = leaveLastOut(data, groupByUser(data, rows));
  const ctx = makeContext(data, split);
  lap('split');
  const config = opts.tune ? tune(data, split.train, opts.log).config : defaultRelatedConfig;
  lap('tune');
  const evidence = trainModel(ctx, config);
  lap('train');
  const model = evaluate(
    ctx,
    split.test,
    recommend(ctx, split.test, modelScorer(ctx, neighboursOfAll(evidence, ctx.now, config))),
  );
  lap('model');
  let modelDefaults: MethodResult | undefined;
  if (opts.tune && opts.withDefaults) {
    const ev = trainModel(ctx, defaultRelatedConfig);
    const lists = recommend(
      ctx,
      split.test,
      modelScorer(ctx, neighboursOfAll(ev, ctx.now, defaultRelatedConfig)),
    );
    modelDefaults = evaluate(ctx, split.test, lists);
  }
  lap('modelDefaults');
  const popularity = evaluate(ctx, split.test, recommend(ctx, split.test, undefined));
  lap('popularity');
  const counts = cooccurrence(data, split.train, config.sessionGapMinutes, ctx.rank);
  const coScorer: Scorer = (item, add) => {
    for (const c of counts[item] ?? []) add(c.item, c.count);
  };
  const cooc = evaluate(ctx, split.test, recommend(ctx, split.test, coScorer));
  lap('cooccurrence');
  return {
    name: data.name,
    interactions: data.user.length,
    skipped: data.skipped,
    users: split.test.length,
    items: ctx.catalogSize,
    config,
    tuned: opts.tune,
    model,
    modelDefaults,
    popularity,
    cooccurrence: cooc,
    timings,
  };
}

const f4 = (x: number) => x.toFixed(4);

export function formatReport(r: Report, readSeconds: number): string {
  const rows: [string, MethodResult][] = [
    [r.tuned ? 'model (tuned on validation)' : 'model (defaults)', r.model],
    ...(r.modelDefaults ? ([['model (defaults)', r.modelDefaults]] as [string, MethodResult][]) : []),
    ['most popular', r.popularity],
    ['co-occurrence counts', r.cooccurrence],
  ];
  const beats = (m: MethodResult) =>
    [r.popularity, r.cooccurrence].every((b) => m.hr10 > b.hr10 && m.ndcg10 > b.ndcg10) ? 'yes' : 'NO';
  const changed = Object.entries(r.config)
    .filter(([k, v]) => defaultRelatedConfig[k as keyof RelatedConfig] !== v)
    .map(([k, v]) => `${k}=${v}`);
  const total = readSeconds + Object.values(r.timings).reduce((a, b) => a + b, 0);
  return [
    `related products, offline evaluation: ${r.name}`,
    `${r.interactions.toLocaleString('en')} interactions (${r.skipped} rows skipped), ${r.items.toLocaleString('en')} items in training, ${r.users.toLocaleString('en')} test users (last interaction held out, users with >= 3)`,
    `model parameters: ${changed.length === 0 ? 'defaults' : `defaults except ${changed.join(', ')}`}`,
    '',
    `| method | HR@10 | NDCG@10 | MRR@10 | coverage |`,
    `|---|---|---|---|---|`,
    ...rows.map(
      ([name, m]) => `| ${name} | ${f4(m.hr10)} | ${f4(m.ndcg10)} | ${f4(m.mrr10)} | ${f4(m.coverage)} |`,
    ),
    '',
    `model beats both baselines on HR@10 and NDCG@10: ${beats(r.model)}`,
    `time: read ${readSeconds.toFixed(1)} s, ${Object.entries(r.timings)
      .map(([k, v]) => `${k} ${v.toFixed(1)} s`)
      .join(', ')}; total ${total.toFixed(1)} s`,
  ].join('\n');
}

/** A reproducible synthetic interaction file: clustered tastes, Zipf-like popularity, views, carts, orders. */
export async function generateSynthetic(rows: number, output: string, seed = 7): Promise<void> {
  let s = seed >>> 0;
  const rand = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let x = s;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
  const items = Math.max(100, Math.round(rows / 50));
  const clusters = Math.max(5, Math.round(items / 40));
  const users = Math.max(10, Math.round(rows / 12));
  const perCluster = Math.ceil(items / clusters);
  // Within a cluster, item k is chosen with weight 1 / (k + 1): a few best-sellers per cluster.
  const pickInCluster = (c: number) => {
    const k = Math.min(perCluster - 1, Math.floor(perCluster ** rand()) - 1);
    return Math.min(items - 1, c * perCluster + Math.max(0, k));
  };
  const globalHit = () => Math.floor(items * rand() ** 3);
  const out = createWriteStream(output);
  const write = (line: string) =>
    out.write(line) ? Promise.resolve() : new Promise<void>((r) => out.once('drain', () => r()));
  await write('user_id,item_id,timestamp,event_type,note\n');
  const start = Date.parse('2024-01-01T00:00:00Z') / 1000;
  let written = 0;
  // Each user keeps two favourite clusters across visits.
  const tastes = Array.from({ length: users }, () => [
    Math.floor(rand() * clusters),
    Math.floor(rand() * clusters),
  ]);
  for (let u = 0; written < rows; u = (u + 1) % users) {
    const taste = tastes[u]!;
    let at = start + Math.floor(rand() * 80 * 86_400);
    const sessionLength = 3 + Math.floor(rand() * 10);
    const cluster = taste[rand() < 0.7 ? 0 : 1]!;
    const viewed: number[] = [];
    for (let i = 0; i < sessionLength && written < rows; i++) {
      const item = rand() < 0.15 ? globalHit() : pickInCluster(cluster);
      at += 20 + Math.floor(rand() * 240);
      const type = rand() < 0.12 ? 'cart' : 'view';
      viewed.push(item);
      await write(`user-${u},item-${item},${at},${type},"free text, ""quoted"""\n`);
      written++;
    }
    if (rand() < 0.3 && written < rows) {
      at += 300;
      const basket = new Set(viewed.filter(() => rand() < 0.4));
      for (const item of basket) {
        if (written >= rows) break;
        await write(`user-${u},item-${item},${at},order,\n`);
        written++;
      }
    }
  }
  await new Promise<void>((resolve, reject) =>
    out.end((err?: Error | null) => (err ? reject(err) : resolve())),
  );
}

function argValue(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

async function main(args: string[]): Promise<void> {
  const generate = argValue(args, '--generate');
  if (generate !== undefined) {
    const output = argValue(args, '--output') ?? '/tmp/related-synthetic.csv';
    const t0 = performance.now();
    await generateSynthetic(Number(generate), output);
    console.log(
      `wrote ${Number(generate).toLocaleString('en')} interactions to ${output} in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
    return;
  }
  const input = argValue(args, '--input');
  if (!input) {
    console.error(
      'usage: eval-related --input <file.csv> [--json] [--baskets] [--name <label>] [--no-tune] [--with-defaults|--no-defaults]',
    );
    process.exitCode = 2;
    return;
  }
  const json = args.includes('--json');
  const baskets = args.includes('--baskets');
  const name = argValue(args, '--name') ?? `${basename(dirname(input))}/${basename(input)}`;
  const log = (s: string) => {
    if (!json) console.log(s);
  };
  const t0 = performance.now();
  const data = await readInteractions(input, { baskets, name });
  const readSeconds = (performance.now() - t0) / 1000;
  // The defaults row costs another training run: by default only on files up to 300k interactions.
  const withDefaults =
    args.includes('--with-defaults') || (!args.includes('--no-defaults') && data.user.length <= 300_000);
  const report = runEvaluation(data, { tune: !args.includes('--no-tune'), withDefaults, log });
  if (json) {
    const pick = (m: MethodResult) => ({
      hr10: m.hr10,
      ndcg10: m.ndcg10,
      mrr10: m.mrr10,
      coverage: m.coverage,
    });
    console.log(
      JSON.stringify({
        model: pick(report.model),
        popularity: pick(report.popularity),
        cooccurrence: pick(report.cooccurrence),
        users: report.users,
      }),
    );
    const total = readSeconds + Object.values(report.timings).reduce((a, b) => a + b, 0);
    console.error(`${report.name}: ${total.toFixed(1)} s`);
  } else console.log(formatReport(report, readSeconds));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  });
}

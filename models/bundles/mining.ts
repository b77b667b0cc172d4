/**
 * "Frequently bought together": association rules mined from baskets with FP-growth (Han, Pei and
 * Yin 2000), giving the same rules as R arules' `apriori(baskets, parameter = list(supp, conf,
 * minlen, maxlen))`: every rule has one item on the right, lengths count both sides, and the
 * thresholds are compared the way arules' C code (Borgelt's apriori) compares them:
 *
 * - an itemset is frequent when its basket count reaches `ceil(minSupport * N)` (istree.c,
 *   `s_min = (int)ceil(tacnt * supp)`). arules takes that ceiling of a floating product, so when
 *   `minSupport * N` is an integer that the product rounds up by one ulp (0.07 * 100 =
 *   7.000000000000001) it asks for one basket more than `support >= minsupp` says; here the
 *   product is taken a few ulps down first, which gives what the documented rule says.
 * - a rule is kept when `count(X ∪ Y) / count(X) >= minConfidence - 1e-12` (istree.c, `c <
 *   ist->conf - EPSILON`): a rule sitting exactly on the threshold (8/10 at 0.8) is kept.
 * - lift is `(confidence * N) / count(Y)`, arules' own expression, so the figures agree to the bit.
 *
 * Pure domain code: no I/O. `parseBaskets` reads the text format, the caller reads the file.
 */

export interface Rule {
  /** Left-hand side, sorted by UTF-16 code units (empty only when minLen is 1). */
  lhs: string[];
  rhs: string;
  /** count / baskets. */
  support: number;
  /** count(lhs ∪ rhs) / count(lhs). */
  confidence: number;
  /** confidence / (count(rhs) / baskets). */
  lift: number;
  /** Baskets holding every item of lhs and rhs. */
  count: number;
}

export interface MiningOptions {
  /** Fraction of baskets an itemset (both sides of a rule) must appear in, 0..1. */
  minSupport: number;
  /** Minimum count(lhs ∪ rhs) / count(lhs), 0..1; ties are kept. */
  minConfidence: number;
  /** Fewest items in a rule, both sides counted (arules' minlen); default 2. 1 allows `{} ⇒ {y}`. */
  minLen?: number;
  /** Most items in a rule, both sides counted (arules' maxlen); default 10. */
  maxLen?: number;
}

export interface MiningResult {
  baskets: number;
  rules: Rule[];
}

/** arules' tolerance on the confidence threshold (istree.c `EPSILON`). */
const CONFIDENCE_EPSILON = 1e-12;

/**
 * One basket per line, items separated by commas (the Groceries format). Item names are kept
 * verbatim: Groceries has `cream cheese ` and `roll products ` with a trailing space and the
 * published figures were computed with those labels. Only the `\r` of a CRLF line ending goes.
 * Empty lines are skipped; a name repeated within a line is left to the miner, which counts it once.
 */
export function parseBaskets(text: string): string[][] {
  const baskets: string[][] = [];
  for (const raw of text.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.length === 0) continue;
    baskets.push(line.split(','));
  }
  return baskets;
}

/**
 * Smallest basket count that meets `minSupport` of `n` baskets: ceil(minSupport * n), with the
 * floating product nudged down by a few ulps so that a product that is an integer in exact arithmetic
 * is not pushed up to the next count by rounding. Never below 1: an itemset no basket holds is not
 * reported, whatever the threshold.
 */
export function minimumCount(minSupport: number, n: number): number {
  const exact = minSupport * n;
  return Math.max(1, Math.ceil(exact - 4 * Number.EPSILON * exact));
}

/**
 * The rules of `baskets` at the given thresholds, best first: lift, then confidence, then support,
 * all descending and compared exactly on the counts, then lhs and rhs by text (`compareRules`).
 */
export function mineRules(baskets: readonly (readonly string[])[], options: MiningOptions): MiningResult {
  const { minSupport, minConfidence } = options;
  const minLen = options.minLen ?? 2;
  const maxLen = options.maxLen ?? 10;
  if (!(Number.isFinite(minSupport) && minSupport >= 0 && minSupport <= 1))
    throw new RangeError(`minSupport must be between 0 and 1, got ${minSupport}`);
  if (!(Number.isFinite(minConfidence) && minConfidence >= 0 && minConfidence <= 1))
    throw new RangeError(`minConfidence must be between 0 and 1, got ${minConfidence}`);
  if (!(Number.isInteger(minLen) && minLen >= 1))
    throw new RangeError(`minLen must be an integer >= 1, got ${minLen}`);
  if (!(Number.isInteger(maxLen) && maxLen >= minLen))
    throw new RangeError(`maxLen must be an integer >= minLen (${minLen}), got ${maxLen}`);

  const n = baskets.length;
  if (n === 0) return { baskets: 0, rules: [] };
  const minCount = minimumCount(minSupport, n);
  const coded = encode(baskets, minCount);
  const itemsets = frequentItemsets(coded, minCount, maxLen);
  const rules = rulesFrom(itemsets, coded, n, minConfidence, minLen);
  return { baskets: n, rules };
}

/** A frequent itemset by name, as another engine (SQL over the lake) counts them. */
export interface NamedItemset {
  items: readonly string[];
  count: number;
}

/**
 * The rules of itemsets counted elsewhere (every frequent itemset up to the longest wanted, each
 * with its basket count; every subset of one must be there, as it is of any complete count), in
 * the same order and with the same figures as `mineRules` gives from the baskets.
 */
export function rulesFromItemsets(
  itemsets: readonly NamedItemset[],
  baskets: number,
  { minConfidence, minLen = 2 }: { minConfidence: number; minLen?: number },
): Rule[] {
  const singles = itemsets.filter((s) => s.items.length === 1);
  singles.sort((a, b) => b.count - a.count || compareText(a.items[0]!, b.items[0]!));
  const idOf = new Map(singles.map((s, i) => [s.items[0]!, i]));
  const coded: Coded = {
    names: singles.map((s) => s.items[0]!),
    counts: singles.map((s) => s.count),
    baskets: [],
  };
  const sets: Itemset[] = itemsets.map((s) => ({
    ids: s.items
      .map((name) => {
        const id = idOf.get(name);
        if (id === undefined)
          throw new RangeError(`itemset ${s.items.join(',')}: ${name} has no count of its own`);
        return id;
      })
      .sort((a, b) => a - b),
    count: s.count,
  }));
  return rulesFrom(sets, coded, baskets, minConfidence, minLen);
}

// ---------------------------------------------------------------------------------------------
// Items as integers: id 0 is the most frequent item, ties by name, infrequent items dropped.

interface Coded {
  /** Name of each frequent item by id. */
  names: string[];
  /** Basket count of each frequent item by id. */
  counts: number[];
  /** Each basket's frequent items as distinct ids, ascending (most frequent first). */
  baskets: number[][];
}

function encode(baskets: readonly (readonly string[])[], minCount: number): Coded {
  const seen = new Map<string, number>();
  for (const basket of baskets) {
    for (const name of new Set(basket)) seen.set(name, (seen.get(name) ?? 0) + 1);
  }
  const frequent = [...seen].filter(([, c]) => c >= minCount);
  frequent.sort(([a, ca], [b, cb]) => cb - ca || (a < b ? -1 : a > b ? 1 : 0));
  const idOf = new Map<string, number>(frequent.map(([name], i) => [name, i]));
  const coded: number[][] = [];
  for (const basket of baskets) {
    const ids: number[] = [];
    for (const name of basket) {
      const id = idOf.get(name);
      if (id !== undefined) ids.push(id);
    }
    ids.sort((a, b) => a - b);
    coded.push(ids.filter((id, i) => i === 0 || id !== ids[i - 1]));
  }
  return { names: frequent.map(([name]) => name), counts: frequent.map(([, c]) => c), baskets: coded };
}

// ---------------------------------------------------------------------------------------------
// FP-tree: nodes in parallel arrays; node 0 is the root. Every path from the root runs through
// ascending item ids, so the prefix path of a node holds only items more frequent than its own.

class FpTree {
  readonly item: number[] = [-1];
  readonly count: number[] = [0];
  readonly parent: number[] = [-1];
  /** Next node carrying the same item (the header table's chain). */
  readonly link: number[] = [-1];
  /** Header table: first node of each item's chain, -1 when the item is absent. */
  readonly head: Int32Array;
  /** Total count of each item in the tree (its support in this conditional database). */
  readonly total: Float64Array;
  readonly #child = new Map<number, number>();

  constructor(readonly items: number) {
    this.head = new Int32Array(items).fill(-1);
    this.total = new Float64Array(items);
  }

  /** Adds `path` (ascending ids) `times` times. */
  insert(path: readonly number[], times: number): void {
    let node = 0;
    for (const id of path) {
      const key = node * this.items + id;
      let next = this.#child.get(key);
      if (next === undefined) {
        next = this.item.length;
        this.item.push(id);
        this.count.push(0);
        this.parent.push(node);
        this.link.push(this.head[id]!);
        this.head[id] = next;
        this.#child.set(key, next);
      }
      this.count[next]! += times;
      this.total[id]! += times;
      node = next;
    }
  }
}

interface Itemset {
  /** Item ids, ascending. */
  ids: number[];
  count: number;
}

/** Every itemset of 1..maxLen items with count >= minCount (FP-growth). */
function frequentItemsets(coded: Coded, minCount: number, maxLen: number): Itemset[] {
  const k = coded.names.length;
  const tree = new FpTree(k);
  for (const basket of coded.baskets) if (basket.length > 0) tree.insert(basket, 1);
  const out: Itemset[] = [];
  grow(tree, [], minCount, maxLen, out);
  return out;
}

/** Mines `tree`, the conditional database of `suffix` (ascending ids, all above the tree's items). */
function grow(tree: FpTree, suffix: number[], minCount: number, maxLen: number, out: Itemset[]): void {
  const k = tree.items;
  const condTotal = new Float64Array(k);
  const path: number[] = [];
  for (let id = k - 1; id >= 0; id--) {
    const support = tree.total[id]!;
    if (support < minCount) continue;
    const ids = [id, ...suffix];
    out.push({ ids, count: support });
    if (ids.length >= maxLen || id === 0) continue;

    // Conditional pattern base of `id`: the prefix path of each of its nodes, weighted by the
    // node's count. First the items' totals in it, then a tree of their frequent items only.
    condTotal.fill(0, 0, id);
    for (let node = tree.head[id]!; node !== -1; node = tree.link[node]!) {
      const c = tree.count[node]!;
      for (let p = tree.parent[node]!; p > 0; p = tree.parent[p]!) condTotal[tree.item[p]!]! += c;
    }
    let frequent = false;
    for (let j = 0; j < id; j++) if (condTotal[j]! >= minCount) frequent = true;
    if (!frequent) continue;
    const cond = new FpTree(id);
    for (let node = tree.head[id]!; node !== -1; node = tree.link[node]!) {
      path.length = 0;
      for (let p = tree.parent[node]!; p > 0; p = tree.parent[p]!) {
        const item = tree.item[p]!;
        if (condTotal[item]! >= minCount) path.push(item);
      }
      if (path.length === 0) continue;
      path.reverse();
      cond.insert(path, tree.count[node]!);
    }
    grow(cond, ids, minCount, maxLen, out);
  }
}

// ---------------------------------------------------------------------------------------------
// Rules

interface Scored {
  rule: Rule;
  /** count(X ∪ Y), count(X), count(Y): the exact figures behind the floating ones. */
  xy: number;
  x: number;
  y: number;
}

function rulesFrom(
  itemsets: readonly Itemset[],
  coded: Coded,
  n: number,
  minConfidence: number,
  minLen: number,
): Rule[] {
  const countOf = new Map<string, number>();
  for (const set of itemsets) countOf.set(set.ids.join(','), set.count);
  const scored: Scored[] = [];
  const threshold = minConfidence - CONFIDENCE_EPSILON;
  for (const set of itemsets) {
    const size = set.ids.length;
    if (size < minLen) continue;
    for (let j = 0; j < size; j++) {
      const head = set.ids[j]!;
      const body = set.ids.filter((_, i) => i !== j);
      // Every subset of a frequent itemset is frequent, so the body's count is always known.
      const x = body.length === 0 ? n : countOf.get(body.join(','))!;
      const confidence = set.count / x;
      if (confidence < threshold) continue;
      const y = coded.counts[head]!;
      scored.push({
        rule: {
          lhs: body.map((id) => coded.names[id]!).sort(),
          rhs: coded.names[head]!,
          support: set.count / n,
          confidence,
          lift: (confidence * n) / y,
          count: set.count,
        },
        xy: set.count,
        x,
        y,
      });
    }
  }
  scored.sort(compareScored);
  return scored.map((s) => s.rule);
}

/**
 * Lift, then confidence, then support, all descending and compared exactly on the counts (so that
 * {a} ⇒ {b} and {b} ⇒ {a}, whose lifts are equal but may differ in the last bit as floats, are
 * ordered by confidence), then lhs and rhs by text.
 */
function compareScored(a: Scored, b: Scored): number {
  return (
    compareLift(b, a) ||
    // count(XY)/count(X): cross products stay below 2^53 for up to 94 million baskets.
    b.xy * a.x - a.xy * b.x ||
    b.xy - a.xy ||
    compareRules(a.rule, b.rule)
  );
}

/** Sign of lift(a) - lift(b), where lift = xy * n / (x * y) and n is common. */
function compareLift(a: Scored, b: Scored): number {
  const la = a.rule.lift;
  const lb = b.rule.lift;
  // Floats this far apart are ordered as the exact values are; closer ones are compared exactly.
  if (Math.abs(la - lb) > 1e-9 * Math.max(la, lb)) return la < lb ? -1 : 1;
  const left = BigInt(a.xy) * BigInt(b.x) * BigInt(b.y);
  const right = BigInt(b.xy) * BigInt(a.x) * BigInt(a.y);
  return left < right ? -1 : left > right ? 1 : 0;
}

/** lhs item by item (a prefix first), then rhs: UTF-16 code unit order, independent of locale. */
export function compareRules(a: Rule, b: Rule): number {
  const len = Math.min(a.lhs.length, b.lhs.length);
  for (let i = 0; i < len; i++) {
    const c = compareText(a.lhs[i]!, b.lhs[i]!);
    if (c !== 0) return c;
  }
  return a.lhs.length - b.lhs.length || compareText(a.rhs, b.rhs);
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// ---------------------------------------------------------------------------------------------
// Bundles

export interface Bundle {
  /** The product first, then the other items of the rule, sorted. */
  items: string[];
  /** The rule the bundle stands on, for explaining it ("bought together N times, L× chance"). */
  rule: Rule;
}

export interface BundleOptions {
  /** Most items in the bundle, the product included; at least 2. */
  maxItems: number;
  /** Fewest baskets that held the whole bundle; default 10. */
  minCount?: number;
}

/**
 * The best rule-backed bundle holding `productId`: among the rules whose lhs holds the product or
 * whose rhs is the product, with at most `maxItems` items in all, seen in at least `minCount`
 * baskets and with lift above 1, the one with the highest lift (then the higher count, then
 * confidence, then the earlier rule). `undefined` when no rule qualifies.
 *
 * Why lift and not confidence: confidence rewards whatever is in every basket anyway ({herbs} ⇒
 * {whole milk} is confident because a quarter of all baskets hold milk), so a bundle chosen by
 * confidence is mostly the product plus the best sellers. Lift is how many times more often the
 * items are bought together than if they were bought independently, which is what "frequently
 * bought together" claims; lift <= 1 means no association at all. Lift is noisy on few baskets
 * (three shoppers buying two rare items together give a huge lift), hence the minimum count as a
 * floor on the evidence; 10 baskets is the scale of Groceries at support 0.001, where a count's
 * relative standard error (Poisson) is about 30 %.
 */
export function bestBundleFor(
  productId: string,
  rules: readonly Rule[],
  options: BundleOptions,
): Bundle | undefined {
  const { maxItems } = options;
  const minCount = options.minCount ?? 10;
  if (!(Number.isInteger(maxItems) && maxItems >= 2))
    throw new RangeError(`maxItems must be an integer >= 2, got ${maxItems}`);
  let best: Rule | undefined;
  for (const rule of rules) {
    if (rule.lhs.length + 1 > maxItems || rule.count < minCount || !(rule.lift > 1)) continue;
    if (rule.rhs !== productId && !rule.lhs.includes(productId)) continue;
    if (best === undefined || betterBundle(rule, best)) best = rule;
  }
  if (!best) return undefined;
  const others = [...best.lhs, best.rhs].filter((item) => item !== productId).sort();
  return { items: [productId, ...others], rule: best };
}

/**
 * Higher lift, then higher count (more evidence; the count belongs to the bundle, whichever item
 * is on the right), then higher confidence; otherwise the earlier rule stays. Lifts within 1e-12 of
 * each other are ties: {a} ⇒ {b} and {b} ⇒ {a} have the same lift, computed two ways as floats.
 */
function betterBundle(rule: Rule, best: Rule): boolean {
  if (Math.abs(rule.lift - best.lift) > 1e-12 * best.lift) return rule.lift > best.lift;
  if (rule.count !== best.count) return rule.count > best.count;
  return rule.confidence > best.confidence;
}

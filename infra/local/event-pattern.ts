/**
 * Amazon EventBridge event patterns: validation and matching, for the local event bus.
 *
 * Semantics follow the EventBridge user guide ("Amazon EventBridge event patterns", "Content
 * filtering", "Comparison operators for use in event patterns", "Arrays in event patterns",
 * "Matching null values and empty strings"). Where the guide is silent, behaviour and error
 * messages follow aws/event-ruler, the open-source matcher behind EventBridge (its JsonRuleCompiler,
 * CIDR and WildcardParser), and the AWS-recorded parity cases published by LocalStack:
 *
 * - A leaf's empty array `[]` is rejected ("Empty arrays are not allowed"), as is an empty object.
 * - Numeric operands must lie in [-5e9, 5e9] with at most 6 decimal places; a range needs its lower
 *   bound first (`>`/`>=`), then its upper bound (`<`/`<=`), with bottom < top. The same limits
 *   apply to numbers in `anything-but`. An event number outside the range never matches `numeric`.
 * - `anything-but` needs the field to be present (a missing field never matches it; `null` does).
 *   Its string forms (prefix/suffix/equals-ignore-case/wildcard, or a list of strings) only ever
 *   exclude strings, so a number, boolean or null value matches them, and vice versa.
 * - Event arrays: "the event pattern matches if the intersection of the event pattern array and the
 *   event array is non-empty". For `anything-but` that set is "every value but the excluded ones",
 *   so an array matches when at least one element is a value that is not excluded: `["stopped",
 *   "running"]` matches `{"anything-but": "stopped"}`, `["stopped"]` does not. This is also how
 *   event-ruler evaluates it (each array element is matched on its own).
 * - Arrays of objects: a nested pattern object must be satisfied inside one element (event-ruler's
 *   "array consistency"). A nested object holding nothing but `{"exists": false}` must hold for every
 *   element, i.e. the field is absent from all of them.
 * - `exists` looks at leaf values only: an object, or an empty array, counts as absent.
 * - CIDR: IPv4 and IPv6; the base address is masked down to its network; prefix lengths of /32
 *   (IPv4) and /128 (IPv6) are rejected, as event-ruler rejects them ("mask bits must be < 32").
 * - Wildcards: `*` is any run of characters (including none); `\*` and `\\` are the only escapes;
 *   consecutive `*` are rejected.
 * - `$or` needs an array of at least two non-empty objects; matcher keywords cannot be used as
 *   field names inside it. Each alternative is merged with the sibling fields of its level; a field
 *   given twice for the same path keeps the one that comes later (as AWS documents for repeated keys).
 *
 * - Keys are joined with dots ("Considerations when creating event patterns" in the guide, and
 *   event-ruler's README): `{"detail": {"state.status": [..]}}` and `{"detail": {"state": {"status":
 *   [..]}}}` are the same pattern, and each matches both `{"state": {"status": ..}}` and
 *   `{"state.status": ..}` in an event. AWS says not to rely on it; it is what AWS does today.
 * - Wildcard complexity: per field, the most wildcard patterns whose prefixes a single worst-case
 *   value can be in at once (event-ruler's MachineComplexityEvaluator: literal prefixes before the
 *   first `*` are shared, a `*` state loops, what follows a `*` is the pattern's own). Above
 *   WILDCARD_COMPLEXITY_LIMIT the pattern is refused with AWS's "Rule is too complex" reason. The
 *   limit is not published: 10 refuses the rule AWS refused in the field (four values: a star,
 *   `/datasync/`, a star, then `.bif`, `.tif`, `.tiff` or `.svs`) and accepts its two-value halves
 *   and the four plain star-extension values, which AWS accepted.
 *
 * Not modelled: event-ruler's undocumented `exactly` operator and the 2048-character pattern limit.
 */

/** Thrown for any pattern EventBridge would reject with InvalidEventPatternException. */
export class InvalidEventPatternError extends Error {
  readonly code = 'InvalidEventPatternException';
  /** The part after "Reason: ", as EventBridge words it where we know its wording. */
  readonly reason: string;

  constructor(reason: string) {
    super(`Event pattern is not valid. Reason: ${reason}`);
    this.name = 'InvalidEventPatternError';
    this.reason = reason;
  }
}

/** A validated pattern, compiled once and matched against many events. */
export interface CompiledPattern {
  /**
   * Whether the event (the full EventBridge envelope: version, id, detail-type, source, account,
   * time, region, resources, detail) matches. A JSON string is parsed first; anything that is not a
   * JSON object (or not parseable) never matches. `detail` must already be an object.
   */
  matches(event: unknown): boolean;
}

/** Parses (when given JSON text) and validates a pattern; throws InvalidEventPatternError. */
export function compilePattern(pattern: unknown): CompiledPattern {
  let root = pattern;
  if (typeof pattern === 'string') {
    try {
      root = JSON.parse(pattern);
    } catch (error) {
      fail((error as Error).message);
    }
  }
  if (!isPlainObject(root)) fail('Filter is not an object');
  const branches = parseObject(root, [], [new Map()], false);
  checkWildcardComplexity(branches);
  return new Pattern(branches.map(buildTree));
}

/** Compiles the pattern and matches one event; compile once with compilePattern to match many. */
export function matchesPattern(pattern: unknown, event: unknown): boolean {
  return compilePattern(pattern).matches(event);
}

// ---------------------------------------------------------------------------------------------
// Compiled form

type Leaf = string | number | boolean | null;
type ValueTest = (value: Leaf) => boolean;

/** What one pattern array (`"field": [ ... ]`) accepts; the array's elements are OR-ed. */
interface FieldMatcher {
  readonly strings: Set<string>;
  readonly numbers: Set<number>;
  matchTrue: boolean;
  matchFalse: boolean;
  matchNull: boolean;
  existsTrue: boolean;
  existsFalse: boolean;
  readonly tests: ValueTest[];
}

/** One conjunction of constraints (a `$or`-free branch), as a tree that mirrors the event's shape. */
interface Node {
  readonly fields: [string, FieldMatcher][];
  readonly children: [string, Node][];
  /** Only `{"exists": false}` below: over an array it must hold for every element, not just one. */
  negativeOnly: boolean;
}

class Pattern implements CompiledPattern {
  constructor(private readonly branches: readonly Node[]) {}

  matches(event: unknown): boolean {
    let value = event;
    if (typeof value === 'string') {
      try {
        value = JSON.parse(value);
      } catch {
        return false;
      }
    }
    if (!isRecord(value)) return false;
    value = expandDottedKeys(value);
    for (const branch of this.branches) if (matchNode(branch, value)) return true;
    return false;
  }
}

function matchNode(node: Node, value: unknown): boolean {
  if (Array.isArray(value)) {
    if (node.negativeOnly) {
      for (const element of value) if (!matchNode(node, element)) return false;
      return true;
    }
    for (const element of value) if (matchNode(node, element)) return true;
    return false;
  }
  const record = isRecord(value) ? value : undefined;
  for (const [key, field] of node.fields) {
    if (!matchField(field, record && Object.hasOwn(record, key) ? record[key] : undefined)) return false;
  }
  for (const [key, child] of node.children) {
    if (!matchNode(child, record && Object.hasOwn(record, key) ? record[key] : undefined)) return false;
  }
  return true;
}

const NO_LEAF = 0;
const NO_MATCH = 1;
const MATCH = 2;

function matchField(field: FieldMatcher, value: unknown): boolean {
  const result = scan(field, value);
  return result === MATCH || (result === NO_LEAF && field.existsFalse);
}

/** Walks a field's value (through nested arrays) and reports whether any leaf value matched. */
function scan(field: FieldMatcher, value: unknown): number {
  if (Array.isArray(value)) {
    let seen = NO_LEAF;
    for (const element of value) {
      const result = scan(field, element);
      if (result === MATCH) return MATCH;
      if (result === NO_MATCH) seen = NO_MATCH;
    }
    return seen;
  }
  if (
    value === null ||
    typeof value === 'string' ||
    typeof value === 'number' ||
    typeof value === 'boolean'
  ) {
    return field.existsTrue || matchLeaf(field, value) ? MATCH : NO_MATCH;
  }
  return NO_LEAF; // absent, or an object (an intermediate node, not a leaf)
}

function matchLeaf(field: FieldMatcher, value: Leaf): boolean {
  switch (typeof value) {
    case 'string':
      if (field.strings.has(value)) return true;
      break;
    case 'number':
      if (field.numbers.has(value)) return true;
      break;
    case 'boolean':
      if (value ? field.matchTrue : field.matchFalse) return true;
      break;
    default:
      if (field.matchNull) return true;
  }
  for (const test of field.tests) if (test(value)) return true;
  return false;
}

// ---------------------------------------------------------------------------------------------
// Parsing: the pattern becomes a list of `$or`-free branches, each a map from path to matcher.

type Branch = Map<string, { path: readonly string[]; field: FieldMatcher; wildcards: readonly string[] }>;

const OR = '$or';

/** Matcher keywords event-ruler refuses as field names inside `$or` (its reserved list). */
const RESERVED_IN_OR = new Set([
  'exactly',
  'equals-ignore-case',
  'prefix',
  'suffix',
  'anything-but',
  'exists',
  'wildcard',
  'numeric',
  'cidr',
  'html',
  '=',
  '<',
  '<=',
  '>',
  '>=',
  'regex',
  'not-wildcard',
  'not-equals-ignore-case',
  'date-after',
  'date-on-or-after',
  'date-before',
  'date-on-or-before',
  'in-date-range',
  'ip-address-in-range',
  'ip-address-not-in-range',
]);

function parseObject(
  object: Record<string, unknown>,
  path: readonly string[],
  branches: Branch[],
  insideOr: boolean,
): Branch[] {
  const keys = Object.keys(object);
  if (keys.length === 0) fail('Empty objects are not allowed');
  let current = branches;
  for (const key of keys) {
    const value = object[key];
    if (key === OR) {
      current = parseOr(value, path, current);
      continue;
    }
    if (insideOr && RESERVED_IN_OR.has(key)) {
      fail(`${key} is Ruler reserved fieldName which cannot be used inside ${OR}.`);
    }
    // Keys are joined with dots: `"state.status"` is `"state": {"status"}`.
    const fieldPath = [...path, ...key.split('.')];
    if (Array.isArray(value)) {
      const field = compileField(value);
      const id = JSON.stringify(fieldPath);
      for (const branch of current) branch.set(id, { path: fieldPath, field, wildcards: wildcardsOf(value) });
    } else if (isPlainObject(value)) {
      current = parseObject(value, fieldPath, current, insideOr);
    } else {
      fail(`"${key}" must be an object or an array`);
    }
  }
  return current;
}

function parseOr(value: unknown, path: readonly string[], branches: Branch[]): Branch[] {
  if (!Array.isArray(value)) fail(`It must be an Array followed with ${OR}.`);
  const result: Branch[] = [];
  for (const alternative of value) {
    if (!isPlainObject(alternative)) fail(`Only JSON object is allowed in array of ${OR} relationship.`);
    const copies = branches.map((branch) => new Map(branch));
    result.push(...parseObject(alternative, path, copies, true));
  }
  if (value.length < 2) fail(`There must have at least 2 Objects in ${OR} relationship.`);
  return result;
}

function buildTree(branch: Branch): Node {
  const root = newNode();
  for (const { path, field } of branch.values()) {
    let node = root;
    for (let i = 0; i < path.length - 1; i++) {
      const key = path[i]!;
      let child = node.children.find(([name]) => name === key)?.[1];
      if (!child) {
        child = newNode();
        node.children.push([key, child]);
      }
      node = child;
    }
    node.fields.push([path[path.length - 1]!, field]);
  }
  markNegativeOnly(root);
  return root;
}

function newNode(): Node {
  return { fields: [], children: [], negativeOnly: false };
}

function markNegativeOnly(node: Node): boolean {
  let negative = true;
  for (const [, child] of node.children) if (!markNegativeOnly(child)) negative = false;
  for (const [, field] of node.fields) if (!isNegativeOnly(field)) negative = false;
  node.negativeOnly = negative;
  return negative;
}

function isNegativeOnly(field: FieldMatcher): boolean {
  return (
    field.existsFalse &&
    !field.existsTrue &&
    field.tests.length === 0 &&
    field.strings.size === 0 &&
    field.numbers.size === 0 &&
    !field.matchTrue &&
    !field.matchFalse &&
    !field.matchNull
  );
}

// ---------------------------------------------------------------------------------------------
// Leaf arrays and their matchers

function compileField(values: readonly unknown[]): FieldMatcher {
  // The guide never shows an empty array; EventBridge rejects it (AWS-recorded parity case).
  if (values.length === 0) fail('Empty arrays are not allowed');
  const field: FieldMatcher = {
    strings: new Set(),
    numbers: new Set(),
    matchTrue: false,
    matchFalse: false,
    matchNull: false,
    existsTrue: false,
    existsFalse: false,
    tests: [],
  };
  for (const value of values) {
    if (typeof value === 'string') field.strings.add(value);
    else if (typeof value === 'number' && Number.isFinite(value)) field.numbers.add(value);
    else if (value === true) field.matchTrue = true;
    else if (value === false) field.matchFalse = true;
    else if (value === null) field.matchNull = true;
    else if (isPlainObject(value)) compileOperator(value, field);
    else fail('Match value must be String, number, true, false, or null');
  }
  return field;
}

function compileOperator(expression: Record<string, unknown>, field: FieldMatcher): void {
  const [name, ...others] = Object.keys(expression);
  if (name === undefined) fail('Match expression name not found');
  if (others.length > 0) fail('Only one key allowed in match expression');
  const operand = expression[name];
  switch (name) {
    case 'prefix': {
      if (isPlainObject(operand)) {
        const lower = ignoreCaseOperand(operand, 'prefix').toLowerCase();
        field.tests.push((v) => typeof v === 'string' && v.toLowerCase().startsWith(lower));
      } else {
        const prefix = requireString(operand, 'prefix match pattern must be a string');
        field.tests.push((v) => typeof v === 'string' && v.startsWith(prefix));
      }
      return;
    }
    case 'suffix': {
      if (isPlainObject(operand)) {
        const lower = ignoreCaseOperand(operand, 'suffix').toLowerCase();
        field.tests.push((v) => typeof v === 'string' && v.toLowerCase().endsWith(lower));
      } else {
        const suffix = requireString(operand, 'suffix match pattern must be a string');
        field.tests.push((v) => typeof v === 'string' && v.endsWith(suffix));
      }
      return;
    }
    case 'equals-ignore-case': {
      const lower = requireString(operand, 'equals-ignore-case match pattern must be a string').toLowerCase();
      field.tests.push((v) => typeof v === 'string' && v.toLowerCase() === lower);
      return;
    }
    case 'wildcard': {
      const regex = compileWildcard(requireString(operand, 'wildcard match pattern must be a string'));
      field.tests.push((v) => typeof v === 'string' && regex.test(v));
      return;
    }
    case 'anything-but':
      field.tests.push(compileAnythingBut(operand));
      return;
    case 'numeric':
      field.tests.push(compileNumeric(operand));
      return;
    case 'exists':
      if (operand === true) field.existsTrue = true;
      else if (operand === false) field.existsFalse = true;
      else fail('exists match pattern must be either true or false.');
      return;
    case 'cidr': {
      const block = compileCidr(requireString(operand, 'cidr match pattern must be a string'));
      field.tests.push((v) => {
        if (typeof v !== 'string') return false;
        const address = parseIp(v);
        return (
          address !== undefined &&
          address.version === block.version &&
          (address.value & block.mask) === block.network
        );
      });
      return;
    }
    default:
      fail(`Unrecognized match type ${name}`);
  }
}

/** `{"equals-ignore-case": "x"}` nested in prefix/suffix. */
function ignoreCaseOperand(operand: Record<string, unknown>, operator: 'prefix' | 'suffix'): string {
  const [name, ...others] = Object.keys(operand);
  const label = operator === 'prefix' ? 'Prefix' : 'Suffix';
  if (name === undefined) fail(`${label} expression name not found`);
  if (name !== 'equals-ignore-case') fail(`Unsupported ${operator} pattern: ${name}`);
  if (others.length > 0) fail('Only one key allowed in match expression');
  return requireString(operand[name], 'equals-ignore-case match pattern must be a string');
}

// --- anything-but ---------------------------------------------------------------------------

const ANYTHING_BUT_VALUE = 'Value of anything-but must be an array or single string/number value.';

function compileAnythingBut(operand: unknown): ValueTest {
  if (isPlainObject(operand)) return compileAnythingButObject(operand);
  if (typeof operand === 'string') return (v) => v !== operand;
  if (typeof operand === 'number') {
    const excluded = comparableNumber(operand);
    return (v) => v !== excluded;
  }
  if (!Array.isArray(operand)) fail(ANYTHING_BUT_VALUE);
  const strings = new Set<string>();
  const numbers = new Set<number>();
  for (const value of operand) {
    if (typeof value === 'string') strings.add(value);
    else if (typeof value === 'number') numbers.add(comparableNumber(value));
    else fail('Inside anything but list, start|null|boolean is not supported.');
  }
  if (strings.size > 0 === numbers.size > 0) {
    fail('Inside anything but list, either all values are number or string, mixed type is not supported');
  }
  if (strings.size > 0) return (v) => typeof v !== 'string' || !strings.has(v);
  return (v) => typeof v !== 'number' || !numbers.has(v);
}

function compileAnythingButObject(operand: Record<string, unknown>): ValueTest {
  const [name, ...others] = Object.keys(operand);
  if (name === undefined) fail('Anything-But expression name not found');
  if (name !== 'prefix' && name !== 'suffix' && name !== 'equals-ignore-case' && name !== 'wildcard') {
    fail(`Unsupported anything-but pattern: ${name}`);
  }
  if (others.length > 0) fail('Only one key allowed in anything-but expression');
  const value = operand[name];
  const typeError =
    name === 'equals-ignore-case'
      ? 'Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.'
      : name === 'wildcard'
        ? 'wildcard match pattern must be a string'
        : 'prefix/suffix match pattern must be a string';
  let list: string[];
  if (typeof value === 'string') list = [value];
  else if (typeof value === 'number') fail(typeError);
  else if (Array.isArray(value)) list = value.map((item) => requireString(item, typeError));
  else fail(ANYTHING_BUT_VALUE);
  if ((name === 'prefix' || name === 'suffix') && list.some((item) => item === '')) {
    fail('Null prefix/suffix not allowed');
  }
  // Each form only ever excludes strings: any other leaf value is "anything but" them.
  switch (name) {
    case 'prefix':
      return (v) => typeof v !== 'string' || !list.some((p) => v.startsWith(p));
    case 'suffix':
      return (v) => typeof v !== 'string' || !list.some((s) => v.endsWith(s));
    case 'equals-ignore-case': {
      const lower = new Set(list.map((item) => item.toLowerCase()));
      return (v) => typeof v !== 'string' || !lower.has(v.toLowerCase());
    }
    default: {
      const regexes = list.map(compileWildcard);
      return (v) => typeof v !== 'string' || !regexes.some((regex) => regex.test(v));
    }
  }
}

// --- numeric --------------------------------------------------------------------------------

const NUMERIC_LIMIT = 5e9;

function compileNumeric(operand: unknown): ValueTest {
  if (!Array.isArray(operand)) fail('Value of numeric must be an array.');
  const terms: readonly unknown[] = operand;
  const operator = terms[0];
  if (typeof operator !== 'string') fail(`Invalid member in numeric match: ${show(operator)}`);
  const operandAt = (index: number, op: string): number => {
    const value = terms[index];
    if (typeof value !== 'number') fail(`Value of ${op} must be numeric`);
    return comparableNumber(value);
  };
  const noMoreAfter = (index: number): void => {
    if (terms.length > index + 1) fail('Too many elements in numeric expression');
  };
  switch (operator) {
    case '=': {
      const target = operandAt(1, '=');
      noMoreAfter(1);
      return (v) => isComparable(v) && v === target;
    }
    case '<':
    case '<=': {
      const top = operandAt(1, operator);
      noMoreAfter(1);
      return operator === '<' ? (v) => isComparable(v) && v < top : (v) => isComparable(v) && v <= top;
    }
    case '>':
    case '>=': {
      const bottom = operandAt(1, operator);
      const openBottom = operator === '>';
      if (terms.length === 2) {
        return openBottom ? (v) => isComparable(v) && v > bottom : (v) => isComparable(v) && v >= bottom;
      }
      const upper = terms[2];
      if (typeof upper !== 'string') fail(`Bad value in numeric range: ${show(upper)}`);
      if (upper !== '<' && upper !== '<=') fail(`Bad numeric range operator: ${upper}`);
      const top = operandAt(3, upper);
      if (terms.length > 4) fail('Too many terms in numeric range expression');
      if (!(bottom < top)) fail('Bottom must be less than top');
      const openTop = upper === '<';
      return (v) =>
        isComparable(v) && (openBottom ? v > bottom : v >= bottom) && (openTop ? v < top : v <= top);
    }
    default:
      fail(`Unrecognized numeric range operator: ${operator}`);
  }
}

/** Numeric matching only applies to JSON numbers inside the range EventBridge can compare. */
function isComparable(value: Leaf): value is number {
  return typeof value === 'number' && value >= -NUMERIC_LIMIT && value <= NUMERIC_LIMIT;
}

/** A pattern number usable for comparison: within ±5e9, at most 6 digits after the point. */
function comparableNumber(value: number): number {
  if (!Number.isFinite(value) || value < -NUMERIC_LIMIT || value > NUMERIC_LIMIT) {
    fail('Value must be between -5.0E9 and 5.0E9, inclusive');
  }
  if (decimalPlaces(value) > 6) fail(`Only values upto 6 decimals are supported: ${value}`);
  return value;
}

function decimalPlaces(value: number): number {
  const match = /^-?\d+(?:\.(\d+))?(?:e([+-]\d+))?$/i.exec(String(value));
  if (!match) return 0;
  return Math.max(0, (match[1]?.length ?? 0) - Number(match[2] ?? 0));
}

// --- dotted keys in events --------------------------------------------------------------------

/**
 * An event whose keys hold dots, read as the nested keys they join: `{"a.b": 1}` is `{"a": {"b":
 * 1}}`. Where both forms give the same path, its values are all there (as an array would hold
 * them). Returns the value itself when no key holds a dot.
 */
function expandDottedKeys(value: unknown): unknown {
  if (Array.isArray(value)) {
    let changed = false;
    const out = value.map((element) => {
      const expanded = expandDottedKeys(element);
      if (expanded !== element) changed = true;
      return expanded;
    });
    return changed ? out : value;
  }
  if (!isRecord(value)) return value;
  const entries = Object.entries(value).map(([key, v]) => [key, expandDottedKeys(v)] as const);
  if (entries.every(([key, v]) => !key.includes('.') && v === value[key])) return value;
  const out: Record<string, unknown> = Object.create(null);
  for (const [key, v] of entries) {
    const parts = key.split('.');
    let node = out;
    for (const part of parts.slice(0, -1)) {
      const existing = Object.hasOwn(node, part) ? node[part] : undefined;
      if (isRecord(existing)) node = existing;
      else {
        const child: Record<string, unknown> = Object.create(null);
        define(node, part, existing === undefined ? child : [...asList(existing), child]);
        node = child;
      }
    }
    const last = parts[parts.length - 1]!;
    define(node, last, Object.hasOwn(node, last) ? mergeValues(node[last], v) : v);
  }
  return out;
}

function mergeValues(a: unknown, b: unknown): unknown {
  if (isRecord(a) && isRecord(b)) {
    const out: Record<string, unknown> = Object.create(null);
    for (const [k, v] of Object.entries(a)) define(out, k, v);
    for (const [k, v] of Object.entries(b))
      define(out, k, Object.hasOwn(out, k) ? mergeValues(out[k], v) : v);
    return out;
  }
  return [...asList(a), ...asList(b)];
}

const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : [v]);
/** Sets an own property, even one named `__proto__`. */
const define = (o: Record<string, unknown>, k: string, v: unknown) =>
  Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });

// --- wildcard complexity --------------------------------------------------------------------

/** The most wildcard patterns of one field a worst-case value may be partway through at once. */
export const WILDCARD_COMPLEXITY_LIMIT = 10;
const TOO_COMPLEX =
  'Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character';
const STAR = -1;
const QUOTE = 0x22;

/** The wildcard strings of one pattern array: `wildcard` values and `anything-but` wildcards. */
function wildcardsOf(values: readonly unknown[]): string[] {
  const out: string[] = [];
  for (const v of values) {
    if (!isPlainObject(v)) continue;
    if (typeof v.wildcard === 'string') out.push(v.wildcard);
    const but = v['anything-but'];
    if (isPlainObject(but) && but.wildcard !== undefined) {
      for (const w of asList(but.wildcard)) if (typeof w === 'string') out.push(w);
    }
  }
  return out;
}

function checkWildcardComplexity(branches: readonly Branch[]): void {
  const byPath = new Map<string, Set<string>>();
  for (const branch of branches) {
    for (const { path, wildcards } of branch.values()) {
      if (wildcards.length === 0) continue;
      const key = path.join('.');
      const set = byPath.get(key) ?? new Set<string>();
      for (const w of wildcards) set.add(w);
      byPath.set(key, set);
    }
  }
  for (const patterns of byPath.values()) {
    if (wildcardComplexity([...patterns]) > WILDCARD_COMPLEXITY_LIMIT) fail(TOO_COMPLEX);
  }
}

/** A wildcard string as the bytes event-ruler matches: quoted as JSON, `*` a loop, escapes resolved. */
function wildcardTokens(pattern: string): number[] {
  const out = [QUOTE];
  const chars = Array.from(pattern);
  const encoder = new TextEncoder();
  for (let i = 0; i < chars.length; i++) {
    if (chars[i] === '*') {
      out.push(STAR);
      continue;
    }
    if (chars[i] === '\\') i++;
    out.push(...encoder.encode(chars[i] ?? ''));
  }
  out.push(QUOTE);
  return out;
}

/**
 * The complexity of one field's wildcard patterns: over every value, the largest sum, across the
 * states a matcher is in at once, of the patterns each state can still reach. States before a
 * pattern's first `*` (and that `*` itself) are shared by the patterns with the same literal
 * prefix; later states belong to their pattern. Explores the reachable sets of states (a subset
 * construction over the bytes the patterns name, plus one for any other byte), stopping early
 * once past the limit.
 */
export function wildcardComplexity(patterns: readonly string[]): number {
  const tokens = patterns.map(wildcardTokens);
  const firstStar = tokens.map((t) => {
    const i = t.indexOf(STAR);
    return i === -1 ? t.length : i;
  });
  /** A state's identity: shared before and at the first `*`, the pattern's own after it. */
  const idOf = (i: number, p: number): string => {
    const t = tokens[i]!;
    const f = firstStar[i]!;
    if (p <= f) return `d:${t.slice(0, p).join(',')}`;
    if (p === f + 1) return `s:${t.slice(0, f).join(',')}`;
    return `p:${i}:${p}`;
  };
  const weights = new Map<string, number>();
  for (let i = 0; i < tokens.length; i++) {
    const seen = new Set<string>();
    for (let p = 1; p <= tokens[i]!.length; p++) {
      const id = idOf(i, p);
      if (seen.has(id)) continue;
      seen.add(id);
      weights.set(id, (weights.get(id) ?? 0) + 1);
    }
  }
  /** Skips over `*`: being before one is being in its loop. */
  const settle = (i: number, p: number): number => (tokens[i]![p] === STAR ? p + 1 : p);
  const alphabet = new Set<number>([-2]);
  for (const t of tokens) for (const b of t) if (b !== STAR) alphabet.add(b);

  const start = tokens.map((_, i) => [i, settle(i, 0)] as const);
  const queue: (readonly (readonly [number, number])[])[] = [start];
  const visited = new Set<string>();
  let worst = 0;
  while (queue.length > 0 && visited.size < 50_000) {
    const active = queue.pop()!;
    for (const byte of alphabet) {
      const next = new Map<string, readonly [number, number]>();
      for (const [i, p] of active) {
        const t = tokens[i]!;
        if (p > 0 && t[p - 1] === STAR) next.set(`${i}:${p}`, [i, p]);
        if (p < t.length && t[p] === byte) {
          const q = settle(i, p + 1);
          next.set(`${i}:${q}`, [i, q]);
        }
      }
      if (next.size === 0) continue;
      const ids = new Set([...next.values()].map(([i, p]) => idOf(i, p)));
      let complexity = 0;
      for (const id of ids) complexity += weights.get(id) ?? 0;
      if (complexity > WILDCARD_COMPLEXITY_LIMIT) return complexity;
      worst = Math.max(worst, complexity);
      const key = [...next.keys()].sort().join('|');
      if (!visited.has(key)) {
        visited.add(key);
        queue.push([...next.values()]);
      }
    }
  }
  return worst;
}

// --- wildcard -------------------------------------------------------------------------------

/** `*` is any run of characters; `\*` and `\\` are literal; nothing else may follow a backslash. */
function compileWildcard(wildcard: string): RegExp {
  let source = '^';
  for (let i = 0; i < wildcard.length; i++) {
    const char = wildcard[i]!;
    if (char === '*') {
      if (wildcard[i + 1] === '*') fail(`Consecutive wildcard characters at pos ${i}`);
      source += '.*';
    } else if (char === '\\') {
      const next = wildcard[i + 1];
      if (next !== '*' && next !== '\\') fail(`Invalid escape character at pos ${i}`);
      source += `\\${next}`;
      i++;
    } else {
      source += char.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    }
  }
  return new RegExp(`${source}$`, 's');
}

// --- cidr -----------------------------------------------------------------------------------

interface IpAddress {
  readonly version: 4 | 6;
  readonly value: bigint;
}

function compileCidr(cidr: string): { version: 4 | 6; mask: bigint; network: bigint } {
  const parts = cidr.split('/');
  if (parts.length !== 2) fail("Malformed CIDR, one '/' required");
  const [ip, bitsText] = parts as [string, string];
  if (!/^[+-]?\d+$/.test(bitsText)) fail('Malformed CIDR, mask bits must be an integer');
  const bits = Number(bitsText);
  if (bits < 0) fail('Malformed CIDR, mask bits must not be negative');
  const address = parseIp(ip);
  if (!address) fail(`Nonstandard IP address: ${ip}`);
  const width = address.version === 4 ? 32 : 128;
  if (bits >= width) fail(`IPv${address.version} mask bits must be < ${width}`);
  const all = (1n << BigInt(width)) - 1n;
  const mask = all ^ ((1n << BigInt(width - bits)) - 1n);
  return { version: address.version, mask, network: address.value & mask };
}

const IPV4 = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/;
const IPV6 = /^[0-9a-fA-F:]*:[0-9a-fA-F:]*$/;
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

/** An IPv4 dotted quad or an IPv6 address in hex groups (with at most one `::`). */
function parseIp(text: string): IpAddress | undefined {
  const v4 = IPV4.exec(text);
  if (v4) {
    let value = 0n;
    for (let i = 1; i <= 4; i++) {
      const octet = Number(v4[i]);
      if (octet > 255) return undefined;
      value = (value << 8n) | BigInt(octet);
    }
    return { version: 4, value };
  }
  if (!IPV6.test(text)) return undefined;
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const groups = halves.length === 2 ? head.length + tail.length : head.length;
  if (halves.length === 2 ? groups > 7 : groups !== 8) return undefined;
  let value = 0n;
  const push = (group: string): boolean => {
    if (!HEX_GROUP.test(group)) return false;
    value = (value << 16n) | BigInt(Number.parseInt(group, 16));
    return true;
  };
  for (const group of head) if (!push(group)) return undefined;
  if (halves.length === 2) value <<= BigInt(16 * (8 - groups));
  for (const group of tail) if (!push(group)) return undefined;
  return { version: 6, value };
}

// ---------------------------------------------------------------------------------------------
// Helpers

function fail(reason: string): never {
  throw new InvalidEventPatternError(reason);
}

function requireString(value: unknown, message: string): string {
  if (typeof value !== 'string') fail(message);
  return value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (!isRecord(value)) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function show(value: unknown): string {
  return value === undefined ? ']' : JSON.stringify(value);
}

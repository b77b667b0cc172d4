import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

/**
 * Checks a running service against its own OpenAPI 3.1 document, as a storefront engineer would
 * with peer tools: requests are generated from the document (valid ones, and single-field
 * mutations of them), the document itself says whether it accepts each request (Ajv 2020 on the
 * parameters, headers and body), and every answer is checked against the operation's responses:
 * a documented status, a body valid against its schema, the documented headers present and valid.
 * A request the document accepts must not be refused with a 400, and one it rejects must not be
 * served with a 2xx.
 */

// ajv-formats is CommonJS: its default export arrives wrapped under ESM.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (
  ajv: Ajv2020,
) => void;

/** The document is JSON, walked by pointer. */
export type Json = any;

export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: Json;
  $ref?: string;
}

export interface Operation {
  key: string;
  method: string;
  path: string;
  pointer: string;
  op: Json;
  parameters: { p: Parameter; pointer: string }[];
  /** Whether a bearer token is required (true), optional (`{}` among the alternatives) or never asked for. */
  token: 'required' | 'optional' | 'none';
}

export interface GeneratedRequest {
  /** Short description for the violation report. */
  label: string;
  path: Record<string, string>;
  query: Record<string, string>;
  headers: Record<string, string>;
  /** A value to send as JSON, or raw text. */
  body?: { json: unknown } | { raw: string };
}

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
}

const DOC_ID = 'https://merchandiser.invalid/openapi.json';
const esc = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');

export class Contract {
  readonly ajv: Ajv2020;
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(readonly doc: Json) {
    this.ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false });
    addFormats(this.ajv);
    this.ajv.addSchema(doc, DOC_ID);
  }

  /** The schema (or any part of the document) at a JSON pointer. */
  at(pointer: string): Json {
    let node = this.doc;
    for (const part of pointer.replace(/^#\//, '').split('/')) {
      if (part === '') continue;
      node = node?.[part.replace(/~1/g, '/').replace(/~0/g, '~')];
    }
    return node;
  }

  deref(node: Json): Json {
    let n = node;
    while (n && typeof n === 'object' && typeof n.$ref === 'string' && n.$ref.startsWith('#/'))
      n = this.at(n.$ref);
    return n;
  }

  validator(pointer: string): ValidateFunction {
    let v = this.compiled.get(pointer);
    if (!v) {
      v = this.ajv.compile({ $ref: `${DOC_ID}${pointer}` });
      this.compiled.set(pointer, v);
    }
    return v;
  }

  private readonly inline = new Map<string, ValidateFunction>();
  /** Whether `value` is valid against a schema taken out of the document (its refs still point into it). */
  accepts(schema: Json, value: unknown): boolean {
    const text = JSON.stringify(schema).replaceAll('"$ref":"#/', `"$ref":"${DOC_ID}#/`);
    let v = this.inline.get(text);
    if (!v) {
      v = this.ajv.compile(JSON.parse(text));
      this.inline.set(text, v);
    }
    return v(value);
  }

  /** Errors of `value` against the schema at `pointer` (empty when valid). */
  errors(pointer: string, value: unknown): string[] {
    const v = this.validator(pointer);
    if (v(value)) return [];
    return (v.errors ?? []).slice(0, 3).map((e) => `${e.instancePath || '/'} ${e.message}`);
  }

  operations(): Operation[] {
    const out: Operation[] = [];
    for (const [path, item] of Object.entries<Json>(this.doc.paths)) {
      for (const method of ['get', 'put', 'post', 'delete', 'patch']) {
        const op = item[method];
        if (!op) continue;
        const pointer = `#/paths/${esc(path)}/${method}`;
        const parameters = [
          ...(item.parameters ?? []).map((p: Json, i: number) => ({
            p: this.deref(p),
            pointer: `#/paths/${esc(path)}/parameters/${i}`,
          })),
          ...(op.parameters ?? []).map((p: Json, i: number) => ({
            p: this.deref(p),
            pointer: p.$ref ?? `${pointer}/parameters/${i}`,
          })),
        ];
        const security: Json[] = op.security ?? this.doc.security ?? [];
        const bearer = security.some((s) => Object.keys(s).some((k) => this.isBearer(k)));
        const anonymous = security.length === 0 || security.some((s) => Object.keys(s).length === 0);
        out.push({
          key: `${method.toUpperCase()} ${path}`,
          method: method.toUpperCase(),
          path,
          pointer,
          op,
          parameters,
          token: bearer ? (anonymous ? 'optional' : 'required') : 'none',
        });
      }
    }
    return out;
  }

  private isBearer(scheme: string): boolean {
    const s = this.doc.components?.securitySchemes?.[scheme];
    return s?.type === 'http' && s.scheme === 'bearer';
  }

  /** The JSON body schema pointer of an operation's request, if it takes one. */
  bodyPointer(op: Operation): string | undefined {
    const body = this.deref(op.op.requestBody);
    if (!body?.content?.['application/json']) return undefined;
    const base = op.op.requestBody.$ref ?? `${op.pointer}/requestBody`;
    return `${base}/content/application~1json/schema`;
  }

  /**
   * Whether the document accepts the request: every required parameter present, each one valid
   * against its schema (query and header values coerced as a client library would send them), the
   * body valid. Returns the reasons it does not.
   */
  refusals(op: Operation, req: GeneratedRequest): string[] {
    const out: string[] = [];
    for (const { p, pointer } of op.parameters) {
      if (p.in === 'cookie') continue;
      const bag = p.in === 'path' ? req.path : p.in === 'query' ? req.query : req.headers;
      const raw = bag[p.in === 'header' ? p.name.toLowerCase() : p.name];
      if (raw === undefined) {
        if (p.required) out.push(`${p.in} ${p.name}: required`);
        continue;
      }
      const schema = this.deref(p.schema);
      const value = coerce(raw, schema);
      for (const e of this.errors(`${pointer}/schema`, value)) out.push(`${p.in} ${p.name}: ${e}`);
    }
    const bodyPointer = this.bodyPointer(op);
    if (bodyPointer && this.deref(op.op.requestBody)?.required && req.body === undefined)
      out.push('body: required');
    if (bodyPointer && req.body) {
      if ('raw' in req.body) out.push('body: not JSON');
      else for (const e of this.errors(bodyPointer, req.body.json)) out.push(`body: ${e}`);
    }
    if (op.token === 'required' && !req.headers.authorization)
      out.push('security: a bearer token is required');
    return out;
  }

  /** Everything wrong with an answer, judged by the operation's documented responses. */
  checkAnswer(op: Operation, answer: Answer): string[] {
    const responses = op.op.responses ?? {};
    const key = String(answer.status);
    const documented =
      responses[key] ?? responses[`${key[0]}XX`] ?? responses[`${key[0]}xx`] ?? responses.default;
    if (!documented) return [`status ${answer.status} is not documented (${answer.text.slice(0, 120)})`];
    const responsePointer = documented.$ref
      ? documented.$ref
      : `${op.pointer}/responses/${responses[key] ? key : responses[`${key[0]}XX`] ? `${key[0]}XX` : 'default'}`;
    const response = this.deref(documented);
    const problems: string[] = [];
    const media = response.content ? Object.keys(response.content) : [];
    const type = answer.headers.get('content-type') ?? '';
    if (media.length > 0) {
      const json = media.find((m) => m === 'application/json' || m.endsWith('+json'));
      if (json && !type.includes('json')) problems.push(`${answer.status}: content-type ${type || 'none'}`);
      if (json && response.content[json].schema) {
        let body: unknown;
        try {
          body = JSON.parse(answer.text);
        } catch {
          problems.push(`${answer.status}: body is not JSON`);
        }
        if (body !== undefined) {
          const schemaPointer = `${responsePointer}/content/${esc(json)}/schema`;
          for (const e of this.errors(schemaPointer, body)) problems.push(`${answer.status} body: ${e}`);
        }
      }
    }
    for (const [name, h] of Object.entries<Json>(response.headers ?? {})) {
      const header = this.deref(h);
      const value = answer.headers.get(name);
      if (value === null) {
        if (header.required) problems.push(`${answer.status}: header ${name} missing`);
        continue;
      }
      const headerPointer = h.$ref ? h.$ref : `${responsePointer}/headers/${esc(name)}`;
      const schema = this.deref(header.schema);
      if (schema) {
        for (const e of this.errors(`${headerPointer}/schema`, coerce(value, schema)))
          problems.push(`${answer.status} header ${name}: ${e}`);
      }
    }
    return problems;
  }
}

/** A query or header value as a typed client sends it: numbers and booleans as their text. */
export function coerce(raw: string, schema: Json): unknown {
  const type = schema?.type;
  if ((type === 'integer' || type === 'number') && /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(raw))
    return Number(raw);
  if (type === 'boolean' && (raw === 'true' || raw === 'false')) return raw === 'true';
  if (type === 'array') return raw.split(',').map((x) => coerce(x, schema.items));
  return raw;
}

/** Values that fill parameters and properties by name (ids that exist in the seeded store). */
export type Known = Record<string, () => unknown>;

/**
 * A valid instance of a schema: an example or default when the document gives one, a known value
 * by property name, else the smallest value its constraints allow.
 */
export function sample(contract: Contract, schemaIn: Json, known: Known, name = '', depth = 0): unknown {
  const schema = contract.deref(schemaIn);
  if (!schema || depth > 12) return null;
  if (Array.isArray(schema.examples) && schema.examples.length > 0)
    return structuredClone(schema.examples[0]);
  const v = name ? known[name]?.() : undefined;
  if (v !== undefined && (!schema.type || contract.accepts(schema, v))) return v;
  if (schema.const !== undefined) return schema.const;
  if (Array.isArray(schema.enum)) return schema.enum[0];
  if (schema.default !== undefined && depth > 0) return structuredClone(schema.default);
  const alternatives = schema.oneOf ?? schema.anyOf;
  if (Array.isArray(alternatives) && !schema.type && !schema.properties) {
    for (const alt of alternatives) {
      const v = sample(contract, alt, known, name, depth + 1);
      if (contract.accepts(schema, v)) return v;
    }
    return sample(contract, alternatives[0], known, name, depth + 1);
  }
  if (Array.isArray(schema.allOf)) {
    return Object.assign({}, ...schema.allOf.map((s: Json) => sample(contract, s, known, name, depth + 1)));
  }
  const type = Array.isArray(schema.type) ? schema.type.find((t: string) => t !== 'null') : schema.type;
  switch (type ?? (schema.properties ? 'object' : undefined)) {
    case 'object': {
      const out: Record<string, unknown> = {};
      const required: string[] = schema.required ?? [];
      for (const [key, sub] of Object.entries<Json>(schema.properties ?? {})) {
        if (required.includes(key) || known[key]?.() !== undefined)
          out[key] = sample(contract, sub, known, key, depth + 1);
      }
      // A cross-field rule (`anyOf` of required sets): fill the first alternative's fields.
      for (const alt of schema.anyOf ?? []) {
        if (contract.accepts(schema, out)) break;
        for (const key of alt.required ?? []) {
          if (!(key in out)) out[key] = sample(contract, schema.properties?.[key], known, key, depth + 1);
        }
      }
      return out;
    }
    case 'array': {
      const n = schema.minItems ?? 0;
      return Array.from({ length: n }, () =>
        sample(contract, schema.items, known, singular(name), depth + 1),
      );
    }
    case 'integer':
    case 'number': {
      const min = schema.minimum ?? (schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + 1 : 1);
      return Math.min(Math.max(min, 1), schema.maximum ?? Number.MAX_SAFE_INTEGER);
    }
    case 'boolean':
      return true;
    case 'string':
      return sampleString(schema, name);
    default:
      return null;
  }
}

const singular = (name: string) => (name.endsWith('ies') ? `${name.slice(0, -3)}y` : name.replace(/s$/, ''));

let counter = 0;
function sampleString(schema: Json, name: string): string {
  if (schema.format === 'date-time') return new Date(Date.UTC(2026, 10, 23, 9, 30)).toISOString();
  if (schema.format === 'date') return '2026-11-20';
  if (schema.format === 'uri') return 'https://example.com/x';
  const min = schema.minLength ?? 0;
  const max = schema.maxLength ?? 64;
  const candidates = [
    `${name || 'x'}-conf-${++counter}`,
    'abc',
    'ABC-123',
    'a',
    'A',
    '1',
    'x'.repeat(Math.max(min, 1)),
  ];
  const pattern = schema.pattern ? new RegExp(schema.pattern, 'u') : undefined;
  for (const c of candidates) {
    const s = c.length < min ? c.padEnd(min, 'x') : c.slice(0, max);
    if (!pattern || pattern.test(s)) return s;
  }
  return 'x'.repeat(Math.max(min, 1));
}

/**
 * Values of one parameter or field meant to probe its constraints: the bounds, one past them, the
 * wrong type, blanks and characters ids never hold. The document decides which of them it accepts.
 */
export function probes(schemaIn: Json, contract: Contract): unknown[] {
  const schema = contract.deref(schemaIn) ?? {};
  const type = Array.isArray(schema.type) ? schema.type.find((t: string) => t !== 'null') : schema.type;
  const out: unknown[] = [];
  if (type === 'integer' || type === 'number') {
    if (schema.minimum !== undefined) out.push(schema.minimum, schema.minimum - 1);
    if (schema.maximum !== undefined && schema.maximum < Number.MAX_SAFE_INTEGER)
      out.push(schema.maximum, schema.maximum + 1);
    out.push(1.5, 'abc');
  } else if (type === 'string') {
    out.push('', '   ', 'bad id!', ' padded ', 'lower-case', 'UPPER-CASE');
    if (schema.maxLength !== undefined) out.push('a'.repeat(schema.maxLength + 1));
    if (Array.isArray(schema.enum)) out.push('not-in-the-enum');
    out.push(7);
  } else if (type === 'boolean') {
    out.push('yes', 1);
  } else if (type === 'array') {
    out.push('not-an-array', []);
  } else if (type === 'object') {
    out.push('not-an-object', {});
  }
  return out;
}

/** Every leaf path of a JSON value (objects and arrays walked), up to `limit`. */
export function leafPaths(value: unknown, prefix: (string | number)[] = [], out: (string | number)[][] = []) {
  if (Array.isArray(value)) {
    if (value.length === 0) out.push(prefix);
    value.forEach((v, i) => {
      leafPaths(v, [...prefix, i], out);
    });
  } else if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value);
    if (entries.length === 0) out.push(prefix);
    for (const [k, v] of entries) leafPaths(v, [...prefix, k], out);
  } else out.push(prefix);
  return out;
}

/** The schema that describes `path` inside a value of `schemaIn` (through refs, arrays and unions). */
export function schemaAt(
  contract: Contract,
  schemaIn: Json,
  path: (string | number)[],
  value: unknown,
): Json {
  let schema = contract.deref(schemaIn);
  let v = value as Json;
  for (const part of path) {
    schema = pickBranch(contract, schema, v);
    if (!schema) return undefined;
    schema = contract.deref(
      typeof part === 'number' ? (schema.prefixItems?.[part] ?? schema.items) : schema.properties?.[part],
    );
    v = v?.[part];
  }
  return pickBranch(contract, schema, v);
}

function pickBranch(contract: Contract, schemaIn: Json, value: unknown): Json {
  const schema = contract.deref(schemaIn);
  const alts = schema?.oneOf ?? schema?.anyOf;
  if (Array.isArray(alts) && !schema.properties && !schema.items && !schema.type) {
    for (const alt of alts) if (contract.accepts(contract.deref(alt), value)) return contract.deref(alt);
    return contract.deref(alts[0]);
  }
  return schema;
}

export function setAt(value: unknown, path: (string | number)[], leaf: unknown | typeof REMOVE): unknown {
  const copy = structuredClone(value) as Json;
  if (path.length === 0) return leaf === REMOVE ? undefined : leaf;
  let node = copy;
  for (const part of path.slice(0, -1)) node = node[part];
  const last = path[path.length - 1]!;
  if (leaf === REMOVE) {
    if (Array.isArray(node)) node.splice(last as number, 1);
    else delete node[last];
  } else node[last] = leaf;
  return copy;
}
export const REMOVE = Symbol('remove');

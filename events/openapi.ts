import * as z from 'zod';
import { type RouteDecl, routeKey, routes } from '../infra/topology.ts';
import {
  BundleResponse,
  ErrorResponse,
  Group,
  GroupPath,
  Health,
  HitSignalSeries,
  HitSignalsQuery,
  HitsQuery,
  HitsResponse,
  ListProductsQuery,
  MAX_COMMERCE_BODY_BYTES,
  MAX_EVENTS_BODY_BYTES,
  OpenGroupRequest,
  PostCommerceEventsAccepted,
  PostCommerceEventsRequest,
  PostEventsAccepted,
  PostEventsRequest,
  ProductCard,
  ProductPage,
  ProductPath,
  ProductScenesQuery,
  ProductScenesResponse,
  PutSceneRequest,
  QuotePath,
  QuoteStatus,
  Redemption,
  RelatedQuery,
  RelatedResponse,
  SceneAccepted,
  SceneList,
  ScenePath,
  SceneQuery,
  SceneResponse,
} from './api.ts';
import { Experiment, ExperimentPath, ExperimentResultsResponse, ExperimentStored } from './experiments.ts';
import { Quote, QuoteRequest } from './pricing.ts';
import {
  SegmentPolicy,
  SegmentPolicyResponse,
  SegmentPolicyStored,
  UserProfilePath,
  UserProfileResponse,
} from './segments.ts';
import './registry.ts';

interface Operation {
  query?: z.ZodObject;
  path?: z.ZodObject;
  body?: z.ZodType;
  /** The largest body the route reads (functions/lib/http.ts DEFAULT_MAX_BODY_BYTES unless it says): more is a 413. */
  maxBodyBytes?: number;
  /** What the route answers besides the statuses every route shares (400, 413, 429, 500, 503: see below). */
  responses: Record<number, z.ZodType | undefined>;
  /** The shopper's bearer token: `optional` (guests welcome) or `required` (signed-in only). */
  shopper?: 'optional' | 'required';
  /** Request headers the route reads. */
  headers?: readonly (keyof typeof headerParameters)[];
  /** Response headers of the success answers, by status. */
  responseHeaders?: Record<number, readonly (keyof typeof responseHeaders)[]>;
  /**
   * Rules the server checks that JSON Schema cannot say (a date after another, an id that must
   * exist), by the field a 400 names (`body.endAt`). Listed as `x-server-checks` and in the
   * description, so a client knows a request the schema accepts can still be refused there.
   */
  serverChecks?: Record<string, string>;
  /** Reads no table and publishes nothing: never a 503. */
  static?: boolean;
}

const TOKEN_CHECKS = 'a `userId` in the query needs the bearer token of that same user';

/** Request headers, by the name the operations use. */
const headerParameters = {
  'idempotency-key': {
    name: 'Idempotency-Key',
    in: 'header',
    required: true,
    description:
      'Chosen by the client, one per redemption attempt: a retry with the same key answers the stored result, as it was (even after the quote expired).',
    schema: { type: 'string', pattern: '^[A-Za-z0-9._:-]{8,128}$' },
  },
  'accept-language': {
    name: 'Accept-Language',
    in: 'header',
    required: false,
    description:
      'The language of explanations and reasons: zh (any region) answers zh-CN; anything else English.',
    schema: { type: 'string', examples: ['zh-CN'] },
  },
} as const;

/** A storefront's own correlation id, joined to every log line of the request; on every operation. */
const correlationParameter = {
  name: 'X-Correlation-Id',
  in: 'header',
  required: false,
  description: "Logged with the request (else API Gateway's request id is). A malformed one is ignored.",
  schema: { type: 'string' },
} as const;

/** Response headers clients use, as components. */
const responseHeaders = {
  'cache-control': {
    description:
      'How long a shared cache or the browser may keep the answer (`private, no-store` for a signed-in shopper).',
    schema: { type: 'string' },
  },
  location: {
    description: 'Where the created resource is read.',
    required: true,
    schema: { type: 'string' },
  },
  'retry-after': {
    description:
      "Seconds to wait before retrying. Every 503 the service answers sends it (API Gateway's own 503 on an integration timeout does not).",
    schema: { type: 'integer', minimum: 0 },
  },
  'x-request-id': {
    description: "API Gateway's request id: quote it when reporting a problem (the logs are keyed by it).",
    schema: { type: 'string' },
  },
} as const;
type ResponseHeader = keyof typeof responseHeaders;
const headerName = (name: ResponseHeader) =>
  name.replace(/(^|-)(\w)/g, (_, _dash: string, c: string) => c.toUpperCase());
const headerComponent = (name: ResponseHeader) => ({ $ref: `#/components/headers/${headerName(name)}` });

/**
 * What each route takes and answers. The routes themselves come from the topology; a test checks
 * that every declared route has an entry here, so the document cannot drift from what is served.
 */
export const operations: Record<string, Operation> = {
  'GET /health': { responses: { 200: Health }, static: true },
  'GET /openapi.json': {
    responses: { 200: undefined },
    responseHeaders: { 200: ['cache-control'] },
    static: true,
  },
  'POST /v1/events': {
    body: PostEventsRequest,
    maxBodyBytes: MAX_EVENTS_BODY_BYTES,
    responses: { 202: PostEventsAccepted, 401: ErrorResponse, 403: ErrorResponse },
    // The token's shopper is the events' shopper; a userId in an event may only be the token's own.
    shopper: 'optional',
  },
  'POST /v1/commerce/events': {
    body: PostCommerceEventsRequest,
    maxBodyBytes: MAX_COMMERCE_BODY_BYTES,
    responses: { 202: PostCommerceEventsAccepted },
  },
  'GET /v1/products': {
    query: ListProductsQuery,
    responses: { 200: ProductPage },
    serverChecks: { 'query.cursor': 'only a `nextCursor` this API answered (cursors are opaque)' },
  },
  'GET /v1/products/{productId}': {
    path: ProductPath,
    responses: { 200: ProductCard, 404: ErrorResponse },
  },
  'GET /v1/scenes': { responses: { 200: SceneList } },
  'GET /v1/products/{productId}/related': {
    path: ProductPath,
    query: RelatedQuery,
    responses: { 200: RelatedResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse },
    responseHeaders: { 200: ['cache-control'] },
    shopper: 'optional',
    serverChecks: { 'query.userId': TOKEN_CHECKS },
  },
  'GET /v1/products/{productId}/scenes': {
    path: ProductPath,
    query: ProductScenesQuery,
    headers: ['accept-language'],
    responses: { 200: ProductScenesResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse },
    responseHeaders: { 200: ['cache-control'] },
    shopper: 'optional',
    serverChecks: { 'query.userId': TOKEN_CHECKS },
  },
  'GET /v1/scenes/{sceneId}': {
    path: ScenePath,
    query: SceneQuery,
    headers: ['accept-language'],
    responses: { 200: SceneResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse },
    responseHeaders: { 200: ['cache-control'] },
    shopper: 'optional',
    serverChecks: { 'query.userId': TOKEN_CHECKS },
  },
  'PUT /v1/admin/scenes/{sceneId}': {
    path: ScenePath,
    body: PutSceneRequest,
    maxBodyBytes: 200 * 1024,
    responses: { 202: SceneAccepted },
    serverChecks: {
      'body.sceneId': 'the sceneId of the path',
      'body.slots.*.constraint.categories.*': 'a category that holds a product of the catalog',
    },
  },
  'GET /v1/users/{userId}/profile': {
    path: UserProfilePath,
    responses: { 200: UserProfileResponse, 404: ErrorResponse },
    responseHeaders: { 200: ['cache-control'] },
  },
  'GET /v1/admin/segments': {
    responses: { 200: SegmentPolicyResponse },
    responseHeaders: { 200: ['cache-control'] },
  },
  'PUT /v1/admin/segments': {
    body: SegmentPolicy,
    maxBodyBytes: 64 * 1024,
    responses: { 200: SegmentPolicyStored, 201: SegmentPolicyStored },
    serverChecks: {
      'body.treatments.*': 'a segment of the table',
      'body.table': 'the rules and the fallback as a whole (segment names, reachable rules)',
    },
  },
  'GET /v1/products/{productId}/bundle': {
    path: ProductPath,
    headers: ['accept-language'],
    responses: { 200: BundleResponse, 404: ErrorResponse },
    responseHeaders: { 200: ['cache-control'] },
    shopper: 'optional',
  },
  'GET /v1/hits': {
    query: HitsQuery,
    headers: ['accept-language'],
    responses: { 200: HitsResponse, 404: ErrorResponse },
    responseHeaders: { 200: ['cache-control'] },
  },
  'GET /v1/hits/{productId}/signals': {
    path: ProductPath,
    query: HitSignalsQuery,
    responses: { 200: HitSignalSeries },
    responseHeaders: { 200: ['cache-control'] },
  },
  'PUT /v1/admin/experiments/{experimentId}': {
    path: ExperimentPath,
    body: Experiment,
    maxBodyBytes: 64 * 1024,
    responses: { 200: ExperimentStored, 201: ExperimentStored, 409: ErrorResponse },
    serverChecks: {
      'body.endAt': 'after startAt',
      'body.experimentId': 'the experimentId of the path',
      'body.variants.*.variantId': 'unique within the experiment',
      'body.variants': 'weights that add up to at most 1,000,000',
      'body.control': 'one of the variants',
      'body.target.promotionId': 'a promotion that exists',
      'body.variants.*.strategy': 'a strategy the serving code knows',
    },
  },
  'GET /v1/experiments/{experimentId}/results': {
    path: ExperimentPath,
    responses: { 200: ExperimentResultsResponse, 404: ErrorResponse },
  },
  'POST /v1/quotes': {
    body: QuoteRequest,
    headers: ['accept-language'],
    responses: { 201: Quote, 401: ErrorResponse, 404: ErrorResponse },
    responseHeaders: { 201: ['location'] },
    shopper: 'optional',
  },
  'GET /v1/quotes/{quoteId}': {
    path: QuotePath,
    responses: { 200: QuoteStatus, 401: ErrorResponse, 404: ErrorResponse },
    shopper: 'optional',
  },
  'POST /v1/quotes/{quoteId}/redeem': {
    path: QuotePath,
    headers: ['idempotency-key'],
    responses: {
      200: Redemption,
      401: ErrorResponse,
      404: ErrorResponse,
      409: ErrorResponse,
      410: ErrorResponse,
    },
    shopper: 'required',
  },
  'POST /v1/groups': {
    body: OpenGroupRequest,
    responses: { 201: Group, 401: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse },
    responseHeaders: { 201: ['location'] },
    shopper: 'required',
  },
  'POST /v1/groups/{groupId}/members': {
    path: GroupPath,
    responses: { 200: Group, 401: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse, 410: ErrorResponse },
    shopper: 'required',
  },
};

/** functions/lib/http.ts's default cap on a request body. */
const DEFAULT_MAX_BODY_BYTES = 256 * 1024;
const SCHEMAS = '#/components/schemas/';

/** What API Gateway answers itself (throttling, IAM refusals, failed integrations): `{"message"}` only. */
const GatewayMessage = {
  type: 'object',
  description: "API Gateway's own answer, before or instead of the function: only a message.",
  properties: { message: { type: 'string' } },
  required: ['message'],
};

type JsonSchema = Record<string, unknown>;

function parameters(where: 'query' | 'path', schema: z.ZodObject | undefined) {
  if (!schema) return [];
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as {
    properties?: Record<string, JsonSchema>;
    required?: string[];
  };
  return Object.entries(json.properties ?? {}).map(([name, s]) => {
    const { description, ...rest } = s;
    return {
      name,
      in: where,
      required: where === 'path' || (json.required ?? []).includes(name),
      ...(typeof description === 'string' ? { description } : {}),
      schema: rest,
    };
  });
}

/** Every `#/components/schemas/<id>` a JSON value refers to. */
function refsOf(value: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const v of value) refsOf(v, out);
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref' && typeof v === 'string' && v.startsWith(SCHEMAS)) out.add(v.slice(SCHEMAS.length));
      else refsOf(v, out);
    }
  }
  return out;
}

function reachable(roots: Iterable<string>, schemas: Record<string, JsonSchema>): Set<string> {
  const seen = new Set<string>();
  const todo = [...roots];
  while (todo.length > 0) {
    const id = todo.pop()!;
    if (seen.has(id) || !schemas[id]) continue;
    seen.add(id);
    todo.push(...refsOf(schemas[id]));
  }
  return seen;
}

/** Drops `additionalProperties: false` from answers: a client must accept fields added later. */
function openObjects(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(openObjects);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([k, v]) => !(k === 'additionalProperties' && v === false))
      .map(([k, v]) => [k, openObjects(v)]),
  );
}

function renderRegistry(io: 'input' | 'output', suffix: string): Record<string, JsonSchema> {
  const { schemas } = z.toJSONSchema(z.globalRegistry, {
    target: 'draft-2020-12',
    io,
    unrepresentable: 'any',
    uri: (id) => `${SCHEMAS}${id}${suffix}`,
  }) as { schemas: Record<string, JsonSchema> };
  for (const s of Object.values(schemas)) {
    delete s.$schema;
    delete s.$id;
  }
  return schemas;
}

const idOf = (schema: z.ZodType): string => {
  const id = z.globalRegistry.get(schema)?.id;
  if (!id) throw new Error('response and body schemas must carry a .meta({ id })');
  return id;
};

/**
 * The components: request bodies as the server reads them (zod's input: defaulted fields optional,
 * strict objects closed), answers as it writes them (zod's output: defaulted fields always there,
 * objects open to fields added later). A schema used both ways whose two forms differ is published
 * twice, the request form as `<id>Input`. Only schemas an operation uses are published.
 */
function components(requestRoots: Set<string>, responseRoots: Set<string>) {
  const IN = '~input';
  const input = renderRegistry('input', IN);
  const output = renderRegistry('output', '');
  const unmarked = (s: JsonSchema) => JSON.parse(JSON.stringify(s).replaceAll(IN, '')) as JsonSchema;
  const plainInput = Object.fromEntries(Object.entries(input).map(([id, s]) => [id, unmarked(s)]));
  const usedIn = reachable(requestRoots, plainInput);
  const usedOut = reachable(responseRoots, output);
  const openOutput = Object.fromEntries(
    [...usedOut].map((id) => [id, openObjects(output[id]) as JsonSchema]),
  );
  // Shared when both forms are the same and so is everything they refer to.
  const shared = new Set(
    [...usedIn].filter(
      (id) => usedOut.has(id) && JSON.stringify(plainInput[id]) === JSON.stringify(openOutput[id]),
    ),
  );
  for (let changed = true; changed; ) {
    changed = false;
    for (const id of shared) {
      if ([...refsOf(plainInput[id])].some((r) => !shared.has(r))) {
        shared.delete(id);
        changed = true;
      }
    }
  }
  const inputName = (id: string) => (usedOut.has(id) && !shared.has(id) ? `${id}Input` : id);
  const out: Record<string, JsonSchema> = { ...openOutput };
  for (const id of usedIn) {
    if (shared.has(id)) continue;
    const text = JSON.stringify(input[id]).replace(
      /#\/components\/schemas\/([A-Za-z0-9_.-]+)~input/g,
      (_, ref: string) => `${SCHEMAS}${inputName(ref)}`,
    );
    out[inputName(id)] = JSON.parse(text) as JsonSchema;
  }
  const schemas = Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
  return { schemas, inputName };
}

const statusText: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  202: 'Accepted: on the bus; its effects follow within seconds',
  401: 'The bearer token is missing where it is required, or fails its checks (the issue names `header.authorization`)',
  403: "Not the signed-in shopper's own data",
  404: 'Not found',
  409: 'Conflicts with the current state (`code` says which case)',
  410: 'Gone: expired',
};

/** The OpenAPI 3.1 document: JSON Schema 2020-12 components generated from the zod contracts. */
export function openApiDocument(version: string) {
  const declared = (routes as readonly RouteDecl[]).map((route) => {
    const op = operations[routeKey(route)];
    if (!op) throw new Error(`no OpenAPI operation for ${routeKey(route)}`);
    return { route, op };
  });
  const requestRoots = new Set(declared.flatMap(({ op }) => (op.body ? [idOf(op.body)] : [])));
  const responseRoots = new Set(
    declared.flatMap(({ op }) => Object.values(op.responses).flatMap((s) => (s ? [idOf(s)] : []))),
  );
  responseRoots.add(idOf(ErrorResponse));
  const { schemas, inputName } = components(requestRoots, responseRoots);
  schemas.GatewayMessage = GatewayMessage;

  const json = (schema: JsonSchema) => ({ content: { 'application/json': { schema } } });
  const requestId = { 'x-request-id': headerComponent('x-request-id') };
  const errorOrGateway = json({
    anyOf: [{ $ref: `${SCHEMAS}ErrorResponse` }, { $ref: `${SCHEMAS}GatewayMessage` }],
  });
  const error = (description: string) => ({
    description,
    headers: requestId,
    ...json({ $ref: `${SCHEMAS}ErrorResponse` }),
  });
  const paths: Record<string, Record<string, unknown>> = {};
  for (const { route, op } of declared) {
    const maxBody = op.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    const responses: Record<string, unknown> = {};
    for (const [status, schema] of Object.entries(op.responses)) {
      const code = Number(status);
      const named = code < 300 ? (op.responseHeaders?.[code] ?? []) : [];
      const headers = Object.fromEntries(
        [...named, 'x-request-id' as const].map((h) => [h, headerComponent(h)] as const),
      );
      const content = schema
        ? json({ $ref: `${SCHEMAS}${idOf(schema)}` })
        : json({ type: 'object', description: 'This document' });
      responses[status] = {
        description: statusText[code] ?? `HTTP ${status}`,
        headers,
        ...(code >= 400 && !schema ? {} : content),
      };
    }
    if (op.query || op.path || op.body || op.headers?.length)
      responses[400] ??= error(
        'A parameter, header or body field is not valid: `issues` names each one (`query.limit`, `body.items.0.quantity`).',
      );
    if (op.body) responses[413] ??= error(`The body is larger than ${maxBody} bytes.`);
    if (route.auth === 'jwt')
      responses[401] = {
        description: `${statusText[401]}. On AWS, API Gateway's JWT authorizer answers a missing or invalid token first, with only a message.`,
        headers: requestId,
        ...json({ anyOf: [{ $ref: `${SCHEMAS}ErrorResponse` }, { $ref: `${SCHEMAS}GatewayMessage` }] }),
      };
    if (route.auth === 'iam')
      responses[403] ??= {
        description:
          'API Gateway refused the request: no valid AWS SigV4 signature of a principal allowed to call it.',
        ...json({ $ref: `${SCHEMAS}GatewayMessage` }),
      };
    responses[429] = {
      description: "API Gateway's stage throttling: too many requests; retry with backoff.",
      ...json({ $ref: `${SCHEMAS}GatewayMessage` }),
    };
    responses[500] = {
      description:
        "Something went wrong; the request id identifies it (API Gateway's own failure: only a message).",
      headers: requestId,
      ...errorOrGateway,
    };
    if (!op.static)
      responses[503] = {
        description:
          'The store or the bus is busy, or the request ran out of time: retry after `Retry-After` seconds (events and redemptions are safe to resend: duplicates are dropped).',
        headers: { 'retry-after': headerComponent('retry-after'), ...requestId },
        ...errorOrGateway,
      };
    const checks = op.serverChecks ?? {};
    const checkText = Object.entries(checks)
      .map(([field, rule]) => `\`${field}\`: ${rule}`)
      .join('; ');
    paths[route.path] ??= {};
    paths[route.path]![route.method.toLowerCase()] = {
      summary: route.summary,
      ...(checkText
        ? { description: `Also checked by the server (a 400 names the field): ${checkText}.` }
        : {}),
      operationId: `${route.method.toLowerCase()}${route.path.replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ?? '').toUpperCase())}`,
      // Public routes say so with `[]`; `{}` first: the token is optional, a guest is served.
      security:
        route.auth === 'iam'
          ? [{ sigv4: [] }]
          : op.shopper === 'optional'
            ? [{}, { shopperToken: [] }]
            : op.shopper === 'required'
              ? [{ shopperToken: [] }]
              : [],
      parameters: [
        ...parameters('path', op.path),
        ...parameters('query', op.query),
        ...(op.headers ?? []).map((h) => headerParameters[h]),
        correlationParameter,
      ],
      ...(op.body
        ? {
            requestBody: {
              required: true,
              description: `JSON, at most ${maxBody} bytes.`,
              content: { 'application/json': { schema: { $ref: `${SCHEMAS}${inputName(idOf(op.body))}` } } },
            },
          }
        : {}),
      responses: Object.fromEntries(Object.entries(responses).sort(([a], [b]) => Number(a) - Number(b))),
      ...(checkText ? { 'x-server-checks': checks } : {}),
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'merchandiser',
      version,
      description:
        "Recommendations, scene guides, hit products and bundle pricing for storefronts. Every error the service answers has one shape (`ErrorResponse`); API Gateway's own answers (throttling, IAM refusals, a failed integration) carry only a `message`. An unknown path answers 404, a known path with another method 405 (with `Allow`), in the error shape.",
      contact: { name: 'The merchandiser maintainers', email: 'merchandiser@example.com' },
      license: { name: 'UNLICENSED (proprietary: run by the shop that deploys it)' },
    },
    servers: [
      { url: 'http://127.0.0.1:3000', description: 'The local runtime (`npm start`)' },
      {
        url: 'https://{apiId}.execute-api.{region}.amazonaws.com',
        description: "A deployed stage: the api stack's `ApiUrl` output",
        variables: { apiId: { default: 'api-id' }, region: { default: 'ap-east-1' } },
      },
    ],
    paths,
    components: {
      schemas,
      headers: Object.fromEntries(
        (Object.keys(responseHeaders) as ResponseHeader[]).map((h) => [headerName(h), responseHeaders[h]]),
      ),
      securitySchemes: {
        sigv4: { type: 'apiKey', name: 'Authorization', in: 'header', description: 'AWS SigV4 (IAM)' },
        shopperToken: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description:
            "The signed-in shopper's token from the shop's identity provider (Cognito, Auth0 or any OIDC issuer: RS256 or ES256, verified against its JWKS; HS256 with a local key for `npm start`). `iss` and `aud` must be the stage's, `exp` is required and at most a day away; the shopper is `sub` (`auth0|x` is stored as `auth0:x`). Member tier, group state, segment and personalisation come from it, never from the request. A token that fails its checks is a 401 where the token decides the answer (pricing, a `userId` in the query or an event); recommendations serve the shopper as a guest.",
        },
      },
    },
  };
}

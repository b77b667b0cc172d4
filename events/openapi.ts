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
  OpenGroupRequest,
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
  responses: Record<number, z.ZodType | undefined>;
  /** The shopper's bearer token: `optional` (guests welcome) or `required` (signed-in only). */
  shopper?: 'optional' | 'required';
}

/**
 * What each route takes and answers. The routes themselves come from the topology; a test checks
 * that every declared route has an entry here, so the document cannot drift from what is served.
 */
export const operations: Record<string, Operation> = {
  'GET /health': { responses: { 200: Health } },
  'GET /openapi.json': { responses: { 200: undefined } },
  'POST /v1/events': {
    body: PostEventsRequest,
    responses: { 202: PostEventsAccepted, 400: ErrorResponse, 413: ErrorResponse, 503: ErrorResponse },
  },
  'GET /v1/products': { query: ListProductsQuery, responses: { 200: ProductPage, 400: ErrorResponse } },
  'GET /v1/products/{productId}': {
    path: ProductPath,
    responses: { 200: ProductCard, 400: ErrorResponse, 404: ErrorResponse },
  },
  'GET /v1/scenes': { responses: { 200: SceneList } },
  'GET /v1/products/{productId}/related': {
    path: ProductPath,
    query: RelatedQuery,
    responses: {
      200: RelatedResponse,
      400: ErrorResponse,
      401: ErrorResponse,
      403: ErrorResponse,
      404: ErrorResponse,
    },
    shopper: 'optional',
  },
  'GET /v1/products/{productId}/scenes': {
    path: ProductPath,
    query: ProductScenesQuery,
    responses: {
      200: ProductScenesResponse,
      400: ErrorResponse,
      401: ErrorResponse,
      403: ErrorResponse,
      404: ErrorResponse,
    },
    shopper: 'optional',
  },
  'GET /v1/scenes/{sceneId}': {
    path: ScenePath,
    query: SceneQuery,
    responses: {
      200: SceneResponse,
      400: ErrorResponse,
      401: ErrorResponse,
      403: ErrorResponse,
      404: ErrorResponse,
    },
    shopper: 'optional',
  },
  'PUT /v1/admin/scenes/{sceneId}': {
    path: ScenePath,
    body: PutSceneRequest,
    responses: {
      202: SceneAccepted,
      400: ErrorResponse,
      403: undefined,
      413: ErrorResponse,
      503: ErrorResponse,
    },
  },
  'GET /v1/users/{userId}/profile': {
    path: UserProfilePath,
    responses: { 200: UserProfileResponse, 400: ErrorResponse, 403: undefined, 404: ErrorResponse },
  },
  'GET /v1/admin/segments': {
    responses: { 200: SegmentPolicyResponse, 403: undefined },
  },
  'PUT /v1/admin/segments': {
    body: SegmentPolicy,
    responses: {
      200: SegmentPolicyStored,
      201: SegmentPolicyStored,
      400: ErrorResponse,
      403: undefined,
      413: ErrorResponse,
    },
  },
  'GET /v1/products/{productId}/bundle': {
    path: ProductPath,
    responses: { 200: BundleResponse, 400: ErrorResponse, 404: ErrorResponse },
    shopper: 'optional',
  },
  'GET /v1/hits': {
    query: HitsQuery,
    responses: { 200: HitsResponse, 400: ErrorResponse, 404: ErrorResponse },
  },
  'GET /v1/hits/{productId}/signals': {
    path: ProductPath,
    query: HitSignalsQuery,
    responses: { 200: HitSignalSeries, 400: ErrorResponse },
  },
  'PUT /v1/admin/experiments/{experimentId}': {
    path: ExperimentPath,
    body: Experiment,
    responses: {
      200: ExperimentStored,
      201: ExperimentStored,
      400: ErrorResponse,
      403: undefined,
      409: ErrorResponse,
      413: ErrorResponse,
    },
  },
  'GET /v1/experiments/{experimentId}/results': {
    path: ExperimentPath,
    responses: { 200: ExperimentResultsResponse, 400: ErrorResponse, 403: undefined, 404: ErrorResponse },
  },
  'POST /v1/quotes': {
    body: QuoteRequest,
    responses: { 201: Quote, 400: ErrorResponse, 401: ErrorResponse, 404: ErrorResponse },
    shopper: 'optional',
  },
  'GET /v1/quotes/{quoteId}': {
    path: QuotePath,
    responses: { 200: QuoteStatus, 401: ErrorResponse, 404: ErrorResponse },
    shopper: 'optional',
  },
  'POST /v1/quotes/{quoteId}/redeem': {
    path: QuotePath,
    responses: {
      200: Redemption,
      400: ErrorResponse,
      401: ErrorResponse,
      404: ErrorResponse,
      409: ErrorResponse,
      410: ErrorResponse,
    },
    shopper: 'required',
  },
  'POST /v1/groups': {
    body: OpenGroupRequest,
    responses: { 201: Group, 400: ErrorResponse, 401: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse },
    shopper: 'required',
  },
  'POST /v1/groups/{groupId}/members': {
    path: GroupPath,
    responses: { 200: Group, 401: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse, 410: ErrorResponse },
    shopper: 'required',
  },
};

const ref = (schema: z.ZodType) => {
  const id = z.globalRegistry.get(schema)?.id;
  if (!id) throw new Error('response and body schemas must carry a .meta({ id })');
  return { $ref: `#/components/schemas/${id}` };
};

function parameters(where: 'query' | 'path', schema: z.ZodObject | undefined) {
  if (!schema) return [];
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as {
    properties?: Record<string, object>;
    required?: string[];
  };
  return Object.entries(json.properties ?? {}).map(([name, s]) => ({
    name,
    in: where,
    required: where === 'path' || (json.required ?? []).includes(name),
    schema: s,
  }));
}

/** The OpenAPI 3.1 document: JSON Schema 2020-12 components generated from the zod contracts. */
export function openApiDocument(version: string) {
  const { schemas } = z.toJSONSchema(z.globalRegistry, {
    target: 'draft-2020-12',
    io: 'input',
    unrepresentable: 'any',
    uri: (id) => `#/components/schemas/${id}`,
  }) as { schemas: Record<string, Record<string, unknown>> };
  for (const s of Object.values(schemas)) {
    delete s.$schema;
    delete s.$id;
  }
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes as readonly RouteDecl[]) {
    const op = operations[routeKey(route)];
    if (!op) throw new Error(`no OpenAPI operation for ${routeKey(route)}`);
    paths[route.path] ??= {};
    paths[route.path]![route.method.toLowerCase()] = {
      summary: route.summary,
      operationId: `${route.method.toLowerCase()}${route.path.replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ?? '').toUpperCase())}`,
      ...(route.auth === 'iam' ? { security: [{ sigv4: [] }] } : {}),
      // `{}` first: the token is optional, a guest is served.
      ...(op.shopper === 'optional' ? { security: [{}, { shopperToken: [] }] } : {}),
      ...(op.shopper === 'required' ? { security: [{ shopperToken: [] }] } : {}),
      parameters: [...parameters('path', op.path), ...parameters('query', op.query)],
      ...(op.body
        ? { requestBody: { required: true, content: { 'application/json': { schema: ref(op.body) } } } }
        : {}),
      responses: Object.fromEntries(
        Object.entries(op.responses).map(([status, schema]) => [
          status,
          {
            description: `HTTP ${status}`,
            ...(schema ? { content: { 'application/json': { schema: ref(schema) } } } : {}),
          },
        ]),
      ),
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'merchandiser',
      version,
      description: 'Recommendations, scene guides, hit products and bundle pricing for storefronts.',
    },
    paths,
    components: {
      schemas,
      securitySchemes: {
        sigv4: { type: 'apiKey', name: 'Authorization', in: 'header', description: 'AWS SigV4 (IAM)' },
        shopperToken: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description:
            "The signed-in shopper's token (HS256, `sub` = user id). Member tier, group state, segment and personalisation come from it, never from the request.",
        },
      },
    },
  };
}

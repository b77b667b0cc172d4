import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy, { type MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import type * as z from 'zod';
import type { ErrorResponse } from '../../events/api.ts';
import type { FieldIssue } from '../../models/errors.ts';
import { DomainError, type DomainErrorKind } from '../../models/errors.ts';
import { logger } from './logger.ts';
import {
  behindEdge,
  ORIGIN_VERIFY_HEADER,
  originVerifyLogsOnly,
  originVerifyValues,
  sameSecret,
} from './secrets.ts';

export type IssueLocation = 'body' | 'query' | 'path' | 'header';
export interface Issue {
  in: IssueLocation;
  /** Dotted path inside that location, e.g. `events.3.productId`; empty for the whole body. */
  path: string;
  message: string;
}

/**
 * An error that carries its HTTP meaning. Everything else that escapes a handler is a bug and
 * becomes a generic 500 whose body says nothing about the cause (the log has it).
 */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly issues?: Issue[],
    /** Extra response headers, e.g. Retry-After on a 503. */
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const notFound = (what: string) => new HttpError(404, 'NotFound', `${what} was not found`);

export interface HttpRequest {
  routeKey: string;
  method?: string;
  /** The path as requested (what `$default` needs: it has no template). */
  rawPath?: string;
  requestId: string;
  pathParameters: Record<string, string | undefined>;
  query: Record<string, string | undefined>;
  headers: Record<string, string | undefined>;
  rawBody: string | undefined;
}
export interface HttpResponse {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}
export type RouteHandler = (req: HttpRequest) => Promise<HttpResponse>;

/**
 * The 400 for invalid input, built here and only here: every failing field (at most 50), and the
 * first in the message. Used by `parseAt` (the schema's issues) and by handlers whose use case
 * checks what a schema cannot (a domain's `FieldIssue`s).
 */
export function validationError(where: IssueLocation, fields: readonly FieldIssue[]): HttpError {
  const issues = fields.slice(0, 50).map((i) => ({ in: where, path: i.field, message: i.message }));
  const first = issues[0];
  const at = first ? [first.in, first.path].filter(Boolean).join('.') : where;
  return new HttpError(400, 'ValidationError', `invalid ${at}: ${first?.message ?? 'invalid'}`, issues);
}

/** Parses `value` (the request's `where` part) with the schema; a 400 naming every failing field. */
export function parseAt<S extends z.ZodType>(where: IssueLocation, schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw validationError(
    where,
    result.error.issues.map((i) => ({ field: i.path.map(String).join('.'), message: i.message })),
  );
}

/** Default cap on request bodies; API Gateway's own is 10 MB, far more than any route needs. */
export const DEFAULT_MAX_BODY_BYTES = 256 * 1024;

export function jsonBody(req: HttpRequest, maxBytes = DEFAULT_MAX_BODY_BYTES): unknown {
  const raw = req.rawBody;
  if (raw === undefined || raw.length === 0) {
    throw new HttpError(400, 'ValidationError', 'a JSON body is required', [
      { in: 'body', path: '', message: 'required' },
    ]);
  }
  if (Buffer.byteLength(raw, 'utf8') > maxBytes) {
    throw new HttpError(413, 'PayloadTooLarge', `the body is larger than ${maxBytes} bytes`, [
      { in: 'body', path: '', message: `at most ${maxBytes} bytes` },
    ]);
  }
  try {
    return JSON.parse(raw);
  } catch (error) {
    const detail = error instanceof Error ? error.message : 'parse error';
    throw new HttpError(400, 'InvalidJson', 'the body is not valid JSON', [
      { in: 'body', path: '', message: detail.slice(0, 200) },
    ]);
  }
}

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8' };

function toRequest(event: APIGatewayProxyEventV2): HttpRequest {
  const rawBody =
    event.body === undefined ? undefined : event.isBase64Encoded ? decodeBase64Utf8(event.body) : event.body;
  return {
    routeKey: event.routeKey,
    method: event.requestContext.http?.method ?? '',
    rawPath: event.rawPath ?? '',
    requestId: event.requestContext.requestId,
    pathParameters: event.pathParameters ?? {},
    query: event.queryStringParameters ?? {},
    headers: event.headers ?? {},
    // An HTTP API JWT authorizer's claims (requestContext.authorizer.jwt.claims) are not read: the
    // bearer token is verified again by functions/lib/auth.ts, with the checks the authorizer lacks.
    rawBody,
  };
}

function decodeBase64Utf8(body: string): string {
  const text = new TextDecoder('utf-8', { fatal: false }).decode(Buffer.from(body, 'base64'));
  if (text.includes('\uFFFD')) {
    throw new HttpError(400, 'InvalidJson', 'the body is not valid UTF-8', [
      { in: 'body', path: '', message: 'not valid UTF-8' },
    ]);
  }
  return text;
}

function errorBody(error: HttpError): ErrorResponse {
  return {
    error: {
      code: error.code,
      message: error.message,
      ...(error.issues
        ? {
            issues: error.issues.map(({ in: at, path, message }) => ({
              path: [at, path].filter(Boolean).join('.'),
              message,
            })),
          }
        : {}),
    },
  };
}

const statusOfKind: Record<DomainErrorKind, [number, string]> = {
  invalid: [400, 'ValidationError'],
  not_found: [404, 'NotFound'],
  conflict: [409, 'Conflict'],
  gone: [410, 'Gone'],
};

function fromDomain(error: DomainError): HttpError {
  const [status, kindCode] = statusOfKind[error.kind];
  // A domain error may name its case more precisely than its kind (e.g. `BudgetExhausted`).
  const own = (error as { code?: unknown }).code;
  const code = typeof own === 'string' ? own : kindCode;
  const [at, ...rest] = (error.field ?? 'body').split('.');
  const issues = error.field
    ? [{ in: at as IssueLocation, path: rest.join('.'), message: error.message }]
    : undefined;
  return new HttpError(status, code, error.message, issues);
}

/** AWS error names that mean "too much right now": the same request later will likely succeed. */
const THROTTLED = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'TransactionInProgressException',
]);

/**
 * Throttling that outlasted the SDK's retries, or the function running out of time (middy aborts
 * just before Lambda would): the caller should retry, so 503 with Retry-After, not a 500.
 */
export function transientError(error: unknown): HttpError | undefined {
  const e = error as { name?: string; cause?: { package?: string } } | undefined;
  if (e?.name === 'TimeoutError' && e.cause?.package === '@middy/core')
    return new HttpError(503, 'Timeout', 'the request ran out of time; retry it', undefined, {
      'retry-after': '1',
    });
  if (e?.name && THROTTLED.has(e.name))
    return new HttpError(503, 'Throttled', 'the service is busy; retry shortly', undefined, {
      'retry-after': '1',
    });
  return undefined;
}

/** Maps any error to a JSON response; used last so that it runs first on the way out. */
const httpErrors = (): MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyResultV2, Error, Context> => ({
  onError: async (request) => {
    const error = request.error;
    const known =
      error instanceof HttpError
        ? error
        : error instanceof DomainError
          ? fromDomain(error)
          : transientError(error);
    if (!known) logger.error('unhandled error', { error: error as Error });
    else if (known.statusCode >= 500)
      logger.error(known.message, { code: known.code, error: (error as Error).name });
    const mapped =
      known ?? new HttpError(500, 'InternalError', 'something went wrong; the request id identifies it');
    request.response = {
      statusCode: mapped.statusCode,
      headers: {
        ...JSON_HEADERS,
        'x-request-id': request.event.requestContext?.requestId ?? '',
        ...mapped.headers,
      },
      body: JSON.stringify(errorBody(mapped)),
    };
  },
});

/** What a storefront may send as its own correlation id: short, no spaces or control characters. */
const CORRELATION_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/**
 * Every log line of a request carries `correlation_id`: the storefront's `x-correlation-id` when it
 * sends a well-formed one (so its own logs and ours join), else API Gateway's request id.
 */
function correlationId(): MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyResultV2, Error, Context> {
  return {
    before: (request) => {
      const sent = request.event.headers?.['x-correlation-id'];
      const id =
        sent !== undefined && CORRELATION_ID.test(sent) ? sent : request.event.requestContext?.requestId;
      if (id) logger.appendKeys({ correlation_id: id });
    },
  };
}

/**
 * Behind the edge (prod), a request must have come through CloudFront, and so through the WAF:
 * the API's custom domain is public DNS, and an HTTP API takes no web ACL of its own. CloudFront
 * adds a secret header; a request without it is refused before any route runs. Requests signed
 * with SigV4 (the shop's servers, admin tools) are exempt: API Gateway has already verified their
 * signature, which names the origin's host, so they call the custom domain directly. Where the
 * stage has no edge (dev, local) nothing is checked; in log mode (`edge.originVerify: "log"`, for
 * the deploy that first adds the check to a stage with traffic) a request without it is served and
 * logged.
 */
function fromTheEdge(): MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyResultV2, Error, Context> {
  return {
    before: async (request) => {
      if (!behindEdge()) return;
      const context = request.event.requestContext as { authorizer?: { iam?: unknown } } | undefined;
      if (context?.authorizer?.iam !== undefined) return;
      const sent = request.event.headers?.[ORIGIN_VERIFY_HEADER];
      const logOnly = originVerifyLogsOnly();
      let values: string[] = [];
      try {
        if (sent !== undefined) values = await originVerifyValues();
      } catch (error) {
        // Enforcing, an unreadable secret fails the request (500, alarmed); logging only, it must
        // not fail the rollout it is there to make safe.
        if (!logOnly) throw error;
        logger.error('origin-verify secret unreadable, served: log mode', {
          error: (error as Error).message,
        });
      }
      if (values.some((v) => sameSecret(v, sent!))) return;
      if (logOnly) {
        // Enough to tell CloudFront's requests (its user agent, its addresses) from a direct caller.
        const http = request.event.requestContext?.http;
        logger.warn('request not from CloudFront, served: origin-verify is in log mode', {
          header: sent === undefined ? 'missing' : 'no member',
          sourceIp: http?.sourceIp,
          userAgent: http?.userAgent,
          routeKey: request.event.routeKey,
        });
        return;
      }
      throw new HttpError(
        403,
        'Forbidden',
        "this address answers the service's CloudFront distribution only: call the API's public URL",
      );
    },
  };
}

/**
 * The one middy chain every HTTP function uses: logger context, error mapping, the edge's check,
 * and a dispatch on API Gateway's routeKey to the function's route handlers.
 */
export function httpApi(routes: Record<string, RouteHandler>) {
  return middy<APIGatewayProxyEventV2, APIGatewayProxyResultV2, Error, Context>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(correlationId())
    .use(httpErrors())
    .use(fromTheEdge())
    .handler(async (event) => {
      const route = routes[event.routeKey];
      if (!route) throw new HttpError(404, 'NotFound', `no route ${event.routeKey}`);
      const res = await route(toRequest(event));
      return {
        statusCode: res.status,
        headers: { ...JSON_HEADERS, 'x-request-id': event.requestContext.requestId, ...res.headers },
        body: JSON.stringify(res.body),
      };
    });
}

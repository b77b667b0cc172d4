import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { FunctionId, RouteDecl } from '../topology.ts';
import { routeKey } from '../topology.ts';
import { verifySigV4 } from './sigv4.ts';

/** API Gateway's own cap on a request body. Routes set tighter limits themselves. */
export const GATEWAY_MAX_BODY_BYTES = 10 * 1024 * 1024;

interface CompiledRoute {
  route: RouteDecl;
  key: string;
  regex: RegExp;
  params: string[];
  /** Literal characters: the more a template fixes, the more specific it is (HTTP API's rule). */
  specificity: number;
}

function compileRoute(route: RouteDecl): CompiledRoute {
  const params: string[] = [];
  const source = route.path
    .split('/')
    .map((segment) => {
      const greedy = /^\{(\w+)\+\}$/.exec(segment);
      if (greedy) {
        params.push(greedy[1]!);
        return '(.+)';
      }
      const param = /^\{(\w+)\}$/.exec(segment);
      if (param) {
        params.push(param[1]!);
        return '([^/]+)';
      }
      return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  return {
    route,
    key: routeKey(route),
    regex: new RegExp(`^${source}$`),
    params,
    specificity: route.path.replace(/\{[^}]+\}/g, '').length,
  };
}

export type Dispatch = (functionId: FunctionId, event: APIGatewayProxyEventV2) => Promise<unknown>;

/** Extra paths the local runtime serves beside the API (the local bus, demo pages). */
export type SideRoute = (req: IncomingMessage, res: ServerResponse, body: Buffer) => Promise<boolean>;

/** The principals a signed request may name: access key id -> secret access key. */
export type LocalCredentials = () => Readonly<Record<string, string>>;

/**
 * Routes HTTP requests to handlers as API Gateway's HTTP API does with the payload format 2.0:
 * the same routeKey, path parameters, joined multi-value headers and query strings, and the same
 * bare answers when no route matches or an integration fails. An IAM route (`auth: 'iam'`) needs
 * a SigV4 signature (service `execute-api`) by one of `credentials`, as the HTTP API's IAM
 * authorizer does: anything else is API Gateway's bare 403 `{"message":"Forbidden"}`, before the
 * function runs. Without credentials every IAM route is refused.
 */
export class LocalGateway {
  private readonly compiled: CompiledRoute[];
  private server: Server | undefined;
  ready = false;

  constructor(
    readonly routes: readonly RouteDecl[],
    private readonly dispatch: Dispatch,
    private readonly sideRoutes: SideRoute[] = [],
    /** The function of the `$default` route, which answers what no route takes; without one, a bare 404. */
    readonly defaultFunction?: FunctionId,
    private readonly credentials: LocalCredentials = () => ({}),
  ) {
    this.compiled = routes.map(compileRoute).sort((a, b) => b.specificity - a.specificity);
  }

  match(
    method: string,
    path: string,
  ): { route: CompiledRoute; pathParameters: Record<string, string> } | undefined {
    for (const c of this.compiled) {
      if (c.route.method !== method) continue;
      const m = c.regex.exec(path);
      if (!m) continue;
      const pathParameters: Record<string, string> = {};
      for (const [i, name] of c.params.entries()) {
        try {
          pathParameters[name] = decodeURIComponent(m[i + 1]!);
        } catch {
          pathParameters[name] = m[i + 1]!;
        }
      }
      return { route: c, pathParameters };
    }
    return undefined;
  }

  async listen(port: number, host = '127.0.0.1'): Promise<number> {
    this.server = createServer((req, res) => {
      void this.handle(req, res);
    });
    this.server.keepAliveTimeout = 5_000;
    await new Promise<void>((res, rej) => {
      this.server!.once('error', rej);
      this.server!.listen(port, host, () => res());
    });
    const address = this.server.address();
    return typeof address === 'object' && address ? address.port : port;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((res) => server.close(() => res()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = Date.now();
    const body = await readBody(req, GATEWAY_MAX_BODY_BYTES);
    if (body === 'too-large') return bare(res, 413, 'Request Entity Too Large');
    for (const side of this.sideRoutes) if (await side(req, res, body)) return;
    if (!this.ready) return bare(res, 503, 'Service Unavailable');

    const url = new URL(req.url ?? '/', 'http://local');
    const method = (req.method ?? 'GET').toUpperCase();
    const found = this.match(method, url.pathname);
    if (!found && !this.defaultFunction) return bare(res, 404, 'Not Found');

    if (found?.route.route.auth === 'iam') {
      const raw = req.url ?? '/';
      const q = raw.indexOf('?');
      const verdict = verifySigV4(
        {
          method,
          path: q < 0 ? raw : raw.slice(0, q),
          query: q < 0 ? '' : raw.slice(q + 1),
          headers: req.headers,
          body,
        },
        'execute-api',
        this.credentials(),
      );
      if (!verdict.ok) return bare(res, 403, 'Forbidden');
    }
    const key = found?.route.key ?? '$default';
    const event = toEventV2(req, url, body, key, found?.pathParameters ?? {}, started);
    let result: unknown;
    try {
      result = await this.dispatch(found?.route.route.functionId ?? this.defaultFunction!, event);
    } catch (error) {
      const timedOut = (error as Error).name === 'LambdaTimeoutError';
      // HTTP API answers a failed integration with a bare 500 (503 on timeout), never the error.
      return bare(res, timedOut ? 503 : 500, timedOut ? 'Service Unavailable' : 'Internal Server Error');
    }
    writeResult(res, result);
  }
}

function bare(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ message }));
}

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | 'too-large'> {
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = false;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) tooLarge = true;
    else chunks.push(chunk as Buffer);
  }
  return tooLarge ? 'too-large' : Buffer.concat(chunks);
}

const TEXT_TYPES = /^(text\/|application\/(json|[\w.+-]*\+json|x-www-form-urlencoded|xml|javascript))/i;

function toEventV2(
  req: IncomingMessage,
  url: URL,
  body: Buffer,
  key: string,
  pathParameters: Record<string, string>,
  now: number,
): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams)
    query[name] = name in query ? `${query[name]},${value}` : value;
  const contentType = headers['content-type'] ?? '';
  // HTTP API passes text bodies as they are and base64-encodes the rest (and bytes that are not UTF-8).
  const text = body.length > 0 && TEXT_TYPES.test(contentType) ? decodeUtf8(body) : undefined;
  const requestId = randomUUID();
  return {
    version: '2.0',
    routeKey: key,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    cookies: headers.cookie ? headers.cookie.split(/;\s*/) : undefined,
    headers,
    queryStringParameters: Object.keys(query).length ? query : undefined,
    pathParameters: Object.keys(pathParameters).length ? pathParameters : undefined,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: 'local',
      http: {
        method: (req.method ?? 'GET').toUpperCase(),
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId,
      routeKey: key,
      stage: '$default',
      time: new Date(now).toUTCString(),
      timeEpoch: now,
    },
    body: body.length === 0 ? undefined : (text ?? body.toString('base64')),
    isBase64Encoded: body.length > 0 && text === undefined,
  } as APIGatewayProxyEventV2;
}

function decodeUtf8(body: Buffer): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    return undefined;
  }
}

function writeResult(res: ServerResponse, result: unknown): void {
  // Payload format 2.0: a result without statusCode is a JSON body with status 200.
  const structured =
    result !== null && typeof result === 'object' && 'statusCode' in result
      ? (result as APIGatewayProxyStructuredResultV2)
      : { statusCode: 200, body: JSON.stringify(result), headers: { 'content-type': 'application/json' } };
  const headers: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(structured.headers ?? {})) headers[k.toLowerCase()] = String(v);
  if (structured.cookies?.length) headers['set-cookie'] = structured.cookies;
  const payload =
    structured.body === undefined
      ? undefined
      : structured.isBase64Encoded
        ? Buffer.from(structured.body, 'base64')
        : structured.body;
  res.writeHead(structured.statusCode ?? 200, headers);
  res.end(payload);
}

import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalGateway } from '../../infra/local/gateway.ts';
import type { RouteDecl } from '../../infra/topology.ts';

const routes: RouteDecl[] = [
  { method: 'GET', path: '/v1/products/{productId}', functionId: 'catalog-read', auth: 'none', summary: '' },
  {
    method: 'GET',
    path: '/v1/products/{productId}/related',
    functionId: 'catalog-read',
    auth: 'none',
    summary: '',
  },
  { method: 'GET', path: '/v1/products/featured', functionId: 'api-system', auth: 'none', summary: '' },
  { method: 'POST', path: '/v1/events', functionId: 'ingest-events', auth: 'none', summary: '' },
];

describe('LocalGateway', () => {
  const seen: { functionId: string; event: APIGatewayProxyEventV2 }[] = [];
  const gateway = new LocalGateway(routes, async (functionId, event) => {
    seen.push({ functionId, event });
    if (event.rawPath === '/v1/products/boom') throw new Error('crash');
    return { statusCode: 200, headers: { 'x-fn': functionId }, body: JSON.stringify({ ok: true }) };
  });
  let base = '';
  beforeAll(async () => {
    gateway.ready = true;
    base = `http://127.0.0.1:${await gateway.listen(0)}`;
  });
  afterAll(() => gateway.close());

  describe('match', () => {
    it('prefers the route that fixes more of the path, as HTTP API does', () => {
      expect(gateway.match('GET', '/v1/products/featured')?.route.key).toBe('GET /v1/products/featured');
      expect(gateway.match('GET', '/v1/products/p-1')?.route.key).toBe('GET /v1/products/{productId}');
      expect(gateway.match('GET', '/v1/products/p-1/related')?.pathParameters).toEqual({ productId: 'p-1' });
    });

    it('decodes path parameters and does not match across slashes or methods', () => {
      expect(gateway.match('GET', '/v1/products/a%20b')?.pathParameters).toEqual({ productId: 'a b' });
      expect(gateway.match('GET', '/v1/products/a/b/c')).toBeUndefined();
      expect(gateway.match('POST', '/v1/products/p-1')).toBeUndefined();
    });
  });

  describe('HTTP', () => {
    it('builds a payload 2.0 event with routeKey, joined query values and lower-case headers', async () => {
      const res = await fetch(`${base}/v1/products/p-1/related?limit=5&exclude=a&exclude=b`, {
        headers: { 'X-Trace': 't1' },
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-fn')).toBe('catalog-read');
      const { event } = seen.at(-1)!;
      expect(event.version).toBe('2.0');
      expect(event.routeKey).toBe('GET /v1/products/{productId}/related');
      expect(event.queryStringParameters).toEqual({ limit: '5', exclude: 'a,b' });
      expect(event.headers['x-trace']).toBe('t1');
      expect(event.requestContext.http.method).toBe('GET');
    });

    it('passes a JSON body as text and other bytes as base64', async () => {
      await fetch(`${base}/v1/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"a":1}',
      });
      expect(seen.at(-1)!.event).toMatchObject({ body: '{"a":1}', isBase64Encoded: false });
      await fetch(`${base}/v1/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: new Uint8Array([0xff, 0xfe]),
      });
      expect(seen.at(-1)!.event.isBase64Encoded).toBe(true);
    });

    it('answers 404 with a bare message when no route matches', async () => {
      const res = await fetch(`${base}/nope`);
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({ message: 'Not Found' });
    });

    it('answers a crashed integration with a bare 500 that says nothing of the error', async () => {
      const res = await fetch(`${base}/v1/products/boom`);
      expect(res.status).toBe(500);
      expect(await res.json()).toEqual({ message: 'Internal Server Error' });
    });
  });
});

import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import * as z from 'zod';
import { HttpError, httpApi, jsonBody, parseAt, transientError } from '../../functions/lib/http.ts';
import { logger } from '../../functions/lib/logger.ts';
import { clearSecretCache, ORIGIN_VERIFY_HEADER } from '../../functions/lib/secrets.ts';
import { DomainError } from '../../models/errors.ts';
import { httpEvent, lambdaContext } from '../support/http-event.ts';

const Body = z.strictObject({ items: z.array(z.object({ qty: z.int().min(1) })).min(1) });

const handler = httpApi({
  'POST /things': async (req) => ({ status: 201, body: parseAt('body', Body, jsonBody(req, 1000)) }),
  'GET /things/{id}': async (req) => {
    const { id } = parseAt('path', z.object({ id: z.string().regex(/^t-\d+$/) }), req.pathParameters);
    if (id === 't-404') throw new DomainError('not_found', 'thing t-404 was not found', 'path.id');
    if (id === 't-409') throw new HttpError(409, 'Conflict', 'already taken');
    if (id === 't-500') throw new Error('secret database password in message');
    return { status: 200, body: { id } };
  },
});

async function call(routeKey: string, opts: Parameters<typeof httpEvent>[1] = {}) {
  const res = (await handler(httpEvent(routeKey, opts), lambdaContext)) as APIGatewayProxyStructuredResultV2;
  return { status: res.statusCode, body: JSON.parse(res.body ?? 'null'), headers: res.headers ?? {} };
}

describe('http adapter', () => {
  describe('correlation ids', () => {
    // The id goes into the logger's persistent keys for the invocation (injectLambdaContext resets
    // them for the next one), so every log line of the request carries it.
    const correlationIdOf = async (headers: Record<string, string>) => {
      const spy = vi.spyOn(logger, 'appendKeys');
      try {
        await call('GET /things/{id}', { path: { id: 't-1' }, headers });
        return spy.mock.calls
          .map(([keys]) => (keys as { correlation_id?: string }).correlation_id)
          .filter(Boolean);
      } finally {
        spy.mockRestore();
      }
    };

    it("uses the storefront's well-formed x-correlation-id", async () => {
      expect(await correlationIdOf({ 'x-correlation-id': 'shop-7f3a-01' })).toEqual(['shop-7f3a-01']);
    });

    it('falls back to the request id, and ignores a malformed header', async () => {
      expect(await correlationIdOf({})).toEqual(['req-test']);
      expect(await correlationIdOf({ 'x-correlation-id': 'bad id\n{"forged":1}' })).toEqual(['req-test']);
    });
  });

  describe('transientError', () => {
    it('turns throttling that outlasted the retries, and middy running out of time, into 503 with Retry-After', () => {
      const throttled = Object.assign(new Error('slow down'), {
        name: 'ProvisionedThroughputExceededException',
      });
      const timedOut = Object.assign(new Error('aborted'), {
        name: 'TimeoutError',
        cause: { package: '@middy/core' },
      });
      for (const [error, code] of [
        [throttled, 'Throttled'],
        [timedOut, 'Timeout'],
      ] as const) {
        expect(transientError(error)).toMatchObject({
          statusCode: 503,
          code,
          headers: { 'retry-after': '1' },
        });
      }
      // Anything else stays a 500 (a bug to look at), including an SDK socket timeout we did not expect.
      expect(transientError(new Error('boom'))).toBeUndefined();
      expect(transientError(Object.assign(new Error('socket'), { name: 'TimeoutError' }))).toBeUndefined();
    });
  });

  describe('httpApi', () => {
    it('answers the handler result as JSON with the request id', async () => {
      const res = await call('POST /things', { body: JSON.stringify({ items: [{ qty: 2 }] }) });
      expect(res.status).toBe(201);
      expect(res.body).toEqual({ items: [{ qty: 2 }] });
      expect(res.headers['x-request-id']).toBe('req-test');
    });

    it('answers 400 naming the failing field by its full path', async () => {
      const res = await call('POST /things', { body: JSON.stringify({ items: [{ qty: 1 }, { qty: 0 }] }) });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('ValidationError');
      expect(res.body.error.issues).toEqual([expect.objectContaining({ path: 'body.items.1.qty' })]);
    });

    it('answers 400 for unknown fields in a strict body', async () => {
      const res = await call('POST /things', { body: JSON.stringify({ items: [{ qty: 1 }], admin: true }) });
      expect(res.status).toBe(400);
      expect(res.body.error.message).toContain('admin');
    });

    it('answers 400 InvalidJson for a body that is not JSON', async () => {
      const res = await call('POST /things', { body: '{"items": [' });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('InvalidJson');
      expect(res.body.error.issues[0].path).toBe('body');
    });

    it('answers 400 when the body is missing', async () => {
      const res = await call('POST /things');
      expect(res.status).toBe(400);
      expect(res.body.error.issues[0].path).toBe('body');
    });

    it('answers 413 for a body over the route limit', async () => {
      const res = await call('POST /things', {
        body: JSON.stringify({ items: Array(200).fill({ qty: 1 }) }),
      });
      expect(res.status).toBe(413);
      expect(res.body.error.code).toBe('PayloadTooLarge');
    });

    it('maps a domain not_found to 404 naming the path parameter', async () => {
      const res = await call('GET /things/{id}', { path: { id: 't-404' } });
      expect(res.status).toBe(404);
      expect(res.body.error.issues[0].path).toBe('path.id');
    });

    it('keeps an HttpError status and code', async () => {
      const res = await call('GET /things/{id}', { path: { id: 't-409' } });
      expect(res).toMatchObject({ status: 409, body: { error: { code: 'Conflict' } } });
    });

    it('answers an unexpected error with a generic 500 that does not leak the cause', async () => {
      const res = await call('GET /things/{id}', { path: { id: 't-500' } });
      expect(res.status).toBe(500);
      expect(JSON.stringify(res.body)).not.toContain('secret');
    });

    it('answers 404 for a route the function does not serve', async () => {
      const res = await call('GET /other');
      expect(res.status).toBe(404);
    });

    it('rejects a base64 body that is not UTF-8', async () => {
      const event = httpEvent('POST /things', {
        body: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]).toString('base64'),
      });
      event.isBase64Encoded = true;
      const res = (await handler(event, lambdaContext)) as APIGatewayProxyStructuredResultV2;
      expect(res.statusCode).toBe(400);
    });
  });

  describe('behind the edge (prod): only requests that came through CloudFront', () => {
    const V1 = 'a'.repeat(48);
    const V2 = 'b'.repeat(48);
    const sm = mockClient(SecretsManagerClient);
    const arn = 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:merchandiser-prod-origin-verify';
    const signed = (routeKey: string, headers: Record<string, string> = {}) => {
      const event = httpEvent(routeKey, { path: { id: 't-1' }, headers });
      (event.requestContext as unknown as { authorizer: unknown }).authorizer = {
        iam: { accessKey: 'AKIA', accountId: '111111111111', userArn: 'arn:aws:iam::111111111111:role/shop' },
      };
      return event;
    };

    beforeEach(() => {
      sm.reset();
      clearSecretCache();
      process.env.ORIGIN_VERIFY_SECRET_ARN = arn;
    });
    afterEach(() => {
      delete process.env.ORIGIN_VERIFY_SECRET_ARN;
      clearSecretCache();
    });

    it('answers a request carrying a member of the secret, any member during a rotation', async () => {
      sm.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ v1: V1, v2: V2 }) });
      for (const value of [V1, V2]) {
        const res = await call('GET /things/{id}', {
          path: { id: 't-1' },
          headers: { [ORIGIN_VERIFY_HEADER]: value },
        });
        expect(res.status).toBe(200);
      }
      expect(sm.commandCalls(GetSecretValueCommand)[0]!.args[0].input).toEqual({ SecretId: arn });
    });

    it('refuses with 403 a request that went around CloudFront: no header, or a wrong one, before any route runs', async () => {
      sm.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ v1: V1 }) });
      const sent: Record<string, string>[] = [
        {},
        { [ORIGIN_VERIFY_HEADER]: V2 },
        { [ORIGIN_VERIFY_HEADER]: V1.slice(1) },
      ];
      for (const headers of sent) {
        const res = await call('GET /things/{id}', { path: { id: 't-500' }, headers });
        expect(res.status).toBe(403);
        expect(res.body.error).toMatchObject({
          code: 'Forbidden',
          message: expect.stringMatching(/CloudFront/),
        });
      }
    });

    it("lets a SigV4-signed request (the shop's servers) call the origin directly", async () => {
      const res = (await handler(
        signed('GET /things/{id}'),
        lambdaContext,
      )) as APIGatewayProxyStructuredResultV2;
      expect(res.statusCode).toBe(200);
      expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(0);
    });

    it('checks nothing where the stage has no edge', async () => {
      delete process.env.ORIGIN_VERIFY_SECRET_ARN;
      expect((await call('GET /things/{id}', { path: { id: 't-1' } })).status).toBe(200);
      expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(0);
    });

    it('checks a request whose bearer token API Gateway verified: a JWT is no SigV4 signature', async () => {
      sm.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ v1: V1 }) });
      const event = httpEvent('GET /things/{id}', { path: { id: 't-1' } });
      (event.requestContext as unknown as { authorizer: unknown }).authorizer = {
        jwt: { claims: { sub: 'auth0|abc' }, scopes: [] },
      };
      const res = (await handler(event, lambdaContext)) as APIGatewayProxyStructuredResultV2;
      expect(res.statusCode).toBe(403);
    });

    it('in log mode serves a request without the header and logs it', async () => {
      sm.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ v1: V1 }) });
      process.env.ORIGIN_VERIFY_MODE = 'log';
      const warn = vi.spyOn(logger, 'warn');
      try {
        expect((await call('GET /things/{id}', { path: { id: 't-1' } })).status).toBe(200);
        expect(warn).toHaveBeenCalledWith(expect.stringMatching(/not from CloudFront/), {
          header: 'missing',
          sourceIp: '127.0.0.1',
          userAgent: 'vitest',
          routeKey: 'GET /things/{id}',
        });
        // An unreadable secret does not fail a rollout in log mode either.
        clearSecretCache();
        sm.reset();
        sm.on(GetSecretValueCommand).rejects(new Error('AccessDenied'));
        const res = await call('GET /things/{id}', {
          path: { id: 't-1' },
          headers: { [ORIGIN_VERIFY_HEADER]: V1 },
        });
        expect(res.status).toBe(200);
      } finally {
        warn.mockRestore();
        delete process.env.ORIGIN_VERIFY_MODE;
      }
    });

    it('leaves out a malformed member (a typo in a rotation) and keeps the others; with no good member every request fails (500)', async () => {
      sm.on(GetSecretValueCommand).resolves({
        SecretString: JSON.stringify({ v1: V1, v2: 'short', [V2]: V2 }),
      });
      const warn = vi.spyOn(logger, 'warn');
      const headers = (value: string) => ({
        path: { id: 't-1' },
        headers: { [ORIGIN_VERIFY_HEADER]: value },
      });
      expect((await call('GET /things/{id}', headers(V1))).status).toBe(200);
      expect((await call('GET /things/{id}', headers('short'))).status).toBe(403);
      expect((await call('GET /things/{id}', headers(V2))).status).toBe(403);
      // Warned once for the text, naming the bad members without what may be a pasted value.
      const warned = warn.mock.calls.filter(([m]) => /members left out/.test(String(m)));
      warn.mockRestore();
      expect(warned).toHaveLength(1);
      expect(warned[0]![1]).toEqual({ ignored: ['v2', '<a name of 48 characters>'] });
      expect(JSON.stringify(warned)).not.toContain(V2);
      clearSecretCache();
      sm.reset();
      sm.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ v1: 'short' }) });
      expect((await call('GET /things/{id}', headers('short'))).status).toBe(500);
    });
  });
});

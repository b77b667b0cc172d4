import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  InvalidTokenError,
  personalisedShopper,
  shopperOf,
  signedInShopper,
  signJwtHs256,
  verifyJwtHs256,
} from '../../functions/lib/auth.ts';
import { HttpError, type HttpRequest } from '../../functions/lib/http.ts';
import { localeOf } from '../../functions/lib/locale.ts';

const SECRET = 'unit-test-secret-0123456789';
const NOW = new Date('2026-11-23T10:00:00Z');
const nowS = NOW.getTime() / 1000;

const request = (headers: Record<string, string> = {}, claims?: Record<string, unknown>): HttpRequest => ({
  routeKey: 'POST /v1/quotes',
  requestId: 'r-1',
  pathParameters: {},
  query: {},
  headers,
  rawBody: undefined,
  ...(claims ? { claims } : {}),
});
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

describe('auth', () => {
  describe('verifyJwtHs256', () => {
    it('returns the claims of a token signed with the key', () => {
      const token = signJwtHs256({ sub: 'u-00001', exp: nowS + 60 }, SECRET);
      expect(verifyJwtHs256(token, SECRET, NOW)).toEqual({ sub: 'u-00001', exp: nowS + 60 });
    });

    it('refuses another key, an altered payload, an expired or not-yet-valid token', () => {
      const token = signJwtHs256({ sub: 'u-1', exp: nowS + 60 }, SECRET);
      expect(() => verifyJwtHs256(token, 'another-secret-0123456789', NOW)).toThrow('bad signature');
      const [h, , s] = token.split('.');
      expect(() =>
        verifyJwtHs256(`${h}.${b64({ sub: 'u-admin', exp: nowS + 60 })}.${s}`, SECRET, NOW),
      ).toThrow('bad signature');
      expect(() => verifyJwtHs256(signJwtHs256({ sub: 'u-1', exp: nowS - 60 }, SECRET), SECRET, NOW)).toThrow(
        'expired',
      );
      expect(() =>
        verifyJwtHs256(signJwtHs256({ sub: 'u-1', nbf: nowS + 600 }, SECRET), SECRET, NOW),
      ).toThrow('not valid yet');
    });

    it('refuses alg none and any algorithm but HS256, and malformed tokens', () => {
      const none = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'u-1' })}.`;
      expect(() => verifyJwtHs256(none, SECRET, NOW)).toThrow('only HS256');
      const head = `${b64({ alg: 'HS512' })}.${b64({ sub: 'u-1' })}`;
      const hs512 = `${head}.${createHmac('sha512', SECRET).update(head).digest('base64url')}`;
      expect(() => verifyJwtHs256(hs512, SECRET, NOW)).toThrow(InvalidTokenError);
      expect(() => verifyJwtHs256('not-a-token', SECRET, NOW)).toThrow('not a compact JWT');
      expect(() => verifyJwtHs256('a.b.c', SECRET, NOW)).toThrow(InvalidTokenError);
    });
  });

  describe('shopperOf', () => {
    it('is a guest without a token', () => {
      expect(shopperOf(request(), SECRET, NOW)).toEqual({ userId: null });
    });

    it('is the token subject with a valid bearer token', () => {
      const token = signJwtHs256({ sub: 'u-00042', exp: nowS + 60 }, SECRET);
      expect(shopperOf(request(bearer(token)), SECRET, NOW)).toEqual({ userId: 'u-00042' });
    });

    it('trusts claims an authorizer verified, without a header', () => {
      expect(shopperOf(request({}, { sub: 'u-7' }), SECRET, NOW)).toEqual({ userId: 'u-7' });
    });

    it('answers 401 naming the header for a bad token, never a silent guest', () => {
      const bad = signJwtHs256({ sub: 'u-1' }, 'someone-elses-secret-000');
      for (const headers of [bearer(bad), { authorization: 'Basic abc' }]) {
        try {
          shopperOf(request(headers), SECRET, NOW);
          expect.unreachable();
        } catch (error) {
          expect(error).toBeInstanceOf(HttpError);
          expect(error).toMatchObject({ statusCode: 401, issues: [{ in: 'header', path: 'authorization' }] });
        }
      }
      expect(() => shopperOf(request(bearer(signJwtHs256({ sub: 'x y' }, SECRET))), SECRET, NOW)).toThrow(
        /sub/,
      );
    });
  });

  describe('signedInShopper', () => {
    it('answers 401 for a guest', () => {
      expect(() => signedInShopper(request(), SECRET, NOW)).toThrow(HttpError);
    });
  });

  describe('personalisedShopper', () => {
    const token = signJwtHs256({ sub: 'u-00042', exp: nowS + 60 }, SECRET);
    const refusal = (headers: Record<string, string>, queryUserId: string | undefined) => {
      try {
        personalisedShopper(request(headers), queryUserId, SECRET, NOW);
      } catch (error) {
        return error as HttpError;
      }
      throw new Error('served');
    };

    it("is the token's shopper, or a guest without one", () => {
      expect(personalisedShopper(request(bearer(token)), undefined, SECRET, NOW)).toBe('u-00042');
      expect(personalisedShopper(request(bearer(token)), 'u-00042', SECRET, NOW)).toBe('u-00042');
      expect(personalisedShopper(request(), undefined, SECRET, NOW)).toBeNull();
    });

    it("refuses a user id the token does not prove: 401 without a token, 403 with another shopper's", () => {
      expect(refusal({}, 'u-00042')).toMatchObject({
        statusCode: 401,
        issues: [{ in: 'query', path: 'userId' }],
      });
      expect(refusal(bearer(token), 'u-00043')).toMatchObject({
        statusCode: 403,
        issues: [{ in: 'query', path: 'userId' }],
      });
      expect(refusal(bearer(`${token}x`), 'u-00042')).toMatchObject({
        statusCode: 401,
        issues: [{ in: 'header', path: 'authorization' }],
      });
    });

    it('serves a refused token as a guest when the query names nobody (a stale token still gets recommendations)', () => {
      const expired = signJwtHs256({ sub: 'u-00042', exp: nowS - 3600 }, SECRET);
      for (const headers of [bearer(`${token}x`), bearer(expired), { authorization: 'Basic abc' }]) {
        expect(personalisedShopper(request(headers), undefined, SECRET, NOW)).toBeNull();
      }
    });
  });

  describe('localeOf', () => {
    it('picks zh-CN or en by weight, en by default', () => {
      expect(localeOf(undefined)).toBe('en');
      expect(localeOf('zh-CN,zh;q=0.9,en;q=0.8')).toBe('zh-CN');
      expect(localeOf('en-US,en;q=0.9,zh;q=0.5')).toBe('en');
      expect(localeOf('fr-FR, zh-TW;q=0.7')).toBe('zh-CN');
      expect(localeOf('de')).toBe('en');
    });
  });
});

import { createHmac, randomUUID } from 'node:crypto';
import { createLocalJWKSet, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { shopperIdOfSubject } from '../../events/common.ts';
import {
  InvalidTokenError,
  personalisedShopper,
  type ShopperVerifier,
  shopperOf,
  shopperVerifier,
  signedInShopper,
  signJwtHs256,
  type VerifierConfig,
} from '../../functions/lib/auth.ts';
import { HttpError, type HttpRequest } from '../../functions/lib/http.ts';
import { localeOf } from '../../functions/lib/locale.ts';

const SECRET = 'unit-test-secret-0123456789-abcdef';
const NOW = new Date('2026-11-23T10:00:00Z');
const nowS = NOW.getTime() / 1000;
const ISS = 'https://idp.example.com/';
const AUD = 'merchandiser-api';

const rules = {
  issuer: ISS,
  audience: [AUD],
  maxLifetimeSeconds: 3_600,
  clockSkewSeconds: 30,
} as const;
const hs: VerifierConfig = { ...rules, algorithms: ['HS256'], keys: { kind: 'secret', secret: SECRET } };
const verifier = shopperVerifier(hs);

/** A token as the local key signs it: issuer, audience, a sub, and an hour's lifetime unless overridden. */
const claims = (extra: Record<string, unknown> = {}) =>
  JSON.parse(JSON.stringify({ iss: ISS, aud: AUD, sub: 'u-00001', iat: nowS, exp: nowS + 600, ...extra }));
const token = (extra: Record<string, unknown> = {}, secret = SECRET) => signJwtHs256(claims(extra), secret);

const request = (headers: Record<string, string> = {}): HttpRequest => ({
  routeKey: 'POST /v1/quotes',
  requestId: 'r-1',
  pathParameters: {},
  query: {},
  headers,
  rawBody: undefined,
});
const bearer = (t: string) => ({ authorization: `Bearer ${t}` });
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const refusedWith = async (t: string, v: ShopperVerifier = verifier) => {
  try {
    await v.verify(t, NOW);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidTokenError);
    return (error as Error).message;
  }
  throw new Error('accepted');
};

describe('auth', () => {
  describe('shopperVerifier (HS256, the local key)', () => {
    it('returns the claims of a token signed with the key, for this issuer and audience', async () => {
      expect(await verifier.verify(token(), NOW)).toMatchObject({ sub: 'u-00001', iss: ISS, aud: AUD });
    });

    it('refuses another key, an altered payload, an expired or not-yet-valid token', async () => {
      expect(await refusedWith(token({}, 'another-secret-0123456789-abcdef'))).toBe('bad signature');
      const [h, , s] = token().split('.');
      expect(await refusedWith(`${h}.${b64(claims({ sub: 'u-admin' }))}.${s}`)).toBe('bad signature');
      expect(await refusedWith(token({ iat: nowS - 1200, exp: nowS - 60 }))).toBe('expired');
      expect(await refusedWith(token({ nbf: nowS + 600 }))).toMatch(/nbf/);
    });

    it('requires exp, and refuses a lifetime past the maximum (exp: 1e300, or exp - iat too long)', async () => {
      expect(await refusedWith(token({ exp: undefined }))).toMatch(/exp/);
      expect(await refusedWith(token({ exp: 1e300, iat: undefined }))).toMatch(/lives longer/);
      expect(await refusedWith(token({ exp: nowS + 7_200, iat: undefined }))).toMatch(/lives longer/);
      expect(await refusedWith(token({ iat: nowS - 86_400, exp: nowS + 60 }))).toMatch(/lives longer/);
      expect(await refusedWith(token({ iat: nowS + 600, exp: nowS + 1_200 }))).toMatch(/future/);
      // Within the clock skew either side.
      expect(await verifier.verify(token({ iat: nowS + 20, exp: nowS - 20 + 3_600 }), NOW)).toBeDefined();
      expect(await verifier.verify(token({ iat: nowS - 600, exp: nowS - 20 }), NOW)).toBeDefined();
    });

    it('refuses a foreign iss or aud, and a token without sub', async () => {
      expect(await refusedWith(token({ iss: 'https://evil.example.com/' }))).toMatch(/iss/);
      expect(await refusedWith(token({ iss: undefined }))).toMatch(/iss/);
      expect(await refusedWith(token({ aud: 'another-api' }))).toMatch(/aud/);
      expect(await refusedWith(token({ aud: undefined }))).toMatch(/aud/);
      expect(await refusedWith(token({ sub: undefined }))).toMatch(/sub/);
    });

    it('refuses alg none, any algorithm off the allow-list, and malformed tokens', async () => {
      expect(await refusedWith(`${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims())}.`)).toMatch(/alg|JWS/i);
      const head = `${b64({ alg: 'HS512' })}.${b64(claims())}`;
      const hs512 = `${head}.${createHmac('sha512', SECRET).update(head).digest('base64url')}`;
      expect(await refusedWith(hs512)).toMatch(/alg/);
      expect(await refusedWith('not-a-token')).toBeDefined();
      expect(await refusedWith('a.b.c')).toBeDefined();
    });
  });

  describe('shopperVerifier (RS256 and ES256 from a JWKS)', () => {
    const keyPair = async (alg: 'RS256' | 'ES256') => {
      const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
      const kid = `${alg}-${randomUUID().slice(0, 8)}`;
      return { alg, kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } as JWK };
    };
    const sign = (k: Awaited<ReturnType<typeof keyPair>>, extra: Record<string, unknown> = {}) =>
      new SignJWT(claims(extra))
        .setProtectedHeader({ alg: k.alg, kid: k.kid, typ: 'JWT' })
        .sign(k.privateKey);

    it("accepts RS256 and ES256 tokens signed with the provider's keys, and nothing else", async () => {
      const rsa = await keyPair('RS256');
      const ec = await keyPair('ES256');
      const stranger = await keyPair('RS256');
      const jwks = shopperVerifier({
        ...rules,
        algorithms: ['RS256', 'ES256'],
        keys: { kind: 'resolver', resolve: createLocalJWKSet({ keys: [rsa.jwk, ec.jwk] }) },
      });
      expect(await jwks.verify(await sign(rsa), NOW)).toMatchObject({ sub: 'u-00001' });
      expect(await jwks.verify(await sign(ec), NOW)).toMatchObject({ sub: 'u-00001' });
      expect(await refusedWith(await sign(stranger), jwks)).toMatch(/kid/);
      // A key of the set, but a token that claims HS256 with the public key as its secret.
      const forged = signJwtHs256(claims(), JSON.stringify(rsa.jwk));
      expect(await refusedWith(forged, jwks)).toMatch(/alg/);
      expect(await refusedWith(await sign(rsa, { aud: 'another-api' }), jwks)).toMatch(/aud/);
    });
  });

  describe('shopperIdOfSubject', () => {
    it('keeps ids and Cognito UUIDs, writes Auth0 provider|id as provider:id, refuses the rest', () => {
      expect(shopperIdOfSubject('u-00042')).toBe('u-00042');
      const uuid = '3f0c8a52-91d4-4c3e-8d0a-6b1f2e9c7a10';
      expect(shopperIdOfSubject(uuid)).toBe(uuid);
      expect(shopperIdOfSubject('auth0|65f0c1e2a9b3c4d5e6f7a8b9')).toBe('auth0:65f0c1e2a9b3c4d5e6f7a8b9');
      expect(shopperIdOfSubject('google-oauth2|109876543210987654321')).toBe(
        'google-oauth2:109876543210987654321',
      );
      expect(shopperIdOfSubject('x y')).toBeUndefined();
      expect(shopperIdOfSubject('x'.repeat(65))).toBeUndefined();
      expect(shopperIdOfSubject(42)).toBeUndefined();
    });
  });

  describe('shopperOf', () => {
    it('is a guest without a token', async () => {
      expect(await shopperOf(request(), verifier, NOW)).toEqual({ userId: null });
    });

    it("is the token's shopper, its subject mapped to the stored id", async () => {
      expect(await shopperOf(request(bearer(token({ sub: 'u-00042' }))), verifier, NOW)).toEqual({
        userId: 'u-00042',
      });
      expect(await shopperOf(request(bearer(token({ sub: 'auth0|abc123' }))), verifier, NOW)).toEqual({
        userId: 'auth0:abc123',
      });
    });

    it('answers 401 naming the header for a bad token, never a silent guest', async () => {
      for (const headers of [
        bearer(token({}, 'someone-elses-secret-0123456789ab')),
        { authorization: 'Basic abc' },
      ]) {
        await expect(shopperOf(request(headers), verifier, NOW)).rejects.toMatchObject({
          statusCode: 401,
          issues: [{ in: 'header', path: 'authorization' }],
        });
      }
      await expect(shopperOf(request(bearer(token({ sub: 'x y' }))), verifier, NOW)).rejects.toThrow(/sub/);
    });
  });

  describe('signedInShopper', () => {
    it('answers 401 for a guest', async () => {
      await expect(signedInShopper(request(), verifier, NOW)).rejects.toBeInstanceOf(HttpError);
    });
  });

  describe('personalisedShopper', () => {
    const valid = token({ sub: 'u-00042' });
    const refusal = async (headers: Record<string, string>, queryUserId: string | undefined) => {
      try {
        await personalisedShopper(request(headers), queryUserId, verifier, NOW);
      } catch (error) {
        return error as HttpError;
      }
      throw new Error('served');
    };

    it("is the token's shopper, or a guest without one", async () => {
      expect(await personalisedShopper(request(bearer(valid)), undefined, verifier, NOW)).toBe('u-00042');
      expect(await personalisedShopper(request(bearer(valid)), 'u-00042', verifier, NOW)).toBe('u-00042');
      expect(await personalisedShopper(request(), undefined, verifier, NOW)).toBeNull();
    });

    it("refuses a user id the token does not prove: 401 without a token, 403 with another shopper's", async () => {
      expect(await refusal({}, 'u-00042')).toMatchObject({
        statusCode: 401,
        issues: [{ in: 'query', path: 'userId' }],
      });
      expect(await refusal(bearer(valid), 'u-00043')).toMatchObject({
        statusCode: 403,
        issues: [{ in: 'query', path: 'userId' }],
      });
      expect(await refusal(bearer(`${valid}x`), 'u-00042')).toMatchObject({
        statusCode: 401,
        issues: [{ in: 'header', path: 'authorization' }],
      });
    });

    it('serves a refused token as a guest when the query names nobody (a stale token still gets recommendations)', async () => {
      const expired = token({ sub: 'u-00042', iat: nowS - 3_000, exp: nowS - 600 });
      for (const headers of [bearer(`${valid}x`), bearer(expired), { authorization: 'Basic abc' }]) {
        expect(await personalisedShopper(request(headers), undefined, verifier, NOW)).toBeNull();
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

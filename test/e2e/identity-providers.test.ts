import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { type CryptoKey, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchWriteAll } from '../../functions/adapters/dynamo/batch-write.ts';
import { catalogProduct } from '../support/builders.ts';
import { TEST_NOW } from '../support/clock.ts';
import type { TestRuntime } from '../support/runtime.ts';

/**
 * The service against an identity provider as Cognito, Auth0 or any OIDC issuer runs one: tokens
 * signed RS256 and ES256 with generated key pairs, the public keys served as a JWKS by a local HTTP
 * server, and the runtime pointed at it (AUTH_JWKS_URL, AUTH_ISSUER, AUTH_AUDIENCE) instead of the
 * local HS256 key. A token whose `kid` the JWKS does not hold is refused until the JWKS has it.
 */
const ISSUER = 'https://idp.test.example/';
const AUDIENCE = 'merchandiser-e2e';

interface Key {
  alg: 'RS256' | 'ES256';
  kid: string;
  privateKey: CryptoKey;
  jwk: JWK;
}
async function keyPair(alg: Key['alg']): Promise<Key> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const kid = `${alg.toLowerCase()}-${randomUUID().slice(0, 8)}`;
  return { alg, kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

const served: JWK[] = [];
let fetches = 0;
let jwksServer: Server;
let rt: TestRuntime;
let rsa: Key;
let ec: Key;

const iat = Math.floor(TEST_NOW.getTime() / 1000);
const sign = (key: Key, claims: Record<string, unknown> = {}) =>
  new SignJWT({ iss: ISSUER, aud: AUDIENCE, sub: 'u-idp-0001', iat, exp: iat + 3_600, ...claims })
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' })
    .sign(key.privateKey);

async function quoteWith(token: string): Promise<{ status: number; body: any }> {
  const res = await fetch(`${rt.url}/v1/quotes`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ items: [{ productId: 'p-idp-1', quantity: 1 }] }),
  });
  return { status: res.status, body: await res.json() };
}

beforeAll(async () => {
  [rsa, ec] = await Promise.all([keyPair('RS256'), keyPair('ES256')]);
  served.push(rsa.jwk, ec.jwk);
  jwksServer = createServer((req, res) => {
    if (req.url !== '/.well-known/jwks.json') return void res.writeHead(404).end();
    fetches++;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: served }));
  });
  await new Promise<void>((r) => jwksServer.listen(0, '127.0.0.1', r));
  const { port } = jwksServer.address() as { port: number };
  // Before the runtime starts: the handlers read their environment once.
  Object.assign(process.env, {
    AUTH_JWKS_URL: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    AUTH_ISSUER: ISSUER,
    AUTH_AUDIENCE: AUDIENCE,
    AUTH_ALGORITHMS: 'RS256,ES256',
    // A token with an unknown kid may fetch the keys again at once (the default waits 30 s).
    AUTH_JWKS_COOLDOWN_SECONDS: '0',
  });
  const { startTestRuntime } = await import('../support/runtime.ts');
  rt = await startTestRuntime('idp');
  await batchWriteAll(
    rt.tableNames.products,
    [
      {
        ...catalogProduct('p-idp-1', 'lamps', { listPrice: 5_000, cost: 2_000, stock: 10 }),
        updatedAt: new Date(rt.now()).toISOString(),
      },
    ],
    { client: rt.doc },
  );
}, 120_000);

const SET = [
  'AUTH_JWKS_URL',
  'AUTH_ISSUER',
  'AUTH_AUDIENCE',
  'AUTH_ALGORITHMS',
  'AUTH_JWKS_COOLDOWN_SECONDS',
];
afterAll(async () => {
  await rt?.stop();
  for (const name of SET) delete process.env[name];
  await new Promise((r) => jwksServer?.close(r));
});

describe('shopper tokens from an identity provider (JWKS)', () => {
  it('accepts RS256 and ES256 tokens signed with the keys the JWKS serves', async () => {
    const byRsa = await quoteWith(await sign(rsa));
    expect(byRsa.status, JSON.stringify(byRsa.body)).toBe(201);
    expect(byRsa.body.userId).toBe('u-idp-0001');
    const byEc = await quoteWith(await sign(ec, { sub: 'auth0|65f0c1e2a9b3c4d5e6f7a8b9' }));
    expect(byEc.status, JSON.stringify(byEc.body)).toBe(201);
    // An Auth0-style subject, mapped to the stored shopper id.
    expect(byEc.body.userId).toBe('auth0:65f0c1e2a9b3c4d5e6f7a8b9');
    // One fetch served both (the keys are cached).
    expect(fetches).toBe(1);
  });

  it('refuses a token from an unknown kid until the JWKS has it', async () => {
    const next = await keyPair('RS256');
    const token = await sign(next);
    const refused = await quoteWith(token);
    expect(refused.status).toBe(401);
    expect(refused.body.error.issues).toEqual([
      { path: 'header.authorization', message: expect.stringMatching(/kid/) },
    ]);
    // The provider publishes the new key (a rotation): the same token is now accepted.
    served.push(next.jwk);
    const accepted = await quoteWith(token);
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(201);
  });

  it('refuses a foreign issuer or audience, no exp, a lifetime past the maximum, an HS256 token and alg none', async () => {
    const refusals = [
      await sign(rsa, { iss: 'https://evil.example/' }),
      await sign(rsa, { aud: 'another-api' }),
      await sign(rsa, { exp: undefined }),
      await sign(rsa, { exp: 1e300 }),
      // HS256 with the public key as the secret: the algorithm is not on the list.
      await new SignJWT({ iss: ISSUER, aud: AUDIENCE, sub: 'u-idp-0001', iat, exp: iat + 600 })
        .setProtectedHeader({ alg: 'HS256', kid: rsa.kid })
        .sign(new TextEncoder().encode(JSON.stringify(rsa.jwk))),
      `${Buffer.from(JSON.stringify({ alg: 'none', kid: rsa.kid })).toString('base64url')}.${Buffer.from(
        JSON.stringify({ iss: ISSUER, aud: AUDIENCE, sub: 'u-idp-0001', exp: iat + 600 }),
      ).toString('base64url')}.`,
    ];
    for (const token of refusals) {
      const { status, body } = await quoteWith(token);
      expect(status, token).toBe(401);
      expect(body.error.code).toBe('Unauthorized');
    }
  });
});

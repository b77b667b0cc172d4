import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { type RouteDecl, routes } from '../../infra/topology.ts';

/**
 * Requests signed as an operator's tool or the shop's servers sign them on AWS (SigV4, service
 * `execute-api`), with the local runtime's keys (`local`/`local`): the local gateway refuses the
 * IAM routes (admin, profiles, experiments' results, the commerce route) without such a signature,
 * as API Gateway's IAM authorizer does. The signer is the AWS SDK's own (@smithy/signature-v4), so
 * the gateway's check (infra/local/sigv4.ts) is tested against an independent implementation.
 */

type Data = string | ArrayBuffer | ArrayBufferView;
const bytes = (d: Data) =>
  typeof d === 'string'
    ? Buffer.from(d)
    : ArrayBuffer.isView(d)
      ? Buffer.from(d.buffer, d.byteOffset, d.byteLength)
      : Buffer.from(d);

/** SHA-256 (or its HMAC, given a key) as the signer wants it, on node:crypto. */
class Sha256 {
  private hash: Hash | Hmac;
  constructor(private readonly secret?: Data) {
    this.hash = this.make();
  }
  private make() {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(this.secret));
  }
  update(data: Data) {
    this.hash.update(bytes(data));
  }
  async digest() {
    return new Uint8Array(this.hash.digest());
  }
  reset() {
    this.hash = this.make();
  }
}

export const LOCAL_KEYS = { accessKeyId: 'local', secretAccessKey: 'local' };

/** Signs and sends the request with `fetch`; `keys` to sign as someone else (tests of the refusal). */
export async function signedFetch(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
  keys = LOCAL_KEYS,
): Promise<Response> {
  const u = new URL(url);
  const query: Record<string, string | string[]> = {};
  for (const [k, v] of u.searchParams) {
    const had = query[k];
    query[k] = had === undefined ? v : [...[had].flat(), v];
  }
  const signer = new SignatureV4({
    service: 'execute-api',
    region: 'us-east-1',
    credentials: keys,
    sha256: Sha256,
  });
  const signed = await signer.sign({
    method: init.method ?? 'GET',
    protocol: u.protocol,
    hostname: u.hostname,
    port: Number(u.port),
    path: u.pathname,
    query,
    headers: { host: u.host, ...(init.headers ?? {}) },
    ...(init.body === undefined ? {} : { body: init.body }),
  });
  const { host: _host, ...headers } = signed.headers;
  return fetch(url, {
    method: init.method ?? 'GET',
    headers,
    ...(init.body === undefined ? {} : { body: init.body }),
  });
}

const IAM_ROUTES = (routes as readonly RouteDecl[])
  .filter((r) => r.auth === 'iam')
  .map((r) => ({
    method: r.method,
    path: new RegExp(`^${r.path.replace(/\{\w+\}/g, '[^/]+')}$`),
  }));

/** Whether the request goes to an IAM route (admin, profiles, experiments' results, commerce). */
export const isIamRoute = (method: string, pathname: string): boolean =>
  IAM_ROUTES.some((r) => r.method === method.toUpperCase() && r.path.test(pathname));

/**
 * `fetch` as the party allowed to call the route: an IAM route signed with the local keys (an
 * operator's tool, the shop's servers), any other as a browser sends it.
 */
export function apiFetch(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Response> {
  return isIamRoute(init.method ?? 'GET', new URL(url).pathname) ? signedFetch(url, init) : fetch(url, init);
}

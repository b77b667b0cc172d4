import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * AWS Signature Version 4, checked the way AWS checks it, so that the local runtime's IAM routes
 * (and its bus's PutEvents) need a signed request as they do on AWS: the canonical request is
 * rebuilt from what arrived (method, path, query, the signed headers, the body's hash), signed with
 * the secret key of the access key id the request names, and compared in constant time. The
 * signature must be at most 15 minutes from the wall clock, as AWS allows. Locally the only
 * principal is the runtime's own: its `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY` (`local` and
 * `local` unless set), which the handlers' SDK clients sign with too.
 */

export interface SignedRequest {
  method: string;
  /** The path as sent, before any decoding. */
  path: string;
  /** The query string as sent, without `?`. */
  query: string;
  /** Lower-case names. */
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export type Verdict = { ok: true; accessKeyId: string } | { ok: false; reason: string };

/** How far a signature's time may be from the wall clock (AWS: 15 minutes). */
const MAX_SKEW_MS = 15 * 60_000;
const AUTH =
  /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{8})\/([^/,\s]+)\/([^/,\s]+)\/aws4_request,\s*SignedHeaders=([a-z0-9;-]+),\s*Signature=([0-9a-f]{64})$/;

const sha256Hex = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();
/** RFC 3986 encoding, as AWS canonicalises (encodeURIComponent leaves !'()* alone). */
const escapeUri = (s: string) =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

function canonicalPath(path: string): string {
  const segments: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  const normal = `/${segments.join('/')}${segments.length > 0 && path.endsWith('/') ? '/' : ''}`;
  // Every service but S3 encodes the path twice: the encoded path as sent, encoded again.
  return escapeUri(normal).replace(/%2F/g, '/');
}

function canonicalQuery(query: string): string {
  if (query === '') return '';
  const pairs = query
    .split('&')
    .filter(Boolean)
    .map((part) => {
      const at = part.indexOf('=');
      const [k, v] = at < 0 ? [part, ''] : [part.slice(0, at), part.slice(at + 1)];
      return [escapeUri(safeDecode(k)), escapeUri(safeDecode(v))] as const;
    })
    .filter(([k]) => k.toLowerCase() !== 'x-amz-signature');
  return pairs
    .map(([k, v]) => `${k}=${v}`)
    .sort()
    .join('&');
}

const headerValue = (v: string | string[] | undefined) => (Array.isArray(v) ? v.join(',') : (v ?? ''));

/** Whether `request` carries a valid SigV4 signature for `service` by one of `credentials` (access key id -> secret). */
export function verifySigV4(
  request: SignedRequest,
  service: string,
  credentials: Readonly<Record<string, string>>,
  nowMs: number = Date.now(),
): Verdict {
  const m = AUTH.exec(headerValue(request.headers.authorization).trim());
  if (!m) return { ok: false, reason: 'no AWS SigV4 Authorization header' };
  const [, accessKeyId, day, region, signedService, signedHeaderList, signature] = m as unknown as string[];
  const secret = credentials[accessKeyId!];
  if (secret === undefined) return { ok: false, reason: 'unknown access key id' };
  if (signedService !== service) return { ok: false, reason: `signed for ${signedService}, not ${service}` };
  const amzDate = headerValue(request.headers['x-amz-date']);
  const when = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
  if (!when || amzDate.slice(0, 8) !== day)
    return { ok: false, reason: 'x-amz-date missing or not the scope date' };
  const signedAt = Date.UTC(+when[1]!, +when[2]! - 1, +when[3]!, +when[4]!, +when[5]!, +when[6]!);
  if (Math.abs(nowMs - signedAt) > MAX_SKEW_MS)
    return { ok: false, reason: 'signature expired or not yet current' };
  const signedHeaders = signedHeaderList!.split(';');
  if (!signedHeaders.includes('host') || !signedHeaders.includes('x-amz-date')) {
    return { ok: false, reason: 'host and x-amz-date must be signed' };
  }
  const bodyHash = sha256Hex(request.body);
  const declared = headerValue(request.headers['x-amz-content-sha256']);
  if (declared !== '' && declared !== 'UNSIGNED-PAYLOAD' && declared !== bodyHash) {
    return { ok: false, reason: 'the body is not the one signed' };
  }
  const canonical = [
    request.method.toUpperCase(),
    canonicalPath(request.path),
    canonicalQuery(request.query),
    ...signedHeaders.map((h) => `${h}:${headerValue(request.headers[h]).trim().replace(/\s+/g, ' ')}`),
    '',
    signedHeaders.join(';'),
    declared !== '' ? declared : bodyHash,
  ].join('\n');
  const scope = `${day}/${region}/${service}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256Hex(canonical)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${secret}`, day!), region!), service), 'aws4_request');
  const expected = Buffer.from(createHmac('sha256', key).update(toSign).digest('hex'));
  const given = Buffer.from(signature!);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: 'signature does not match' };
  }
  return { ok: true, accessKeyId: accessKeyId! };
}

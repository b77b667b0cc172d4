import { createHash, timingSafeEqual } from 'node:crypto';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as z from 'zod';
import { keyRingOf, type QuoteKeyRing } from '../../models/pricing/sign.ts';
import { once } from './aws.ts';
import { nowMs } from './clock.ts';
import { env, secretsEnv } from './config.ts';
import { logger } from './logger.ts';

/**
 * Secrets read at run time, not at deploy: the stack hands a function a secret's ARN
 * (`<NAME>_SECRET_ARN`) and the right to read that one secret; the function reads it on first use
 * and again once its copy is older than SECRETS_CACHE_SECONDS (5 minutes). A rotated value is
 * therefore in every container within that long, with no deploy, and nothing secret is in the
 * template or the function's configuration. Locally the runtime sets the variable `<NAME>` itself.
 */
export const secretsManager = /* @__PURE__ */ once(
  () => new SecretsManagerClient({ region: env().AWS_REGION, maxAttempts: 4 }),
);

interface Cached {
  at: number;
  value: Promise<string>;
  /** The last value read successfully: served if a refresh fails. */
  good?: string;
}
const cache = new Map<string, Cached>();

export interface SecretPorts {
  client?: () => Pick<SecretsManagerClient, 'send'>;
}

/** The secret's text: the variable `name` when set (local), else the Secrets Manager secret `<name>_SECRET_ARN` names. */
export async function secretText(
  name: string,
  { client = secretsManager }: SecretPorts = {},
): Promise<string> {
  const direct = process.env[name];
  if (direct) return direct;
  const arn = process.env[`${name}_SECRET_ARN`];
  if (!arn)
    throw new Error(`neither ${name} nor ${name}_SECRET_ARN is set: the function is not wired to the secret`);
  const hit = cache.get(name);
  if (hit && nowMs() - hit.at < secretsEnv().SECRETS_CACHE_SECONDS * 1000) return hit.value;
  const entry: Cached = {
    at: nowMs(),
    ...(hit?.good !== undefined ? { good: hit.good } : {}),
    value: client()
      .send(new GetSecretValueCommand({ SecretId: arn }))
      .then((out) => {
        if (!out.SecretString) throw new Error(`secret ${name} has no string value`);
        entry.good = out.SecretString;
        return out.SecretString;
      })
      .catch((error: unknown) => {
        // A refresh that fails keeps the last good value (and tries again on the next request).
        entry.at = 0;
        if (entry.good === undefined) throw error;
        logger.warn('secret not refreshed; the last value serves', {
          secret: name,
          error: (error as Error).name,
        });
        return entry.good;
      }),
  };
  cache.set(name, entry);
  return entry.value;
}

/** Forgets every cached secret (tests). */
export const clearSecretCache = (): void => {
  cache.clear();
  parsedRing = undefined;
};

/** A member's name in a secret of named members (a key ring's key id, an origin-verify member). */
export const SECRET_MEMBER_NAME = /^[A-Za-z0-9-]{1,32}$/;
/** The fewest characters a key or an origin-verify value may have. */
const MIN_SECRET_CHARACTERS = 32;

/** A secret's text as JSON; a text that is none fails naming the secret, never echoing it. */
function secretJson(name: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`${name} is not JSON`);
  }
}

/**
 * The quote-signing key ring as the secret holds it: `{"current": "<keyId>", "<keyId>": "<key>", ...}`,
 * every member but `current` a key by its id (the flat shape Secrets Manager's generated secrets
 * have). Rotating: add the new key, then make it `current`, then, once every quote the old key
 * signed has expired, remove the old one (docs/deploying.md).
 */
const KeyRingText = z
  .record(z.string().regex(SECRET_MEMBER_NAME, 'key ids are 1-32 letters, digits or "-"'), z.string())
  .transform((record, ctx): QuoteKeyRing => {
    const { current, ...keys } = record;
    const short = Object.entries(keys).filter(([, k]) => k.length < MIN_SECRET_CHARACTERS);
    if (short.length > 0) {
      ctx.addIssue({
        code: 'custom',
        message: `keys must be at least 32 characters: ${short.map(([id]) => id).join(', ')}`,
      });
      return z.NEVER;
    }
    if (current === undefined || keys[current] === undefined) {
      ctx.addIssue({ code: 'custom', message: '`current` must name one of the keys' });
      return z.NEVER;
    }
    return { current, keys };
  });

export const QUOTE_SIGNING_KEYS = 'QUOTE_SIGNING_KEYS';

export async function quoteSigningKeys(ports: SecretPorts = {}): Promise<QuoteKeyRing> {
  const json = secretJson(QUOTE_SIGNING_KEYS, await secretText(QUOTE_SIGNING_KEYS, ports));
  const parsed = KeyRingText.safeParse(json);
  if (!parsed.success) throw new Error(`${QUOTE_SIGNING_KEYS}: ${parsed.error.issues[0]?.message}`);
  return keyRingOf(parsed.data);
}

/**
 * The origin-verify secret (prod, behind CloudFront): `{"v1": "<48 random characters>", ...}`.
 * CloudFront sends one member in `x-origin-verify` (the stage's `edge.originVerifyKey`); a request
 * that reaches the API's custom domain without one of the members did not come through CloudFront
 * and its WAF. Every member is accepted, so a rotation adds a member, points CloudFront at it, then
 * removes the old one (docs/deploying.md).
 */
export const ORIGIN_VERIFY = 'ORIGIN_VERIFY';
/** The header CloudFront adds to every request it forwards to the API (infra/stacks/edge-stack.ts). */
export const ORIGIN_VERIFY_HEADER = 'x-origin-verify';

/** Whether the stage wires the origin-verify secret to this function (it sits behind the edge). */
export const behindEdge = (): boolean =>
  Boolean(process.env[ORIGIN_VERIFY] || process.env[`${ORIGIN_VERIFY}_SECRET_ARN`]);

/**
 * The values CloudFront may send in `x-origin-verify` (more than one during a rotation). A member
 * that is no value (a name or a value of the wrong shape, a value under 32 characters: a typo in a
 * rotation) is left out and logged, so it cannot take the routes down; a secret with no value at all
 * fails every request (500), since none could pass.
 */
export async function originVerifyValues(ports: SecretPorts = {}): Promise<string[]> {
  const text = await secretText(ORIGIN_VERIFY, ports);
  // Parsed once per text read (a request each would otherwise warn again about the same typo).
  if (parsedRing?.text !== text) parsedRing = { text, values: parseRing(text) };
  return parsedRing.values;
}

let parsedRing: { text: string; values: string[] } | undefined;

function parseRing(text: string): string[] {
  const json = secretJson(ORIGIN_VERIFY, text);
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw new Error(`${ORIGIN_VERIFY} is not an object of members`);
  const members = Object.entries(json);
  const good = ([name, value]: [string, unknown]) =>
    SECRET_MEMBER_NAME.test(name) && typeof value === 'string' && value.length >= MIN_SECRET_CHARACTERS;
  const values = members.flatMap((m) => (good(m) ? [m[1] as string] : []));
  if (values.length < members.length) {
    logger.warn(
      'origin-verify members left out: a name of 1-32 letters, digits or "-", a value of 32 characters or more',
      {
        // A name of the wrong shape may be a value pasted in its place: only its length is logged.
        ignored: members
          .filter((m) => !good(m))
          .map(([name]) => (SECRET_MEMBER_NAME.test(name) ? name : `<a name of ${name.length} characters>`)),
      },
    );
  }
  if (values.length === 0) throw new Error(`${ORIGIN_VERIFY} has no member of 32 characters or more`);
  return values;
}

/**
 * `log` while a stage first puts the check in front of traffic (CloudFront takes minutes to send
 * the header everywhere): a request without it is served and logged. Anything else enforces.
 */
export const originVerifyLogsOnly = (): boolean => process.env.ORIGIN_VERIFY_MODE === 'log';

/** Equal texts, compared in constant time (digests, so that a length says nothing either). */
export function sameSecret(a: string, b: string): boolean {
  const digest = (x: string) => createHash('sha256').update(x).digest();
  return timingSafeEqual(digest(a), digest(b));
}

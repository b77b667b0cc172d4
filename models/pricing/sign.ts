import { createHmac, timingSafeEqual } from 'node:crypto';
import type { ServedVariant } from '../../events/experiments.ts';
import type { Quote, QuoteBody } from '../../events/pricing.ts';

/**
 * Signed quotes. The signature is HMAC-SHA256, under a key only the service holds, over the
 * canonical JSON of every field of the quote except `signature` itself: object keys sorted by
 * code unit, no whitespace, absent (undefined) fields left out, arrays in their order. Checkout
 * can then trust every line, total and expiry of a quote it is handed back.
 *
 * The signature names the key that made it (`v2.<keyId>.<mac>`), so the key can rotate with an
 * overlap window: new quotes are signed with the ring's `current` key, and a quote signed with an
 * older key still verifies while that key is in the ring (docs/deploying.md, "Rotating the
 * quote-signing key").
 */

const VERSION = 'v2';
const KEY_ID = /^[A-Za-z0-9-]{1,32}$/;
const SIGNATURE = /^v2\.([A-Za-z0-9-]{1,32})\.([A-Za-z0-9_-]{43})$/;

/** The quote-signing keys: the one new quotes are signed with, and every one a quote may still name. */
export interface QuoteKeyRing {
  current: string;
  keys: Readonly<Record<string, string>>;
}
/** A ring, or one key on its own (its id is `k0`): tests and benches sign with a single key. */
export type QuoteKeys = QuoteKeyRing | string;

export function keyRingOf(keys: QuoteKeys): QuoteKeyRing {
  const ring = typeof keys === 'string' ? { current: 'k0', keys: { k0: keys } } : keys;
  if (!KEY_ID.test(ring.current) || ring.keys[ring.current] === undefined) {
    throw new Error('the quote key ring has no current key');
  }
  return ring;
}

/** Stable JSON: the same value always gives the same text, whatever order its keys were set in. */
export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new Error('canonicalJson: numbers must be finite');
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++) {
          if (i > 0) out += ',';
          out += value[i] === undefined ? 'null' : canonicalJson(value[i]);
        }
        return `${out}]`;
      }
      const record = value as Record<string, unknown>;
      // Default sort: by UTF-16 code unit, the same in every runtime.
      const keys = Object.keys(record).sort();
      let out = '{';
      for (const k of keys) {
        const v = record[k];
        if (v === undefined) continue;
        if (out.length > 1) out += ',';
        out += `${JSON.stringify(k)}:${canonicalJson(v)}`;
      }
      return `${out}}`;
    }
    default:
      throw new Error(`canonicalJson: cannot encode a ${typeof value}`);
  }
}

function mac(unsigned: Omit<Quote, 'signature'>, keyId: string, key: string): string {
  return `${VERSION}.${keyId}.${createHmac('sha256', key).update(canonicalJson(unsigned)).digest('base64url')}`;
}

export interface SignOptions {
  quoteId: string;
  /** ISO instant; usually the pricing time. */
  issuedAt: string;
  ttlSeconds: number;
  /** Signed with the ring's current key. */
  key: QuoteKeys;
  /** The experiment variants that priced the quote (none by default); signed with the rest. */
  experiments?: readonly ServedVariant[];
}

/** Stamps a priced quote with its id, issue and expiry times, and signs it. */
export function signQuote(
  body: QuoteBody,
  { quoteId, issuedAt, ttlSeconds, key, experiments = [] }: SignOptions,
): Quote {
  const issuedMs = Date.parse(issuedAt);
  if (Number.isNaN(issuedMs)) throw new Error('signQuote: issuedAt must be an ISO instant');
  if (!Number.isSafeInteger(ttlSeconds) || ttlSeconds <= 0)
    throw new Error('signQuote: ttlSeconds must be > 0');
  const unsigned = {
    ...body,
    experiments: experiments.map(({ experimentId, variantId }) => ({ experimentId, variantId })),
    quoteId,
    issuedAt: new Date(issuedMs).toISOString(),
    expiresAt: new Date(issuedMs + ttlSeconds * 1000).toISOString(),
  };
  const ring = keyRingOf(key);
  return { ...unsigned, signature: mac(unsigned, ring.current, ring.keys[ring.current]!) };
}

export type Verification = { ok: true } | { ok: false; reason: 'tampered' | 'expired' };

/**
 * Whether the quote is exactly as the service signed it, and still valid at `now`. The signature is
 * checked first, so an altered `expiresAt` is `tampered`, not a fresh quote. A quote whose key has
 * left the ring cannot be checked: past its expiry it is `expired` (what it would be anyway: keys
 * leave the ring only after every quote they signed has expired), before it `tampered`.
 */
export function verifyQuote(quote: Quote, keys: QuoteKeys, now: Date | string): Verification {
  const { signature, ...unsigned } = quote;
  const nowMs = typeof now === 'string' ? Date.parse(now) : now.getTime();
  const expired = !(nowMs < Date.parse(quote.expiresAt));
  const match = SIGNATURE.exec(typeof signature === 'string' ? signature : '');
  const key = match ? keyRingOf(keys).keys[match[1]!] : undefined;
  if (match === null || key === undefined)
    return { ok: false, reason: match && expired ? 'expired' : 'tampered' };
  const expected = Buffer.from(mac(unsigned, match[1]!, key));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return { ok: false, reason: 'tampered' };
  if (expired) return { ok: false, reason: 'expired' };
  return { ok: true };
}

import { createHmac, timingSafeEqual } from 'node:crypto';
import type { ServedVariant } from '../../events/experiments.ts';
import type { Quote, QuoteBody } from '../../events/pricing.ts';

/**
 * Signed quotes. The signature is HMAC-SHA256, under a key only the service holds, over the
 * canonical JSON of every field of the quote except `signature` itself: object keys sorted by
 * code unit, no whitespace, absent (undefined) fields left out, arrays in their order. Checkout
 * can then trust every line, total and expiry of a quote it is handed back.
 */

const VERSION = 'v1';

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

function mac(unsigned: Omit<Quote, 'signature'>, key: string | Buffer): string {
  return `${VERSION}.${createHmac('sha256', key).update(canonicalJson(unsigned)).digest('base64url')}`;
}

export interface SignOptions {
  quoteId: string;
  /** ISO instant; usually the pricing time. */
  issuedAt: string;
  ttlSeconds: number;
  key: string | Buffer;
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
  return { ...unsigned, signature: mac(unsigned, key) };
}

export type Verification = { ok: true } | { ok: false; reason: 'tampered' | 'expired' };

/**
 * Whether the quote is exactly as the service signed it, and still valid at `now`. The signature is
 * checked first, so an altered `expiresAt` is `tampered`, not a fresh quote.
 */
export function verifyQuote(quote: Quote, key: string | Buffer, now: Date | string): Verification {
  const { signature, ...unsigned } = quote;
  const expected = Buffer.from(mac(unsigned, key));
  const given = Buffer.from(typeof signature === 'string' ? signature : '');
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return { ok: false, reason: 'tampered' };
  const nowMs = typeof now === 'string' ? Date.parse(now) : now.getTime();
  if (!(nowMs < Date.parse(quote.expiresAt))) return { ok: false, reason: 'expired' };
  return { ok: true };
}

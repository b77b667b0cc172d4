import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { useClock } from '../../functions/lib/clock.ts';
import { clearSecretCache, quoteSigningKeys } from '../../functions/lib/secrets.ts';
import { priceQuote } from '../../models/pricing/engine.ts';
import { type QuoteKeyRing, signQuote, verifyQuote } from '../../models/pricing/sign.ts';
import { NOW } from '../support/builders.ts';
import { baseInput, tent } from '../support/pricing-fixtures.ts';

const K1 = 'first-key-0123456789-0123456789-0123456789';
const K2 = 'second-key-0123456789-0123456789-012345678';
const issuedAt = NOW;
const in5min = new Date(Date.parse(NOW) + 5 * 60_000);
const in20min = new Date(Date.parse(NOW) + 20 * 60_000);

describe('quote signing keys', () => {
  describe('signQuote and verifyQuote with a key ring', () => {
    const body = priceQuote(baseInput({ lines: [{ product: tent, quantity: 1 }], promotions: [] }));
    const sign = (ring: QuoteKeyRing) =>
      signQuote(body, { quoteId: 'q-rot', issuedAt, ttlSeconds: 900, key: ring });

    it('names the key in the signature, and verifies with whichever key of the ring it names', () => {
      const before = { current: 'k1', keys: { k1: K1 } };
      const quote = sign(before);
      expect(quote.signature).toMatch(/^v2\.k1\.[A-Za-z0-9_-]{43}$/);
      // Rotation, step 2: k2 is current, k1 stays for the overlap window.
      const during = { current: 'k2', keys: { k1: K1, k2: K2 } };
      expect(verifyQuote(quote, during, in5min)).toEqual({ ok: true });
      expect(sign(during).signature).toMatch(/^v2\.k2\./);
      // Another key under the old id is not the old key.
      expect(verifyQuote(quote, { current: 'k1', keys: { k1: K2 } }, in5min)).toEqual({
        ok: false,
        reason: 'tampered',
      });
    });

    it('after the overlap window a quote of the removed key reads as expired, before it as tampered', () => {
      const quote = sign({ current: 'k1', keys: { k1: K1 } });
      const after = { current: 'k2', keys: { k2: K2 } };
      expect(verifyQuote(quote, after, in20min)).toEqual({ ok: false, reason: 'expired' });
      expect(verifyQuote(quote, after, in5min)).toEqual({ ok: false, reason: 'tampered' });
      // A signature that names a key under another id does not verify either.
      const renamed = { ...quote, signature: quote.signature.replace('v2.k1.', 'v2.k2.') };
      expect(verifyQuote(renamed, { current: 'k2', keys: { k1: K1, k2: K2 } }, in5min).ok).toBe(false);
    });
  });

  describe('quoteSigningKeys (a secret read at run time)', () => {
    const sm = mockClient(SecretsManagerClient);
    let now = Date.parse(NOW);
    const ring = (value: Record<string, string>) => ({ SecretString: JSON.stringify(value) });

    beforeEach(() => {
      sm.reset();
      clearSecretCache();
      useClock(() => now);
      delete process.env.QUOTE_SIGNING_KEYS;
      process.env.QUOTE_SIGNING_KEYS_SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:keys';
    });
    afterEach(() => {
      delete process.env.QUOTE_SIGNING_KEYS_SECRET_ARN;
      useClock(Date.now);
    });

    it('reads the ring from the secret its ARN names, keeps it 5 minutes, then reads the rotated one', async () => {
      sm.on(GetSecretValueCommand)
        .resolvesOnce(ring({ current: 'k1', k1: K1 }))
        .resolves(ring({ current: 'k2', k1: K1, k2: K2 }));
      expect(await quoteSigningKeys()).toEqual({ current: 'k1', keys: { k1: K1 } });
      now += 60_000;
      expect((await quoteSigningKeys()).current).toBe('k1');
      expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(1);
      expect(sm.commandCalls(GetSecretValueCommand)[0]!.args[0].input).toEqual({
        SecretId: 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:keys',
      });
      now += 300_000;
      expect(await quoteSigningKeys()).toEqual({ current: 'k2', keys: { k1: K1, k2: K2 } });
    });

    it('keeps serving the last ring when a refresh fails, and refuses a malformed one', async () => {
      sm.on(GetSecretValueCommand)
        .resolvesOnce(ring({ current: 'k1', k1: K1 }))
        .rejects(new Error('throttled'));
      await quoteSigningKeys();
      now += 600_000;
      expect((await quoteSigningKeys()).current).toBe('k1');
      clearSecretCache();
      sm.reset();
      sm.on(GetSecretValueCommand).resolves(ring({ current: 'k9', k1: K1 }));
      await expect(quoteSigningKeys()).rejects.toThrow(/current/);
      clearSecretCache();
      sm.reset();
      sm.on(GetSecretValueCommand).resolves(ring({ current: 'k1', k1: 'short' }));
      await expect(quoteSigningKeys()).rejects.toThrow(/32 characters/);
    });
  });
});

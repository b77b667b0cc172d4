import { randomUUID } from 'node:crypto';
import { GroupPath, OpenGroupRequest, QuotePath } from '../events/api.ts';
import { QuoteRequest } from '../events/pricing.ts';
import { IDEMPOTENCY_KEY } from '../models/pricing/counters.ts';
import { joinGroup, openGroup } from '../models/pricing/groups.ts';
import { createQuote, type QuoteExperimentPorts, readQuote } from '../models/pricing/quotes.ts';
import { redeemQuote } from '../models/pricing/redemption.ts';
import { cachedExperiments } from './adapters/experiment-store.ts';
import { publishExposures } from './adapters/exposures.ts';
import {
  cachedPromotions,
  dynamoGroupStore,
  dynamoPricingSources,
  dynamoQuoteStore,
  dynamoRedemptionStore,
  promotionsById,
} from './adapters/pricing-store.ts';
import { shopperOf, signedInShopper } from './lib/auth.ts';
import { nowDate } from './lib/clock.ts';
import { env, pricingEnv, tableName } from './lib/config.ts';
import { httpApi, jsonBody, parseAt, validationError } from './lib/http.ts';
import { localeOf } from './lib/locale.ts';
import { countMetric } from './lib/metrics.ts';
import { quoteSigningKeys } from './lib/secrets.ts';

const sources = dynamoPricingSources(
  {
    products: tableName('products'),
    promotions: tableName('promotions'),
    scenes: tableName('scenes'),
    customers: tableName('customers'),
    groups: tableName('groups'),
    redemptions: tableName('redemptions'),
    rfmProfiles: tableName('rfmProfiles'),
  },
  {
    promotions: cachedPromotions(tableName('promotions'), {
      cacheSeconds: pricingEnv().PROMOTIONS_CACHE_SECONDS,
    }),
  },
);
const quotes = dynamoQuoteStore(tableName('quotes'));
const groups = dynamoGroupStore(tableName('groups'));
const redemptions = dynamoRedemptionStore(tableName('redemptions'));
const promotions = promotionsById(tableName('promotions'));

/**
 * Promotion experiments: the running definitions, cached per container like related-read's, and the
 * exposures, published with one retry at most and never failing the quote (a lost exposure is one
 * shopper less in the count; a systematic loss shows as a sample ratio mismatch).
 */
const experiments: QuoteExperimentPorts = {
  definitions: cachedExperiments(tableName('experiments')),
  exposed: publishExposures,
  newEventId: () => `exp-${randomUUID()}`,
};

function idempotencyKeyOf(headers: Record<string, string | undefined>): string {
  const key = headers['idempotency-key'] ?? headers['Idempotency-Key'];
  if (key === undefined || !IDEMPOTENCY_KEY.test(key)) {
    const message = key === undefined ? 'required' : 'must be 8-128 letters, digits, ".", "_", ":" or "-"';
    throw validationError('header', [{ field: 'idempotency-key', message }]);
  }
  return key;
}

export const handler = httpApi({
  'POST /v1/quotes': async (req) => {
    const cfg = pricingEnv();
    const { userId } = await shopperOf(req);
    const request = parseAt('body', QuoteRequest, jsonBody(req));
    const quote = await createQuote({ sources, quotes, experiments }, request, {
      userId,
      locale: localeOf(req.headers['accept-language']),
      now: nowDate(),
      quoteId: `q-${randomUUID()}`,
      currency: env().CATALOG_CURRENCY,
      minMarginPercent: cfg.MIN_MARGIN_PERCENT,
      ttlSeconds: cfg.QUOTE_TTL_SECONDS,
      signingKey: await quoteSigningKeys(),
    });
    return { status: 201, body: quote, headers: { location: `/v1/quotes/${quote.quoteId}` } };
  },
  'GET /v1/quotes/{quoteId}': async (req) => {
    const { userId } = await shopperOf(req);
    const { quoteId } = parseAt('path', QuotePath, req.pathParameters);
    const body = await readQuote(quotes, quoteId, {
      userId,
      now: nowDate(),
      signingKey: await quoteSigningKeys(),
    });
    return { status: 200, body };
  },
  'POST /v1/quotes/{quoteId}/redeem': async (req) => {
    const userId = await signedInShopper(req);
    const { quoteId } = parseAt('path', QuotePath, req.pathParameters);
    const idempotencyKey = idempotencyKeyOf(req.headers);
    const body = await redeemQuote(
      { quotes, redemptions, promotions },
      { quoteId, userId, idempotencyKey, now: nowDate(), signingKey: await quoteSigningKeys() },
    );
    countMetric('QuoteRedemptions', 1);
    return { status: 200, body };
  },
  'POST /v1/groups': async (req) => {
    const userId = await signedInShopper(req);
    const { promotionId } = parseAt('body', OpenGroupRequest, jsonBody(req));
    const body = await openGroup(
      { groups, promotions },
      { promotionId, userId, now: nowDate(), groupId: `g-${randomUUID()}` },
    );
    return { status: 201, body, headers: { location: `/v1/groups/${body.groupId}` } };
  },
  'POST /v1/groups/{groupId}/members': async (req) => {
    const userId = await signedInShopper(req);
    const { groupId } = parseAt('path', GroupPath, req.pathParameters);
    return { status: 200, body: await joinGroup(groups, { groupId, userId, now: nowDate() }) };
  },
});

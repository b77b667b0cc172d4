import { randomUUID } from 'node:crypto';
import { ProductPath, RelatedQuery } from '../events/api.ts';
import { relatedForShopper } from '../models/experiments/related.ts';
import { DEFAULT_SEGMENT_POLICY, type ShopperSegment } from '../models/segments/policy.ts';
import { publishEvents } from './adapters/event-publisher.ts';
import { cachedExperiments, segmentReader } from './adapters/experiment-store.ts';
import { dynamoRelatedReader } from './adapters/related-store.ts';
import { env, tableName } from './lib/config.ts';
import { httpApi, parseAt } from './lib/http.ts';
import { logger } from './lib/logger.ts';

const reader = dynamoRelatedReader({
  products: tableName('products'),
  related: tableName('related'),
  shoppers: tableName('shoppers'),
});
const experiments = cachedExperiments(tableName('experiments'));
const readSegment = segmentReader(tableName('profiles'));

/** Personalisation, not correctness: a failed read serves the default policy and no segment. */
const segmentOf = async (userId: string): Promise<ShopperSegment> => {
  try {
    return await readSegment(userId);
  } catch (error) {
    logger.warn('segment not read; defaults served', { error: (error as Error).message });
    return { segment: null, policy: DEFAULT_SEGMENT_POLICY };
  }
};

/**
 * Exposures are recorded after the answer is built, with one retry at most: the storefront waits
 * on this request, and a lost exposure costs one shopper's count (a systematic loss shows as a
 * sample ratio mismatch in the results), while a slow answer costs every shopper.
 */
const exposed = async (events: Parameters<typeof publishEvents>[0]) => {
  try {
    const { failed } = await publishEvents(events, { maxAttempts: 2 });
    if (failed.length > 0) logger.warn('exposures not recorded', { failed });
  } catch (error) {
    logger.warn('exposures not recorded', { error: (error as Error).message });
  }
};

export const handler = httpApi({
  'GET /v1/products/{productId}/related': async (req) => {
    const { productId } = parseAt('path', ProductPath, req.pathParameters);
    const q = parseAt('query', RelatedQuery, req.query);
    const body = await relatedForShopper(
      { reader, experiments, segmentOf, exposed },
      { productId, sessionId: q.sessionId, userId: q.userId },
      {
        limit: q.limit,
        exclude: q.exclude ?? [],
        category: q.category,
        maxPrice: q.maxPrice,
        perCategory: q.perCategory,
      },
      env().CATALOG_CURRENCY,
      { now: Date.now(), newEventId: () => `exp-${randomUUID()}` },
    );
    return { status: 200, body };
  },
});

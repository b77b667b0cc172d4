import { randomUUID } from 'node:crypto';
import { ProductPath, RelatedQuery } from '../events/api.ts';
import { relatedForShopper } from '../models/related/answer.ts';
import { cachedExperiments } from './adapters/experiment-store.ts';
import { publishExposures } from './adapters/exposures.ts';
import { dynamoRelatedReader } from './adapters/related-store.ts';
import { shopperStanding } from './adapters/standing-store.ts';
import { personalHeaders, personalisedShopper } from './lib/auth.ts';
import { nowMs } from './lib/clock.ts';
import { env, tableName } from './lib/config.ts';
import { httpApi, parseAt } from './lib/http.ts';

const reader = dynamoRelatedReader({
  products: tableName('products'),
  related: tableName('related'),
  visits: tableName('visits'),
});
const experiments = cachedExperiments(tableName('experiments'));
const standingOf = shopperStanding({ memberTier: false });

export const handler = httpApi({
  'GET /v1/products/{productId}/related': async (req) => {
    const { productId } = parseAt('path', ProductPath, req.pathParameters);
    const q = parseAt('query', RelatedQuery, req.query);
    const userId = (await personalisedShopper(req, q.userId)) ?? undefined;
    const body = await relatedForShopper(
      { reader, experiments, standingOf, exposed: publishExposures },
      { productId, sessionId: q.sessionId, userId },
      {
        limit: q.limit,
        exclude: q.exclude ?? [],
        category: q.category,
        maxPrice: q.maxPrice,
        perCategory: q.perCategory,
      },
      env().CATALOG_CURRENCY,
      { now: nowMs(), newEventId: () => `exp-${randomUUID()}` },
    );
    return { status: 200, body, headers: personalHeaders(userId) };
  },
});

import { randomUUID } from 'node:crypto';
import { ProductPath, ProductScenesQuery, ScenePath, SceneQuery } from '../events/api.ts';
import { sceneForShopper, scenesForShopper } from '../models/scenes/answer.ts';
import { cachedExperiments } from './adapters/experiment-store.ts';
import { publishExposures } from './adapters/exposures.ts';
import { dynamoSceneReader } from './adapters/scene-store.ts';
import { shopperStanding } from './adapters/standing-store.ts';
import { personalHeaders, personalisedShopper } from './lib/auth.ts';
import { nowDate, nowMs } from './lib/clock.ts';
import { env, minMarginPercent, tableName } from './lib/config.ts';
import { httpApi, parseAt } from './lib/http.ts';
import { localeOf } from './lib/locale.ts';

const ports = {
  reader: dynamoSceneReader({
    products: tableName('products'),
    related: tableName('related'),
    visits: tableName('visits'),
    scenes: tableName('scenes'),
    promotions: tableName('promotions'),
  }),
  experiments: cachedExperiments(tableName('experiments')),
  standingOf: shopperStanding({ memberTier: true }),
  exposed: publishExposures,
};

const options = (acceptLanguage: string | undefined) => ({
  now: nowDate(),
  currency: env().CATALOG_CURRENCY,
  minMarginPercent: minMarginPercent(),
  locale: localeOf(acceptLanguage),
});
const clock = () => ({ now: nowMs(), newEventId: () => `exp-${randomUUID()}` });

export const handler = httpApi({
  'GET /v1/products/{productId}/scenes': async (req) => {
    const { productId } = parseAt('path', ProductPath, req.pathParameters);
    const q = parseAt('query', ProductScenesQuery, req.query);
    const userId = (await personalisedShopper(req, q.userId)) ?? undefined;
    const body = await scenesForShopper(
      ports,
      { productId, sessionId: q.sessionId, userId, limit: q.limit },
      options(req.headers['accept-language']),
      clock(),
    );
    return { status: 200, body, headers: personalHeaders(userId) };
  },
  'GET /v1/scenes/{sceneId}': async (req) => {
    const { sceneId } = parseAt('path', ScenePath, req.pathParameters);
    const q = parseAt('query', SceneQuery, req.query);
    const userId = (await personalisedShopper(req, q.userId)) ?? undefined;
    const body = await sceneForShopper(
      ports,
      { sceneId, productId: q.productId, sessionId: q.sessionId, userId },
      options(req.headers['accept-language']),
      clock(),
    );
    return { status: 200, body, headers: personalHeaders(userId) };
  },
});

import { HitSignalsQuery, HitsQuery, ProductPath } from '../events/api.ts';
import { hitsAnswer } from '../models/hits/answer.ts';
import { dailySignals, dailyWindowStart } from '../models/hits/daily.ts';
import { GLOBAL } from '../models/hits/ranking.ts';
import { readHitList } from './adapters/hits-store.ts';
import { readSignals } from './adapters/signals-store.ts';
import { nowMs } from './lib/clock.ts';
import { tableName } from './lib/config.ts';
import { HttpError, httpApi, parseAt } from './lib/http.ts';
import { localeOf } from './lib/locale.ts';

const rankings = tableName('rankings');
const signals = tableName('signals');

export const handler = httpApi({
  'GET /v1/hits': async (req) => {
    const q = parseAt('query', HitsQuery, req.query);
    const scope = q.category ?? GLOBAL;
    const list = await readHitList(rankings, scope);
    if (list === undefined && q.category !== undefined) {
      throw new HttpError(404, 'NotFound', `no hit ranking for category "${q.category}"`, [
        { in: 'query', path: 'category', message: 'no ranking for this category' },
      ]);
    }
    const body = hitsAnswer(scope, list, {
      limit: q.limit,
      explain: q.explain,
      locale: localeOf(req.headers['accept-language']),
    });
    // Rankings change with every batch of events; a few seconds of CDN or browser caching is harmless.
    return { status: 200, body, headers: { 'cache-control': 'public, max-age=5' } };
  },
  // The daily counts behind a ranked item, for the dashboard's chart: one Query on the product's
  // signal buckets. A product without events in the window (or unknown) answers zeros: the signals
  // table cannot tell the two apart, and the dashboard only asks for ranked products.
  'GET /v1/hits/{productId}/signals': async (req) => {
    const { productId } = parseAt('path', ProductPath, req.pathParameters);
    const { days } = parseAt('query', HitSignalsQuery, req.query);
    const at = nowMs();
    const buckets = await readSignals(signals, productId, dailyWindowStart(at, days));
    const body = { productId, days: dailySignals(productId, buckets, { nowMs: at, days }) };
    return { status: 200, body, headers: { 'cache-control': 'public, max-age=5' } };
  },
});

import { UserProfilePath } from '../events/segments.ts';
import { type ProfileReader, userProfile } from '../models/segments/lookup.ts';
import { batchGetAll } from './adapters/dynamo/batch-get.ts';
import { segmentFactsOf, segmentKeys } from './adapters/profile-items.ts';
import { nowMs } from './lib/clock.ts';
import { tableName } from './lib/config.ts';
import { httpApi, parseAt } from './lib/http.ts';

const names = { rfmProfiles: tableName('rfmProfiles'), customers: tableName('customers') };

/** The profile, the cut points, the segment policy and the customer record in one BatchGetItem. */
const reader: ProfileReader = {
  async read(userId) {
    const out = await batchGetAll({
      [names.rfmProfiles]: segmentKeys(userId),
      [names.customers]: [{ userId }],
    });
    return {
      ...segmentFactsOf(out[names.rfmProfiles], userId),
      customer: (out[names.customers] ?? []).length > 0,
    };
  },
};

/**
 * GET /v1/users/{userId}/profile, for operators and admin tools (IAM-authorized on AWS): the
 * shopper's RFM scores, segment and price signals, as pricing sees them.
 */
export const handler = httpApi({
  'GET /v1/users/{userId}/profile': async (req) => {
    const { userId } = parseAt('path', UserProfilePath, req.pathParameters);
    const body = await userProfile(reader, userId, nowMs());
    // Personal data behind IAM: never cached by a CDN or a browser.
    return { status: 200, body, headers: { 'cache-control': 'no-store' } };
  },
});

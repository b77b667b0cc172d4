import { SegmentPolicy, type SegmentPolicyResponse, type SegmentPolicyStored } from '../events/segments.ts';
import { submitPolicy } from '../models/segments/admin.ts';
import { DEFAULT_SEGMENT_POLICY } from '../models/segments/policy.ts';
import { putPolicy, readPolicy } from './adapters/profile-store.ts';
import { tableName } from './lib/config.ts';
import { httpApi, jsonBody, parseAt, validationError } from './lib/http.ts';

/** A policy is a few KB (30 rules at most, a treatment per segment); anything far bigger is a mistake. */
const MAX_BODY_BYTES = 64 * 1024;

const profiles = tableName('rfmProfiles');

/**
 * The segment policy for merchandisers (IAM-authorized on AWS): the rule table that names each
 * shopper's segment and each segment's related and scene fill strategy.
 */
export const handler = httpApi({
  'GET /v1/admin/segments': async () => {
    const { policy, updatedAt } = await readPolicy(profiles);
    const body: SegmentPolicyResponse = {
      policy: policy ?? DEFAULT_SEGMENT_POLICY,
      stored: policy !== undefined,
      updatedAt: updatedAt ?? null,
    };
    return { status: 200, body, headers: { 'cache-control': 'no-store' } };
  },
  'PUT /v1/admin/segments': async (req) => {
    const policy = parseAt('body', SegmentPolicy, jsonBody(req, MAX_BODY_BYTES));
    const result = await submitPolicy({ put: (p) => putPolicy(profiles, p) }, policy);
    if (result.outcome === 'invalid') throw validationError('body', result.issues);
    return {
      status: result.outcome === 'created' ? 201 : 200,
      body: { status: result.outcome, policy: result.policy } satisfies SegmentPolicyStored,
    };
  },
});

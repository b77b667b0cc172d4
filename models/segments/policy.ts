import type { MemberTier } from '../../events/common.ts';
import {
  type RfmProfile,
  type SegmentPolicy,
  SegmentPolicy as SegmentPolicySchema,
  type SegmentTreatment,
} from '../../events/segments.ts';
import type { RelatedStrategySpec, SceneFillStrategySpec } from '../../events/strategies.ts';
import type { FieldIssue } from '../errors.ts';
import { isRelatedStrategy, RELATED_STRATEGIES, type RelatedStrategy } from '../related/strategies.ts';
import { DEFAULT_SEGMENT_TABLE } from './rules.ts';

/**
 * The segment policy: the rule table that names each shopper's segment, and how each segment is
 * served (a related-products strategy and a scene fill strategy). Until a merchandiser stores one
 * (`PUT /v1/admin/segments`), the built-in table serves and every segment gets the defaults, so a
 * shop that never touches segments sees exactly what it saw before.
 */
export const DEFAULT_SEGMENT_POLICY: SegmentPolicy = SegmentPolicySchema.parse({
  table: DEFAULT_SEGMENT_TABLE,
  treatments: {},
});

/**
 * A signed-in shopper's standing, what serving reads of them: their segment (null: no order yet),
 * the segment policy it was read with, and the RFM profile itself.
 */
export interface ShopperStanding {
  segment: string | null;
  policy: SegmentPolicy;
  /** Undefined before the first order. */
  profile: RfmProfile | undefined;
  /** Their member tier from the customer record, when the reader was asked for it. */
  memberTier?: MemberTier;
}

/** Which strategy names the serving code knows, per surface. */
export interface KnownStrategies {
  related: (name: string) => boolean;
  relatedNames: readonly string[];
  sceneFill: (name: string) => boolean;
  sceneFillNames: readonly string[];
}

/**
 * What the schema cannot check: a treatment naming a strategy this code does not know would be
 * served the default without a word, so it is refused (400) instead.
 */
export function policyIssues(policy: SegmentPolicy, known: KnownStrategies): FieldIssue[] {
  const issues: FieldIssue[] = [];
  for (const [segment, t] of Object.entries(policy.treatments)) {
    if (typeof t.related === 'string' && !known.related(t.related)) {
      issues.push({
        field: `treatments.${segment}.related`,
        message: `"${t.related}" is not a related strategy (${known.relatedNames.join(', ')}); name one or give weights`,
      });
    }
    if (typeof t.sceneFill === 'string' && !known.sceneFill(t.sceneFill)) {
      issues.push({
        field: `treatments.${segment}.sceneFill`,
        message: `"${t.sceneFill}" is not a scene fill strategy (${known.sceneFillNames.join(', ')}); name one or give weights`,
      });
    }
  }
  return issues;
}

const fromSpec = (segment: string, spec: RelatedStrategySpec): RelatedStrategy => ({
  name: `segment:${segment}`,
  description: spec.description ?? `the ${segment} segment's own weights`,
  sessionWeight: spec.sessionWeight,
  userWeight: spec.userWeight,
  reasonWeights: spec.reasonWeights,
});

/** The related strategy a segment's treatment names or writes out; undefined: the default serves. */
export function relatedStrategyFor(
  policy: SegmentPolicy,
  segment: string | null,
): RelatedStrategy | undefined {
  const t = segment === null ? undefined : treatmentOf(policy, segment);
  if (t?.related === undefined) return undefined;
  if (typeof t.related !== 'string') return fromSpec(segment!, t.related);
  // A name the admin route refused, from an older deployment: the default rather than a failure.
  return isRelatedStrategy(t.related) ? RELATED_STRATEGIES[t.related] : undefined;
}

/** The scene fill strategy a segment's treatment names or writes out, unresolved (scene filling resolves names). */
export function sceneFillRefFor(
  policy: SegmentPolicy,
  segment: string | null,
): string | SceneFillStrategySpec | undefined {
  return segment === null ? undefined : treatmentOf(policy, segment)?.sceneFill;
}

const treatmentOf = (policy: SegmentPolicy, segment: string): SegmentTreatment | undefined =>
  Object.hasOwn(policy.treatments, segment) ? policy.treatments[segment] : undefined;

import type { SegmentPolicy } from '../../events/segments.ts';
import type { FieldIssue } from '../errors.ts';
import { isRelatedStrategy, RELATED_STRATEGIES } from '../related/strategies.ts';
import { isSceneFillStrategy, SCENE_FILL_STRATEGIES } from '../scenes/strategies.ts';
import { type KnownStrategies, policyIssues } from './policy.ts';

/** The strategies this code serves, per surface. */
export const KNOWN_STRATEGIES: KnownStrategies = {
  related: isRelatedStrategy,
  relatedNames: Object.keys(RELATED_STRATEGIES),
  sceneFill: isSceneFillStrategy,
  sceneFillNames: Object.keys(SCENE_FILL_STRATEGIES),
};

export interface SegmentPolicyPorts {
  put(policy: SegmentPolicy): Promise<'created' | 'replaced'>;
}

export type PolicyOutcome =
  | { outcome: 'invalid'; issues: FieldIssue[] }
  | { outcome: 'created' | 'replaced'; policy: SegmentPolicy };

/**
 * Stores a segment policy, replacing the one before whole: the table and the treatments are read
 * together by every classification, so there is no partial update to get half right. Segments
 * change for everyone together, once each container's copy of the policy expires (a minute at
 * most); profiles are not rewritten (a segment is derived when read, never stored). Experiments whose audience names a segment the new table no longer has
 * simply reach nobody new.
 */
export async function submitPolicy(
  ports: SegmentPolicyPorts,
  policy: SegmentPolicy,
  known: KnownStrategies = KNOWN_STRATEGIES,
): Promise<PolicyOutcome> {
  const issues = policyIssues(policy, known);
  if (issues.length > 0) return { outcome: 'invalid', issues };
  return { outcome: await ports.put(policy), policy };
}

import { SegmentPolicy } from '../../../../events/segments.ts';
import { DEFAULT_SEGMENT_TABLE } from '../../../../models/segments/rules.ts';

/**
 * The demo shop's segment policy: the default table, and treatments that follow the marketing
 * plans, so that the demo shows per-segment strategies out of the box (`GET /v1/admin/segments`).
 */
export const DEMO_SEGMENT_POLICY: SegmentPolicy = SegmentPolicy.parse({
  table: DEFAULT_SEGMENT_TABLE,
  treatments: {
    // A first order: they still compare, so look-alikes and scene partners lead.
    new: { related: 'content-first' },
    // Growing the basket: scene bundles that fit how they pay lead.
    promising: { sceneFill: 'style-led' },
    // Win-back built on what they bought before: their own history pulls hardest.
    dormant: {
      related: {
        description: 'Their own purchase history at 1.0, the visit at 0.6, neighbours as stored',
        sessionWeight: 0.6,
        userWeight: 1,
        reasonWeights: {},
      },
    },
  },
});

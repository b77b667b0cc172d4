import { describe, expect, it } from 'vitest';
import { type RfmProfile, SegmentPolicy, type SegmentPolicyInput } from '../../events/segments.ts';
import { DEMO_SEGMENT_POLICY } from '../../infra/local/demo/data/segment-policy.ts';
import { RELATED_STRATEGIES } from '../../models/related/strategies.ts';
import { KNOWN_STRATEGIES, submitPolicy } from '../../models/segments/admin.ts';
import { profileAnswer } from '../../models/segments/answer.ts';
import {
  DEFAULT_SEGMENT_POLICY,
  policyIssues,
  relatedStrategyFor,
  sceneFillRefFor,
} from '../../models/segments/policy.ts';
import { DEFAULT_SEGMENT_TABLE_INPUT } from '../../models/segments/rules.ts';
import { computeCutPoints, DAY_MS } from '../../models/segments/scoring.ts';

const NOW = Date.parse('2026-11-23T12:00:00Z');

const parse = (input: SegmentPolicyInput) => SegmentPolicy.safeParse(input);
const issuePaths = (input: SegmentPolicyInput) => {
  const r = parse(input);
  return r.success ? [] : r.error.issues.map((i) => i.path.join('.'));
};

describe('the segment policy', () => {
  it('is the default table with no treatments until one is stored, so nothing changes for a shop that never edits it', () => {
    expect(DEFAULT_SEGMENT_POLICY.treatments).toEqual({});
    expect(DEFAULT_SEGMENT_POLICY.table.rules.map((r) => r.segment)).toEqual([
      'core-loyal',
      'new',
      'promising',
      'at-risk',
      'about-to-sleep',
      'dormant',
    ]);
    expect(relatedStrategyFor(DEFAULT_SEGMENT_POLICY, 'dormant')).toBeUndefined();
    expect(sceneFillRefFor(DEFAULT_SEGMENT_POLICY, 'dormant')).toBeUndefined();
  });

  it('refuses treatments of segments the table does not name, naming the segment', () => {
    expect(
      issuePaths({ table: DEFAULT_SEGMENT_TABLE_INPUT, treatments: { vip: { related: 'behavioural' } } }),
    ).toEqual(['treatments.vip']);
    // The fallback is a segment too.
    expect(
      issuePaths({ table: DEFAULT_SEGMENT_TABLE_INPUT, treatments: { others: { related: 'behavioural' } } }),
    ).toEqual([]);
  });

  it('refuses negative or unknown weights and unknown strategy fields', () => {
    expect(
      issuePaths({
        table: DEFAULT_SEGMENT_TABLE_INPUT,
        treatments: { new: { related: { sessionWeight: -1, userWeight: 0 } } },
      }).some((p) => p.startsWith('treatments.new.related')),
    ).toBe(true);
    expect(
      issuePaths({
        table: DEFAULT_SEGMENT_TABLE_INPUT,
        treatments: {
          new: { related: { sessionWeight: 1, userWeight: 0, reasonWeights: { trending: 2 } as never } },
        },
      }).some((p) => p.startsWith('treatments.new.related')),
    ).toBe(true);
  });

  it('refuses a strategy name the code does not serve, naming the field; accepts known names and inline weights', () => {
    const policy = SegmentPolicy.parse({
      table: DEFAULT_SEGMENT_TABLE_INPUT,
      treatments: {
        dormant: { related: 'nope' },
        new: { related: 'content-first' },
        promising: { related: { sessionWeight: 1, userWeight: 1 } },
      },
    });
    expect(policyIssues(policy, KNOWN_STRATEGIES).map((i) => i.field)).toEqual([
      'treatments.dormant.related',
    ]);
  });

  it('resolves a named strategy to the built-in and inline weights to a strategy of the segment', () => {
    expect(relatedStrategyFor(DEMO_SEGMENT_POLICY, 'new')).toBe(RELATED_STRATEGIES['content-first']);
    expect(relatedStrategyFor(DEMO_SEGMENT_POLICY, 'dormant')).toMatchObject({
      name: 'segment:dormant',
      sessionWeight: 0.6,
      userWeight: 1,
      reasonWeights: {},
    });
    expect(relatedStrategyFor(DEMO_SEGMENT_POLICY, 'core-loyal')).toBeUndefined();
    expect(relatedStrategyFor(DEMO_SEGMENT_POLICY, null)).toBeUndefined();
    // A segment named like an Object.prototype key is not a treatment.
    expect(relatedStrategyFor(DEMO_SEGMENT_POLICY, 'constructor')).toBeUndefined();
  });

  it('stores a valid policy whole and stores nothing when a field is wrong', async () => {
    const puts: SegmentPolicy[] = [];
    const ports = {
      put: async (p: SegmentPolicy) => {
        puts.push(p);
        return 'replaced' as const;
      },
    };
    const bad = SegmentPolicy.parse({
      table: DEFAULT_SEGMENT_TABLE_INPUT,
      treatments: { new: { related: 'x' } },
    });
    expect(await submitPolicy(ports, bad)).toMatchObject({ outcome: 'invalid' });
    expect(puts).toEqual([]);
    expect(await submitPolicy(ports, DEMO_SEGMENT_POLICY)).toEqual({
      outcome: 'replaced',
      policy: DEMO_SEGMENT_POLICY,
    });
    expect(puts).toEqual([DEMO_SEGMENT_POLICY]);
  });

  it("classifies a shopper by the policy's table, and the profile answer says the segment's treatment", () => {
    const profile: RfmProfile = {
      userId: 'u-1',
      firstOrderAt: NOW - 400 * DAY_MS,
      lastOrderAt: NOW - 300 * DAY_MS,
      orders: 1,
      monetary: 5_000,
      pricedSpend: 0,
      discountedSpend: 0,
      pricedUnits: 0,
      bandMilliSum: 0,
      recentOrders: [{ orderId: 'o-1', at: NOW - 300 * DAY_MS }],
      version: 1,
    };
    const cuts = computeCutPoints([], NOW);
    const answer = (policy: SegmentPolicy) =>
      profileAnswer({ userId: 'u-1', profile, cuts, policy, now: NOW });
    expect(answer(DEMO_SEGMENT_POLICY).segment).toMatchObject({
      name: 'dormant',
      rule: 5,
      treatment: DEMO_SEGMENT_POLICY.treatments.dormant,
    });
    const renamed = SegmentPolicy.parse({
      table: {
        rules: [{ segment: 'hibernating', description: 'Gone a long time.', r: { max: 1 } }],
        fallback: { segment: 'others', description: 'No rule matched.' },
      },
      treatments: { hibernating: { related: 'visit-first' } },
    });
    expect(answer(renamed).segment).toEqual({
      name: 'hibernating',
      description: 'Gone a long time.',
      rule: 0,
      treatment: { related: 'visit-first' },
    });
    expect(answer(DEFAULT_SEGMENT_POLICY).segment).toMatchObject({ name: 'dormant', treatment: {} });
  });
});

import type { Promotion } from '../../events/catalog.ts';
import type { Experiment, ExperimentResultsResponse } from '../../events/experiments.ts';
import { DomainError, type FieldIssue } from '../errors.ts';
import { isRelatedStrategy, RELATED_STRATEGIES } from '../related/strategies.ts';
import { isSceneFillStrategy, SCENE_FILL_STRATEGIES } from '../scenes/strategies.ts';
import type { VariantCounts } from './attribution.ts';
import { experimentResults } from './results.ts';

/**
 * The merchandiser's side of experiments: creating or replacing a definition, and reading its
 * results. The schema (events/experiments.ts) has already checked the shape; this checks what the
 * service can actually serve and what a running experiment may no longer change.
 */

export interface ExperimentAdminPorts {
  get(experimentId: string): Promise<Experiment | undefined>;
  put(experiment: Experiment): Promise<'created' | 'replaced'>;
  /** The promotion a promotion experiment targets (undefined: no such promotion). */
  promotion?(promotionId: string): Promise<Promotion | undefined>;
}

/** A variant naming a related strategy this code does not know would be served the default. */
function relatedIssues(e: Experiment): FieldIssue[] {
  return e.variants.flatMap((v, i) =>
    v.strategy !== undefined && !isRelatedStrategy(v.strategy)
      ? [
          {
            field: `variants.${i}.strategy`,
            message: `"${v.strategy}" is not a related strategy (${Object.keys(RELATED_STRATEGIES).join(', ')})`,
          },
        ]
      : [],
  );
}

/** A variant naming a scene fill strategy this code does not know would be served the default. */
function sceneFillIssues(e: Experiment): FieldIssue[] {
  return e.variants.flatMap((v, i) =>
    v.strategy !== undefined && !isSceneFillStrategy(v.strategy)
      ? [
          {
            field: `variants.${i}.strategy`,
            message: `"${v.strategy}" is not a scene fill strategy (${Object.keys(SCENE_FILL_STRATEGIES).join(', ')})`,
          },
        ]
      : [],
  );
}

/**
 * Promotion kinds a shopper asks for by name: a coupon by its code, a group buy by opening or
 * joining the group. Withholding one would tell a shopper holding the code that it is unknown, or
 * take the group price from a member who joined for it; test how such an offer is handed out instead.
 */
const UNWITHHOLDABLE: ReadonlySet<Promotion['kind']> = new Set(['coupon', 'groupBuy']);

/**
 * A promotion experiment compares shoppers who get the promotion with shoppers who do not: it needs
 * at least one 'apply' and one 'withhold' variant (every variant alike would measure nothing, or
 * switch the promotion off for the audience, which the promotion's own dates and segments do). Its
 * promotion must exist and be one pricing can silently leave out (`promotion`: as looked up, null
 * when there is none; undefined: not looked up, only the variants are checked).
 */
function promotionIssues(e: Experiment, promotion: Promotion | null | undefined): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const arms = new Set(e.variants.map((v) => v.promotion));
  if (!arms.has('apply') || !arms.has('withhold')) {
    issues.push({
      field: 'variants',
      message: `a promotion experiment needs at least one "apply" and one "withhold" variant (every variant is "${e.variants[0]?.promotion}")`,
    });
  }
  const promotionId = e.target.kind === 'promotion' ? e.target.promotionId : '';
  if (promotion === null) {
    issues.push({ field: 'target.promotionId', message: `no promotion ${promotionId}` });
  } else if (promotion !== undefined && UNWITHHOLDABLE.has(promotion.kind)) {
    issues.push({
      field: 'target.promotionId',
      message: `${promotionId} is a ${promotion.kind}, which shoppers ask for by name: it cannot be withheld from some of them`,
    });
  }
  return issues;
}

/** What the service can serve: each target kind checks its variants against what its surface knows. */
export function servableIssues(
  e: Experiment,
  {
    segmentsServed,
    promotion,
  }: {
    segmentsServed: boolean;
    /** For a promotion target: the promotion as looked up (null: none); undefined: not looked up. */
    promotion?: Promotion | null | undefined;
  },
): FieldIssue[] {
  const issues: FieldIssue[] = [];
  switch (e.target.kind) {
    case 'recommendationStrategy':
      issues.push(...relatedIssues(e));
      break;
    case 'sceneFillStrategy':
      issues.push(...sceneFillIssues(e));
      break;
    case 'promotion':
      issues.push(...promotionIssues(e, promotion));
      break;
  }
  if (!segmentsServed && e.audience !== 'all') {
    issues.push({
      field: 'audience',
      message: 'segment audiences are not served yet; use "all"',
    });
  }
  return issues;
}

/** What decides who sees what: fixed once an experiment has started. */
const design = (e: Experiment) =>
  JSON.stringify({
    target: e.target,
    variants: e.variants.map((v) => [v.variantId, v.weight, v.strategy ?? null, v.promotion ?? null]),
    control: e.control ?? null,
    audience: e.audience,
    startAt: Date.parse(e.startAt),
    goal: e.goal,
    windowHours: e.windowHours,
  });

export type SubmitOutcome =
  | { outcome: 'invalid'; issues: FieldIssue[] }
  | { outcome: 'created' | 'replaced'; experiment: Experiment };

/**
 * Creates or replaces a definition. Refused (400) when the body's id is not the path's, or when it
 * is not servable; refused (409) when it changes the design of an experiment that has started:
 * shoppers already counted in a variant would be moved or measured differently, so end it (an
 * earlier `endAt`) and start a new one instead. Title, hypothesis and `endAt` may change at any time.
 */
export async function submitExperiment(
  ports: ExperimentAdminPorts,
  { experimentId, experiment }: { experimentId: string; experiment: Experiment },
  { now, segmentsServed }: { now: number; segmentsServed: boolean },
): Promise<SubmitOutcome> {
  if (experiment.experimentId !== experimentId) {
    return {
      outcome: 'invalid',
      issues: [{ field: 'experimentId', message: `must be the path's "${experimentId}"` }],
    };
  }
  const promotion =
    experiment.target.kind === 'promotion' && ports.promotion
      ? ((await ports.promotion(experiment.target.promotionId)) ?? null)
      : undefined;
  const issues = servableIssues(experiment, { segmentsServed, promotion });
  if (issues.length > 0) return { outcome: 'invalid', issues };
  const stored = await ports.get(experimentId);
  if (stored !== undefined && Date.parse(stored.startAt) <= now && design(stored) !== design(experiment)) {
    throw new DomainError(
      'conflict',
      `experiment ${experimentId} started at ${stored.startAt}: its target, variants, audience, start, goal and window are fixed; end it and start a new one`,
      'body.variants',
    );
  }
  return { outcome: await ports.put(experiment), experiment };
}

export interface ExperimentResultsPorts {
  get(experimentId: string): Promise<Experiment | undefined>;
  counts(experiment: Experiment): Promise<VariantCounts[]>;
}

/** `GET /v1/experiments/{experimentId}/results`. */
export async function resultsOf(
  ports: ExperimentResultsPorts,
  experimentId: string,
  now: number,
): Promise<ExperimentResultsResponse> {
  const experiment = await ports.get(experimentId);
  if (experiment === undefined) {
    throw new DomainError('not_found', `no experiment ${experimentId}`, 'path.experimentId');
  }
  return experimentResults(experiment, await ports.counts(experiment), now);
}

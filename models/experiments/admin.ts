import type { Experiment, ExperimentResultsResponse } from '../../events/experiments.ts';
import { DomainError } from '../errors.ts';
import { isRelatedStrategy, RELATED_STRATEGIES } from '../related/strategies.ts';
import { isSceneFillStrategy, SCENE_FILL_STRATEGIES } from '../scenes/strategies.ts';
import type { VariantCounts } from './attribution.ts';
import { experimentResults } from './results.ts';

/**
 * The merchandiser's side of experiments: creating or replacing a definition, and reading its
 * results. The schema (events/experiments.ts) has already checked the shape; this checks what the
 * service can actually serve and what a running experiment may no longer change.
 */

export interface ExperimentIssue {
  /** Path inside the body, e.g. `variants.1.strategy`. */
  field: string;
  message: string;
}

export interface ExperimentAdminPorts {
  get(experimentId: string): Promise<Experiment | undefined>;
  put(experiment: Experiment): Promise<'created' | 'replaced'>;
}

/** A variant naming a related strategy this code does not know would be served the default. */
function relatedIssues(e: Experiment): ExperimentIssue[] {
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
function sceneFillIssues(e: Experiment): ExperimentIssue[] {
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

function promotionIssues(_e: Experiment): ExperimentIssue[] {
  return [
    {
      field: 'target',
      message: 'promotion experiments are not served yet; they would never be exposed',
    },
  ];
}

/** What the service can serve: each target kind checks its variants against what its surface knows. */
export function servableIssues(
  e: Experiment,
  { segmentsServed }: { segmentsServed: boolean },
): ExperimentIssue[] {
  const issues: ExperimentIssue[] = [];
  switch (e.target.kind) {
    case 'recommendationStrategy':
      issues.push(...relatedIssues(e));
      break;
    case 'sceneFillStrategy':
      issues.push(...sceneFillIssues(e));
      break;
    case 'promotion':
      issues.push(...promotionIssues(e));
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
  | { outcome: 'invalid'; issues: ExperimentIssue[] }
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
  const issues = servableIssues(experiment, { segmentsServed });
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

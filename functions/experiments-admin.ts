import { Experiment, ExperimentPath, type ExperimentStored } from '../events/experiments.ts';
import { type ExperimentAdminPorts, resultsOf, submitExperiment } from '../models/experiments/admin.ts';
import { getExperiment, putExperiment, readCounts } from './adapters/experiment-store.ts';
import { promotionsById } from './adapters/pricing-store.ts';
import { nowMs } from './lib/clock.ts';
import { tableName } from './lib/config.ts';
import { httpApi, jsonBody, parseAt, validationError } from './lib/http.ts';

/** A definition is a few KB at most (ten variants, short texts); anything far bigger is a mistake. */
const MAX_BODY_BYTES = 64 * 1024;

const names = { experiments: tableName('experiments'), exposures: tableName('exposures') };
const promotions = promotionsById(tableName('promotions'));
const ports: ExperimentAdminPorts = {
  get: (id) => getExperiment(names.experiments, id),
  put: (e) => putExperiment(names.experiments, e),
  promotion: async (id) => (await promotions([id]))[0],
};

/**
 * Experiments for merchandisers (IAM-authorized on AWS): create or replace a definition, and read
 * its results from the variants' counters that record-experiments keeps.
 */
export const handler = httpApi({
  'PUT /v1/admin/experiments/{experimentId}': async (req) => {
    const { experimentId } = parseAt('path', ExperimentPath, req.pathParameters);
    const experiment = parseAt('body', Experiment, jsonBody(req, MAX_BODY_BYTES));
    // Segment audiences are served: related-read reads the shopper's segment from their profile.
    const result = await submitExperiment(
      ports,
      { experimentId, experiment },
      { now: nowMs(), segmentsServed: true },
    );
    if (result.outcome === 'invalid') throw validationError('body', result.issues);
    return {
      status: result.outcome === 'created' ? 201 : 200,
      body: { status: result.outcome, experiment: result.experiment } satisfies ExperimentStored,
    };
  },
  'GET /v1/experiments/{experimentId}/results': async (req) => {
    const { experimentId } = parseAt('path', ExperimentPath, req.pathParameters);
    const body = await resultsOf(
      { get: ports.get, counts: (e) => readCounts(names.exposures, e) },
      experimentId,
      nowMs(),
    );
    return { status: 200, body };
  },
});

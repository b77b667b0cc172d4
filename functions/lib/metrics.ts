import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { powertoolsNames } from './config.ts';

/**
 * Business metrics as CloudWatch embedded metric format (no PutMetricData call on the request
 * path): namespace and service come from the variables the stack sets, the dashboard reads them
 * (infra/stacks/observability-stack.ts). The local runtime turns them off
 * (POWERTOOLS_METRICS_DISABLED), so `npm start` does not print them.
 */
const metrics = new Metrics({
  namespace: powertoolsNames().POWERTOOLS_METRICS_NAMESPACE,
  serviceName: powertoolsNames().POWERTOOLS_SERVICE_NAME,
});

export function countMetric(name: 'HitRankingUpdates' | 'QuoteRedemptions', value: number): void {
  if (value <= 0) return;
  metrics.addMetric(name, MetricUnit.Count, value);
  metrics.publishStoredMetrics();
}

import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  MathExpression,
  Metric,
  TextWidget,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { CfnDeliveryStream } from 'aws-cdk-lib/aws-kinesisfirehose';
import { Alias } from 'aws-cdk-lib/aws-kms';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import type { FunctionId, TableId } from '../topology.ts';
import type { StageProps } from './common.ts';
import type { RuleQueues } from './functions-stack.ts';

export interface ObservabilityStackProps extends StackProps, StageProps {
  api: HttpApi;
  functions: ReadonlyMap<FunctionId, NodejsFunction>;
  ruleQueues: ReadonlyMap<string, RuleQueues>;
  deliveryDlqs: readonly Queue[];
  /** The sharded jobs' state machines (the hourly full re-rank). */
  shardedJobs: ReadonlyMap<string, StateMachine>;
  tables: ReadonlyMap<TableId, TableV2>;
  lake: LakeObservables;
}

/** What the lake stack hands the alarms and the dashboard. */
export interface LakeObservables {
  stateMachines: ReadonlyMap<string, StateMachine>;
  sweeps: ReadonlyMap<string, StateMachine>;
  deliveryStreams: ReadonlyMap<string, CfnDeliveryStream>;
  workGroupName: string;
  /** The lake rule's, the job schedules' and the sweeps' rules' dead-letter queues. */
  deliveryDlqs: readonly Queue[];
}

/** Custom metrics the functions emit (Powertools Metrics, EMF) under this namespace. */
export const METRICS_NAMESPACE = 'merchandiser';

/**
 * Alarms (to an SNS topic, mailed to the stage's address when one is set) and one dashboard:
 * the API's 5xx rate and p99 latency, every dead-letter queue, the age of every rule queue's
 * oldest message, failed lake jobs, lake deliveries and conversions that fail, Lambda and DynamoDB
 * throttles; the dashboard adds requests, function errors and durations, queue depth, hit-ranking
 * updates and quote redemptions, the lake's deliveries and the bytes its jobs scan.
 */
export class ObservabilityStack extends Stack {
  readonly topic: Topic;
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: ObservabilityStackProps) {
    super(scope, id, props);
    const { stage, config } = props;
    const thresholds = config.alarms;
    this.topic = new Topic(this, 'AlarmTopic', {
      displayName: `merchandiser ${stage} alarms`,
      enforceSSL: true,
      masterKey: Alias.fromAliasName(this, 'SnsKey', 'alias/aws/sns'),
    });
    if (thresholds.email) this.topic.addSubscription(new EmailSubscription(thresholds.email));
    const action = new SnsAction(this.topic);
    const alarm = (id: string, a: ConstructorParameters<typeof Alarm>[2]) => {
      const made = new Alarm(this, id, { treatMissingData: TreatMissingData.NOT_BREACHING, ...a });
      made.addAlarmAction(action);
      made.addOkAction(action);
      this.alarms.push(made);
      return made;
    };
    const fiveMinutes = Duration.minutes(5);

    // API: 5xx as a share of requests, and p99 latency.
    const requests = props.api.metricCount({ period: fiveMinutes, statistic: 'Sum' });
    const serverErrors = props.api.metricServerError({ period: fiveMinutes, statistic: 'Sum' });
    const errorRate = new MathExpression({
      expression: '100 * errors / MAX([requests, 1])',
      usingMetrics: { errors: serverErrors, requests },
      period: fiveMinutes,
      label: '5xx %',
    });
    alarm('Api5xxRate', {
      alarmDescription: `More than ${thresholds.api5xxPercent}% of API requests answered 5xx in 2 of 3 five-minute periods`,
      metric: errorRate,
      threshold: thresholds.api5xxPercent,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
    });
    const p99 = props.api.metricLatency({ period: fiveMinutes, statistic: 'p99' });
    alarm('ApiP99Latency', {
      alarmDescription: `API p99 latency above ${thresholds.apiP99Ms} ms in 3 consecutive five-minute periods`,
      metric: p99,
      threshold: thresholds.apiP99Ms,
      evaluationPeriods: 3,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
    });

    // Every dead-letter queue: one message is one event that needs a person.
    const dlqs: [string, Queue][] = [
      ...[...props.ruleQueues].map(([ruleId, q]) => [`Dlq-${ruleId}`, q.dlq] as [string, Queue]),
      ...props.deliveryDlqs.map((q, i) => [`DeliveryDlq-${i}`, q] as [string, Queue]),
      // Named by their place in the lake stack (an index would move the alarms above if one came or went).
      ...props.lake.deliveryDlqs.map(
        (q) => [`Lake-${q.node.path.split('/').slice(1).join('-')}`, q] as [string, Queue],
      ),
    ];
    for (const [name, q] of dlqs) {
      alarm(`Alarm-${name}`, {
        alarmDescription: `Messages in ${name}: events that were not processed (see README, "Replaying events")`,
        metric: q.metricApproximateNumberOfMessagesVisible({
          period: Duration.minutes(1),
          statistic: 'Maximum',
        }),
        threshold: 0,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      });
    }

    // A backlog on a queue-fed rule: its oldest message has waited too long (the consumer fails or
    // cannot keep up). Seen here days before SQS's 14-day retention would delete anything.
    for (const [ruleId, q] of props.ruleQueues) {
      alarm(`QueueAge-${ruleId}`, {
        alarmDescription: `The oldest message on ${ruleId}'s queue is older than ${thresholds.queueAgeSeconds} s: a backlog (README, "Replaying events")`,
        metric: q.queue.metricApproximateAgeOfOldestMessage({ period: fiveMinutes, statistic: 'Maximum' }),
        threshold: thresholds.queueAgeSeconds,
        evaluationPeriods: 2,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      });
    }

    // The lake: a job whose execution failed or timed out (its state machine ends in JobFailed after
    // its steps' retries), and a delivery stream that fails to deliver or to convert records.
    const lake = props.lake;
    /** Executions that failed or timed out; `id` keeps expressions drawn in one graph apart. */
    const failedOrTimedOut = (sm: StateMachine, label?: string, id = '') =>
      new MathExpression({
        expression: `FILL(failed${id}, 0) + FILL(timedOut${id}, 0)`,
        usingMetrics: {
          [`failed${id}`]: sm.metricFailed({ period: fiveMinutes, statistic: 'Sum' }),
          [`timedOut${id}`]: sm.metricTimedOut({ period: fiveMinutes, statistic: 'Sum' }),
        },
        period: fiveMinutes,
        ...(label ? { label } : {}),
      });
    const jobOutcomes = new Map<string, MathExpression>();
    for (const [i, [jobId, sm]] of [...lake.stateMachines].entries()) {
      // Ids unique per job: the dashboard draws every job's expression in one graph.
      const failedRuns = failedOrTimedOut(sm, `${jobId} failed`, String(i));
      jobOutcomes.set(jobId, failedRuns);
      alarm(`LakeJobFailed-${jobId}`, {
        alarmDescription: `The lake job ${jobId} failed or timed out (its execution history names the step and the error)`,
        metric: failedRuns,
        threshold: 0,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      });
    }
    // A sweep that could not drop a stopped run's work tables: they stay in the Glue database.
    for (const [jobId, sm] of lake.sweeps) {
      alarm(`LakeSweepFailed-${jobId}`, {
        alarmDescription: `The sweep of a stopped ${jobId} run's work tables failed or timed out: drop the run's work_ tables by hand (docs/deploying.md)`,
        metric: failedOrTimedOut(sm),
        threshold: 0,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      });
    }
    // A sharded job (the hourly full re-rank) whose execution failed or timed out: the lists keep
    // their last ranking until the next run.
    for (const [jobId, sm] of props.shardedJobs) {
      alarm(`ShardedJobFailed-${jobId}`, {
        alarmDescription: `The sharded job ${jobId} failed or timed out (its execution history names the step, the shard and the error)`,
        metric: failedOrTimedOut(sm, `${jobId} failed`),
        threshold: 0,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      });
    }
    const firehose = (stream: CfnDeliveryStream, metricName: string, statistic: string, label: string) =>
      new Metric({
        namespace: 'AWS/Firehose',
        metricName,
        dimensionsMap: { DeliveryStreamName: stream.ref },
        period: fiveMinutes,
        statistic,
        label,
      });
    for (const [streamId, stream] of lake.deliveryStreams) {
      alarm(`LakeDeliveryFailed-${streamId}`, {
        alarmDescription: `${streamId} failed to deliver to S3 in 2 consecutive five-minute periods (its log group says why; records wait up to 24 h)`,
        // The share of successful PutObject calls: 1 when every delivery succeeded.
        metric: firehose(stream, 'DeliveryToS3.Success', 'Minimum', `${streamId} deliveries succeeded`),
        threshold: 1,
        evaluationPeriods: 2,
        comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
      });
      alarm(`LakeConversionFailed-${streamId}`, {
        alarmDescription: `${streamId} could not convert records to Parquet: they are set aside under errors/format-conversion-failed/ in the lake bucket`,
        metric: firehose(stream, 'FailedConversion.Records', 'Sum', `${streamId} conversion failures`),
        threshold: 0,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      });
    }

    // Throttles: Lambda concurrency and DynamoDB capacity.
    for (const [fnId, fn] of props.functions) {
      alarm(`Throttles-${fnId}`, {
        alarmDescription: `${fnId} was throttled (account or reserved concurrency reached)`,
        metric: fn.metricThrottles({ period: fiveMinutes, statistic: 'Sum' }),
        threshold: 0,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      });
    }
    for (const [tableId, table] of props.tables) {
      alarm(`DdbThrottles-${tableId}`, {
        alarmDescription: `Requests to ${tableId} were throttled (a hot partition, or on-demand scaling)`,
        metric: new Metric({
          namespace: 'AWS/DynamoDB',
          metricName: 'ThrottledRequests',
          dimensionsMap: { TableName: table.tableName },
          period: fiveMinutes,
          statistic: 'Sum',
        }),
        threshold: 0,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      });
    }

    const custom = (metricName: string, label: string) =>
      new Metric({
        namespace: METRICS_NAMESPACE,
        metricName,
        dimensionsMap: { service: 'merchandiser' },
        period: fiveMinutes,
        statistic: 'Sum',
        label,
      });
    const dashboard = new Dashboard(this, 'Dashboard', { dashboardName: `merchandiser-${stage}` });
    const fns = [...props.functions.values()];
    dashboard.addWidgets(
      new TextWidget({
        markdown: `# merchandiser (${stage})\nAPI, functions, queues, hit rankings and quote redemptions. Alarms go to the SNS topic ${stage === 'prod' ? '(prod)' : ''}.`,
        width: 24,
        height: 2,
      }),
    );
    dashboard.addWidgets(
      new GraphWidget({ title: 'API requests', left: [requests], width: 8 }),
      new GraphWidget({ title: 'API 5xx %', left: [errorRate], width: 8 }),
      new GraphWidget({
        title: 'API latency p50 / p99 (ms)',
        left: [props.api.metricLatency({ period: fiveMinutes, statistic: 'p50' }), p99],
        width: 8,
      }),
    );
    dashboard.addWidgets(
      new GraphWidget({
        title: 'Function errors',
        left: fns.map((f) => f.metricErrors({ period: fiveMinutes, statistic: 'Sum' })),
        width: 12,
      }),
      new GraphWidget({
        title: 'Function duration p99 (ms)',
        left: fns.map((f) => f.metricDuration({ period: fiveMinutes, statistic: 'p99' })),
        width: 12,
      }),
    );
    dashboard.addWidgets(
      new GraphWidget({
        title: 'Queue depth (visible messages)',
        left: [...props.ruleQueues.values()].map((q) =>
          q.queue.metricApproximateNumberOfMessagesVisible({
            period: Duration.minutes(1),
            statistic: 'Maximum',
          }),
        ),
        width: 8,
      }),
      new GraphWidget({
        title: 'Queue age of the oldest message (s)',
        left: [...props.ruleQueues.values()].map((q) =>
          q.queue.metricApproximateAgeOfOldestMessage({ period: fiveMinutes, statistic: 'Maximum' }),
        ),
        leftAnnotations: [{ value: thresholds.queueAgeSeconds, label: 'alarm' }],
        width: 8,
      }),
      new GraphWidget({
        title: 'Dead-letter queues (visible messages)',
        left: dlqs.map(([, q]) =>
          q.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }),
        ),
        width: 8,
      }),
    );
    dashboard.addWidgets(
      new GraphWidget({
        title: 'Hit-ranking updates and quote redemptions',
        left: [
          custom('HitRankingUpdates', 'hit-ranking updates (top 20 changed)'),
          custom('QuoteRedemptions', 'quote redemptions'),
        ],
        width: 8,
      }),
    );
    dashboard.addWidgets(
      new GraphWidget({
        title: 'Lake jobs: executions failed or timed out',
        left: [...jobOutcomes.values()],
        width: 8,
      }),
      new GraphWidget({
        title: 'Lake delivery: records in, delivered, conversion failures',
        left: [...lake.deliveryStreams].flatMap(([streamId, stream]) => [
          firehose(stream, 'IncomingRecords', 'Sum', `${streamId} in`),
          firehose(stream, 'DeliveryToS3.Records', 'Sum', `${streamId} delivered`),
          firehose(stream, 'FailedConversion.Records', 'Sum', `${streamId} not converted`),
        ]),
        width: 8,
      }),
      new GraphWidget({
        title: 'Athena bytes scanned by the lake jobs',
        left: [
          new MathExpression({
            expression: `SEARCH('{AWS/Athena,QueryState,QueryType,WorkGroup} MetricName="ProcessedBytes" WorkGroup="${lake.workGroupName}"', 'Sum', 3600)`,
            period: Duration.hours(1),
            label: 'bytes scanned',
          }),
        ],
        width: 8,
      }),
    );
    new CfnOutput(this, 'AlarmTopicArn', { value: this.topic.topicArn });
    new CfnOutput(this, 'DashboardName', { value: dashboard.dashboardName });
  }
}

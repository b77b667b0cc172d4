import { Duration } from 'aws-cdk-lib';
import { type IEventBus, Rule } from 'aws-cdk-lib/aws-events';
import { SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { RuleDecl, RuleTarget } from '../../topology.ts';
import { toCdkPattern } from '../common.ts';
import { DeliveryDlq, QUEUE_DEFAULTS, QUEUE_RETENTION } from './queues.ts';

export type QueueTarget = Extract<RuleTarget, { kind: 'queue' }>;

export interface QueuedRuleProps {
  /** The rule as infra/topology.ts declares it, with a queue target. */
  decl: RuleDecl & { target: QueueTarget };
  bus: IEventBus;
  /** The target function (the declaration's `target.functionId`). */
  fn: LambdaFunction;
  /** The stage's consumer concurrency for this rule, instead of the declared `maxConcurrency`. */
  maxConcurrency?: number;
}

/**
 * A bus rule that feeds a function in batches: rule -> SQS queue (its own DLQ after
 * `maxReceiveCount` receives) -> event source mapping with partial batch failures; what EventBridge
 * cannot deliver to the queue at all goes to a delivery DLQ.
 *
 * The construct is the rule itself (id `Rule-<id>`); the queues are created beside it
 * (`DeliveryDlq-<id>`, `Dlq-<id>`, `Queue-<id>`) and the event source mapping on the function, where
 * they were first deployed: a wrapping construct would give them new logical ids, and
 * CloudFormation would replace the queues (dropping the messages waiting in them) and the mapping.
 */
export class QueuedRule extends Rule {
  readonly queue: Queue;
  readonly dlq: Queue;
  /** Where EventBridge puts what it could not deliver to the queue at all. */
  readonly deliveryDlq: Queue;

  constructor(scope: Construct, props: QueuedRuleProps) {
    const { decl, fn } = props;
    const target = decl.target;
    const maxConcurrency = props.maxConcurrency ?? target.maxConcurrency;
    super(scope, `Rule-${decl.id}`, {
      eventBus: props.bus,
      description: decl.description,
      eventPattern: toCdkPattern(decl.pattern),
    });
    this.deliveryDlq = new DeliveryDlq(scope, `DeliveryDlq-${decl.id}`, { of: 'rule' });
    this.dlq = new Queue(scope, `Dlq-${decl.id}`, { retentionPeriod: QUEUE_RETENTION, ...QUEUE_DEFAULTS });
    this.queue = new Queue(scope, `Queue-${decl.id}`, {
      // AWS's advice for Lambda event sources: at least six times the function timeout.
      visibilityTimeout: Duration.seconds(fn.timeout!.toSeconds() * 6),
      // SQS's maximum: a backlog is alarmed on (ApproximateAgeOfOldestMessage) long before anything
      // would be deleted. A message moved to the DLQ keeps its first enqueue time, so the DLQ holds
      // it for what is left of the same 14 days.
      retentionPeriod: QUEUE_RETENTION,
      ...QUEUE_DEFAULTS,
      deadLetterQueue: { queue: this.dlq, maxReceiveCount: target.maxReceiveCount },
    });
    this.addTarget(new SqsQueue(this.queue, { deadLetterQueue: this.deliveryDlq, retryAttempts: 185 }));
    fn.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: target.batchSize,
        maxBatchingWindow: Duration.seconds(target.maxBatchingWindowSeconds),
        reportBatchItemFailures: true,
        ...(maxConcurrency !== undefined ? { maxConcurrency } : {}),
      }),
    );
  }
}

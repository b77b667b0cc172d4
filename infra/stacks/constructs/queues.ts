import { Duration } from 'aws-cdk-lib';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { acknowledge } from '../common.ts';

/** What every queue of the service has: SQS-managed encryption, and TLS only. */
export const QUEUE_DEFAULTS = {
  encryption: QueueEncryption.SQS_MANAGED,
  enforceSSL: true,
} as const;

/** SQS's longest retention: nothing waiting in a queue is deleted before a person could see it. */
export const QUEUE_RETENTION = Duration.days(14);

/**
 * Where EventBridge puts what it could not deliver to a rule's or a schedule's target at all
 * (after its retries), kept 14 days.
 */
export class DeliveryDlq extends Queue {
  constructor(scope: Construct, id: string, props: { of: 'rule' | 'schedule' }) {
    super(scope, id, { retentionPeriod: QUEUE_RETENTION, ...QUEUE_DEFAULTS });
    acknowledge(
      this,
      'AwsSolutions-SQS3',
      `This queue is itself a dead-letter queue (of the ${props.of} target).`,
    );
  }
}

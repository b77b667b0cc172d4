import { RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { AttributeType } from 'aws-cdk-lib/aws-dynamodb';
import type { EventPattern } from 'aws-cdk-lib/aws-events';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { IConstruct } from 'constructs';
import type { StageConfig } from '../stage.ts';
import type { KeyAttribute } from '../topology.ts';

export type StageName = 'dev' | 'prod';

export interface StageProps {
  stage: StageName;
  config: StageConfig;
}

export const removalPolicyOf = (config: StageConfig) =>
  config.removalPolicy === 'retain' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

export const attr = (k: KeyAttribute) => ({
  name: k.name,
  type: k.type === 'S' ? AttributeType.STRING : AttributeType.NUMBER,
});

/** EventBridge's pattern keys in CDK's spelling; everything below the top level passes through as is. */
export function toCdkPattern(pattern: Record<string, unknown>): EventPattern {
  const rename: Record<string, string> = { 'detail-type': 'detailType' };
  return Object.fromEntries(Object.entries(pattern).map(([k, v]) => [rename[k] ?? k, v])) as EventPattern;
}

/** The shortest log retention CloudWatch offers that keeps at least `days`. */
export function retention(days: number): RetentionDays {
  const allowed = Object.values(RetentionDays).filter((v): v is RetentionDays => typeof v === 'number');
  return allowed.filter((d) => d >= days).sort((a, b) => a - b)[0] ?? RetentionDays.ONE_YEAR;
}

/**
 * Acknowledges a cdk-nag AwsSolutions finding on a construct (and its children), with the reason
 * it is accepted: the reason is recorded in the construct metadata and listed in the README.
 */
export function acknowledge(scope: IConstruct, rule: string, reason: string): void {
  Validations.of(scope).acknowledge({ id: `AwsSolutions::${rule}`, reason });
}

/**
 * Acknowledges AwsSolutions-IAM5 (wildcard resource) for exactly these object prefixes of `bucket`
 * under `scope` (a role or policy): S3 names objects only by key pattern, so `<prefix>*` is the
 * narrowest grant on the files under a prefix. Any other wildcard still fails the synth.
 */
export function acknowledgeObjectPrefixes(
  scope: IConstruct,
  bucket: IBucket,
  prefixes: readonly string[],
  reason: string,
): void {
  const bucketId = Stack.of(bucket).getLogicalId(bucket.node.defaultChild as never);
  for (const prefix of prefixes) {
    // cdk-nag's spelling of `${bucket.bucketArn}/${prefix}*` in a finding.
    acknowledge(scope, `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/${prefix}*]`, reason);
  }
}

/**
 * The origin-verify secret's name (prod, behind CloudFront): created in the API's region by the
 * functions stack, replicated to us-east-1, where the edge stack's distribution reads it by name.
 */
export const originVerifySecretName = (stage: StageName) => `merchandiser-${stage}-origin-verify`;

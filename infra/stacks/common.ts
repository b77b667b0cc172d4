import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AttributeType } from 'aws-cdk-lib/aws-dynamodb';
import type { EventPattern } from 'aws-cdk-lib/aws-events';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
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

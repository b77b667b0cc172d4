import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AttributeType, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { beforeAll, describe, expect, it } from 'vitest';
import { QueuedRule } from '../../infra/stacks/constructs/queued-rule.ts';
import { ServiceFunction } from '../../infra/stacks/constructs/service-function.ts';
import { functionById, type RuleDecl, rules, tableEnvVar } from '../../infra/topology.ts';
import { TEST_ENV } from '../support/synth.ts';

/** One ServiceFunction with a table and the bus bound, fed by one QueuedRule, in a stack of its own. */
function build() {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'ConstructsTest', { env: TEST_ENV });
  const decl = functionById('rerank-hits');
  const fn = new ServiceFunction(stack, {
    decl,
    logLevel: 'INFO',
    logRetention: RetentionDays.ONE_MONTH,
    removalPolicy: RemovalPolicy.RETAIN,
  });
  const table = new TableV2(stack, 'Hitscores', {
    partitionKey: { name: 'productId', type: AttributeType.STRING },
  });
  const bus = new EventBus(stack, 'Bus');
  // Two reads only here (the topology declares more), to see that the grant is exactly the list.
  fn.bindTable('hitscores', table, ['GetItem', 'Query']).bindBus(bus);
  const decl2 = (rules as readonly RuleDecl[]).find((r) => r.id === 'signals-to-rerank')!;
  if (decl2.target.kind !== 'queue') throw new Error('signals-to-rerank is queued');
  const rule = new QueuedRule(stack, { decl: { ...decl2, target: decl2.target }, bus, fn });
  return { stack, fn, table, bus, rule, decl, target: decl2.target, template: Template.fromStack(stack) };
}

describe('constructs', () => {
  let built: ReturnType<typeof build>;
  beforeAll(() => {
    built = build();
  });

  describe('ServiceFunction', () => {
    it('runs the declared function on Node.js 22, arm64, with source maps and its own log group', () => {
      const { template, decl } = built;
      template.hasResourceProperties('AWS::Lambda::Function', {
        Description: decl.description,
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        MemorySize: decl.memoryMb,
        Timeout: decl.timeoutSeconds,
        Environment: { Variables: Match.objectLike({ NODE_OPTIONS: '--enable-source-maps' }) },
        LoggingConfig: { LogGroup: { Ref: Match.stringLikeRegexp('^Logsrerankhits') } },
      });
      template.hasResource('AWS::Logs::LogGroup', {
        Properties: { RetentionInDays: 30 },
        DeletionPolicy: 'Retain',
      });
    });

    it('keeps the ids the function and its log group were first deployed under', () => {
      const { stack, fn } = built;
      expect(fn.node.path).toBe('ConstructsTest/Fn-rerank-hits');
      expect(stack.node.tryFindChild('Logs-rerank-hits')?.node.path).toBe('ConstructsTest/Logs-rerank-hits');
    });

    it('bindTable names the table and grants exactly the declared actions on it, nothing on index/*', () => {
      const { template, stack, table } = built;
      const tableId = stack.getLogicalId(table.node.defaultChild as never);
      template.hasResourceProperties('AWS::Lambda::Function', {
        Environment: {
          Variables: Match.objectLike({ [tableEnvVar('hitscores')]: { Ref: tableId } }),
        },
      });
      // hitscores declares one index (byCategory): the grant names it, not index/*.
      template.hasResourceProperties('AWS::IAM::Policy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Action: ['dynamodb:GetItem', 'dynamodb:Query'],
              Resource: [
                { 'Fn::GetAtt': [tableId, 'Arn'] },
                { 'Fn::Join': ['', [{ 'Fn::GetAtt': [tableId, 'Arn'] }, '/index/byCategory']] },
              ],
            }),
          ]),
        },
      });
    });

    it('bindBus names the bus and grants PutEvents on it', () => {
      const { template, stack, bus } = built;
      const busId = stack.getLogicalId(bus.node.defaultChild as never);
      template.hasResourceProperties('AWS::Lambda::Function', {
        Environment: { Variables: Match.objectLike({ EVENT_BUS_NAME: { Ref: busId } }) },
      });
      template.hasResourceProperties('AWS::IAM::Policy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Action: 'events:PutEvents', Resource: { 'Fn::GetAtt': [busId, 'Arn'] } }),
          ]),
        },
      });
    });
  });

  describe('QueuedRule', () => {
    it('buffers the rule in a queue (six times the timeout) with a DLQ after the declared receives', () => {
      const { template, stack, rule, target, decl } = built;
      template.hasResourceProperties('AWS::SQS::Queue', {
        VisibilityTimeout: decl.timeoutSeconds * 6,
        RedrivePolicy: {
          deadLetterTargetArn: {
            'Fn::GetAtt': [stack.getLogicalId(rule.dlq.node.defaultChild as never), 'Arn'],
          },
          maxReceiveCount: target.maxReceiveCount,
        },
      });
      template.hasResourceProperties('AWS::Events::Rule', {
        Targets: [
          Match.objectLike({
            Arn: { 'Fn::GetAtt': [stack.getLogicalId(rule.queue.node.defaultChild as never), 'Arn'] },
            DeadLetterConfig: {
              Arn: { 'Fn::GetAtt': [stack.getLogicalId(rule.deliveryDlq.node.defaultChild as never), 'Arn'] },
            },
          }),
        ],
      });
    });

    it('feeds the function in declared batches with partial batch failures and capped concurrency', () => {
      const { template, target } = built;
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        BatchSize: target.batchSize,
        MaximumBatchingWindowInSeconds: target.maxBatchingWindowSeconds,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        ScalingConfig: { MaximumConcurrency: target.maxConcurrency },
      });
    });

    it('keeps the ids the rule and its queues were first deployed under', () => {
      const { rule } = built;
      expect([rule, rule.deliveryDlq, rule.dlq, rule.queue].map((c) => c.node.path)).toEqual([
        'ConstructsTest/Rule-signals-to-rerank',
        'ConstructsTest/DeliveryDlq-signals-to-rerank',
        'ConstructsTest/Dlq-signals-to-rerank',
        'ConstructsTest/Queue-signals-to-rerank',
      ]);
    });
  });
});

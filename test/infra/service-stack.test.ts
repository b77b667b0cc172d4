import { Duration } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { Schedule } from 'aws-cdk-lib/aws-events';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type FunctionId,
  functions,
  lakeJobs,
  lakeStreams,
  type RuleDecl,
  routeKey,
  routes,
  rules,
  type ScheduleDecl,
  schedules,
  shardedJobs,
  type TableDecl,
  type TableId,
  tables,
} from '../../infra/topology.ts';
import { resourcesOf, synthTemplate } from '../support/synth.ts';

describe('ServiceStack', () => {
  let dev: ReturnType<typeof synthTemplate>;
  let prod: ReturnType<typeof synthTemplate>;
  beforeAll(() => {
    dev = synthTemplate('dev');
    prod = synthTemplate('prod');
  });

  describe('stacks', () => {
    it('splits the service by how often it changes: data, events, functions, lake, api, observability', () => {
      expect([...dev.templates.keys()]).toEqual([
        'merchandiser-dev-data',
        'merchandiser-dev-events',
        'merchandiser-dev-functions',
        'merchandiser-dev-lake',
        'merchandiser-dev-api',
        'merchandiser-dev-observability',
      ]);
      const only = (stack: string, type: string) =>
        [...dev.templates].every(([name, t]) => name === stack || resourcesOf(t, type).length === 0);
      expect(only('merchandiser-dev-data', 'AWS::DynamoDB::GlobalTable')).toBe(true);
      expect(only('merchandiser-dev-events', 'AWS::Events::EventBus')).toBe(true);
      expect(only('merchandiser-dev-functions', 'AWS::Lambda::Function')).toBe(true);
      expect(only('merchandiser-dev-api', 'AWS::ApiGatewayV2::Api')).toBe(true);
      expect(only('merchandiser-dev-lake', 'AWS::S3::Bucket')).toBe(true);
      // The lake jobs' machines with the lake; a sharded job's (the full re-rank) with its function.
      const machines = (stack: string) =>
        resourcesOf(dev.templates.get(stack)!, 'AWS::StepFunctions::StateMachine').length;
      expect(machines('merchandiser-dev-lake')).toBe(lakeJobs.length);
      expect(machines('merchandiser-dev-functions')).toBe(shardedJobs.length);
      expect(
        [...dev.templates].filter(([, t]) => resourcesOf(t, 'AWS::StepFunctions::StateMachine').length > 0),
      ).toHaveLength(2);
    });
  });

  describe('observability', () => {
    it('alarms on the API 5xx rate and p99 latency, every dead-letter queue, and throttles', () => {
      const alarms = resourcesOf(dev.template, 'AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);
      const described = (re: RegExp) => alarms.filter((a) => re.test(String(a.AlarmDescription)));
      expect(described(/5xx/)).toHaveLength(1);
      expect(described(/p99 latency above 2000 ms/)).toHaveLength(1);
      const dlqs = resourcesOf(dev.template, 'AWS::SQS::Queue').filter(
        ([id, q]) => !q.Properties.RedrivePolicy && /Dlq/.test(id),
      );
      expect(dlqs.length).toBeGreaterThan(0);
      expect(described(/^Messages in /)).toHaveLength(dlqs.length);
      expect(described(/was throttled/)).toHaveLength(functions.length);
      expect(described(/were throttled/)).toHaveLength(tables.length);
      for (const a of alarms) expect(a.AlarmActions).toHaveLength(1);
      dev.template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
      dev.template.resourceCountIs('AWS::SNS::Subscription', 0);
      prod.template.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'email',
        Endpoint: 'oncall@example.com',
      });
      prod.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmDescription: Match.stringLikeRegexp('p99 latency above 1000 ms'),
      });
    });
  });

  describe('tables', () => {
    it('creates one table per declared table, with point-in-time recovery', () => {
      const t = resourcesOf(dev.template, 'AWS::DynamoDB::GlobalTable');
      expect(t).toHaveLength(tables.length);
      for (const [, r] of t) {
        expect(r.Properties.Replicas).toEqual([
          expect.objectContaining({ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }),
        ]);
      }
    });

    it('turns on TTL where the topology declares it', () => {
      for (const t of tables as readonly TableDecl[]) {
        const keys = [
          { AttributeName: t.partitionKey.name, KeyType: 'HASH' },
          ...(t.sortKey ? [{ AttributeName: t.sortKey.name, KeyType: 'RANGE' }] : []),
        ];
        const ttl = t.ttlAttribute ? { AttributeName: t.ttlAttribute, Enabled: true } : Match.absent();
        dev.template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
          KeySchema: keys,
          TimeToLiveSpecification: ttl,
        });
      }
      // The visit records and the quotes expire; the catalog does not.
      expect((tables as readonly TableDecl[]).filter((t) => t.ttlAttribute).map((t) => t.id)).toEqual(
        expect.arrayContaining(['visits', 'quotes', 'processed']),
      );
    });

    it('retains tables and protects them from deletion in prod only', () => {
      for (const [, r] of resourcesOf(prod.template, 'AWS::DynamoDB::GlobalTable')) {
        expect(r.Properties.Replicas).toEqual([expect.objectContaining({ DeletionProtectionEnabled: true })]);
      }
      const prodJson = prod.template.toJSON().Resources as Record<
        string,
        { Type: string; DeletionPolicy?: string }
      >;
      expect(
        Object.values(prodJson)
          .filter((r) => r.Type === 'AWS::DynamoDB::GlobalTable')
          .every((r) => r.DeletionPolicy === 'Retain'),
      ).toBe(true);
      const devJson = dev.template.toJSON().Resources as Record<
        string,
        { Type: string; DeletionPolicy?: string }
      >;
      expect(
        Object.values(devJson)
          .filter((r) => r.Type === 'AWS::DynamoDB::GlobalTable')
          .every((r) => r.DeletionPolicy === 'Delete'),
      ).toBe(true);
    });
  });

  describe('functions', () => {
    it('runs every declared function on Node.js 22, arm64, with its declared memory and timeout', () => {
      for (const f of functions) {
        dev.template.hasResourceProperties('AWS::Lambda::Function', {
          Description: f.description,
          Runtime: 'nodejs22.x',
          Architectures: ['arm64'],
          MemorySize: f.memoryMb,
          Timeout: f.timeoutSeconds,
        });
      }
    });

    const policiesOf = (functionId: FunctionId) => {
      const role = dev.stack.getLogicalId(
        dev.stack.functions.get(functionId)!.role!.node.defaultChild as never,
      );
      return resourcesOf(dev.template, 'AWS::IAM::Policy').filter(([, p]) =>
        JSON.stringify(p.Properties.Roles).includes(role),
      );
    };
    const tableRef = (id: TableId) =>
      dev.stack.getLogicalId(dev.stack.tables.get(id)!.node.defaultChild as never);

    it.each(functions.map((f) => [f.id, f] as const))(
      '%s may touch exactly its declared tables, read-only where it only reads',
      (id, f) => {
        const statements = policiesOf(id).flatMap(
          ([, p]) =>
            (p.Properties.PolicyDocument as { Statement: { Action: string | string[]; Resource: unknown }[] })
              .Statement,
        );
        for (const table of tables) {
          const access = (f.tables as Partial<Record<TableId, string>>)[table.id];
          const onTable = statements.filter((st) => JSON.stringify(st.Resource).includes(tableRef(table.id)));
          if (!access) {
            expect(onTable, `${id} on ${table.id}`).toHaveLength(0);
            continue;
          }
          const actions = onTable.flatMap((st) => st.Action);
          expect(actions.length, `${id} on ${table.id}`).toBeGreaterThan(0);
          if (access === 'read') {
            expect(
              actions.every((a) =>
                /^dynamodb:(BatchGet|Get|Query|Scan|ConditionCheck|DescribeTable)/.test(a),
              ),
              `${id} only reads ${table.id}`,
            ).toBe(true);
          }
        }
      },
    );
  });

  describe('least privilege beyond tables', () => {
    it('lets only the declared publishers put events, and only on the service bus', () => {
      const bus = dev.stack.getLogicalId(dev.service.events.bus.node.defaultChild as never);
      for (const f of functions) {
        const role = dev.stack.getLogicalId(dev.stack.functions.get(f.id)!.role!.node.defaultChild as never);
        const statements = resourcesOf(dev.template, 'AWS::IAM::Policy')
          .filter(([, p]) => JSON.stringify(p.Properties.Roles).includes(role))
          .flatMap(
            ([, p]) =>
              (p.Properties.PolicyDocument as { Statement: { Action: unknown; Resource: unknown }[] })
                .Statement,
          );
        const puts = statements.filter((st) => JSON.stringify(st.Action).includes('events:PutEvents'));
        expect(puts.length, f.id).toBe(f.publishes ? 1 : 0);
        for (const st of puts) expect(JSON.stringify(st.Resource), f.id).toContain(bus);
        // Nothing else than DynamoDB, the bus, what an SQS event source needs on its own queue, and
        // for a lake job's results function, reading result files (test/infra/lake-stack.test.ts).
        const readsResults = lakeJobs.some((j) => j.resultsFunctionId === f.id);
        for (const st of statements) {
          for (const action of [st.Action].flat() as string[]) {
            expect(action, f.id).toMatch(
              readsResults
                ? /^(dynamodb|events:PutEvents|sqs:(ReceiveMessage|ChangeMessageVisibility|GetQueueUrl|DeleteMessage|GetQueueAttributes)|s3:(GetObject|ListBucket)$)/
                : /^(dynamodb|events:PutEvents|sqs:(ReceiveMessage|ChangeMessageVisibility|GetQueueUrl|DeleteMessage|GetQueueAttributes))/,
            );
          }
        }
      }
    });
  });

  describe('api', () => {
    it('has exactly the declared routes, and $default for what none of them takes', () => {
      const keys = resourcesOf(dev.template, 'AWS::ApiGatewayV2::Route').map(
        ([, r]) => r.Properties.RouteKey,
      );
      expect(new Set(keys)).toEqual(new Set([...routes.map(routeKey), '$default']));
    });

    it('guards every admin route with IAM (SigV4) and leaves only the declared storefront routes open', () => {
      const authOf = new Map(
        resourcesOf(dev.template, 'AWS::ApiGatewayV2::Route').map(([, r]) => [
          r.Properties.RouteKey as string,
          (r.Properties.AuthorizationType as string | undefined) ?? 'NONE',
        ]),
      );
      for (const route of routes) {
        const expected = route.auth === 'iam' ? 'AWS_IAM' : 'NONE';
        expect(authOf.get(routeKey(route)), routeKey(route)).toBe(expected);
        // An admin path (writes scenes, experiments, reads profiles) is never declared open.
        if (/\/admin\/|\/users\//.test(route.path)) expect(route.auth, routeKey(route)).toBe('iam');
      }
    });

    it('throttles the stage and writes access logs', () => {
      dev.template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
        StageName: '$default',
        DefaultRouteSettings: Match.objectLike({ ThrottlingRateLimit: 200, ThrottlingBurstLimit: 400 }),
        AccessLogSettings: Match.objectLike({ DestinationArn: Match.anyValue() }),
      });
    });
  });

  describe('events', () => {
    it('creates one rule per declared rule and lake stream with its pattern on the service bus', () => {
      const found = resourcesOf(dev.template, 'AWS::Events::Rule')
        .filter(([, r]) => r.Properties.EventPattern !== undefined)
        .map(([, r]) => r.Properties);
      expect(found).toHaveLength(rules.length + lakeStreams.length);
      const bus = dev.stack.getLogicalId(dev.service.events.bus.node.defaultChild as never);
      for (const r of found) expect(JSON.stringify(r.EventBusName)).toContain(bus);
      for (const rule of [...rules, ...lakeStreams]) {
        expect(found.map((r) => r.EventPattern)).toContainEqual(rule.pattern);
      }
    });

    it('runs each declared schedule on its cadence, with its input and a DLQ', () => {
      for (const sch of schedules as readonly ScheduleDecl[]) {
        const target = Match.arrayWith([
          Match.objectLike({
            Input: JSON.stringify(sch.input),
            DeadLetterConfig: Match.objectLike({ Arn: Match.anyValue() }),
          }),
        ]);
        dev.template.hasResourceProperties('AWS::Events::Rule', {
          ScheduleExpression: Schedule.rate(Duration.minutes(sch.everyMinutes)).expressionString,
          Targets: target,
        });
      }
    });

    it('buffers every queue-fed rule in a queue with a dead-letter queue and partial batch failures', () => {
      const queued = (rules as readonly RuleDecl[]).flatMap((r) =>
        r.target.kind === 'queue' ? [{ ...r, target: r.target }] : [],
      );
      const withDlq = resourcesOf(dev.template, 'AWS::SQS::Queue').filter(
        ([, q]) => q.Properties.RedrivePolicy,
      );
      expect(withDlq).toHaveLength(queued.length);
      for (const r of queued) {
        dev.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
          BatchSize: r.target.batchSize,
          FunctionResponseTypes: ['ReportBatchItemFailures'],
          ...('maxConcurrency' in r.target
            ? { ScalingConfig: { MaximumConcurrency: r.target.maxConcurrency } }
            : {}),
        });
      }
    });

    it("keeps every rule queue's messages 14 days, the SQS maximum, and alarms on the age of its oldest message", () => {
      const queued = (rules as readonly RuleDecl[]).filter((r) => r.target.kind === 'queue');
      for (const [stage, t, seconds] of [
        ['dev', dev, 3600],
        ['prod', prod, 900],
      ] as const) {
        const queues = resourcesOf(t.template, 'AWS::SQS::Queue');
        for (const [id, q] of queues)
          expect(q.Properties.MessageRetentionPeriod, `${stage} ${id}`).toBe(14 * 86_400);
        const ages = resourcesOf(t.template, 'AWS::CloudWatch::Alarm')
          .map(([, a]) => a.Properties)
          .filter((a) => a.MetricName === 'ApproximateAgeOfOldestMessage');
        expect(ages, stage).toHaveLength(queued.length);
        for (const r of queued) {
          const queue = t.stack.getLogicalId(
            t.service.functions.ruleQueues.get(r.id)!.queue.node.defaultChild as never,
          );
          const alarm = ages.find((a) => JSON.stringify(a.Dimensions).includes(queue));
          expect(alarm, `${stage} ${r.id}`).toMatchObject({
            Threshold: seconds,
            Statistic: 'Maximum',
            ComparisonOperator: 'GreaterThanThreshold',
            AlarmActions: [expect.anything()],
          });
        }
      }
    });

    it("caps a queued rule's consumer concurrency as the stage says, as declared otherwise", () => {
      const overridden = synthTemplate('dev', { consumerConcurrency: { 'behaviour-to-related': 8 } });
      const fnOf = (id: string) =>
        overridden.stack.getLogicalId(
          overridden.stack.functions.get(id as FunctionId)!.node.defaultChild as never,
        );
      const mappingOf = (functionId: string) =>
        resourcesOf(overridden.template, 'AWS::Lambda::EventSourceMapping')
          .map(([, m]) => m.Properties)
          .find((m) => JSON.stringify(m.FunctionName).includes(fnOf(functionId)));
      expect(mappingOf('update-related')?.ScalingConfig).toEqual({ MaximumConcurrency: 8 });
      // The others keep their declarations.
      expect(mappingOf('aggregate-signals')?.ScalingConfig).toEqual({ MaximumConcurrency: 2 });
      expect(mappingOf('catalog-write')?.ScalingConfig).toBeUndefined();
    });

    it('archives the bus', () => {
      dev.template.resourceCountIs('AWS::Events::Archive', 1);
    });
  });

  describe('keys', () => {
    it('generates one secret per declared key and hands that same secret to every function naming it, by dynamic reference only', () => {
      const declaring = functions.filter((f) => 'secrets' in f) as {
        description: string;
        secrets: readonly string[];
      }[];
      const keys = new Set(declaring.flatMap((f) => [...f.secrets]));
      expect(keys).toEqual(new Set(['AUTH_JWT_SECRET', 'QUOTE_SIGNING_KEY']));
      dev.template.resourceCountIs('AWS::SecretsManager::Secret', keys.size);
      const lambdas = resourcesOf(dev.template, 'AWS::Lambda::Function');
      const referenceOf = new Map<string, string>();
      for (const f of declaring) {
        const [, r] = lambdas.find(([, l]) => l.Properties.Description === f.description)!;
        const env = (r.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
        for (const name of f.secrets) {
          const ref = JSON.stringify(env[name]);
          expect(ref).toContain('resolve:secretsmanager');
          // The token key must be one key: a token pricing accepts is accepted by the read routes.
          expect(ref, name).toBe(referenceOf.get(name) ?? ref);
          referenceOf.set(name, ref);
        }
      }
      expect(declaring.filter((f) => f.secrets.includes('AUTH_JWT_SECRET')).length).toBeGreaterThan(1);
      // The logical ids the keys were first deployed under: another id replaces the secret with a
      // new value on the next deploy, and every quote and token signed with the old one fails.
      const secretIds = Object.keys(dev.template.findResources('AWS::SecretsManager::Secret'));
      expect(secretIds.map((id) => id.replace(/[0-9A-F]{8}$/, '')).sort()).toEqual([
        'SecretpricingAUTHJWTSECRET',
        'SecretpricingQUOTESIGNINGKEY',
      ]);
    });
  });
});

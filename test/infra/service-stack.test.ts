import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Duration } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { Schedule } from 'aws-cdk-lib/aws-events';
import { beforeAll, describe, expect, it } from 'vitest';
import { POLICY_KEY } from '../../functions/adapters/profile-items.ts';
import {
  accessActions,
  type FunctionDecl,
  type FunctionId,
  functions,
  lakeJobs,
  lakeStreams,
  type RouteDecl,
  type RuleDecl,
  routeKey,
  routes,
  rules,
  type ScheduleDecl,
  schedules,
  shardedJobs,
  type TableAccess,
  type TableDecl,
  type TableId,
  tables,
} from '../../infra/topology.ts';
import { dynamoActionsSentBy } from '../support/code-graph.ts';
import { configOf, resourcesOf, synthTemplate } from '../support/synth.ts';

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
      // A job's, and a staged job's sweep of its stopped runs (lake-stack.test.ts).
      expect(machines('merchandiser-dev-lake')).toBe(lakeJobs.length + dev.service.lake.sweeps.size);
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
      '%s may touch exactly its declared tables, with exactly the declared actions (and keys)',
      (id, f) => {
        const statements = policiesOf(id).flatMap(
          ([, p]) =>
            (
              p.Properties.PolicyDocument as {
                Statement: { Action: string | string[]; Resource: unknown; Condition?: unknown }[];
              }
            ).Statement,
        );
        for (const table of tables) {
          const access = (f.tables as Partial<Record<TableId, TableAccess>>)[table.id];
          const onTable = statements.filter((st) => JSON.stringify(st.Resource).includes(tableRef(table.id)));
          if (!access) {
            expect(onTable, `${id} on ${table.id}`).toHaveLength(0);
            continue;
          }
          const actions = onTable.flatMap((st) => st.Action);
          expect(new Set(actions), `${id} on ${table.id}`).toEqual(
            new Set(accessActions(access).map((a) => `dynamodb:${a}`)),
          );
          const leadingKeys = 'leadingKeys' in access ? access.leadingKeys : undefined;
          for (const st of onTable) {
            expect(st.Condition, `${id} on ${table.id}`).toEqual(
              leadingKeys
                ? { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [...leadingKeys] } }
                : undefined,
            );
          }
        }
      },
    );

    it("gives segments-admin the policy item of the profiles table only, no shopper's profile", () => {
      const access = functions.find((f) => f.id === 'segments-admin')!.tables.rfmProfiles;
      expect(access).toEqual({ actions: ['GetItem', 'PutItem'], leadingKeys: [POLICY_KEY] });
    });

    it.each(functions.map((f) => [f.id, f] as const))(
      '%s holds no action its code never calls (the commands its modules send)',
      (id, f) => {
        const sent = dynamoActionsSentBy(f.entry);
        for (const [table, access] of Object.entries(f.tables) as [TableId, TableAccess][]) {
          for (const action of accessActions(access)) {
            expect(sent, `${id} is granted ${action} on ${table}`).toContain(action);
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
        // Nothing else than DynamoDB, the bus, its declared secrets, what an SQS event source needs
        // on its own queue, and for a lake job's results function, reading result files
        // (test/infra/lake-stack.test.ts).
        const readsResults = lakeJobs.some((j) => j.resultsFunctionId === f.id);
        for (const st of statements) {
          for (const action of [st.Action].flat() as string[]) {
            expect(action, f.id).toMatch(
              readsResults
                ? /^(dynamodb|events:PutEvents|secretsmanager:GetSecretValue$|sqs:(ReceiveMessage|ChangeMessageVisibility|GetQueueUrl|DeleteMessage|GetQueueAttributes)|s3:(GetObject|ListBucket)$)/
                : /^(dynamodb|events:PutEvents|secretsmanager:GetSecretValue$|sqs:(ReceiveMessage|ChangeMessageVisibility|GetQueueUrl|DeleteMessage|GetQueueAttributes))/,
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

    it('guards every admin route with IAM (SigV4), the signed-in-only routes with the JWT authorizer, and leaves only the declared storefront routes open', () => {
      const authOf = new Map(
        resourcesOf(dev.template, 'AWS::ApiGatewayV2::Route').map(([, r]) => [
          r.Properties.RouteKey as string,
          (r.Properties.AuthorizationType as string | undefined) ?? 'NONE',
        ]),
      );
      for (const route of routes) {
        const expected = route.auth === 'iam' ? 'AWS_IAM' : route.auth === 'jwt' ? 'JWT' : 'NONE';
        expect(authOf.get(routeKey(route)), routeKey(route)).toBe(expected);
        // An admin path (writes scenes, experiments, reads profiles) is never declared open.
        if (/\/admin\/|\/users\//.test(route.path)) expect(route.auth, routeKey(route)).toBe('iam');
      }
      // Redeeming and group buys need a signed-in shopper: the authorizer turns a guest away first.
      expect(
        routes
          .filter((r) => r.auth === 'jwt')
          .map(routeKey)
          .sort(),
      ).toEqual(['POST /v1/groups', 'POST /v1/groups/{groupId}/members', 'POST /v1/quotes/{quoteId}/redeem']);
    });

    it("points the JWT authorizer at the stage's identity provider (issuer and audience from cdk.json)", () => {
      dev.template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
        AuthorizerType: 'JWT',
        IdentitySource: ['$request.header.Authorization'],
        JwtConfiguration: {
          Issuer: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_EXAMPLE0',
          Audience: ['example-app-client-id'],
        },
      });
      prod.template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
        AuthorizerType: 'JWT',
        JwtConfiguration: {
          Issuer: 'https://shop-example.eu.auth0.com/',
          Audience: ['https://api.shop.example.com'],
        },
      });
      const authorizerRoutes = resourcesOf(dev.template, 'AWS::ApiGatewayV2::Route').filter(
        ([, r]) => r.Properties.AuthorizationType === 'JWT',
      );
      for (const [, r] of authorizerRoutes) expect(r.Properties.AuthorizerId).toBeDefined();
    });

    it('throttles the stage and writes access logs', () => {
      dev.template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
        StageName: '$default',
        DefaultRouteSettings: Match.objectLike({ ThrottlingRateLimit: 200, ThrottlingBurstLimit: 400 }),
        AccessLogSettings: Match.objectLike({ DestinationArn: Match.anyValue() }),
      });
    });

    const publicRoutes = (routes as readonly RouteDecl[]).filter((r) => r.auth !== 'iam');
    const stageOf = (t: ReturnType<typeof synthTemplate>) =>
      resourcesOf(t.template, 'AWS::ApiGatewayV2::Stage')[0]![1].Properties as {
        RouteSettings?: Record<string, { ThrottlingRateLimit: number; ThrottlingBurstLimit: number }>;
      };

    it.each(['dev', 'prod'] as const)(
      '%s: throttles every public route that writes or publishes on its own, below the stage',
      (name) => {
        const t = name === 'dev' ? dev : prod;
        const settings = stageOf(t).RouteSettings ?? {};
        const config = configOf(name);
        for (const r of (routes as readonly RouteDecl[]).filter(
          (r) => r.method !== 'GET' && r.auth !== 'iam',
        )) {
          const own = settings[routeKey(r)];
          expect(own, routeKey(r)).toBeDefined();
          expect(own!.ThrottlingRateLimit, routeKey(r)).toBeLessThan(config.throttle.rateLimit);
          expect(own!.ThrottlingBurstLimit, routeKey(r)).toBeLessThan(config.throttle.burstLimit);
        }
        expect(settings).toEqual(
          Object.fromEntries(
            Object.entries(config.routeThrottles).map(([k, v]) => [
              k,
              { ThrottlingRateLimit: v.rateLimit, ThrottlingBurstLimit: v.burstLimit },
            ]),
          ),
        );
      },
    );

    it.each(['dev', 'prod'] as const)(
      '%s: reserves concurrency for every function behind a public route, as the stage says',
      (name) => {
        const t = name === 'dev' ? dev : prod;
        const config = configOf(name);
        const reservedOf = (id: FunctionId) => {
          const logical = t.stack.getLogicalId(t.stack.functions.get(id)!.node.defaultChild as never);
          return (
            t.template.toJSON().Resources[logical] as {
              Properties: { ReservedConcurrentExecutions?: number };
            }
          ).Properties.ReservedConcurrentExecutions;
        };
        for (const id of new Set(publicRoutes.map((r) => r.functionId))) {
          expect(reservedOf(id), id).toBeGreaterThan(0);
        }
        for (const f of functions) expect(reservedOf(f.id), f.id).toBe(config.reservedConcurrency[f.id]);
      },
    );

    it('prod: CloudFront with a WAF rate-based rule in front, the execute-api endpoint off; dev: neither', () => {
      const edge = prod.service.edge!;
      expect(edge.region).toBe('us-east-1');
      const edgeTemplate = prod.templates.get(edge.stackName)!;
      const config = configOf('prod');
      edgeTemplate.hasResourceProperties('AWS::WAFv2::WebACL', {
        Scope: 'CLOUDFRONT',
        DefaultAction: { Allow: {} },
        Rules: Match.arrayWith([
          Match.objectLike({
            Action: { Block: {} },
            Statement: {
              RateBasedStatement: { Limit: config.edge!.wafRateLimitPer5Minutes, AggregateKeyType: 'IP' },
            },
          }),
        ]),
      });
      const acl = resourcesOf(edgeTemplate, 'AWS::WAFv2::WebACL')[0]![0];
      edgeTemplate.hasResourceProperties('AWS::CloudFront::Distribution', {
        DistributionConfig: Match.objectLike({
          WebACLId: { 'Fn::GetAtt': [acl, 'Arn'] },
          Origins: [Match.objectLike({ DomainName: config.edge!.originDomainName })],
        }),
      });
      prod.template.hasResourceProperties('AWS::ApiGatewayV2::Api', { DisableExecuteApiEndpoint: true });
      prod.template.hasResourceProperties('AWS::ApiGatewayV2::DomainName', {
        DomainName: config.edge!.originDomainName,
      });
      expect(dev.service.edge).toBeUndefined();
      for (const [, api] of resourcesOf(dev.template, 'AWS::ApiGatewayV2::Api'))
        expect(api.Properties.DisableExecuteApiEndpoint ?? false).toBe(false);
      expect(resourcesOf(dev.template, 'AWS::CloudFront::Distribution')).toHaveLength(0);
    });

    it("prod: CloudFront sends the origin-verify secret's member, which every function of a route not signed with SigV4 reads; dev: no such secret", () => {
      const config = configOf('prod');
      const edgeTemplate = prod.templates.get(prod.service.edge!.stackName)!;
      const functionsTemplate = prod.templates.get(prod.service.functions.stackName)!;
      const [[secretId]] = resourcesOf(functionsTemplate, 'AWS::SecretsManager::Secret').filter(
        ([, r]) => r.Properties.Name === 'merchandiser-prod-origin-verify',
      ) as unknown as [[string]];
      functionsTemplate.hasResourceProperties('AWS::SecretsManager::Secret', {
        Name: 'merchandiser-prod-origin-verify',
        ReplicaRegions: [{ Region: 'us-east-1' }],
        GenerateSecretString: Match.objectLike({ SecretStringTemplate: '{}', GenerateStringKey: 'v1' }),
      });
      // A dynamic reference to the replica, resolved by CloudFormation: no value in the template.
      edgeTemplate.hasResourceProperties('AWS::CloudFront::Distribution', {
        DistributionConfig: Match.objectLike({
          Origins: [
            Match.objectLike({
              OriginCustomHeaders: [
                {
                  HeaderName: 'x-origin-verify',
                  HeaderValue: `{{resolve:secretsmanager:merchandiser-prod-origin-verify:SecretString:${config.edge!.originVerifyKey}::}}`,
                },
              ],
            }),
          ],
        }),
      });
      const publicFunctions = new Set<string>(
        (routes as readonly RouteDecl[]).filter((r) => r.auth !== 'iam').map((r) => r.functionId),
      );
      const policies = resourcesOf(functionsTemplate, 'AWS::IAM::Policy');
      for (const f of functions as readonly FunctionDecl[]) {
        const [logicalId, r] = resourcesOf(functionsTemplate, 'AWS::Lambda::Function').find(
          ([, l]) => l.Properties.Description === f.description,
        )!;
        const env = (r.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
        const role = (r.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
        const reads = policies.some(
          ([, p]) =>
            JSON.stringify(p.Properties.Roles).includes(role) &&
            JSON.stringify(p.Properties.PolicyDocument).includes(secretId),
        );
        expect(env.ORIGIN_VERIFY_SECRET_ARN !== undefined, `${f.id} (${logicalId})`).toBe(
          publicFunctions.has(f.id),
        );
        expect(reads, f.id).toBe(publicFunctions.has(f.id));
      }
      // The commerce intake is signed with SigV4 only: it reads no such secret.
      expect(publicFunctions.has('ingest-commerce')).toBe(false);
      expect(JSON.stringify(dev.template.toJSON())).not.toContain('origin-verify');
    });

    it('replicates the origin-verify secret to us-east-1 unless it is there already, deciding at deploy when the synth names no region', () => {
      const secretOf = (t: ReturnType<typeof synthTemplate>) =>
        resourcesOf(t.templates.get(t.service.functions.stackName)!, 'AWS::SecretsManager::Secret').find(
          ([, r]) => r.Properties.Name === 'merchandiser-prod-origin-verify',
        )![1].Properties;
      expect(
        secretOf(synthTemplate('prod', {}, { account: '111111111111', region: 'us-east-1' })).ReplicaRegions,
      ).toBeUndefined();
      const agnostic = synthTemplate('prod', {}, null);
      const replicas = secretOf(agnostic).ReplicaRegions as { 'Fn::If': [string, unknown, unknown] };
      expect(replicas['Fn::If'][1]).toEqual({ Ref: 'AWS::NoValue' });
      expect(replicas['Fn::If'][2]).toEqual([{ Region: 'us-east-1' }]);
      const conditions = agnostic.templates.get(agnostic.service.functions.stackName)!.toJSON().Conditions;
      expect(conditions[replicas['Fn::If'][0]]).toEqual({
        'Fn::Equals': [{ Ref: 'AWS::Region' }, 'us-east-1'],
      });
      // The edge deploys after the stack that makes the secret it reads.
      expect(prod.service.edge!.dependencies).toContain(prod.service.functions);
    });

    it('in log mode (the first deploy of the check on a stage with traffic) tells the functions to serve and log', () => {
      const config = configOf('prod');
      const logging = synthTemplate('prod', { edge: { ...config.edge!, originVerify: 'log' } });
      const modes = (t: ReturnType<typeof synthTemplate>) =>
        resourcesOf(t.template, 'AWS::Lambda::Function').flatMap(([, r]) => {
          const vars = (r.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
          return vars.ORIGIN_VERIFY_SECRET_ARN === undefined ? [] : [vars.ORIGIN_VERIFY_MODE ?? 'enforce'];
        });
      expect(new Set(modes(logging))).toEqual(new Set(['log']));
      expect(new Set(modes(prod))).toEqual(new Set(['enforce']));
    });
  });

  describe('events', () => {
    it('creates one rule per declared rule and lake stream with its pattern on the service bus', () => {
      const patterned = resourcesOf(dev.template, 'AWS::Events::Rule')
        .filter(([, r]) => r.Properties.EventPattern !== undefined)
        .map(([, r]) => r.Properties);
      // Besides: on the default bus, where Step Functions reports, the staged lake jobs' sweeps.
      const onDefault = patterned.filter((r) => r.EventBusName === undefined);
      expect(onDefault.map((r) => (r.EventPattern as { source: string[] }).source)).toEqual(
        [...dev.service.lake.sweeps.keys()].map(() => ['aws.states']),
      );
      const found = patterned.filter((r) => r.EventBusName !== undefined);
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

  describe('keys and identity', () => {
    it('generates one secret per declared name, hands its ARN (never its value) to the functions naming it, and lets them read that secret only', () => {
      const declaring = (functions as readonly FunctionDecl[]).filter((f) => (f.secrets ?? []).length > 0);
      const names = new Set(declaring.flatMap((f) => [...(f.secrets ?? [])]));
      expect(names).toEqual(new Set(['QUOTE_SIGNING_KEYS']));
      dev.template.resourceCountIs('AWS::SecretsManager::Secret', names.size);
      dev.template.hasResourceProperties('AWS::SecretsManager::Secret', {
        GenerateSecretString: Match.objectLike({
          SecretStringTemplate: '{"current":"k1"}',
          GenerateStringKey: 'k1',
        }),
      });
      const text = JSON.stringify(dev.template.toJSON());
      // Read at run time: no dynamic reference resolves a secret into the template.
      expect(text).not.toContain('resolve:secretsmanager');
      const lambdas = resourcesOf(dev.template, 'AWS::Lambda::Function');
      for (const f of declaring) {
        const [, r] = lambdas.find(([, l]) => l.Properties.Description === f.description)!;
        const env = (r.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
        for (const name of f.secrets ?? []) {
          expect(env[name]).toBeUndefined();
          expect(env[`${name}_SECRET_ARN`]).toBeDefined();
        }
      }
      const reads = resourcesOf(dev.template, 'AWS::IAM::Policy').flatMap(([, p]) =>
        (p.Properties.PolicyDocument as { Statement: { Action: string | string[] }[] }).Statement.filter(
          (st) => [st.Action].flat().some((a) => a.startsWith('secretsmanager:')),
        ),
      );
      expect(reads.length).toBe(declaring.length);
      for (const st of reads) expect(st.Action).toBe('secretsmanager:GetSecretValue');
    });

    it("hands a stage's related settings to exactly the functions that read them", () => {
      const tuned = synthTemplate('dev', { related: { halfLifeDays: 365, popularityBeta: 0.25 } });
      const lambdasOf = (t: ReturnType<typeof synthTemplate>) =>
        resourcesOf(t.template, 'AWS::Lambda::Function');
      for (const f of functions as readonly FunctionDecl[]) {
        // Declared where the entry reads them, so no function builds lists with other settings.
        const reads = readFileSync(join(import.meta.dirname, '../..', f.entry), 'utf8').includes(
          'relatedConfig()',
        );
        expect(Boolean(f.relatedSettings), f.id).toBe(reads);
        const envOf = (t: ReturnType<typeof synthTemplate>) =>
          (
            lambdasOf(t).find(([, l]) => l.Properties.Description === f.description)![1].Properties
              .Environment as { Variables: Record<string, unknown> }
          ).Variables;
        expect(envOf(tuned).RELATED_SETTINGS, f.id).toBe(
          f.relatedSettings ? '{"halfLifeDays":365,"popularityBeta":0.25}' : undefined,
        );
        expect(envOf(dev).RELATED_SETTINGS, f.id).toBeUndefined();
      }
      expect(
        (functions as readonly FunctionDecl[])
          .filter((f) => f.relatedSettings)
          .map((f) => f.id)
          .sort(),
      ).toEqual(['lake-query', 'lake-results', 'update-related']);
    });

    it("hands a stage's bundle settings to exactly the functions that read them", () => {
      const tuned = synthTemplate('dev', { bundles: { minSupport: 0, minCount: 8 } });
      const envOf = (t: ReturnType<typeof synthTemplate>, f: FunctionDecl) =>
        (
          resourcesOf(t.template, 'AWS::Lambda::Function').find(
            ([, l]) => l.Properties.Description === f.description,
          )![1].Properties.Environment as { Variables: Record<string, unknown> }
        ).Variables;
      for (const f of functions as readonly FunctionDecl[]) {
        const reads = readFileSync(join(import.meta.dirname, '../..', f.entry), 'utf8').includes(
          'bundleConfig()',
        );
        expect(Boolean(f.bundleSettings), f.id).toBe(reads);
        expect(envOf(tuned, f).BUNDLE_SETTINGS, f.id).toBe(
          f.bundleSettings ? '{"minSupport":0,"minCount":8}' : undefined,
        );
        expect(envOf(dev, f).BUNDLE_SETTINGS, f.id).toBeUndefined();
      }
      expect(
        (functions as readonly FunctionDecl[])
          .filter((f) => f.bundleSettings)
          .map((f) => f.id)
          .sort(),
      ).toEqual(['lake-query', 'lake-results']);
    });

    it("hands the stage's identity provider to every function that verifies shopper tokens, and no token key", () => {
      const lambdas = resourcesOf(dev.template, 'AWS::Lambda::Function');
      for (const f of functions as readonly FunctionDecl[]) {
        const [, r] = lambdas.find(([, l]) => l.Properties.Description === f.description)!;
        const env = (r.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
        expect(env.AUTH_JWT_SECRET, f.id).toBeUndefined();
        if (!f.shopperTokens) {
          expect(env.AUTH_ISSUER, f.id).toBeUndefined();
          continue;
        }
        expect(env, f.id).toMatchObject({
          AUTH_ISSUER: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_EXAMPLE0',
          AUTH_AUDIENCE: 'example-app-client-id',
          AUTH_JWKS_URL:
            'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_EXAMPLE0/.well-known/jwks.json',
          AUTH_ALGORITHMS: 'RS256',
          AUTH_MAX_TOKEN_LIFETIME_SECONDS: '86400',
          AUTH_CLOCK_SKEW_SECONDS: '30',
        });
      }
    });
  });
});

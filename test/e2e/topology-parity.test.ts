import { randomUUID } from 'node:crypto';
import { DescribeTableCommand, DescribeTimeToLiveCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type Runtime, startRuntime } from '../../infra/local/runtime.ts';
import { routeKey } from '../../infra/topology.ts';
import { resourcesOf, synthTemplate } from '../support/synth.ts';

type Keyed = { AttributeName: string; KeyType: string }[];
const keyString = (k: Keyed | undefined) => (k ?? []).map((x) => `${x.KeyType}:${x.AttributeName}`).join(',');

/**
 * The CDK stack and the local runtime are both derived from infra/topology.ts; this proves that
 * what each exposes is the same: routes, rules (pattern and target function) and tables
 * (keys, indexes, TTL).
 */
describe('topology parity: CDK stack and local runtime', () => {
  let rt: Runtime;
  let client: DynamoDBClient;
  const { stack, template } = synthTemplate('dev');

  beforeAll(async () => {
    rt = await startRuntime({
      port: 0,
      memory: true,
      dynamoEndpoint: inject('dynamoEndpoint'),
      tablePrefix: `par${randomUUID().slice(0, 6)}-`,
      seed: 'never',
    });
    client = new DynamoDBClient({ endpoint: rt.dynamoEndpoint, region: 'us-east-1' });
  });
  afterAll(async () => rt?.stop());

  it('serves the same route keys, each on the same function', () => {
    // Route -> integration (Target: integrations/<Ref>) -> function (IntegrationUri: GetAtt <fn>.Arn).
    const fnOfLogicalId = new Map(
      [...stack.functions].map(([id, fn]) => [stack.getLogicalId(fn.node.defaultChild as never), id]),
    );
    const integrations = new Map(
      resourcesOf(template, 'AWS::ApiGatewayV2::Integration').map(([logicalId, i]) => {
        const uri = JSON.stringify(i.Properties.IntegrationUri);
        return [logicalId, [...fnOfLogicalId].find(([fnId]) => uri.includes(fnId))?.[1]];
      }),
    );
    const cdkRoutes = resourcesOf(template, 'AWS::ApiGatewayV2::Route').map(([, r]) => {
      const target = JSON.stringify(r.Properties.Target);
      const integration = [...integrations.keys()].find((id) => target.includes(`"${id}"`));
      return `${r.Properties.RouteKey} -> ${integration ? integrations.get(integration) : 'none'}`;
    });
    const localRoutes = [
      ...rt.gateway.routes.map((r) => `${routeKey(r)} -> ${r.functionId}`),
      `$default -> ${rt.gateway.defaultFunction}`,
    ];
    expect(new Set(cdkRoutes)).toEqual(new Set(localRoutes));
    // And the gateway really answers each of them (not 404 for lack of a route).
    for (const r of rt.gateway.routes) {
      const path = r.path.replace(/\{[^}]+\}/g, 'x-1');
      expect(rt.gateway.match(r.method, path)?.route.key).toBe(routeKey(r));
    }
  });

  it('matches events with the same rule patterns, delivering to the same functions', () => {
    const cdkRules = resourcesOf(template, 'AWS::Events::Rule')
      .filter(([, r]) => r.Properties.EventPattern !== undefined)
      .map(([, r]) => JSON.stringify(r.Properties.EventPattern));
    expect(new Set(cdkRules)).toEqual(new Set(rt.rules.map((r) => JSON.stringify(r.pattern))));
    const mappings = resourcesOf(template, 'AWS::Lambda::EventSourceMapping').map(([, m]) =>
      JSON.stringify(m.Properties.FunctionName),
    );
    for (const rule of rt.rules) {
      const fnLogicalId = stack.getLogicalId(
        stack.functions.get(rule.target.functionId)!.node.defaultChild as never,
      );
      if (rule.target.kind === 'queue') expect(mappings.some((m) => m.includes(fnLogicalId))).toBe(true);
    }
  });

  it('creates tables with the same keys, indexes and TTL', async () => {
    const cdkTables = resourcesOf(template, 'AWS::DynamoDB::GlobalTable').map(([, t]) => ({
      keys: keyString(t.Properties.KeySchema as Keyed),
      indexes: (
        (t.Properties.GlobalSecondaryIndexes as { IndexName: string; KeySchema: Keyed }[] | undefined) ?? []
      )
        .map((i) => `${i.IndexName}(${keyString(i.KeySchema)})`)
        .sort(),
      ttl:
        (t.Properties.TimeToLiveSpecification as { AttributeName?: string } | undefined)?.AttributeName ??
        null,
    }));
    const localTables = [];
    for (const name of Object.values(rt.tableNames)) {
      const { Table } = await client.send(new DescribeTableCommand({ TableName: name }));
      const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: name }));
      localTables.push({
        keys: keyString(Table?.KeySchema as Keyed),
        indexes: (Table?.GlobalSecondaryIndexes ?? [])
          .map((i) => `${i.IndexName}(${keyString(i.KeySchema as Keyed)})`)
          .sort(),
        ttl:
          ttl.TimeToLiveDescription?.TimeToLiveStatus === 'ENABLED'
            ? ttl.TimeToLiveDescription.AttributeName
            : null,
      });
    }
    const sort = (xs: object[]) => xs.map((x) => JSON.stringify(x)).sort();
    expect(sort(localTables)).toEqual(sort(cdkTables));
  });
});

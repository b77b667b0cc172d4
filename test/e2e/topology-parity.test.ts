import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { DescribeTableCommand, DescribeTimeToLiveCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Sources } from '../../events/envelope.ts';
import { type AnyEvent, toBusEntry } from '../../events/registry.ts';
import { matchesPattern } from '../../infra/local/event-pattern.ts';
import { type Runtime, startRuntime } from '../../infra/local/runtime.ts';
import { routeKey } from '../../infra/topology.ts';
import { evaluateJq, firehosePrefix } from '../support/jq.ts';
import { resourcesOf, synthTemplate } from '../support/synth.ts';

type Keyed = { AttributeName: string; KeyType: string }[];
const keyString = (k: Keyed | undefined) => (k ?? []).map((x) => `${x.KeyType}:${x.AttributeName}`).join(',');

/**
 * The CDK stack and the local runtime are both derived from infra/topology.ts; this proves that
 * what each exposes is the same: routes, rules (pattern and target function), tables (keys,
 * indexes, TTL) and the lake (which events reach it, the partition each is written under, the
 * columns).
 */

/** A Glue (Hive DDL) type as DuckDB describes the same column. */
function duckOfGlue(t: string): string {
  const scalar: Record<string, string> = {
    string: 'VARCHAR',
    int: 'INTEGER',
    bigint: 'BIGINT',
    double: 'DOUBLE',
    boolean: 'BOOLEAN',
    timestamp: 'TIMESTAMP',
  };
  if (scalar[t]) return scalar[t]!;
  const array = /^array<(.*)>$/.exec(t);
  if (array) return `${duckOfGlue(array[1]!)}[]`;
  const struct = /^struct<(.*)>$/.exec(t);
  if (!struct) throw new Error(`no DuckDB type for ${t}`);
  // Top-level fields only: split on commas outside <...>.
  const fields: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i <= struct[1]!.length; i++) {
    const c = struct[1]![i];
    if (c === '<') depth++;
    else if (c === '>') depth--;
    else if ((c === ',' && depth === 0) || c === undefined) {
      fields.push(struct[1]!.slice(start, i));
      start = i + 1;
    }
  }
  return `STRUCT(${fields
    .map((f) => {
      const at = f.indexOf(':');
      return `${f.slice(0, at)} ${duckOfGlue(f.slice(at + 1))}`;
    })
    .join(', ')})`;
}

const fixtureDir = join(import.meta.dirname, '../fixtures/events');
const fixtures = readdirSync(fixtureDir).map(
  (f) => JSON.parse(readFileSync(join(fixtureDir, f), 'utf8')) as AnyEvent,
);
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

  // Rules whose target is a Firehose delivery stream feed the lake; the others, functions.
  const streamIds = resourcesOf(template, 'AWS::KinesisFirehose::DeliveryStream').map(([id]) => id);
  const feedsLake = (r: { Properties: Record<string, unknown> }) =>
    streamIds.some((id) => JSON.stringify(r.Properties.Targets).includes(`"${id}"`));

  it('matches events with the same rule patterns, delivering to the same functions', () => {
    // On the service bus: the default bus's rules (a staged lake job's sweep of a stopped run, fed by
    // Step Functions' own events) have no local counterpart, where a run drops its tables itself.
    const cdkRules = resourcesOf(template, 'AWS::Events::Rule')
      .filter(
        ([, r]) =>
          r.Properties.EventPattern !== undefined && r.Properties.EventBusName !== undefined && !feedsLake(r),
      )
      .map(([, r]) => JSON.stringify(r.Properties.EventPattern));
    expect(new Set(cdkRules)).toEqual(new Set(rt.rules.map((r) => JSON.stringify(r.pattern))));
    const mappings = resourcesOf(template, 'AWS::Lambda::EventSourceMapping').map(([, m]) =>
      JSON.stringify(m.Properties.FunctionName),
    );
    for (const rule of rt.rules) {
      if (rule.target.kind !== 'queue') continue;
      const fnLogicalId = stack.getLogicalId(
        stack.functions.get(rule.target.functionId)!.node.defaultChild as never,
      );
      expect(mappings.some((m) => m.includes(fnLogicalId))).toBe(true);
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

  it('delivers the same events to the lake, under the partition Firehose writes, with the Glue table columns', async () => {
    const lakeRules = resourcesOf(template, 'AWS::Events::Rule').filter(([, r]) => feedsLake(r));
    expect(lakeRules.length).toBeGreaterThan(0);
    const [, table] = resourcesOf(template, 'AWS::Glue::Table')[0]!;
    const { StorageDescriptor, PartitionKeys } = table.Properties.TableInput as {
      StorageDescriptor: { Columns: { Name: string; Type: string }[] };
      PartitionKeys: { Name: string; Type: string }[];
    };
    for (const [, rule] of lakeRules) {
      const streamId = streamIds.find((id) => JSON.stringify(rule.Properties.Targets).includes(`"${id}"`))!;
      const s3 = resourcesOf(template, 'AWS::KinesisFirehose::DeliveryStream').find(
        ([id]) => id === streamId,
      )![1].Properties.ExtendedS3DestinationConfiguration as {
        Prefix: string;
        ProcessingConfiguration: {
          Processors: { Parameters: { ParameterName: string; ParameterValue: string }[] }[];
        };
      };
      const jq = s3.ProcessingConfiguration.Processors[0]!.Parameters.find(
        (p) => p.ParameterName === 'MetadataExtractionQuery',
      )!.ParameterValue;
      // Every fixture event goes on the local bus; those the AWS rule matches must land in the local
      // lake, each under the prefix Firehose would give it, and no other.
      const busEvent = (e: AnyEvent) => {
        const entry = toBusEntry(e);
        return { source: entry.Source, 'detail-type': entry.DetailType, detail: e };
      };
      const matching = fixtures.filter((e) => matchesPattern(rule.Properties.EventPattern, busEvent(e)));
      expect(matching.length).toBeGreaterThan(0);
      // Each also under every other source (an order claimed by the storefront's source, say):
      // those match no lake rule, so the lake jobs read only events from their own source.
      for (const e of fixtures) {
        for (const source of Object.values(Sources)) {
          const r = rt.bus.putEvents([{ ...toBusEntry(e), Source: source, EventBusName: rt.bus.busName }]);
          expect(r.FailedEntryCount).toBe(0);
        }
      }
      await rt.lakeFlush();
      const written = readdirSync(rt.lake.eventsDir, { recursive: true, encoding: 'utf8' })
        .filter((f) => f.endsWith('.parquet'))
        .map(
          (f) => `${relative(rt.lake.root, join(rt.lake.eventsDir, f)).split('/').slice(0, -1).join('/')}/`,
        );
      const expected = matching.map((e) => firehosePrefix(s3.Prefix, evaluateJq(jq, e as never)));
      expect(new Set(written)).toEqual(new Set(expected));
      const rows = await rt.lake.query<{ event_id: string }>('SELECT event_id FROM events ORDER BY event_id');
      expect(rows.map((r) => r.event_id)).toEqual(matching.map((e) => e.eventId).sort());
    }
    // The local Parquet files have the Glue table's columns, in order, then its partition keys.
    const described = await rt.lake.query<{ column_name: string; column_type: string }>(
      'DESCRIBE SELECT * FROM events',
    );
    expect(described.map((c) => `${c.column_name} ${c.column_type}`)).toEqual([
      ...StorageDescriptor.Columns.map((c) => `${c.Name} ${duckOfGlue(c.Type)}`),
      ...PartitionKeys.map((k) => `${k.Name} ${duckOfGlue(k.Type)}`),
    ]);
  });
});

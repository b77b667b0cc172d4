import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { behaviourEventTypes } from '../../events/behaviour.ts';
import { jsonKeyMappings } from '../../infra/stacks/lake-stack.ts';
import { lakeJobOutputKey, startLakeJobCommand } from '../../infra/stacks/names.ts';
import {
  type FunctionId,
  type LakeJobDecl,
  lakeJobs,
  lakeQueryFunctionId,
  lakeStreams,
  lakeTables,
} from '../../infra/topology.ts';
import { glueType, type LakeColumn, lakePartition } from '../../models/lake/schema.ts';
import { stagedSteps, workTablePrefix } from '../../models/lake/unload.ts';
import { evaluateJq, firehosePrefix } from '../support/jq.ts';
import { resourcesOf, synthTemplate } from '../support/synth.ts';

type Json = Record<string, any>;
type Statement = { Action: string | string[]; Resource: unknown; Condition?: Json };

/** A `Fn::Join` definition string as ASL, each token kept as a quoted placeholder naming what it refers to. */
function aslOf(definition: unknown): Json {
  const join = (definition as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1];
  return JSON.parse(
    join.map((p) => (typeof p === 'string' ? p : `<${JSON.stringify(p).replace(/"/g, "'")}>`)).join(''),
  );
}

const fixtures = readdirSync(join(import.meta.dirname, '../fixtures/events'))
  .map((f) => JSON.parse(readFileSync(join(import.meta.dirname, '../fixtures/events', f), 'utf8')) as Json)
  .filter((e) => (behaviourEventTypes as readonly string[]).includes(e.type));

describe('LakeStack', () => {
  let dev: ReturnType<typeof synthTemplate>;
  let prod: ReturnType<typeof synthTemplate>;
  beforeAll(() => {
    dev = synthTemplate('dev');
    prod = synthTemplate('prod');
  });
  const lakeOf = (t: ReturnType<typeof synthTemplate>) => t.templates.get(t.service.lake.stackName)!;
  const bucketId = (t: ReturnType<typeof synthTemplate>) =>
    t.stack.getLogicalId(t.service.lake.bucket.node.defaultChild as never);
  const fnId = (t: ReturnType<typeof synthTemplate>, id: string) =>
    t.stack.getLogicalId(t.stack.functions.get(id as FunctionId)!.node.defaultChild as never);
  const statementsOfRole = (t: ReturnType<typeof synthTemplate>, roleLogicalId: string): Statement[] =>
    resourcesOf(t.template, 'AWS::IAM::Policy')
      .filter(([, p]) => JSON.stringify(p.Properties.Roles).includes(roleLogicalId))
      .flatMap(([, p]) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement);

  describe('bucket', () => {
    it('is encrypted, private and TLS-only, and logs its access', () => {
      lakeOf(dev).hasResourceProperties('AWS::S3::Bucket', {
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        LoggingConfiguration: Match.objectLike({ LogFilePrefix: 'lake/' }),
      });
      lakeOf(dev).hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: bucketId(dev) },
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    });

    it.each([
      ['dev', 120],
      ['prod', 730],
    ] as const)(
      "%s: tiers events after 30 days and expires them after %i, results and Athena output after 7, work tables' files after 1",
      (stage, days) => {
        const t = stage === 'dev' ? dev : prod;
        const rules = (
          resourcesOf(lakeOf(t), 'AWS::S3::Bucket').find(([id]) => id === bucketId(t))![1].Properties
            .LifecycleConfiguration as { Rules: Json[] }
        ).Rules;
        const byPrefix = (prefix: string) => rules.find((r) => r.Prefix === prefix);
        for (const table of lakeTables) {
          expect(byPrefix(table.prefix)).toMatchObject({
            Transitions: [{ StorageClass: 'INTELLIGENT_TIERING', TransitionInDays: 30 }],
            ExpirationInDays: days,
          });
        }
        expect(byPrefix('errors/')).toMatchObject({ ExpirationInDays: days });
        expect(byPrefix('results/')).toMatchObject({ ExpirationInDays: 7 });
        expect(byPrefix('athena/')).toMatchObject({ ExpirationInDays: 7 });
        expect(byPrefix('athena/tables/')).toMatchObject({ ExpirationInDays: 1 });
      },
    );

    it('is retained in prod and deleted with the stack in dev', () => {
      const policy = (t: ReturnType<typeof synthTemplate>) =>
        (lakeOf(t).toJSON().Resources as Record<string, { DeletionPolicy?: string }>)[bucketId(t)]!
          .DeletionPolicy;
      expect(policy(prod)).toBe('Retain');
      expect(policy(dev)).toBe('Delete');
    });
  });

  describe('Glue table', () => {
    it.each(lakeTables.map((t) => [t.id, t] as const))(
      '%s has the columns lakeTables declares (from the contracts), in order, as Parquet',
      (id, table) => {
        lakeOf(dev).hasResourceProperties('AWS::Glue::Table', {
          DatabaseName: dev.service.lake.databaseName,
          TableInput: Match.objectLike({
            Name: id,
            TableType: 'EXTERNAL_TABLE',
            PartitionKeys: table.partitionKeys.map((k) => Match.objectLike({ Name: k.name, Type: 'string' })),
            StorageDescriptor: Match.objectLike({
              Columns: (table.columns as readonly LakeColumn[]).map((c) => ({
                Name: c.name,
                Type: glueType(c.type),
              })),
              SerdeInfo: {
                SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
              },
            }),
          }),
        });
      },
    );

    it('is partitioned by event_date and event_type, projected (no crawler, no partitions to add)', () => {
      expect(lakeTables[0].partitionKeys.map((k) => k.name)).toEqual(['event_date', 'event_type']);
      for (const [t, days] of [
        [dev, 120],
        [prod, 730],
      ] as const) {
        const params = resourcesOf(lakeOf(t), 'AWS::Glue::Table')[0]![1].Properties.TableInput as {
          Parameters: Json;
        };
        expect(params.Parameters).toMatchObject({
          'projection.enabled': 'true',
          'projection.event_date.type': 'date',
          'projection.event_date.range': `NOW-${days}DAYS,NOW`,
          'projection.event_date.format': 'yyyy-MM-dd',
          'projection.event_date.interval': '1',
          'projection.event_date.interval.unit': 'DAYS',
          'projection.event_type.type': 'enum',
          // Every behaviour type (the order is the rules' branches', by source: not a contract).
          'projection.event_type.values': expect.any(String),
          'storage.location.template': {
            'Fn::Join': [
              '',
              ['s3://', { Ref: bucketId(t) }, `/events/event_date=\${event_date}/event_type=\${event_type}/`],
            ],
          },
        });
      }
      const values = (
        resourcesOf(lakeOf(dev), 'AWS::Glue::Table')[0]![1].Properties.TableInput as {
          Parameters: Record<string, string>;
        }
      ).Parameters['projection.event_type.values']!;
      expect(new Set(values.split(','))).toEqual(new Set(behaviourEventTypes));
      dev.template.resourceCountIs('AWS::Glue::Crawler', 0);
      dev.template.resourceCountIs('AWS::Glue::Partition', 0);
    });
  });

  describe('delivery stream', () => {
    const streamOf = (t: ReturnType<typeof synthTemplate>) =>
      resourcesOf(lakeOf(t), 'AWS::KinesisFirehose::DeliveryStream')[0]![1].Properties
        .ExtendedS3DestinationConfiguration as Json;

    it('has one delivery stream per declared stream', () => {
      lakeOf(dev).resourceCountIs('AWS::KinesisFirehose::DeliveryStream', lakeStreams.length);
    });

    it('converts each record to Parquet against the Glue table, reading camelCase keys into snake_case columns', () => {
      const s = streamOf(dev);
      const conversion = s.DataFormatConversionConfiguration;
      expect(conversion.Enabled).toBe(true);
      expect(conversion.SchemaConfiguration).toMatchObject({
        DatabaseName: dev.service.lake.databaseName,
        TableName: lakeStreams[0].table,
        VersionId: 'LATEST',
        RoleARN: s.RoleARN,
      });
      expect(conversion.OutputFormatConfiguration).toEqual({
        Serializer: { ParquetSerDe: { Compression: 'SNAPPY' } },
      });
      const serde = conversion.InputFormatConfiguration.Deserializer.OpenXJsonSerDe;
      expect(serde.CaseInsensitive).toBe(false);
      // Every column and struct field whose name is not its key, with that key.
      const table = lakeTables.find((t) => t.id === lakeStreams[0].table)!;
      const expected: Json = {};
      const walk = (cs: readonly LakeColumn[]) => {
        for (const c of cs) {
          if (c.name !== c.jsonKey) expected[c.name] = c.jsonKey;
          const inner = typeof c.type === 'object' && 'array' in c.type ? c.type.array : c.type;
          if (typeof inner === 'object' && 'struct' in inner) walk(inner.struct);
        }
      };
      walk(table.columns);
      expect(serde.ColumnToJsonKeyMappings).toEqual(expected);
      expect(expected).toMatchObject({
        occurred_at: 'occurredAt',
        paid_price: 'paidPrice',
        event_id: 'eventId',
      });
    });

    it('refuses a column that two events would read from different JSON keys', () => {
      expect(() =>
        jsonKeyMappings([
          { name: 'product_id', jsonKey: 'productId', type: 'string' },
          {
            name: 'lines',
            jsonKey: 'lines',
            type: { array: { struct: [{ name: 'product_id', jsonKey: 'sku', type: 'string' }] } },
          },
        ]),
      ).toThrow(/two JSON keys/);
    });

    it('partitions by event date and type: the JQ extracts what the local lake partitions by', () => {
      const s = streamOf(dev);
      expect(s.DynamicPartitioningConfiguration).toMatchObject({ Enabled: true });
      expect(s.Prefix).toBe(
        'events/event_date=!{partitionKeyFromQuery:event_date}/event_type=!{partitionKeyFromQuery:event_type}/',
      );
      expect(s.ErrorOutputPrefix).toBe('errors/!{firehose:error-output-type}/');
      const [processor] = s.ProcessingConfiguration.Processors as Json[];
      expect(processor).toMatchObject({ Type: 'MetadataExtraction' });
      const params = Object.fromEntries(
        (processor!.Parameters as { ParameterName: string; ParameterValue: string }[]).map((p) => [
          p.ParameterName,
          p.ParameterValue,
        ]),
      );
      expect(params).toEqual({
        MetadataExtractionQuery: '{event_date: .occurredAt[0:10], event_type: .type}',
        JsonParsingEngine: 'JQ-1.6',
      });
      expect(fixtures.map((e) => e.type).sort()).toEqual([...behaviourEventTypes].sort());
      for (const event of fixtures) {
        const extracted = evaluateJq(params.MetadataExtractionQuery!, event);
        expect(extracted, event.type).toEqual(lakePartition(event as never));
        // The object key Firehose writes, and the partition the Glue table projects for it.
        const key = firehosePrefix(s.Prefix, extracted);
        expect(key).toBe(`events/event_date=${event.occurredAt.slice(0, 10)}/event_type=${event.type}/`);
      }
    });

    it.each([
      ['dev', 300],
      ['prod', 900],
    ] as const)(
      '%s: buffers 64 MB (the minimum with conversion) or %i s, and logs to CloudWatch',
      (stage, seconds) => {
        const s = streamOf(stage === 'dev' ? dev : prod);
        expect(s.BufferingHints).toEqual({ SizeInMBs: 64, IntervalInSeconds: seconds });
        expect(s.CloudWatchLoggingOptions).toMatchObject({ Enabled: true });
      },
    );

    it("is fed each lake stream's events by a rule on the service bus, the detail as the record, with a DLQ", () => {
      const bus = dev.stack.getLogicalId(dev.service.events.bus.node.defaultChild as never);
      for (const s of lakeStreams) {
        const stream = dev.stack.getLogicalId(dev.service.lake.deliveryStreams.get(s.id)!);
        lakeOf(dev).hasResourceProperties('AWS::Events::Rule', {
          EventBusName: { 'Fn::ImportValue': Match.stringLikeRegexp(bus) },
          EventPattern: s.pattern,
          Targets: [
            Match.objectLike({
              Arn: { 'Fn::GetAtt': [stream, 'Arn'] },
              InputPath: '$.detail',
              DeadLetterConfig: { Arn: Match.anyValue() },
              RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86_400 },
            }),
          ],
        });
      }
    });

    it('writes only its table prefix and errors/, reads only its Glue table, logs only to its stream', () => {
      const s = streamOf(dev);
      const role = (s.RoleARN as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
      const statements = statementsOfRole(dev, role);
      const bucket = bucketId(dev);
      const resources = (st: Statement) => [st.Resource].flat().map((r) => JSON.stringify(r));
      for (const st of statements) {
        for (const action of [st.Action].flat()) {
          expect(action).toMatch(
            /^(s3:(GetBucketLocation|ListBucket|ListBucketMultipartUploads|AbortMultipartUpload|GetObject|PutObject)|glue:GetTable(Version|Versions)?|logs:PutLogEvents)$/,
          );
        }
        for (const r of resources(st)) {
          if (r.includes(bucket))
            expect(r).toMatch(
              new RegExp(`^\\{"Fn::GetAtt":\\["${bucket}","Arn"\\]\\}$|/(events|errors)/\\*"`),
            );
          else if (r.includes(':glue:'))
            expect(r).toMatch(
              /:catalog"|:database\/merchandiser_dev_lake"|:table\/merchandiser_dev_lake\/events"/,
            );
          else expect(r).toContain(':log-stream:');
        }
      }
      expect(JSON.stringify(statements)).not.toContain('"*"');
    });
  });

  describe('Athena workgroup', () => {
    it.each([
      ['dev', 10e9],
      ['prod', 1000e9],
    ] as const)(
      '%s: engine v3, enforced, results under athena/, at most %i bytes scanned per query',
      (stage, bytes) => {
        const t = stage === 'dev' ? dev : prod;
        lakeOf(t).hasResourceProperties('AWS::Athena::WorkGroup', {
          Name: `merchandiser-${stage}-lake`,
          WorkGroupConfiguration: {
            EnforceWorkGroupConfiguration: true,
            EngineVersion: { SelectedEngineVersion: 'Athena engine version 3' },
            BytesScannedCutoffPerQuery: bytes,
            PublishCloudWatchMetricsEnabled: true,
            ResultConfiguration: {
              EncryptionConfiguration: { EncryptionOption: 'SSE_S3' },
              OutputLocation: { 'Fn::Join': ['', ['s3://', { Ref: bucketId(t) }, '/athena/']] },
            },
          },
        });
      },
    );
  });

  describe('job state machines', () => {
    const machineOf = (t: ReturnType<typeof synthTemplate>, jobId: string) => {
      const sm = t.service.lake.stateMachines.get(jobId)!;
      const [, r] = resourcesOf(t.template, 'AWS::StepFunctions::StateMachine').find(
        ([id]) => id === t.stack.getLogicalId(sm.node.defaultChild as never),
      )!;
      return { sm, props: r.Properties, asl: aslOf(r.Properties.DefinitionString) };
    };

    const stagedJobs = lakeJobs.filter((j) => stagedSteps(j.id).length > 0);

    it('has one per declared job, and a sweep per staged job', () => {
      expect(stagedJobs.map((j) => j.id).sort()).toEqual([
        'bundle-itemsets',
        'related-evidence',
        'related-totals',
      ]);
      lakeOf(dev).resourceCountIs('AWS::StepFunctions::StateMachine', lakeJobs.length + stagedJobs.length);
      expect([...dev.service.lake.sweeps.keys()].sort()).toEqual(stagedJobs.map((j) => j.id).sort());
    });

    it.each(stagedJobs.map((j) => [j.id] as const))(
      "%s: a run that is stopped or times out starts a sweep that drops the run's work tables, and may create none",
      (id) => {
        const sweep = dev.service.lake.sweeps.get(id)!;
        const sweepId = dev.stack.getLogicalId(sweep.node.defaultChild as never);
        const jobId = dev.stack.getLogicalId(machineOf(dev, id).sm.node.defaultChild as never);
        // The rule: the job's own executions that ended without their drops, into the sweep, with a DLQ.
        const [, rule] = resourcesOf(dev.template, 'AWS::Events::Rule').find(([, r]) =>
          JSON.stringify(r.Properties.Targets ?? []).includes(sweepId),
        )!;
        expect(rule.Properties.EventPattern).toEqual({
          source: ['aws.states'],
          'detail-type': ['Step Functions Execution Status Change'],
          detail: { status: ['ABORTED', 'TIMED_OUT'], stateMachineArn: [{ Ref: jobId }] },
        });
        expect(rule.Properties.EventBusName).toBeUndefined();
        const target = (rule.Properties.Targets as Json[])[0]!;
        expect(target.DeadLetterConfig.Arn).toBeDefined();
        expect(target.InputTransformer.InputPathsMap).toEqual({
          'detail-name': '$.detail.name',
          'detail-startDate': '$.detail.startDate',
        });
        expect(target.InputTransformer.InputTemplate).toBe(
          '{"run":<detail-name>,"startDate":<detail-startDate>}',
        );
        // The sweep: lake-query names the stopped run's tables, then each is dropped in turn.
        const [, r] = resourcesOf(dev.template, 'AWS::StepFunctions::StateMachine').find(
          ([k]) => k === sweepId,
        )!;
        const props = r.Properties as Json;
        const asl = aslOf(props.DefinitionString);
        expect(asl.StartAt).toBe('NameWorkTables');
        expect(asl.States.NameWorkTables).toMatchObject({
          Resource: expect.stringMatching(/:states:::lambda:invoke$/),
          Output: '{% $states.result.Payload.cleanup %}',
          Next: 'WaitForStatements',
        });
        expect(asl.States.NameWorkTables.Arguments).toEqual({
          FunctionName: expect.stringContaining(fnId(dev, lakeQueryFunctionId)),
          Payload: {
            job: id,
            bucket: expect.stringContaining(bucketId(dev)),
            run: '{% $states.input.run %}',
            startedAt: '{% $fromMillis($states.input.startDate) %}',
          },
        });
        // A statement of the stopped run still running (stopping only tries to stop it) ends first.
        expect(asl.States.WaitForStatements).toMatchObject({
          Type: 'Wait',
          Seconds: 3600,
          Next: 'DropStoppedWork',
        });
        expect(props.TimeoutSeconds ?? asl.TimeoutSeconds).toBeGreaterThan(3600);
        const drop = asl.States.DropStoppedWork;
        expect(drop).toMatchObject({
          Type: 'Map',
          Items: '{% $states.input %}',
          MaxConcurrency: 1,
          End: true,
        });
        const dropTask = drop.ItemProcessor.States.DropStoppedWorkTable;
        expect(dropTask.Resource).toMatch(/:states:::athena:startQueryExecution\.sync$/);
        expect(dropTask.Arguments).toEqual({
          QueryString: '{% $states.input %}',
          WorkGroup: 'merchandiser-dev-lake',
          // Unqualified, DROP TABLE names a table of this database: without it, of `default`.
          QueryExecutionContext: { Catalog: 'AwsDataCatalog', Database: 'merchandiser_dev_lake' },
        });
        expect(dropTask.Retry.flatMap((r: Json) => r.ErrorEquals)).toContain('States.ALL');
        // Its role: lake-query, the workgroup, the job's own work tables (drop, never create), athena/.
        const statements = statementsOfRole(
          dev,
          dev.stack.getLogicalId(sweep.role.node.defaultChild as never),
        );
        const actions = [...new Set(statements.flatMap((st) => [st.Action].flat()))]
          .filter((a) => !/^(logs|xray):/.test(a))
          .sort();
        expect(actions).toEqual([
          'athena:GetDataCatalog',
          'athena:GetQueryExecution',
          'athena:StartQueryExecution',
          'athena:StopQueryExecution',
          'glue:DeleteTable',
          'glue:GetDatabase',
          'glue:GetTable',
          'lambda:InvokeFunction',
          's3:AbortMultipartUpload',
          's3:GetBucketLocation',
          's3:GetObject',
          's3:ListBucket',
          's3:ListMultipartUploadParts',
          's3:PutObject',
        ]);
        const of = (action: string) =>
          statements
            .filter((st) => [st.Action].flat().includes(action))
            .flatMap((st) => [st.Resource].flat());
        expect(JSON.stringify(of('glue:DeleteTable'))).toMatch(
          new RegExp(`:table\\/merchandiser_dev_lake\\/${workTablePrefix(id)}\\*"`),
        );
        expect(JSON.stringify(of('glue:DeleteTable'))).not.toContain('/events"');
        expect(JSON.stringify(of('lambda:InvokeFunction'))).toContain(fnId(dev, lakeQueryFunctionId));
        expect(JSON.stringify(of('s3:PutObject'))).toMatch(/"\/athena\/\*"/);
        expect(JSON.stringify(of('s3:PutObject'))).not.toContain('results/');
        for (const a of [
          'athena:StartQueryExecution',
          'athena:GetQueryExecution',
          'athena:StopQueryExecution',
        ])
          expect(JSON.stringify(of(a))).toMatch(/:workgroup\/merchandiser-dev-lake"\]\]\}\]$/);
        const list = statements.find((st) => [st.Action].flat().includes('s3:ListBucket'))!;
        expect(list.Condition!.StringLike['s3:prefix']).toEqual(['athena/*']);
      },
    );

    it.each(lakeJobs.map((j) => [j.id, j] as const))(
      '%s: builds its statement, runs it on Athena (.sync), then hands the results to its function',
      (id, job: LakeJobDecl) => {
        const { asl, props } = machineOf(dev, id);
        expect(asl.QueryLanguage).toBe('JSONata');
        expect(asl.StartAt).toBe('BuildStatement');
        const {
          BuildStatement: build,
          RunOnAthena: athena,
          StoreResults: store,
          JobFailed: failed,
        } = asl.States;
        // A staged job writes its steps before the UNLOAD and drops them after the results (below).
        const staged = stagedSteps(id).length > 0;
        expect(build).toMatchObject({
          Type: 'Task',
          Resource: expect.stringMatching(/:states:::lambda:invoke$/),
          Next: staged ? 'WriteSteps' : 'RunOnAthena',
          Arguments: {
            Payload: {
              job: id,
              run: '{% $states.context.Execution.Name %}',
              startedAt: '{% $states.context.Execution.StartTime %}',
            },
          },
          Assign: {
            runAt: '{% $states.result.Payload.runAt %}',
            prefix: '{% $states.result.Payload.prefix %}',
          },
        });
        expect(build.Arguments.FunctionName).toContain(fnId(dev, lakeQueryFunctionId));
        expect(build.Arguments.Payload.bucket).toContain(bucketId(dev));
        expect(athena).toMatchObject({
          Type: 'Task',
          Resource: expect.stringMatching(/:states:::athena:startQueryExecution\.sync$/),
          Next: 'StoreResults',
          Arguments: {
            QueryString: '{% $states.input.queryString %}',
            WorkGroup: 'merchandiser-dev-lake',
            QueryExecutionContext: { Catalog: 'AwsDataCatalog', Database: 'merchandiser_dev_lake' },
          },
        });
        // An each-file job's files go to a Distributed Map (below); the others' prefix to one invocation.
        const storeTask = job.files ? store.ItemProcessor.States.StoreFile : store;
        if (!job.files) {
          expect(store).toMatchObject({
            Type: 'Task',
            ...(staged ? { Next: 'DropWork' } : { End: true }),
            Arguments: {
              Payload: `{% $merge([$options, {"job": "${id}", "runAt": $runAt, "prefix": $prefix}]) %}`,
            },
          });
        }
        expect(storeTask.Arguments.FunctionName).toContain(fnId(dev, job.resultsFunctionId));
        // Transient failures are retried with backoff; anything else ends the run in JobFailed.
        for (const task of [build, athena, storeTask]) {
          expect(task.Retry.length).toBeGreaterThan(0);
          for (const retry of task.Retry)
            expect(retry).toMatchObject({ BackoffRate: 2, JitterStrategy: 'FULL' });
        }
        expect(build.Catch).toEqual([{ ErrorEquals: ['States.ALL'], Next: 'JobFailed' }]);
        // After the steps are written, a failure drops them before it is reported.
        for (const state of [athena, store]) {
          expect(state.Catch).toEqual([
            { ErrorEquals: ['States.ALL'], Next: staged ? 'DropWorkAfterFailure' : 'JobFailed' },
          ]);
        }
        expect(athena.Retry.flatMap((r: Json) => r.ErrorEquals)).toEqual(['Athena.TooManyRequestsException']);
        expect(failed.Type).toBe('Fail');
        expect(props).toMatchObject({
          StateMachineType: 'STANDARD',
          TracingConfiguration: { Enabled: true },
          LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: true },
        });
      },
    );

    it.each(lakeJobs.map((j) => [j.id, stagedSteps(j.id)] as const))(
      '%s: writes its steps %j as work tables one statement at a time, drops them after the results or after a failure',
      (id, steps) => {
        const { asl } = machineOf(dev, id);
        const { WriteSteps: write, DropWork: drop, DropWorkAfterFailure: dropAfter } = asl.States;
        // A job of one statement has none of these states.
        if (steps.length === 0) {
          expect([write, drop, dropAfter]).toEqual([undefined, undefined, undefined]);
          return;
        }
        expect(asl.States.BuildStatement.Assign.cleanup).toBe('{% $states.result.Payload.cleanup %}');
        // Time for every statement at its hour's limit, the UNLOAD's included.
        expect(asl.TimeoutSeconds).toBeGreaterThan(3600 * (steps.length + 1));
        const statement = (map: Json, items: string) => {
          expect(map).toMatchObject({
            Type: 'Map',
            Items: items,
            MaxConcurrency: 1,
            ItemProcessor: { ProcessorConfig: { Mode: 'INLINE' } },
            Output: '{% $states.input %}',
          });
          const task = map.ItemProcessor.States[map.ItemProcessor.StartAt];
          expect(task).toMatchObject({
            Type: 'Task',
            End: true,
            Resource: expect.stringMatching(/:states:::athena:startQueryExecution\.sync$/),
            Arguments: {
              QueryString: '{% $states.input %}',
              WorkGroup: 'merchandiser-dev-lake',
              QueryExecutionContext: { Catalog: 'AwsDataCatalog', Database: 'merchandiser_dev_lake' },
            },
          });
          return task;
        };
        // A write that started and failed has written part of its location: only throttling is retried.
        const writeTask = statement(write, '{% $states.input.work %}');
        expect(writeTask.Retry.flatMap((r: Json) => r.ErrorEquals)).toEqual([
          'Athena.TooManyRequestsException',
        ]);
        expect(write).toMatchObject({
          Next: 'RunOnAthena',
          Catch: [{ ErrorEquals: ['States.ALL'], Next: 'DropWorkAfterFailure' }],
        });
        // A drop (IF EXISTS) is retried on anything; the run ends after it, its output the results'.
        for (const map of [drop, dropAfter]) {
          const task = statement(map, '{% $cleanup %}');
          expect(task.Retry.flatMap((r: Json) => r.ErrorEquals)).toContain('States.ALL');
        }
        expect(drop).toMatchObject({
          End: true,
          Catch: [{ ErrorEquals: ['States.ALL'], Next: 'JobFailed' }],
        });
        // After a failure: the drops, then the failure of the step that failed, whether the drops succeed or not.
        expect(dropAfter).toMatchObject({
          Next: 'JobFailed',
          Catch: [{ ErrorEquals: ['States.ALL'], Next: 'JobFailed', Output: '{% $states.input %}' }],
        });
      },
    );

    const eachFile = (lakeJobs as readonly LakeJobDecl[]).filter((j) => j.files);
    it('declares related-evidence, whose rows are self-contained products, as the each-file job', () => {
      expect(eachFile.map((j) => j.id)).toEqual(['related-evidence']);
    });

    it.each(eachFile.map((j) => [j.id, j] as const))(
      "%s: a Distributed Map lists the run's result files and hands each to its function, at the stage's concurrency, failing on any failure",
      (id, job: LakeJobDecl) => {
        for (const [t, concurrency] of [
          [dev, 4],
          [prod, 20],
        ] as const) {
          const { asl } = machineOf(t, id);
          expect(asl.States.BuildStatement.Assign.resultsKey).toBe('{% $states.result.Payload.resultsKey %}');
          const map = asl.States.StoreResults;
          expect(map).toMatchObject({
            Type: 'Map',
            // The last step but the drop of its work tables.
            ...(stagedSteps(id).length > 0 ? { Next: 'DropWork' } : { End: true }),
            MaxConcurrency: concurrency,
            ToleratedFailurePercentage: 0,
            ItemReader: {
              Resource: expect.stringMatching(/:states:::s3:listObjectsV2$/),
              Arguments: { Prefix: '{% $resultsKey %}' },
            },
            ItemSelector: { job: id, runAt: '{% $runAt %}' },
            ItemProcessor: {
              ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
              StartAt: 'StoreFile',
              States: {
                StoreFile: {
                  Type: 'Task',
                  End: true,
                  Resource: expect.stringMatching(/:states:::lambda:invoke$/),
                  Arguments: { Payload: '{% $states.input %}' },
                },
              },
            },
          });
          expect(map.ItemReader.Arguments.Bucket).toContain(bucketId(t));
          // One file per child: the object's key under the run's prefix, as a location the function reads.
          expect(map.ItemSelector.files).toMatch(
            /^\{% \["s3:\/\/<.*>\/" & \$states\.context\.Map\.Item\.Value\.Key\] %\}$/,
          );
          for (const f of job.files!.summed)
            expect(map.Output).toContain(`"${f}": $sum($states.result.${f})`);
        }
        // The stage's setting wins over the declared default.
        expect(job.files!.maxConcurrency).not.toBe(4);
      },
    );

    it.each(eachFile.map((j) => [j.id] as const))(
      "%s: its role starts, describes and stops only its own executions (the map's children) and lists only its prefixes",
      (id) => {
        const { sm } = machineOf(dev, id);
        const statements = statementsOfRole(dev, dev.stack.getLogicalId(sm.role.node.defaultChild as never));
        const smId = dev.stack.getLogicalId(sm.node.defaultChild as never);
        const states = statements.filter((st) => [st.Action].flat().some((a) => a.startsWith('states:')));
        expect(states.map((st) => [st.Action].flat().sort())).toEqual([
          ['states:StartExecution'],
          ['states:DescribeExecution', 'states:StopExecution'],
        ]);
        expect(states[0]!.Resource).toEqual({ Ref: smId });
        expect(JSON.stringify(states[1]!.Resource)).toMatch(
          new RegExp(`:execution:",\\{"Fn::GetAtt":\\["${smId}","Name"\\]\\},"/\\*"`),
        );
        const list = statements.find((st) => [st.Action].flat().includes('s3:ListBucket'))!;
        expect(list.Condition!.StringLike['s3:prefix']).toContain(`results/${id}/*`);
      },
    );

    it.each(lakeJobs.map((j) => [j.id, j] as const))(
      '%s: its role reaches only its workgroup, the Glue table, its bucket prefixes and its two functions',
      (id, job: LakeJobDecl) => {
        const { sm } = machineOf(dev, id);
        const statements = statementsOfRole(dev, dev.stack.getLogicalId(sm.role.node.defaultChild as never));
        const bucket = bucketId(dev);
        const others = lakeJobs.filter((j) => j.id !== id).map((j) => `results/${j.id}/`);
        const byAction = new Map<string, string[]>();
        for (const st of statements) {
          const resources = [st.Resource].flat().map((r) => JSON.stringify(r));
          for (const action of [st.Action].flat()) {
            byAction.set(action, [...(byAction.get(action) ?? []), ...resources]);
            if (resources.includes('"*"')) {
              // Only what logging to CloudWatch and X-Ray tracing need: no resource-level permissions exist.
              expect(action, id).toMatch(
                /^(logs:(CreateLogDelivery|DeleteLogDelivery|DescribeLogGroups|DescribeResourcePolicies|GetLogDelivery|ListLogDeliveries|PutResourcePolicy|UpdateLogDelivery)|xray:(GetSamplingRules|GetSamplingTargets|PutTelemetryRecords|PutTraceSegments))$/,
              );
            }
          }
          for (const other of others) expect(JSON.stringify(st), id).not.toContain(other);
        }
        const actions = [...byAction.keys()].filter((a) => !/^(logs|xray|states):/.test(a)).sort();
        // Step Functions actions only for a Distributed Map's children (asserted above).
        expect([...byAction.keys()].some((a) => a.startsWith('states:'))).toBe(job.files !== undefined);
        const staged = stagedSteps(id).length > 0;
        expect(actions).toEqual([
          'athena:GetDataCatalog',
          'athena:GetQueryExecution',
          'athena:StartQueryExecution',
          'athena:StopQueryExecution',
          ...(staged ? ['glue:CreateTable', 'glue:DeleteTable'] : []),
          'glue:GetDatabase',
          'glue:GetPartitions',
          'glue:GetTable',
          'lambda:InvokeFunction',
          's3:AbortMultipartUpload',
          's3:GetBucketLocation',
          's3:GetObject',
          's3:ListBucket',
          's3:ListMultipartUploadParts',
          's3:PutObject',
        ]);
        const invoke = byAction.get('lambda:InvokeFunction')!;
        expect(invoke).toHaveLength(2);
        expect(invoke.some((r) => r.includes(fnId(dev, lakeQueryFunctionId)))).toBe(true);
        expect(invoke.some((r) => r.includes(fnId(dev, job.resultsFunctionId)))).toBe(true);
        for (const a of [
          'athena:StartQueryExecution',
          'athena:GetQueryExecution',
          'athena:StopQueryExecution',
        ]) {
          expect(byAction.get(a)).toEqual([expect.stringContaining(':workgroup/merchandiser-dev-lake"')]);
        }
        // The events table, and a staged job's own work tables only (work_<job>_<run>_<step>).
        const work = `:table\\/merchandiser_dev_lake\\/${workTablePrefix(id)}\\*"`;
        for (const a of ['glue:GetTable', 'glue:CreateTable', 'glue:DeleteTable']) {
          for (const r of byAction.get(a) ?? []) {
            expect(r).toMatch(
              new RegExp(
                `:catalog"|:database\\/merchandiser_dev_lake"|:table\\/merchandiser_dev_lake\\/events"|${work}`,
              ),
            );
          }
        }
        for (const r of [
          ...(byAction.get('glue:CreateTable') ?? []),
          ...(byAction.get('glue:DeleteTable') ?? []),
        ])
          expect(r).not.toContain('/events"');
        const objects = (a: string) =>
          byAction
            .get(a)!
            .map((r) => /"\/([^"]*)"\]\]\}$/.exec(r)?.[1] ?? (r.includes(bucket) ? 'bucket' : r));
        const own = ['athena/*', `results/${id}/*`];
        expect(objects('s3:PutObject').sort()).toEqual(own);
        expect(objects('s3:GetObject').sort()).toEqual([...own, 'events/*'].sort());
        expect(objects('s3:ListBucket')).toEqual(['bucket']);
        const list = statements.find((st) => [st.Action].flat().includes('s3:ListBucket'))!;
        expect(list.Condition).toEqual({
          StringLike: { 's3:prefix': ['events/*', ...own] },
        });
      },
    );

    it('gives the results functions read access to results/ only, and the query function none', () => {
      const resultsFunctions = [...new Set(lakeJobs.map((j) => j.resultsFunctionId))];
      expect(resultsFunctions.sort()).toEqual(['lake-results', 'train-hits']);
      const s3Of = (functionId: string) => {
        const role = dev.stack.getLogicalId(
          dev.stack.functions.get(functionId as FunctionId)!.role!.node.defaultChild as never,
        );
        return statementsOfRole(dev, role).filter((st) => JSON.stringify(st.Action).includes('s3:'));
      };
      for (const f of resultsFunctions) {
        expect(s3Of(f), f).toEqual([
          {
            Action: 's3:ListBucket',
            Effect: 'Allow',
            Resource: { 'Fn::GetAtt': [bucketId(dev), 'Arn'] },
            Condition: { StringLike: { 's3:prefix': ['results/*'] } },
          },
          {
            Action: 's3:GetObject',
            Effect: 'Allow',
            Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId(dev), 'Arn'] }, '/results/*']] },
          },
        ]);
      }
      expect(s3Of(lakeQueryFunctionId)).toEqual([]);
    });

    it('starts each scheduled job by EventBridge Scheduler on its cadence (a stage override winning), with a DLQ', () => {
      const schedulesOf = (t: ReturnType<typeof synthTemplate>) =>
        // The lake stack's: the functions stack schedules its sharded job (test/infra/sharded-job.test.ts).
        resourcesOf(lakeOf(t), 'AWS::Scheduler::Schedule').map(([, s]) => s.Properties as Json);
      const expression = (minutes: number) =>
        minutes % 1440 === 0
          ? `rate(${minutes / 1440} day${minutes === 1440 ? '' : 's'})`
          : `rate(${minutes} minutes)`;
      for (const [t, overrides] of [
        [dev, {}],
        [prod, { 'hit-daily-signals': 1440 }],
      ] as const) {
        const scheduled = schedulesOf(t);
        const expected = lakeJobs.flatMap((j) => {
          const minutes = (overrides as Record<string, number>)[j.id] ?? j.everyMinutes;
          return minutes === null ? [] : [{ id: j.id, minutes }];
        });
        expect(scheduled).toHaveLength(expected.length);
        for (const { id, minutes } of expected) {
          const sm = t.stack.getLogicalId(t.service.lake.stateMachines.get(id)!.node.defaultChild as never);
          const s = scheduled.find((x) => JSON.stringify(x.Target.Arn).includes(sm));
          expect(s, id).toMatchObject({
            ScheduleExpression: expression(minutes),
            FlexibleTimeWindow: { Mode: 'OFF' },
            Target: { DeadLetterConfig: { Arn: expect.anything() }, Input: '{}' },
          });
        }
      }
      // related-evidence is on demand: no schedule.
      expect(lakeJobs.find((j) => j.id === 'related-evidence')!.everyMinutes).toBeNull();
      const off = synthTemplate('dev', {
        scheduleMinutes: { 'bundle-itemsets': null, 'rfm-cut-points': 60 },
      });
      const scheduled = schedulesOf(off).map((s) => s.ScheduleExpression);
      // bundle-itemsets is off, rfm-cut-points hourly; related-totals daily and hit-daily-signals weekly as declared.
      expect(scheduled.sort()).toEqual(['rate(1 day)', 'rate(1 hour)', 'rate(7 days)']);
    });

    it('outputs each state machine (the key rebuild:related names), the bucket and the database', () => {
      const outputs = lakeOf(dev).toJSON().Outputs as Record<string, { Value: unknown }>;
      for (const j of lakeJobs) {
        const sm = dev.stack.getLogicalId(
          dev.service.lake.stateMachines.get(j.id)!.node.defaultChild as never,
        );
        expect(outputs[lakeJobOutputKey(j.id)]?.Value, j.id).toEqual({ Ref: sm });
      }
      expect(outputs.LakeBucketName?.Value).toEqual({ Ref: bucketId(dev) });
      expect(outputs.LakeDatabaseName?.Value).toBe('merchandiser_dev_lake');
      expect(startLakeJobCommand('prod', 'related-evidence')).toContain(
        '--stack-name merchandiser-prod-lake --query "Stacks[0].Outputs[?OutputKey==\'LakeJobrelatedevidence\'].OutputValue"',
      );
      expect(
        readFileSync(join(import.meta.dirname, '../../infra/scripts/rebuild-related.ts'), 'utf8'),
      ).toContain("startLakeJobCommand(stage, 'related-evidence')");
    });
  });

  describe('alarms', () => {
    it('alarms on every failed job, failed delivery or conversion, and every lake DLQ, on the alarm topic', () => {
      const alarms = resourcesOf(dev.template, 'AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);
      const described = (re: RegExp) => alarms.filter((a) => re.test(String(a.AlarmDescription)));
      expect(described(/^The lake job .* failed or timed out/)).toHaveLength(lakeJobs.length);
      expect(described(/failed to deliver to S3/)).toHaveLength(lakeStreams.length);
      expect(described(/could not convert records to Parquet/)).toHaveLength(lakeStreams.length);
      const conversion = described(/could not convert/)[0]!;
      expect(conversion).toMatchObject({
        Threshold: 0,
        Metrics: [
          { MetricStat: { Metric: { Namespace: 'AWS/Firehose', MetricName: 'FailedConversion.Records' } } },
        ],
      });
      expect(described(/^Messages in Lake-/)).toHaveLength(dev.service.lake.deliveryDlqs.length);
      // The lake rule's DLQ, one per scheduled job's, one per staged job's sweep rule.
      const staged = lakeJobs.filter((j) => stagedSteps(j.id).length > 0).length;
      expect(dev.service.lake.deliveryDlqs).toHaveLength(
        lakeStreams.length + lakeJobs.filter((j) => j.everyMinutes !== null).length + staged,
      );
      expect(described(/^The sweep of a stopped .* failed or timed out/)).toHaveLength(staged);
      for (const a of alarms) expect(a.AlarmActions).toHaveLength(1);
    });
  });
});

import { ArnFormat, CfnOutput, Duration, Stack, type StackProps, Token } from 'aws-cdk-lib';
import { CfnWorkGroup } from 'aws-cdk-lib/aws-athena';
import { EventField, type IEventBus, Rule, RuleTargetInput } from 'aws-cdk-lib/aws-events';
import { SfnStateMachine } from 'aws-cdk-lib/aws-events-targets';
import { CfnDatabase, CfnTable } from 'aws-cdk-lib/aws-glue';
import { Policy, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { CfnDeliveryStream } from 'aws-cdk-lib/aws-kinesisfirehose';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, LogStream } from 'aws-cdk-lib/aws-logs';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  ObjectOwnership,
  StorageClass,
} from 'aws-cdk-lib/aws-s3';
import { Schedule, ScheduleExpression, ScheduleTargetInput } from 'aws-cdk-lib/aws-scheduler';
import { StepFunctionsStartExecution } from 'aws-cdk-lib/aws-scheduler-targets';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import {
  CustomState,
  DefinitionBody,
  Fail,
  LogLevel,
  QueryLanguage,
  StateMachine,
  StateMachineType,
  Wait,
  WaitTime,
} from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { detailTypesIn } from '../../events/registry.ts';
import { lakeJob } from '../../models/lake/jobs/index.ts';
import { glueType, type LakeColumn, type PARTITION_KEYS } from '../../models/lake/schema.ts';
import { stagedSteps, workTablePrefix } from '../../models/lake/unload.ts';
import {
  type FunctionId,
  type LakeJobDecl,
  type LakeStreamDecl,
  type LakeTableDecl,
  lakeJobs,
  lakeQueryFunctionId,
  lakeStreams,
  lakeTables,
} from '../topology.ts';
import {
  acknowledge,
  acknowledgeObjectPrefixes,
  removalPolicyOf,
  retention,
  type StageProps,
  toCdkPattern,
} from './common.ts';
import { allowDistributedMap, LAMBDA_TRANSIENT } from './constructs/distributed-map.ts';
import { DeliveryDlq } from './constructs/queues.ts';

export interface LakeStackProps extends StackProps, StageProps {
  bus: IEventBus;
  functions: ReadonlyMap<FunctionId, NodejsFunction>;
}

type PartitionKey = (typeof PARTITION_KEYS)[number]['name'];

/**
 * What Firehose's dynamic partitioning extracts from a record for each partition key, in JQ: the
 * same as `lakePartition` (models/lake/schema.ts), which the local lake writes by.
 */
export const PARTITION_JQ: Record<PartitionKey, string> = {
  event_date: '.occurredAt[0:10]',
  event_type: '.type',
};

/** Firehose needs at least this much buffer (MB) when it converts records to Parquet. */
const MIN_CONVERSION_BUFFER_MB = 64;
/** Result files and Athena's own output are read once, by the run that wrote them. */
const RESULTS_EXPIRE_DAYS = 7;
/** A staged job's work tables (CTAS, under athena/tables/) are dropped at the end of its run; their files go a day later. */
const WORK_EXPIRE_DAYS = 1;
/** After this many days behaviour events move to Intelligent-Tiering (docs/deploying.md, "The lake stack"). */
const EVENTS_TIERING_DAYS = 30;

const partitionsPath = (table: LakeTableDecl, value: (key: string) => string) =>
  `${table.prefix}${table.partitionKeys.map((k) => `${k.name}=${value(k.name)}/`).join('')}`;

/**
 * Column name -> JSON key for every column and struct field whose name differs from its key
 * (snake_case columns, camelCase events). The OpenX SerDe looks a field up by name at any depth, so
 * one name must mean one key throughout.
 */
export function jsonKeyMappings(columns: readonly LakeColumn[]): Record<string, string> {
  const out: Record<string, string> = {};
  const visit = (cs: readonly LakeColumn[]) => {
    for (const c of cs) {
      if (out[c.name] !== undefined && out[c.name] !== c.jsonKey) {
        throw new Error(`lake column ${c.name} is read from two JSON keys: ${out[c.name]} and ${c.jsonKey}`);
      }
      if (c.name !== c.jsonKey) out[c.name] = c.jsonKey;
      let t = c.type;
      while (typeof t === 'object' && 'array' in t) t = t.array;
      if (typeof t === 'object' && 'struct' in t) visit(t.struct);
    }
  };
  visit(columns);
  return out;
}

/**
 * The lake on AWS, derived from infra/topology/lake.ts: an encrypted bucket with lifecycle rules,
 * the Glue database and tables (partition projection, no crawler), one Firehose delivery stream per
 * declared stream (fed by a bus rule, converting to Parquet against its table, partitioned by event
 * date and type), an Athena workgroup with a per-query scan limit, and one Step Functions state
 * machine per declared job (its statement from lake-query, Athena's UNLOAD, then its results
 * function), each started by EventBridge Scheduler on the job's cadence.
 */
export class LakeStack extends Stack {
  readonly bucket: Bucket;
  readonly databaseName: string;
  readonly workGroupName: string;
  readonly tables = new Map<string, CfnTable>();
  readonly deliveryStreams = new Map<string, CfnDeliveryStream>();
  readonly stateMachines = new Map<string, StateMachine>();
  /** A staged job's sweep of a stopped or timed-out run's work tables, by job. */
  readonly sweeps = new Map<string, StateMachine>();
  /** Where EventBridge and Scheduler put what they could not deliver (the lake rule, the job schedules, the sweeps' rules). */
  readonly deliveryDlqs: Queue[] = [];

  constructor(scope: Construct, id: string, props: LakeStackProps) {
    super(scope, id, props);
    const { stage, config, bus } = props;
    const removalPolicy = removalPolicyOf(config);
    const logRetention = retention(config.logRetentionDays);

    // The bucket. SSE-S3: every reader (Firehose, Athena, the functions) decrypts without a key grant.
    const accessLogs = new Bucket(this, 'LakeAccessLogs', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ id: 'expire', expiration: Duration.days(config.logRetentionDays) }],
      removalPolicy,
    });
    acknowledge(
      accessLogs,
      'AwsSolutions-S1',
      "This bucket receives the lake bucket's server access logs; logging the access to the logs would only log itself.",
    );
    this.bucket = new Bucket(this, 'LakeBucket', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'lake/',
      lifecycleRules: [
        ...(lakeTables as readonly LakeTableDecl[]).map((t) => ({
          id: `${t.id}-tiering-and-expiry`,
          prefix: t.prefix,
          // Intelligent-Tiering rather than Standard-IA: the jobs re-read 90 days every day, and IA
          // would charge a retrieval for each scan; Intelligent-Tiering moves only what nobody reads.
          transitions: [
            {
              storageClass: StorageClass.INTELLIGENT_TIERING,
              transitionAfter: Duration.days(EVENTS_TIERING_DAYS),
            },
          ],
          expiration: Duration.days(config.lake.eventsExpireDays),
        })),
        // Records Firehose could not convert or partition, kept as long as the events for a person.
        { id: 'errors-expiry', prefix: 'errors/', expiration: Duration.days(config.lake.eventsExpireDays) },
        { id: 'results-expiry', prefix: 'results/', expiration: Duration.days(RESULTS_EXPIRE_DAYS) },
        { id: 'athena-expiry', prefix: 'athena/', expiration: Duration.days(RESULTS_EXPIRE_DAYS) },
        // A staged job's steps (CTAS writes under the workgroup's location): DROP TABLE leaves the files.
        { id: 'work-tables-expiry', prefix: 'athena/tables/', expiration: Duration.days(WORK_EXPIRE_DAYS) },
        // Firehose and UNLOAD write in parts; a failed write leaves parts nobody completes.
        { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
      removalPolicy,
    });
    const bucket = this.bucket;

    // The Glue database and tables: the columns come from the zod contracts (lakeTables), the
    // partitions are projected from the keys' declared ranges, so no crawler and no partition writes.
    this.databaseName = `merchandiser_${stage}_lake`;
    const database = new CfnDatabase(this, 'LakeDatabase', {
      catalogId: this.account,
      databaseInput: {
        name: this.databaseName,
        description: `merchandiser (${stage}): behaviour history as Parquet (infra/topology/lake.ts)`,
      },
    });
    database.applyRemovalPolicy(removalPolicy);
    const streamsInto = (table: string) =>
      (lakeStreams as readonly LakeStreamDecl[]).filter((s) => s.table === table);
    const projection = (table: LakeTableDecl, key: string): Record<string, string> => {
      switch (key as PartitionKey) {
        case 'event_date':
          // Nothing older than the lake keeps; NOW: a query never lists partitions of future days.
          return {
            type: 'date',
            range: `NOW-${config.lake.eventsExpireDays}DAYS,NOW`,
            format: 'yyyy-MM-dd',
            interval: '1',
            'interval.unit': 'DAYS',
          };
        case 'event_type': {
          // The detail-types the table's streams deliver.
          const types = streamsInto(table.id).flatMap((s) => detailTypesIn(s.pattern));
          if (types.length === 0) throw new Error(`lake table ${table.id}: no stream names its event types`);
          return { type: 'enum', values: [...new Set(types)].join(',') };
        }
        default:
          throw new Error(`lake table ${table.id}: no partition projection for ${key}`);
      }
    };
    for (const t of lakeTables as readonly LakeTableDecl[]) {
      const table = new CfnTable(this, `LakeTable-${t.id}`, {
        catalogId: this.account,
        databaseName: this.databaseName,
        tableInput: {
          name: t.id,
          description: t.description,
          tableType: 'EXTERNAL_TABLE',
          partitionKeys: t.partitionKeys.map((k) => ({
            name: k.name,
            type: 'string',
            comment: k.description,
          })),
          parameters: {
            classification: 'parquet',
            EXTERNAL: 'TRUE',
            'projection.enabled': 'true',
            ...Object.fromEntries(
              t.partitionKeys.flatMap((k) =>
                Object.entries(projection(t, k.name)).map(([p, v]) => [`projection.${k.name}.${p}`, v]),
              ),
            ),
            'storage.location.template': `s3://${bucket.bucketName}/${partitionsPath(t, (k) => `\${${k}}`)}`,
          },
          storageDescriptor: {
            columns: t.columns.map((c) => ({ name: c.name, type: glueType(c.type) })),
            location: `s3://${bucket.bucketName}/${t.prefix}`,
            inputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
            outputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
            serdeInfo: {
              serializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
            },
          },
        },
      });
      table.addResourceDependency(database);
      table.applyRemovalPolicy(removalPolicy);
      this.tables.set(t.id, table);
    }
    const glueArns = (tableName: string) => this.glueArns(tableName);

    // Firehose, one delivery stream per declared stream: the event's detail is the record.
    for (const s of lakeStreams as readonly LakeStreamDecl[]) {
      const t = (lakeTables as readonly LakeTableDecl[]).find((x) => x.id === s.table)!;
      if (s.buffer.mb < MIN_CONVERSION_BUFFER_MB) {
        throw new Error(
          `lake stream ${s.id}: Parquet conversion needs a buffer of ${MIN_CONVERSION_BUFFER_MB} MB`,
        );
      }
      const logGroup = new LogGroup(this, `FirehoseLogs-${s.id}`, { retention: logRetention, removalPolicy });
      const logStream = new LogStream(this, `FirehoseLogStream-${s.id}`, {
        logGroup,
        logStreamName: 'DestinationDelivery',
        removalPolicy,
      });
      const role = new Role(this, `FirehoseRole-${s.id}`, {
        description: `Firehose ${s.id}: writes ${t.prefix} and errors/ of the lake bucket, reads the ${t.id} table`,
        assumedBy: new ServicePrincipal('firehose.amazonaws.com', {
          conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
        }),
      });
      role.addToPolicy(
        new PolicyStatement({
          actions: ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'],
          resources: [bucket.bucketArn],
        }),
      );
      role.addToPolicy(
        new PolicyStatement({
          actions: ['s3:AbortMultipartUpload', 's3:GetObject', 's3:PutObject'],
          resources: [bucket.arnForObjects(`${t.prefix}*`), bucket.arnForObjects('errors/*')],
        }),
      );
      role.addToPolicy(
        new PolicyStatement({
          actions: ['glue:GetTable', 'glue:GetTableVersion', 'glue:GetTableVersions'],
          resources: glueArns(t.id),
        }),
      );
      role.addToPolicy(
        new PolicyStatement({
          actions: ['logs:PutLogEvents'],
          resources: [
            this.formatArn({
              service: 'logs',
              resource: 'log-group',
              resourceName: `${logGroup.logGroupName}:log-stream:${logStream.logStreamName}`,
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          ],
        }),
      );
      const keys = t.partitionKeys.map((k) => k.name as PartitionKey);
      const stream = new CfnDeliveryStream(this, `Firehose-${s.id}`, {
        deliveryStreamType: 'DirectPut',
        deliveryStreamEncryptionConfigurationInput: { keyType: 'AWS_OWNED_CMK' },
        extendedS3DestinationConfiguration: {
          bucketArn: bucket.bucketArn,
          roleArn: role.roleArn,
          prefix: partitionsPath(t, (k) => `!{partitionKeyFromQuery:${k}}`),
          errorOutputPrefix: 'errors/!{firehose:error-output-type}/',
          bufferingHints: {
            sizeInMBs: s.buffer.mb,
            intervalInSeconds: config.lake.bufferSeconds ?? s.buffer.seconds,
          },
          // Parquet compresses its pages itself (Snappy); the object is not compressed again.
          compressionFormat: 'UNCOMPRESSED',
          dataFormatConversionConfiguration: {
            enabled: true,
            inputFormatConfiguration: {
              deserializer: {
                openXJsonSerDe: {
                  // Exact keys: the mappings name camelCase keys, which a lower-casing SerDe would miss.
                  caseInsensitive: false,
                  columnToJsonKeyMappings: jsonKeyMappings(t.columns),
                },
              },
            },
            outputFormatConfiguration: { serializer: { parquetSerDe: { compression: 'SNAPPY' } } },
            schemaConfiguration: {
              catalogId: this.account,
              databaseName: this.databaseName,
              tableName: t.id,
              region: this.region,
              roleArn: role.roleArn,
              versionId: 'LATEST',
            },
          },
          dynamicPartitioningConfiguration: { enabled: true, retryOptions: { durationInSeconds: 300 } },
          processingConfiguration: {
            enabled: true,
            processors: [
              {
                type: 'MetadataExtraction',
                parameters: [
                  {
                    parameterName: 'MetadataExtractionQuery',
                    parameterValue: `{${keys.map((k) => `${k}: ${PARTITION_JQ[k]}`).join(', ')}}`,
                  },
                  { parameterName: 'JsonParsingEngine', parameterValue: 'JQ-1.6' },
                ],
              },
            ],
          },
          cloudWatchLoggingOptions: {
            enabled: true,
            logGroupName: logGroup.logGroupName,
            logStreamName: logStream.logStreamName,
          },
          s3BackupMode: 'Disabled',
        },
      });
      acknowledgeObjectPrefixes(
        role,
        bucket,
        [t.prefix, 'errors/'],
        `Firehose writes the ${t.id} table's Parquet files under ${t.prefix} and what it cannot convert under errors/; a key prefix is the narrowest grant S3 offers on objects.`,
      );
      // Firehose checks its role's reach and the table's schema when the stream is created.
      stream.node.addDependency(role, this.tables.get(t.id)!);
      this.deliveryStreams.set(s.id, stream);

      const rule = new Rule(this, `Rule-${s.id}`, {
        eventBus: bus,
        description: s.description,
        eventPattern: toCdkPattern(s.pattern),
      });
      const deliveryDlq = new DeliveryDlq(this, `DeliveryDlq-${s.id}`, { of: 'rule' });
      this.deliveryDlqs.push(deliveryDlq);
      deliveryDlq.addToResourcePolicy(
        new PolicyStatement({
          principals: [new ServicePrincipal('events.amazonaws.com')],
          actions: ['sqs:SendMessage'],
          resources: [deliveryDlq.queueArn],
          conditions: { ArnEquals: { 'aws:SourceArn': rule.ruleArn } },
        }),
      );
      const putRecords = new Role(this, `RuleRole-${s.id}`, {
        description: `EventBridge rule ${s.id}: puts records on its delivery stream only`,
        assumedBy: new ServicePrincipal('events.amazonaws.com'),
      });
      putRecords.addToPolicy(
        new PolicyStatement({
          actions: ['firehose:PutRecord', 'firehose:PutRecordBatch'],
          resources: [stream.attrArn],
        }),
      );
      rule.addTarget({
        bind: () => ({
          arn: stream.attrArn,
          role: putRecords,
          input: RuleTargetInput.fromEventPath('$.detail'),
          deadLetterConfig: { arn: deliveryDlq.queueArn },
          retryPolicy: { maximumRetryAttempts: 185, maximumEventAgeInSeconds: 86_400 },
          targetResource: stream,
        }),
      });
    }

    // Athena: results and UNLOAD metadata under athena/, engine v3, a scan limit per query.
    this.workGroupName = `merchandiser-${stage}-lake`;
    const workGroup = new CfnWorkGroup(this, 'LakeWorkGroup', {
      name: this.workGroupName,
      description: `merchandiser (${stage}): the lake jobs' queries`,
      state: 'ENABLED',
      // Outside prod a stack deletion takes the saved queries and history with the workgroup.
      recursiveDeleteOption: config.removalPolicy !== 'retain',
      workGroupConfiguration: {
        enforceWorkGroupConfiguration: true,
        engineVersion: { selectedEngineVersion: 'Athena engine version 3' },
        bytesScannedCutoffPerQuery: Math.round(config.lake.athenaBytesScannedCutoffGb * 1e9),
        publishCloudWatchMetricsEnabled: true,
        resultConfiguration: {
          outputLocation: `s3://${bucket.bucketName}/athena/`,
          encryptionConfiguration: { encryptionOption: 'SSE_S3' },
        },
      },
    });
    workGroup.applyRemovalPolicy(removalPolicy);
    const workGroupArn = this.formatArn({
      service: 'athena',
      resource: 'workgroup',
      resourceName: this.workGroupName,
    });

    // The results functions read result files, nothing else of the bucket. The policy lives here:
    // the functions stack deploys before the lake and never refers to it.
    const resultsFunctions = [
      ...new Set((lakeJobs as readonly LakeJobDecl[]).map((j) => j.resultsFunctionId)),
    ];
    for (const fnId of resultsFunctions) {
      const read = new Policy(this, `ResultsRead-${fnId}`, {
        roles: [props.functions.get(fnId)!.role!],
        statements: [
          new PolicyStatement({
            actions: ['s3:ListBucket'],
            resources: [bucket.bucketArn],
            conditions: { StringLike: { 's3:prefix': ['results/*'] } },
          }),
          new PolicyStatement({ actions: ['s3:GetObject'], resources: [bucket.arnForObjects('results/*')] }),
        ],
      });
      acknowledgeObjectPrefixes(
        read,
        bucket,
        ['results/'],
        `${fnId} reads the result files a job's run names (results/<job>/<run>/), and nothing else of the bucket; a key prefix is the narrowest grant S3 offers on objects.`,
      );
    }

    // One state machine per job: statement, Athena, results; any failure ends in JobFailed.
    const queryFn = props.functions.get(lakeQueryFunctionId)!;
    for (const j of lakeJobs as readonly LakeJobDecl[]) {
      const job = new Construct(this, `Job-${j.id}`);
      const resultsFn = props.functions.get(j.resultsFunctionId)!;
      const failed = Fail.jsonata(job, 'JobFailed', {
        comment: 'A step failed after its retries; the error and cause are those of the step.',
        error: '{% $states.input.Error %}',
        cause: '{% $states.input.Cause %}',
      });
      // In JSONata a Catch's output is the error output ({ Error, Cause }): what JobFailed reports.
      const catchAll = { errors: ['States.ALL'] };
      const query = new CustomState(job, 'BuildStatement', {
        stateJson: {
          Type: 'Task',
          Comment: `${lakeQueryFunctionId}: the job's statements for this run (its steps' writes, the UNLOAD, the drops)`,
          Resource: `arn:${this.partition}:states:::lambda:invoke`,
          Arguments: {
            FunctionName: queryFn.functionArn,
            Payload: {
              job: j.id,
              bucket: bucket.bucketName,
              run: '{% $states.context.Execution.Name %}',
              startedAt: '{% $states.context.Execution.StartTime %}',
            },
          },
          Assign: {
            runAt: '{% $states.result.Payload.runAt %}',
            prefix: '{% $states.result.Payload.prefix %}',
            resultsKey: '{% $states.result.Payload.resultsKey %}',
            // The drops of a staged job's work tables (none for a job of one statement).
            cleanup: '{% $states.result.Payload.cleanup %}',
            // An execution's input may carry options for the results function, e.g.
            // {"results": {"epochs": 5}} for the retraining.
            options: '{% $exists($states.input.results) ? $states.input.results : {} %}',
          },
          Output: '{% $states.result.Payload %}',
          Retry: [LAMBDA_TRANSIENT],
        },
      }).addCatch(failed, catchAll);
      // A staged job (models/lake/unload.ts) writes its steps as work tables first, one statement at
      // a time, and drops them at the end, or after a failure before the failure is reported.
      const written = stagedSteps(j.id);
      const staged = written.length > 0;
      const onAthena = (comment: string, queryString: string, retry: readonly unknown[]) => ({
        Type: 'Task',
        Comment: comment,
        Resource: `arn:${this.partition}:states:::athena:startQueryExecution.sync`,
        Arguments: {
          QueryString: queryString,
          WorkGroup: this.workGroupName,
          QueryExecutionContext: { Catalog: 'AwsDataCatalog', Database: this.databaseName },
        },
        TimeoutSeconds: 3600,
        Retry: retry,
      });
      // Only throttling (Athena's queue of concurrent queries is full) is retried for a statement
      // that writes: one that started and failed has written part of its location, which it needs empty.
      const athenaThrottled = {
        ErrorEquals: ['Athena.TooManyRequestsException'],
        IntervalSeconds: 30,
        MaxAttempts: 5,
        BackoffRate: 2,
        JitterStrategy: 'FULL',
      };
      const eachStatement = (id: string, comment: string, items: string, retry: readonly unknown[]) => ({
        Type: 'Map',
        Comment: comment,
        Items: items,
        MaxConcurrency: 1,
        ItemProcessor: {
          ProcessorConfig: { Mode: 'INLINE' },
          StartAt: id,
          States: { [id]: { ...onAthena(comment, '{% $states.input %}', retry), End: true } },
        },
        // What came in goes on: the statements' own answers are in the execution's history.
        Output: '{% $states.input %}',
      });
      // A drop is idempotent (IF EXISTS): any error is retried.
      const dropRetry = [
        athenaThrottled,
        {
          ErrorEquals: ['States.ALL'],
          IntervalSeconds: 10,
          MaxAttempts: 3,
          BackoffRate: 2,
          JitterStrategy: 'FULL',
        },
      ];
      const dropAfterFailure = staged
        ? new CustomState(job, 'DropWorkAfterFailure', {
            stateJson: {
              ...eachStatement(
                'DropWorkTableAfterFailure',
                "Drops the run's work tables, then reports the failure",
                '{% $cleanup %}',
                dropRetry,
              ),
              // Whether the drops succeed or not, the failure reported is the step's that failed (this
              // state's input). Written here: addCatch on a custom state drops a catcher's Output.
              Catch: [{ ErrorEquals: ['States.ALL'], Next: failed.stateId, Output: '{% $states.input %}' }],
            },
          })
        : undefined;
      dropAfterFailure?.next(failed);
      const onFailure = dropAfterFailure ?? failed;
      const writeSteps = staged
        ? new CustomState(job, 'WriteSteps', {
            stateJson: eachStatement(
              'WriteStep',
              "Writes the job's steps as work tables (CTAS), in order",
              '{% $states.input.work %}',
              [athenaThrottled],
            ),
          }).addCatch(onFailure, catchAll)
        : undefined;
      const athena = new CustomState(job, 'RunOnAthena', {
        stateJson: {
          ...onAthena(
            'Runs the UNLOAD on the workgroup and waits for it',
            '{% $states.input.queryString %}',
            // A query that started and failed has written part of its results prefix, where UNLOAD
            // cannot write again.
            [athenaThrottled],
          ),
          Output: {
            queryExecutionId: '{% $states.result.QueryExecution.QueryExecutionId %}',
            scannedBytes: '{% $states.result.QueryExecution.Statistics.DataScannedInBytes %}',
          },
        },
      }).addCatch(onFailure, catchAll);
      const invokeResults = (payload: unknown) => ({
        Type: 'Task',
        Resource: `arn:${this.partition}:states:::lambda:invoke`,
        Arguments: { FunctionName: resultsFn.functionArn, Payload: payload },
        Output: '{% $states.result.Payload %}',
        Retry: [LAMBDA_TRANSIENT],
      });
      const maxConcurrency = j.files && (config.mapConcurrency?.[j.id] ?? j.files.maxConcurrency);
      // An each-file job: a Distributed Map lists the run's result files and writes each in a child
      // execution of its own. A CustomState, not the DistributedMap construct: that one grants
      // s3:ListBucket on the whole bucket, where this role lists only its prefixes (below).
      const store = j.files
        ? new CustomState(job, 'StoreResults', {
            stateJson: {
              Type: 'Map',
              Comment: `${j.resultsFunctionId}: each result file into serving state, in a child execution of its own`,
              ItemReader: {
                Resource: `arn:${this.partition}:states:::s3:listObjectsV2`,
                Arguments: { Bucket: bucket.bucketName, Prefix: '{% $resultsKey %}' },
              },
              // Evaluated in this execution: a child sees its input, not this execution's variables.
              ItemSelector: {
                job: j.id,
                runAt: '{% $runAt %}',
                files: `{% ["s3://${bucket.bucketName}/" & $states.context.Map.Item.Value.Key] %}`,
              },
              ItemProcessor: {
                ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
                StartAt: 'StoreFile',
                States: {
                  StoreFile: {
                    ...invokeResults('{% $states.input %}'),
                    Comment: `${j.resultsFunctionId}: one result file`,
                    End: true,
                  },
                },
              },
              MaxConcurrency: maxConcurrency,
              // A file that fails after its retries fails the run: no list is silently left stale.
              ToleratedFailurePercentage: 0,
              // The children's answers summed, as the local runner does (infra/local/lake/jobs.ts).
              Output: `{% {${[`"job": "${j.id}"`, ...j.files.summed.map((f) => `"${f}": $sum($states.result.${f})`)].join(', ')}} %}`,
            },
          }).addCatch(onFailure, catchAll)
        : new CustomState(job, 'StoreResults', {
            stateJson: {
              ...invokeResults(
                `{% $merge([$options, {"job": "${j.id}", "runAt": $runAt, "prefix": $prefix}]) %}`,
              ),
              Comment: `${j.resultsFunctionId}: the result files into serving state`,
            },
          }).addCatch(onFailure, catchAll);

      const dropWork = staged
        ? new CustomState(job, 'DropWork', {
            stateJson: eachStatement(
              'DropWorkTable',
              "Drops the run's work tables (their files expire under athena/tables/)",
              '{% $cleanup %}',
              dropRetry,
            ),
          }).addCatch(failed, catchAll)
        : undefined;
      const steps = [...(writeSteps ? [writeSteps] : []), athena, store, ...(dropWork ? [dropWork] : [])];
      const logGroup = new LogGroup(job, 'Logs', { retention: logRetention, removalPolicy });
      const sm = new StateMachine(job, 'StateMachine', {
        comment: `${j.id}: ${lakeJob(j.id).description}`,
        definitionBody: DefinitionBody.fromChainable(
          steps.slice(1).reduce((chain, next) => chain.next(next), query.next(steps[0]!)),
        ),
        queryLanguage: QueryLanguage.JSONATA,
        stateMachineType: StateMachineType.STANDARD,
        // The slowest step, the retraining, has 15 minutes; Athena's queries 30 by default (each
        // statement at most an hour here), and a staged job runs one per written step before its
        // UNLOAD (its drops take seconds).
        timeout: Duration.hours(staged ? 1 + written.length + 1 : 2),
        tracingEnabled: true,
        logs: { destination: logGroup, level: LogLevel.ALL, includeExecutionData: true },
      });
      // Its role reaches its two functions, its workgroup, the table, and its prefixes only.
      sm.addToRolePolicy(
        new PolicyStatement({
          actions: ['lambda:InvokeFunction'],
          resources: [queryFn.functionArn, resultsFn.functionArn],
        }),
      );
      this.allowQueries(sm, workGroupArn);
      sm.addToRolePolicy(
        new PolicyStatement({
          actions: ['glue:GetDatabase', 'glue:GetTable', 'glue:GetPartitions'],
          resources: (lakeTables as readonly LakeTableDecl[]).flatMap((t) => glueArns(t.id)),
        }),
      );
      // A staged job creates, reads and drops its own work tables (work_<job>_...), under athena/tables/.
      if (staged)
        this.allowWorkTables(
          sm,
          j.id,
          ['glue:CreateTable', 'glue:DeleteTable', 'glue:GetTable', 'glue:GetPartitions'],
          `Each run of ${j.id} names its work tables after the run (${workTablePrefix(j.id)}<run>_<step>), so only the job's prefix can be granted; no other table matches it.`,
        );
      const eventPrefixes = (lakeTables as readonly LakeTableDecl[]).map((t) => t.prefix);
      const ownPrefixes = ['athena/', `results/${j.id}/`];
      sm.addToRolePolicy(
        new PolicyStatement({
          actions: ['s3:GetBucketLocation'],
          resources: [bucket.bucketArn],
        }),
      );
      sm.addToRolePolicy(
        new PolicyStatement({
          actions: ['s3:ListBucket'],
          resources: [bucket.bucketArn],
          conditions: { StringLike: { 's3:prefix': [...eventPrefixes, ...ownPrefixes].map((p) => `${p}*`) } },
        }),
      );
      sm.addToRolePolicy(
        new PolicyStatement({
          actions: ['s3:GetObject'],
          resources: eventPrefixes.map((p) => bucket.arnForObjects(`${p}*`)),
        }),
      );
      sm.addToRolePolicy(
        new PolicyStatement({
          actions: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
          resources: ownPrefixes.map((p) => bucket.arnForObjects(`${p}*`)),
        }),
      );
      acknowledgeObjectPrefixes(
        sm,
        bucket,
        [...eventPrefixes, ...ownPrefixes],
        `The ${j.id} job's query reads the lake's Parquet files and writes Athena's output and its own result files; a key prefix is the narrowest grant S3 offers on objects.`,
      );
      acknowledge(
        sm,
        'AwsSolutions-IAM5[Resource::*]',
        "Only what CDK adds for the state machine's logging (logs:*LogDelivery, resource policies) and X-Ray tracing: these actions accept no resource but *.",
      );
      if (j.files) allowDistributedMap(sm);
      this.stateMachines.set(j.id, sm);
      if (staged)
        this.sweepStoppedRuns(job, j.id, sm, {
          queryFn,
          bucket,
          workGroupArn,
          dropRetry,
          eachStatement,
          logGroup: new LogGroup(job, 'SweepLogs', { retention: logRetention, removalPolicy }),
        });
      new CfnOutput(this, `LakeJob-${j.id}`, {
        value: sm.stateMachineArn,
        description: `Start the ${j.id} job: aws stepfunctions start-execution --state-machine-arn <this>`,
      });

      // A stage's override wins, null included (on demand only).
      const override = config.scheduleMinutes?.[j.id];
      const minutes = override === undefined ? j.everyMinutes : override;
      if (minutes === null) continue;
      const deliveryDlq = new DeliveryDlq(job, 'ScheduleDlq', { of: 'schedule' });
      this.deliveryDlqs.push(deliveryDlq);
      new Schedule(job, 'Schedule', {
        description: `${j.id}: ${j.cadence}`.slice(0, 512),
        schedule: ScheduleExpression.rate(Duration.minutes(minutes)),
        target: new StepFunctionsStartExecution(sm, {
          input: ScheduleTargetInput.fromObject({}),
          deadLetterQueue: deliveryDlq,
          retryAttempts: 185,
          // A start older than the next run is not worth making: the next run covers it.
          maxEventAge: Duration.minutes(Math.min(minutes, 24 * 60)),
        }),
      });
    }

    new CfnOutput(this, 'LakeBucketName', { value: bucket.bucketName });
    new CfnOutput(this, 'LakeDatabaseName', { value: this.databaseName });
    new CfnOutput(this, 'LakeWorkGroupName', { value: this.workGroupName });
  }

  /** The Glue catalog, the lake's database and one of its tables (or a prefix of table names with `*`). */
  private glueArns(tableName: string): string[] {
    return [
      this.formatArn({ service: 'glue', resource: 'catalog' }),
      this.formatArn({ service: 'glue', resource: 'database', resourceName: this.databaseName }),
      this.formatArn({
        service: 'glue',
        resource: 'table',
        resourceName: `${this.databaseName}/${tableName}`,
      }),
    ];
  }

  /** Runs and follows queries on the lake's workgroup, in the default data catalog. */
  private allowQueries(sm: StateMachine, workGroupArn: string): void {
    sm.addToRolePolicy(
      new PolicyStatement({
        actions: ['athena:StartQueryExecution', 'athena:GetQueryExecution', 'athena:StopQueryExecution'],
        resources: [workGroupArn],
      }),
    );
    sm.addToRolePolicy(
      new PolicyStatement({
        actions: ['athena:GetDataCatalog'],
        resources: [
          this.formatArn({ service: 'athena', resource: 'datacatalog', resourceName: 'AwsDataCatalog' }),
        ],
      }),
    );
  }

  /** `actions` on a staged job's own work tables (work_<job>_*), acknowledged for `reason`. */
  private allowWorkTables(
    sm: StateMachine,
    jobId: LakeJobDecl['id'],
    actions: string[],
    reason: string,
  ): void {
    sm.addToRolePolicy(
      new PolicyStatement({ actions, resources: this.glueArns(`${workTablePrefix(jobId)}*`) }),
    );
    acknowledge(
      sm,
      // cdk-nag's spelling of the ARN: a token as <AWS::...>, a value as itself.
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:glue:${Token.isUnresolved(this.region) ? '<AWS::Region>' : this.region}:${Token.isUnresolved(this.account) ? '<AWS::AccountId>' : this.account}:table/${this.databaseName}/${workTablePrefix(jobId)}*]`,
      reason,
    );
  }

  /**
   * A run stopped by hand or past its timeout ends without its drops (a state machine cannot catch
   * its own end). Its status change (ABORTED, TIMED_OUT) starts a sweep: `lake-query` names the run's
   * work tables as it named them for the run, and they are dropped one at a time. The sweep's role
   * drops the job's work tables and creates none.
   */
  private sweepStoppedRuns(
    job: Construct,
    jobId: LakeJobDecl['id'],
    sm: StateMachine,
    ctx: {
      queryFn: NodejsFunction;
      bucket: Bucket;
      workGroupArn: string;
      dropRetry: readonly unknown[];
      eachStatement: (id: string, comment: string, items: string, retry: readonly unknown[]) => object;
      logGroup: LogGroup;
    },
  ): void {
    const cleanup = new CustomState(job, 'NameWorkTables', {
      stateJson: {
        Type: 'Task',
        Comment: `${lakeQueryFunctionId}: the stopped run's statements, of which the drops are kept`,
        Resource: `arn:${this.partition}:states:::lambda:invoke`,
        Arguments: {
          FunctionName: ctx.queryFn.functionArn,
          Payload: {
            job: jobId,
            bucket: ctx.bucket.bucketName,
            run: '{% $states.input.run %}',
            startedAt: '{% $fromMillis($states.input.startDate) %}',
          },
        },
        Output: '{% $states.result.Payload.cleanup %}',
        Retry: [LAMBDA_TRANSIENT],
      },
    });
    const drop = new CustomState(job, 'DropStoppedWork', {
      stateJson: ctx.eachStatement(
        'DropStoppedWorkTable',
        "Drops the stopped run's work tables (IF EXISTS: a table never written is no error)",
        '{% $states.input %}',
        ctx.dropRetry,
      ),
    });
    // Stopping an execution only tries to stop the Athena statement it waited for: one still
    // running could write its table after the drop. A statement runs at most an hour here.
    const wait = Wait.jsonata(job, 'WaitForStatements', {
      comment: 'Lets a statement of the stopped run that is still running end before its tables are dropped',
      time: WaitTime.duration(Duration.hours(1)),
    });
    const sweep = new StateMachine(job, 'Sweep', {
      comment: `${jobId}: drops the work tables of a run that was stopped or timed out`,
      definitionBody: DefinitionBody.fromChainable(cleanup.next(wait).next(drop)),
      queryLanguage: QueryLanguage.JSONATA,
      stateMachineType: StateMachineType.STANDARD,
      timeout: Duration.hours(2),
      tracingEnabled: true,
      logs: { destination: ctx.logGroup, level: LogLevel.ALL, includeExecutionData: true },
    });
    sweep.addToRolePolicy(
      new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [ctx.queryFn.functionArn] }),
    );
    this.allowQueries(sweep, ctx.workGroupArn);
    this.allowWorkTables(
      sweep,
      jobId,
      ['glue:GetDatabase', 'glue:GetTable', 'glue:DeleteTable'],
      `A stopped run of ${jobId} named its work tables after itself (${workTablePrefix(jobId)}<run>_<step>), so only the job's prefix can be granted; the sweep drops, never creates.`,
    );
    // Athena writes even a DROP's output under the workgroup's location (athena/).
    sweep.addToRolePolicy(
      new PolicyStatement({ actions: ['s3:GetBucketLocation'], resources: [ctx.bucket.bucketArn] }),
    );
    sweep.addToRolePolicy(
      new PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [ctx.bucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': ['athena/*'] } },
      }),
    );
    sweep.addToRolePolicy(
      new PolicyStatement({
        actions: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
        resources: [ctx.bucket.arnForObjects('athena/*')],
      }),
    );
    acknowledgeObjectPrefixes(
      sweep,
      ctx.bucket,
      ['athena/'],
      `The ${jobId} sweep's DROP statements write Athena's output; a key prefix is the narrowest grant S3 offers on objects.`,
    );
    acknowledge(
      sweep,
      'AwsSolutions-IAM5[Resource::*]',
      "Only what CDK adds for the state machine's logging (logs:*LogDelivery, resource policies) and X-Ray tracing: these actions accept no resource but *.",
    );
    this.sweeps.set(jobId, sweep);
    const dlq = new DeliveryDlq(job, 'SweepDlq', { of: 'rule' });
    this.deliveryDlqs.push(dlq);
    new Rule(job, 'SweepStoppedRun', {
      description: `${jobId}: a run stopped or timed out starts the sweep of its work tables`,
      eventPattern: {
        source: ['aws.states'],
        detailType: ['Step Functions Execution Status Change'],
        detail: { status: ['ABORTED', 'TIMED_OUT'], stateMachineArn: [sm.stateMachineArn] },
      },
      targets: [
        new SfnStateMachine(sweep, {
          input: RuleTargetInput.fromObject({
            run: EventField.fromPath('$.detail.name'),
            startDate: EventField.fromPath('$.detail.startDate'),
          }),
          deadLetterQueue: dlq,
          retryAttempts: 185,
          maxEventAge: Duration.hours(24),
        }),
      ],
    });
  }
}

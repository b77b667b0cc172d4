import { resolve } from 'node:path';
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  CorsHttpMethod,
  HttpApi,
  type HttpMethod,
  HttpStage,
  LogGroupLogDestination,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { AttributeType, Billing, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { EventBus, type EventPattern, Rule, RuleTargetInput, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction, SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { StageConfig } from '../stage.ts';
import {
  EVENT_BUS_ENV,
  type FunctionDecl,
  type FunctionId,
  functions,
  type KeyAttribute,
  type RouteDecl,
  type RuleDecl,
  routes,
  rules,
  type ScheduleDecl,
  schedules,
  type TableDecl,
  type TableId,
  tableEnvVar,
  tables,
} from '../topology.ts';

const ROOT = resolve(import.meta.dirname, '../..');

export interface ServiceStackProps extends StackProps {
  stage: 'dev' | 'prod';
  config: StageConfig;
}

const attr = (k: KeyAttribute) => ({
  name: k.name,
  type: k.type === 'S' ? AttributeType.STRING : AttributeType.NUMBER,
});

/** EventBridge's pattern keys in CDK's spelling; everything below the top level passes through as is. */
function toCdkPattern(pattern: Record<string, unknown>): EventPattern {
  const rename: Record<string, string> = { 'detail-type': 'detailType' };
  return Object.fromEntries(Object.entries(pattern).map(([k, v]) => [rename[k] ?? k, v])) as EventPattern;
}

function retention(days: number): RetentionDays {
  const allowed = Object.values(RetentionDays).filter((v): v is RetentionDays => typeof v === 'number');
  return allowed.filter((d) => d >= days).sort((a, b) => a - b)[0] ?? RetentionDays.ONE_YEAR;
}

/**
 * The whole service, derived from infra/topology.ts: one table per declared table, one function
 * per declared function with exactly the grants it declares, the HTTP API's routes, and the bus
 * with each rule's target (through an SQS buffer with a DLQ where the rule batches).
 */
export class ServiceStack extends Stack {
  readonly tables = new Map<TableId, TableV2>();
  readonly functions = new Map<FunctionId, NodejsFunction>();
  readonly api: HttpApi;
  readonly bus: EventBus;

  constructor(scope: Construct, id: string, props: ServiceStackProps) {
    super(scope, id, props);
    const { config, stage } = props;
    const removalPolicy = config.removalPolicy === 'retain' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    for (const t of tables as readonly TableDecl[]) {
      const table = new TableV2(this, `Table-${t.id}`, {
        partitionKey: attr(t.partitionKey),
        ...(t.sortKey ? { sortKey: attr(t.sortKey) } : {}),
        billing: Billing.onDemand(),
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        deletionProtection: config.removalPolicy === 'retain',
        removalPolicy,
        ...(t.ttlAttribute ? { timeToLiveAttribute: t.ttlAttribute } : {}),
        globalSecondaryIndexes: (t.indexes ?? []).map((i) => ({
          indexName: i.name,
          partitionKey: attr(i.partitionKey),
          ...(i.sortKey ? { sortKey: attr(i.sortKey) } : {}),
        })),
      });
      this.tables.set(t.id as TableId, table);
    }

    this.bus = new EventBus(this, 'Bus', { eventBusName: `merchandiser-${stage}` });
    // Every event is archived so that an outage can be replayed (README: "Replaying events").
    this.bus.archive('Archive', {
      archiveName: `merchandiser-${stage}-all`,
      description: 'Every event on the merchandiser bus',
      eventPattern: { account: [Stack.of(this).account] },
      retention: Duration.days(config.archiveRetentionDays),
    });

    for (const f of functions as readonly FunctionDecl[]) {
      const logGroup = new LogGroup(this, `Logs-${f.id}`, {
        retention: retention(config.logRetentionDays),
        removalPolicy,
      });
      const fn = new NodejsFunction(this, `Fn-${f.id}`, {
        description: f.description,
        entry: resolve(ROOT, f.entry),
        handler: 'handler',
        runtime: Runtime.NODEJS_22_X,
        architecture: Architecture.ARM_64,
        memorySize: f.memoryMb,
        timeout: Duration.seconds(f.timeoutSeconds),
        logGroup,
        environment: {
          POWERTOOLS_SERVICE_NAME: 'merchandiser',
          POWERTOOLS_LOG_LEVEL: config.logLevel,
          POWERTOOLS_METRICS_NAMESPACE: 'merchandiser',
          NODE_OPTIONS: '--enable-source-maps',
        },
        bundling: {
          format: OutputFormat.ESM,
          minify: true,
          sourceMap: true,
          target: 'node22',
          // Bundle the SDK v3 clients too: esbuild keeps only the commands we use.
          externalModules: [],
          mainFields: ['module', 'main'],
          banner: "import { createRequire as __cr } from 'module'; const require = __cr(import.meta.url);",
        },
      });
      for (const [tableId, access] of Object.entries(f.tables)) {
        const table = this.tables.get(tableId as TableId)!;
        fn.addEnvironment(tableEnvVar(tableId as TableId), table.tableName);
        if (access === 'read') table.grantReadData(fn);
        else if (access === 'write') table.grantWriteData(fn);
        else table.grantReadWriteData(fn);
      }
      for (const variable of f.secrets ?? []) {
        const secret = new Secret(this, `Secret-${f.id}-${variable}`, {
          description: `${variable} of ${f.id}`,
          generateSecretString: { passwordLength: 48, excludePunctuation: true },
          removalPolicy,
        });
        // A dynamic reference: CloudFormation resolves it at deploy time, the template holds none.
        fn.addEnvironment(variable, secret.secretValue.unsafeUnwrap());
      }
      if (f.publishes) {
        fn.addEnvironment(EVENT_BUS_ENV, this.bus.eventBusName);
        this.bus.grantPutEventsTo(fn);
      }
      this.functions.set(f.id as FunctionId, fn);
    }

    const accessLogs = new LogGroup(this, 'ApiAccessLogs', {
      retention: retention(config.logRetentionDays),
      removalPolicy,
    });
    this.api = new HttpApi(this, 'Api', {
      apiName: `merchandiser-${stage}`,
      createDefaultStage: false,
      corsPreflight: {
        allowOrigins: config.corsAllowOrigins,
        allowMethods: [CorsHttpMethod.GET, CorsHttpMethod.POST, CorsHttpMethod.OPTIONS],
        allowHeaders: ['content-type', 'authorization', 'accept-language', 'idempotency-key'],
        maxAge: Duration.hours(1),
      },
    });
    new HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: config.throttle,
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            routeKey: '$context.routeKey',
            status: '$context.status',
            latencyMs: '$context.responseLatency',
            integrationLatencyMs: '$context.integrationLatency',
            sourceIp: '$context.identity.sourceIp',
            time: '$context.requestTime',
          }),
        ),
      },
    });
    const integrations = new Map<FunctionId, HttpLambdaIntegration>();
    const iam = new HttpIamAuthorizer();
    for (const r of routes as readonly RouteDecl[]) {
      let integration = integrations.get(r.functionId);
      if (!integration) {
        integration = new HttpLambdaIntegration(
          `Integration-${r.functionId}`,
          this.functions.get(r.functionId)!,
        );
        integrations.set(r.functionId, integration);
      }
      this.api.addRoutes({
        path: r.path,
        methods: [r.method as HttpMethod],
        integration,
        ...(r.auth === 'iam' ? { authorizer: iam } : {}),
      });
    }

    for (const r of rules as readonly RuleDecl[]) {
      const rule = new Rule(this, `Rule-${r.id}`, {
        eventBus: this.bus,
        description: r.description,
        eventPattern: toCdkPattern(r.pattern),
      });
      const fn = this.functions.get(r.target.functionId)!;
      // Events EventBridge could not deliver to the target at all land here.
      const deliveryDlq = new Queue(this, `DeliveryDlq-${r.id}`, {
        retentionPeriod: Duration.days(14),
        encryption: QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
      });
      if (r.target.kind === 'queue') {
        const dlq = new Queue(this, `Dlq-${r.id}`, {
          retentionPeriod: Duration.days(14),
          encryption: QueueEncryption.SQS_MANAGED,
          enforceSSL: true,
        });
        const queue = new Queue(this, `Queue-${r.id}`, {
          // AWS's advice for Lambda event sources: at least six times the function timeout.
          visibilityTimeout: Duration.seconds(fn.timeout!.toSeconds() * 6),
          retentionPeriod: Duration.days(4),
          encryption: QueueEncryption.SQS_MANAGED,
          enforceSSL: true,
          deadLetterQueue: { queue: dlq, maxReceiveCount: r.target.maxReceiveCount },
        });
        rule.addTarget(new SqsQueue(queue, { deadLetterQueue: deliveryDlq, retryAttempts: 185 }));
        fn.addEventSource(
          new SqsEventSource(queue, {
            batchSize: r.target.batchSize,
            maxBatchingWindow: Duration.seconds(r.target.maxBatchingWindowSeconds),
            reportBatchItemFailures: true,
            ...('maxConcurrency' in r.target ? { maxConcurrency: r.target.maxConcurrency } : {}),
          }),
        );
      } else {
        rule.addTarget(new LambdaFunction(fn, { deadLetterQueue: deliveryDlq, retryAttempts: 8 }));
      }
    }

    for (const sch of schedules as readonly ScheduleDecl[]) {
      const minutes = config.scheduleMinutes?.[sch.id] ?? sch.everyMinutes;
      const deliveryDlq = new Queue(this, `DeliveryDlq-${sch.id}`, {
        retentionPeriod: Duration.days(14),
        encryption: QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
      });
      new Rule(this, `Schedule-${sch.id}`, {
        description: sch.description,
        schedule: Schedule.rate(Duration.minutes(minutes)),
        targets: [
          new LambdaFunction(this.functions.get(sch.functionId)!, {
            event: RuleTargetInput.fromObject(sch.input),
            deadLetterQueue: deliveryDlq,
            retryAttempts: 2,
          }),
        ],
      });
    }

    new CfnOutput(this, 'ApiUrl', { value: this.api.apiEndpoint, description: 'Base URL of the HTTP API' });
    new CfnOutput(this, 'EventBusName', { value: this.bus.eventBusName });
  }
}

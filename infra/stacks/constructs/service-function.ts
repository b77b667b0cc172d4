import { resolve } from 'node:path';
import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import type { StageConfig } from '../../stage.ts';
import {
  accessActions,
  EVENT_BUS_ENV,
  type FunctionDecl,
  type TableAccess,
  type TableDecl,
  type TableId,
  tableEnvVar,
  tables,
} from '../../topology.ts';
import { CREDENTIAL_STUB_ALIASES } from '../bundling.ts';
import { acknowledge } from '../common.ts';

const ROOT = resolve(import.meta.dirname, '../../..');

export interface ServiceFunctionProps {
  /** The function as infra/topology.ts declares it: entry, description, memory, timeout. */
  decl: FunctionDecl;
  /** POWERTOOLS_LOG_LEVEL. */
  logLevel: string;
  logRetention: RetentionDays;
  /** Of the log group. */
  removalPolicy: RemovalPolicy;
}

/**
 * One declared function as Lambda runs it, with the defaults fixed here once: Node.js 22 on arm64,
 * an ESM bundle with source maps, the Powertools settings, and a log group of its own with the
 * stage's retention. Access is granted only together with the environment variable that names
 * what it grants: `bindTable`, `bindSecret`, `bindBus`.
 *
 * The construct is the NodejsFunction itself (id `Fn-<id>`) and its log group is created beside it
 * (`Logs-<id>`), in the scope where both were first deployed: a wrapping construct would give them
 * new logical ids, and CloudFormation would replace the function (and its event source mappings)
 * and the log group.
 */
export class ServiceFunction extends NodejsFunction {
  constructor(scope: Construct, props: ServiceFunctionProps) {
    const { decl } = props;
    super(scope, `Fn-${decl.id}`, {
      description: decl.description,
      entry: resolve(ROOT, decl.entry),
      handler: 'handler',
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: decl.memoryMb,
      timeout: Duration.seconds(decl.timeoutSeconds),
      logGroup: new LogGroup(scope, `Logs-${decl.id}`, {
        retention: props.logRetention,
        removalPolicy: props.removalPolicy,
      }),
      environment: {
        POWERTOOLS_SERVICE_NAME: 'merchandiser',
        POWERTOOLS_LOG_LEVEL: props.logLevel,
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
        esbuildArgs: Object.fromEntries(
          Object.entries(CREDENTIAL_STUB_ALIASES).map(([pkg, stub]) => [`--alias:${pkg}`, stub]),
        ),
      },
    });
    acknowledge(
      this,
      'AwsSolutions-L1',
      'Node.js 22 is the runtime this service is built and tested for (DEVELOPERS.md); a newer one is adopted deliberately, not by a lint rule.',
    );
    acknowledge(
      this,
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      'AWSLambdaBasicExecutionRole grants only logs:CreateLogStream and logs:PutLogEvents, which every function needs to log; nothing else comes from a managed policy.',
    );
  }

  /**
   * Names the table in the environment (tableEnvVar) and grants `access` on it and on the indexes
   * its declaration lists, nothing more.
   */
  bindTable(tableId: TableId, table: ITableV2, access: TableAccess): this {
    this.addEnvironment(tableEnvVar(tableId), table.tableName);
    // Explicit statements rather than grantReadData: those add Scan, DeleteItem and <table>/index/*,
    // and a function gets only the actions its code calls, on the indexes its table declares.
    const decl = (tables as readonly TableDecl[]).find((t) => t.id === tableId)!;
    this.addToRolePolicy(
      new PolicyStatement({
        actions: accessActions(access).map((a) => `dynamodb:${a}`),
        resources: [table.tableArn, ...(decl.indexes ?? []).map((i) => `${table.tableArn}/index/${i.name}`)],
        ...('leadingKeys' in access
          ? {
              conditions: {
                'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [...access.leadingKeys] },
              },
            }
          : {}),
      }),
    );
    return this;
  }

  /**
   * Names the secret by its ARN (`<variable>_SECRET_ARN`) and lets the function read that secret's
   * value, nothing more: functions/lib/secrets.ts reads it at run time and caches it, so neither
   * the template nor the function's configuration holds the value, and a rotation needs no deploy.
   */
  bindSecret(variable: string, secret: ISecret): this {
    this.addEnvironment(`${variable}_SECRET_ARN`, secret.secretArn);
    this.addToRolePolicy(
      new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [secret.secretArn] }),
    );
    return this;
  }

  /** Hands in the stage's identity provider, for the shopper tokens the function verifies (functions/lib/auth.ts). */
  bindShopperTokens(auth: StageConfig['auth']): this {
    const vars = {
      AUTH_ISSUER: auth.issuer,
      AUTH_AUDIENCE: auth.audience.join(','),
      AUTH_JWKS_URL: auth.jwksUrl,
      AUTH_ALGORITHMS: auth.algorithms.join(','),
      AUTH_MAX_TOKEN_LIFETIME_SECONDS: String(auth.maxTokenLifetimeSeconds),
      AUTH_CLOCK_SKEW_SECONDS: String(auth.clockSkewSeconds),
    };
    for (const [name, value] of Object.entries(vars)) this.addEnvironment(name, value);
    return this;
  }

  /** Names the bus in the environment (EVENT_BUS_ENV) and lets the function put events on it only. */
  bindBus(bus: IEventBus): this {
    this.addEnvironment(EVENT_BUS_ENV, bus.eventBusName);
    bus.grantPutEventsTo(this);
    return this;
  }
}

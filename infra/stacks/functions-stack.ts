import { resolve } from 'node:path';
import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type { TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { type EventBus, Rule, RuleTargetInput, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction, SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import {
  EVENT_BUS_ENV,
  type FunctionDecl,
  type FunctionId,
  functions,
  type RuleDecl,
  rules,
  type ScheduleDecl,
  schedules,
  type TableDecl,
  type TableId,
  tableEnvVar,
  tables,
} from '../topology.ts';
import { CREDENTIAL_STUB_ALIASES } from './bundling.ts';
import { acknowledge, removalPolicyOf, retention, type StageProps, toCdkPattern } from './common.ts';

const ROOT = resolve(import.meta.dirname, '../..');

/** What `read` and `write` in the topology grant on a table (transactions use the same actions). */
const READ_ACTIONS = [
  'dynamodb:BatchGetItem',
  'dynamodb:GetItem',
  'dynamodb:Query',
  'dynamodb:Scan',
  'dynamodb:ConditionCheckItem',
  'dynamodb:DescribeTable',
];
const WRITE_ACTIONS = [
  'dynamodb:BatchWriteItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:ConditionCheckItem',
];

export interface FunctionsStackProps extends StackProps, StageProps {
  tables: ReadonlyMap<TableId, TableV2>;
  bus: EventBus;
}

/** The queues of a queue-fed rule, kept for alarms and the dashboard. */
export interface RuleQueues {
  queue: Queue;
  dlq: Queue;
  /** Where EventBridge puts what it could not deliver to the queue or function at all. */
  deliveryDlq: Queue;
}

/**
 * Every declared function with exactly the grants it declares, and what feeds them: the bus rules
 * (through an SQS buffer with a DLQ where the rule batches), and the schedules. One stack because
 * these change together with the code.
 */
export class FunctionsStack extends Stack {
  readonly functions = new Map<FunctionId, NodejsFunction>();
  readonly ruleQueues = new Map<string, RuleQueues>();
  readonly deliveryDlqs: Queue[] = [];

  constructor(scope: Construct, id: string, props: FunctionsStackProps) {
    super(scope, id, props);
    const { config, bus } = props;
    const removalPolicy = removalPolicyOf(config);
    const queueDefaults = {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    } as const;

    // One secret per key, shared by every function that declares it: the bearer-token key must be
    // the same for pricing and for the read routes that personalise, or a token valid for one
    // would be refused by the other.
    const secrets = new Map<string, Secret>();
    // The ids the two keys had when only pricing held them: a new id is a new logical id, and
    // CloudFormation would replace the secret with a new random value, invalidating every
    // outstanding quote and every shopper's token on the next deploy.
    const secretConstructId = (variable: string) =>
      variable === 'AUTH_JWT_SECRET' || variable === 'QUOTE_SIGNING_KEY'
        ? `Secret-pricing-${variable}`
        : `Secret-${variable}`;
    const secretFor = (variable: string): Secret => {
      let secret = secrets.get(variable);
      if (secret === undefined) {
        secret = new Secret(this, secretConstructId(variable), {
          description: `${variable} (${functions
            .filter((f) => (f as FunctionDecl).secrets?.includes(variable))
            .map((f) => f.id)
            .join(', ')})`,
          generateSecretString: { passwordLength: 48, excludePunctuation: true },
          removalPolicy,
        });
        acknowledge(
          secret,
          'AwsSolutions-SMG4',
          'Rotated by an operator, not on a timer: a new quote-signing key invalidates every outstanding quote, and a new token key every session (README, "Deploying to AWS").',
        );
        secrets.set(variable, secret);
      }
      return secret;
    };

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
          esbuildArgs: Object.fromEntries(
            Object.entries(CREDENTIAL_STUB_ALIASES).map(([pkg, stub]) => [`--alias:${pkg}`, stub]),
          ),
        },
      });
      acknowledge(
        fn,
        'AwsSolutions-L1',
        'Node.js 22 is the runtime this service is built and tested for (DEVELOPERS.md); a newer one is adopted deliberately, not by a lint rule.',
      );
      acknowledge(
        fn,
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        'AWSLambdaBasicExecutionRole grants only logs:CreateLogStream and logs:PutLogEvents, which every function needs to log; nothing else comes from a managed policy.',
      );
      for (const [tableId, access] of Object.entries(f.tables)) {
        const table = props.tables.get(tableId as TableId)!;
        fn.addEnvironment(tableEnvVar(tableId as TableId), table.tableName);
        // Explicit statements rather than grantReadData: those add <table>/index/*, and a function
        // needs only the indexes its table declares.
        const decl = (tables as readonly TableDecl[]).find((t) => t.id === tableId)!;
        fn.addToRolePolicy(
          new PolicyStatement({
            actions: [
              ...(access === 'write' ? [] : READ_ACTIONS),
              ...(access === 'read' ? [] : WRITE_ACTIONS),
            ],
            resources: [
              table.tableArn,
              ...(decl.indexes ?? []).map((i) => `${table.tableArn}/index/${i.name}`),
            ],
          }),
        );
      }
      for (const variable of f.secrets ?? []) {
        // A dynamic reference: CloudFormation resolves it at deploy time, the template holds none.
        fn.addEnvironment(variable, secretFor(variable).secretValue.unsafeUnwrap());
      }
      if (f.publishes) {
        fn.addEnvironment(EVENT_BUS_ENV, bus.eventBusName);
        bus.grantPutEventsTo(fn);
      }
      this.functions.set(f.id as FunctionId, fn);
    }

    /** Where EventBridge puts what it could not deliver to a rule's or a schedule's target at all. */
    const deliveryDlqFor = (id: string, of: 'rule' | 'schedule') => {
      const q = new Queue(this, `DeliveryDlq-${id}`, {
        retentionPeriod: Duration.days(14),
        ...queueDefaults,
      });
      this.deliveryDlqs.push(q);
      acknowledge(q, 'AwsSolutions-SQS3', `This queue is itself a dead-letter queue (of the ${of} target).`);
      return q;
    };

    for (const r of rules as readonly RuleDecl[]) {
      const rule = new Rule(this, `Rule-${r.id}`, {
        eventBus: bus,
        description: r.description,
        eventPattern: toCdkPattern(r.pattern),
      });
      const fn = this.functions.get(r.target.functionId)!;
      const deliveryDlq = deliveryDlqFor(r.id, 'rule');
      if (r.target.kind === 'queue') {
        const dlq = new Queue(this, `Dlq-${r.id}`, { retentionPeriod: Duration.days(14), ...queueDefaults });
        const queue = new Queue(this, `Queue-${r.id}`, {
          // AWS's advice for Lambda event sources: at least six times the function timeout.
          visibilityTimeout: Duration.seconds(fn.timeout!.toSeconds() * 6),
          retentionPeriod: Duration.days(4),
          ...queueDefaults,
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
        this.ruleQueues.set(r.id, { queue, dlq, deliveryDlq });
      } else {
        rule.addTarget(new LambdaFunction(fn, { deadLetterQueue: deliveryDlq, retryAttempts: 8 }));
      }
    }

    for (const sch of schedules as readonly ScheduleDecl[]) {
      const minutes = config.scheduleMinutes?.[sch.id] ?? sch.everyMinutes;
      const deliveryDlq = deliveryDlqFor(sch.id, 'schedule');
      // Schedules live on the default bus, as EventBridge requires.
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
  }
}

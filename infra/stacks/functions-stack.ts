import { Aws, CfnCondition, Duration, Fn, Stack, type StackProps, Token } from 'aws-cdk-lib';
import type { TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { type EventBus, Rule, RuleTargetInput, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction, SfnStateMachine } from 'aws-cdk-lib/aws-events-targets';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { type CfnSecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { ORIGIN_VERIFY } from '../../functions/lib/secrets.ts';
import {
  type FunctionDecl,
  type FunctionId,
  functions,
  type RouteDecl,
  type RuleDecl,
  routes,
  rules,
  type ScheduleDecl,
  type ShardedJobDecl,
  schedules,
  shardedJobs,
  type TableAccess,
  type TableId,
} from '../topology.ts';
import {
  acknowledge,
  originVerifySecretName,
  removalPolicyOf,
  retention,
  type StageProps,
  toCdkPattern,
} from './common.ts';
import { QueuedRule } from './constructs/queued-rule.ts';
import { DeliveryDlq } from './constructs/queues.ts';
import { ServiceFunction } from './constructs/service-function.ts';
import { ShardedJob } from './constructs/sharded-job.ts';

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
  /** The sharded jobs' state machines (the hourly full re-rank), by job id. */
  readonly shardedJobs = new Map<string, StateMachine>();

  constructor(scope: Construct, id: string, props: FunctionsStackProps) {
    super(scope, id, props);
    const { config, bus, stage } = props;
    const removalPolicy = removalPolicyOf(config);

    // One secret per declared name, shared by every function that declares it. Each is a key ring,
    // `{"current": "k1", "k1": "<48 random characters>"}`: the functions read it at run time, so an
    // operator rotates a key by editing the secret (docs/deploying.md), with an overlap window.
    const secrets = new Map<string, Secret>();
    const secretFor = (variable: string): Secret => {
      let secret = secrets.get(variable);
      if (secret === undefined) {
        secret = new Secret(this, `Secret-${variable}`, {
          description: `${variable} (${functions
            .filter((f) => (f as FunctionDecl).secrets?.includes(variable))
            .map((f) => f.id)
            .join(', ')}): a key ring, {"current": "<keyId>", "<keyId>": "<key>", ...}`,
          generateSecretString: {
            secretStringTemplate: JSON.stringify({ current: 'k1' }),
            generateStringKey: 'k1',
            passwordLength: 48,
            excludePunctuation: true,
          },
          removalPolicy,
        });
        acknowledge(
          secret,
          'AwsSolutions-SMG4',
          'Rotated by an operator, not on a timer: a new quote-signing key is added beside the old one and made current, and the old one removed once every quote it signed has expired (docs/deploying.md).',
        );
        secrets.set(variable, secret);
      }
      return secret;
    };

    // Behind CloudFront (prod): the secret header CloudFront adds to what it forwards, which the
    // functions of every route not signed with SigV4 require (functions/lib/http.ts). Replicated to
    // us-east-1, where the edge stack's distribution reads it by name; a member per key, so that a
    // rotation adds one, points CloudFront at it (`edge.originVerifyKey`) and removes the old.
    const edgeFunctions = new Set(
      (routes as readonly RouteDecl[]).filter((r) => r.auth !== 'iam').map((r) => r.functionId),
    );
    const region = Stack.of(this).region;
    const originVerify = config.edge
      ? new Secret(this, 'OriginVerify', {
          secretName: originVerifySecretName(stage),
          description: `${ORIGIN_VERIFY}: the header CloudFront adds to every request it forwards to the API, {"v1": "<value>", ...}`,
          generateSecretString: {
            secretStringTemplate: '{}',
            generateStringKey: 'v1',
            passwordLength: 48,
            excludePunctuation: true,
          },
          ...(Token.isUnresolved(region) || region === 'us-east-1'
            ? {}
            : { replicaRegions: [{ region: 'us-east-1' }] }),
          removalPolicy,
        })
      : undefined;
    if (originVerify && Token.isUnresolved(region)) {
      // An environment-agnostic synth: the region is known at deploy only, and a secret cannot be
      // replicated to its own region.
      const inUsEast1 = new CfnCondition(this, 'OriginVerifyInUsEast1', {
        expression: Fn.conditionEquals(Aws.REGION, 'us-east-1'),
      });
      (originVerify.node.defaultChild as CfnSecret).replicaRegions = Fn.conditionIf(
        inUsEast1.logicalId,
        Aws.NO_VALUE,
        [{ Region: 'us-east-1' }],
      ) as never;
    }
    if (originVerify)
      acknowledge(
        originVerify,
        'AwsSolutions-SMG4',
        "Rotated by an operator: a new member is added, CloudFront pointed at it (edge.originVerifyKey) and the old one removed once the edge is deployed (docs/deploying.md); a timer could not redeploy CloudFront's header.",
      );

    for (const f of functions as readonly FunctionDecl[]) {
      const fn = new ServiceFunction(this, {
        decl: f,
        logLevel: config.logLevel,
        logRetention: retention(config.logRetentionDays),
        removalPolicy,
      });
      const reserved = config.reservedConcurrency[f.id];
      if (reserved !== undefined)
        (fn.node.defaultChild as CfnFunction).reservedConcurrentExecutions = reserved;
      for (const [tableId, access] of Object.entries(f.tables) as [TableId, TableAccess][]) {
        fn.bindTable(tableId, props.tables.get(tableId)!, access);
      }
      for (const variable of f.secrets ?? []) fn.bindSecret(variable, secretFor(variable));
      if (originVerify && edgeFunctions.has(f.id as FunctionId)) {
        fn.bindSecret(ORIGIN_VERIFY, originVerify);
        if (config.edge?.originVerify === 'log') fn.addEnvironment('ORIGIN_VERIFY_MODE', 'log');
      }
      if (f.shopperTokens) fn.bindShopperTokens(config.auth);
      if (f.relatedSettings && config.related)
        fn.addEnvironment('RELATED_SETTINGS', JSON.stringify(config.related));
      if (f.bundleSettings && config.bundles)
        fn.addEnvironment('BUNDLE_SETTINGS', JSON.stringify(config.bundles));
      if (f.publishes) fn.bindBus(bus);
      this.functions.set(f.id as FunctionId, fn);
    }

    for (const job of shardedJobs as readonly ShardedJobDecl[]) {
      const everyMinutes = config.scheduleMinutes?.[job.id];
      const maxConcurrency = config.mapConcurrency?.[job.id];
      const shards = config.shards?.[job.id];
      const sharded = new ShardedJob(this, `Sharded-${job.id}`, {
        decl: job,
        fn: this.functions.get(job.functionId)!,
        ...(typeof everyMinutes === 'number' ? { everyMinutes } : {}),
        ...(maxConcurrency !== undefined ? { maxConcurrency } : {}),
        ...(shards !== undefined ? { shards } : {}),
        removalPolicy,
        logRetention: retention(config.logRetentionDays),
      });
      this.deliveryDlqs.push(sharded.deliveryDlq);
      this.shardedJobs.set(job.id, sharded.stateMachine);
    }

    for (const r of rules as readonly RuleDecl[]) {
      if (r.target.kind === 'queue') {
        const fn = this.functions.get(r.target.functionId)!;
        const maxConcurrency = config.consumerConcurrency?.[r.id];
        const rule = new QueuedRule(this, {
          decl: { ...r, target: r.target },
          bus,
          fn,
          ...(maxConcurrency !== undefined ? { maxConcurrency } : {}),
        });
        this.deliveryDlqs.push(rule.deliveryDlq);
        this.ruleQueues.set(r.id, rule);
      } else {
        const rule = new Rule(this, `Rule-${r.id}`, {
          eventBus: bus,
          description: r.description,
          eventPattern: toCdkPattern(r.pattern),
        });
        const deliveryDlq = new DeliveryDlq(this, `DeliveryDlq-${r.id}`, { of: 'rule' });
        this.deliveryDlqs.push(deliveryDlq);
        rule.addTarget(
          r.target.kind === 'sharded-job'
            ? // The run's input is its own (runAt is the execution's start): the event only starts it.
              new SfnStateMachine(this.shardedJobs.get(r.target.jobId)!, {
                input: RuleTargetInput.fromObject({}),
                deadLetterQueue: deliveryDlq,
                retryAttempts: 8,
              })
            : new LambdaFunction(this.functions.get(r.target.functionId)!, {
                deadLetterQueue: deliveryDlq,
                retryAttempts: 8,
              }),
        );
      }
    }

    for (const sch of schedules as readonly ScheduleDecl[]) {
      const minutes = config.scheduleMinutes?.[sch.id] ?? sch.everyMinutes;
      const deliveryDlq = new DeliveryDlq(this, `DeliveryDlq-${sch.id}`, { of: 'schedule' });
      this.deliveryDlqs.push(deliveryDlq);
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

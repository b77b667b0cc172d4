import { CfnOutput, Duration, Stack } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Schedule, ScheduleExpression, ScheduleTargetInput } from 'aws-cdk-lib/aws-scheduler';
import { StepFunctionsStartExecution } from 'aws-cdk-lib/aws-scheduler-targets';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import {
  type Chain,
  CustomState,
  DefinitionBody,
  Fail,
  LogLevel,
  QueryLanguage,
  StateMachine,
  StateMachineType,
} from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { ShardedJobDecl } from '../../topology.ts';
import { acknowledge, type removalPolicyOf, type retention } from '../common.ts';
import { allowDistributedMap, LAMBDA_TRANSIENT } from './distributed-map.ts';
import { DeliveryDlq } from './queues.ts';

export interface ShardedJobProps {
  decl: ShardedJobDecl;
  fn: NodejsFunction;
  /** The stage's overrides (cdk.json `scheduleMinutes.<id>`, `mapConcurrency.<id>`, `shards.<id>`). */
  everyMinutes?: number;
  maxConcurrency?: number;
  shards?: number;
  removalPolicy: ReturnType<typeof removalPolicyOf>;
  logRetention: ReturnType<typeof retention>;
}

/**
 * A sharded job (infra/topology/sharded.ts) on AWS: a state machine whose steps invoke the job's
 * function in order, each `shard` step a Distributed Map over the shard numbers (a JSONata array),
 * each `run` step one Task; every invocation gets `{ job, step, runAt, shards, shard? }`, `runAt`
 * the execution's start. EventBridge Scheduler starts it on the job's cadence.
 */
export class ShardedJob extends Construct {
  readonly stateMachine: StateMachine;
  readonly deliveryDlq: Queue;

  constructor(scope: Construct, id: string, props: ShardedJobProps) {
    super(scope, id);
    const { decl, fn } = props;
    const partition = Stack.of(this).partition;
    const failed = Fail.jsonata(this, 'JobFailed', {
      comment: 'A step failed after its retries; the error and cause are those of the step.',
      error: '{% $states.input.Error %}',
      cause: '{% $states.input.Cause %}',
    });
    const invoke = (payload: unknown) => ({
      Type: 'Task',
      Resource: `arn:${partition}:states:::lambda:invoke`,
      Arguments: { FunctionName: fn.functionArn, Payload: payload },
      Output: '{% $states.result.Payload %}',
      Retry: [LAMBDA_TRANSIENT],
    });
    const shards = props.shards ?? decl.shards;
    const common = {
      job: decl.id,
      runAt: '{% $states.context.Execution.StartTime %}',
      shards,
    };
    const maxConcurrency = props.maxConcurrency ?? decl.maxConcurrency;
    const states = decl.steps.map((step) => {
      const stateJson =
        step.each === 'shard'
          ? {
              Type: 'Map',
              Comment: `${step.id}, for every shard: ${step.description}`,
              Items: `{% [0..${shards - 1}] %}`,
              // Evaluated in this execution: a child sees its input, not this execution's context.
              ItemSelector: { ...common, step: step.id, shard: '{% $states.context.Map.Item.Value %}' },
              ItemProcessor: {
                ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
                StartAt: 'Shard',
                States: { Shard: { ...invoke('{% $states.input %}'), End: true } },
              },
              MaxConcurrency: maxConcurrency,
              // A shard that fails after its retries fails the run: the next step needs every shard.
              ToleratedFailurePercentage: 0,
              // The steps pass their parts through the store: the children's answers stay here.
              Output: '{% {"shards": $count($states.result)} %}',
            }
          : { ...invoke({ ...common, step: step.id }), Comment: `${step.id}: ${step.description}` };
      return new CustomState(this, step.id, { stateJson }).addCatch(failed, { errors: ['States.ALL'] });
    });
    const chain = states.slice(1).reduce<Chain>((c, s) => c.next(s), states[0]! as unknown as Chain);

    const logGroup = new LogGroup(this, 'Logs', {
      retention: props.logRetention,
      removalPolicy: props.removalPolicy,
    });
    this.stateMachine = new StateMachine(this, 'StateMachine', {
      comment: `${decl.id}: ${decl.description}`.slice(0, 256),
      definitionBody: DefinitionBody.fromChainable(chain),
      queryLanguage: QueryLanguage.JSONATA,
      stateMachineType: StateMachineType.STANDARD,
      timeout: Duration.minutes(Math.max(15, decl.everyMinutes)),
      tracingEnabled: true,
      logs: { destination: logGroup, level: LogLevel.ALL, includeExecutionData: true },
    });
    // Its role invokes its function, and starts and follows its own children; nothing else.
    this.stateMachine.addToRolePolicy(
      new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [fn.functionArn] }),
    );
    allowDistributedMap(this.stateMachine);
    acknowledge(
      this.stateMachine,
      'AwsSolutions-IAM5[Resource::*]',
      "Only what CDK adds for the state machine's logging (logs:*LogDelivery, resource policies) and X-Ray tracing: these actions accept no resource but *.",
    );
    new CfnOutput(this, 'Arn', {
      value: this.stateMachine.stateMachineArn,
      description: `Start the ${decl.id} job: aws stepfunctions start-execution --state-machine-arn <this>`,
    });

    const minutes = props.everyMinutes ?? decl.everyMinutes;
    this.deliveryDlq = new DeliveryDlq(this, 'ScheduleDlq', { of: 'schedule' });
    new Schedule(this, 'Schedule', {
      description: `${decl.id}: ${decl.cadence}`.slice(0, 512),
      schedule: ScheduleExpression.rate(Duration.minutes(minutes)),
      target: new StepFunctionsStartExecution(this.stateMachine, {
        input: ScheduleTargetInput.fromObject({}),
        deadLetterQueue: this.deliveryDlq,
        retryAttempts: 185,
        // A start older than the next run is not worth making: the next run covers it.
        maxEventAge: Duration.minutes(Math.min(minutes, 24 * 60)),
      }),
    });
  }
}

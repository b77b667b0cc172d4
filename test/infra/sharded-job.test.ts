import { Duration } from 'aws-cdk-lib';
import { ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { beforeAll, describe, expect, it } from 'vitest';
import { type FunctionId, rules, type ShardedJobDecl, shardedJobs } from '../../infra/topology.ts';
import { resourcesOf, synthTemplate } from '../support/synth.ts';

type Json = Record<string, any>;
type Statement = { Action: string | string[]; Resource: unknown; Condition?: Json };

/** A `Fn::Join` definition string as ASL, each token kept as a quoted placeholder. */
function aslOf(definition: unknown): Json {
  const join = (definition as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1];
  return JSON.parse(
    join.map((p) => (typeof p === 'string' ? p : `<${JSON.stringify(p).replace(/"/g, "'")}>`)).join(''),
  );
}

describe('sharded jobs (the hourly full re-rank)', () => {
  let dev: ReturnType<typeof synthTemplate>;
  let prod: ReturnType<typeof synthTemplate>;
  beforeAll(() => {
    dev = synthTemplate('dev');
    prod = synthTemplate('prod');
  });
  const machineOf = (t: ReturnType<typeof synthTemplate>, id: string) => {
    const sm = t.service.functions.shardedJobs.get(id)!;
    const [, r] = resourcesOf(t.template, 'AWS::StepFunctions::StateMachine').find(
      ([logicalId]) => logicalId === t.stack.getLogicalId(sm.node.defaultChild as never),
    )!;
    return { sm, asl: aslOf(r.Properties.DefinitionString) };
  };
  const fnId = (t: ReturnType<typeof synthTemplate>, id: string) =>
    t.stack.getLogicalId(t.stack.functions.get(id as FunctionId)!.node.defaultChild as never);

  it.each(shardedJobs.map((j) => [j.id, j] as const))(
    '%s: its steps in order, each shard step a Distributed Map over the shard numbers at the stage concurrency',
    (id, job: ShardedJobDecl) => {
      // prod cuts the catalog in 128 shards (cdk.json `shards`), dev as declared.
      for (const [t, concurrency, shards] of [
        [dev, job.maxConcurrency, job.shards],
        [prod, 32, 128],
      ] as const) {
        const { asl } = machineOf(t, id);
        expect(asl.QueryLanguage).toBe('JSONata');
        expect(asl.StartAt).toBe(job.steps[0]!.id);
        job.steps.forEach((step, i) => {
          const state = asl.States[step.id];
          const next = job.steps[i + 1]?.id;
          expect(state.Next ?? 'END').toBe(next ?? 'END');
          expect(state.Catch).toEqual([{ ErrorEquals: ['States.ALL'], Next: 'JobFailed' }]);
          const common = {
            job: id,
            runAt: '{% $states.context.Execution.StartTime %}',
            shards,
            step: step.id,
          };
          const task = step.each === 'shard' ? state.ItemProcessor.States.Shard : state;
          if (step.each === 'shard') {
            expect(state).toMatchObject({
              Type: 'Map',
              Items: `{% [0..${shards - 1}] %}`,
              ItemSelector: { ...common, shard: '{% $states.context.Map.Item.Value %}' },
              ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' } },
              MaxConcurrency: concurrency,
              ToleratedFailurePercentage: 0,
            });
            expect(task.Arguments.Payload).toBe('{% $states.input %}');
          } else {
            expect(task.Arguments.Payload).toEqual(common);
          }
          expect(task.Resource).toMatch(/:states:::lambda:invoke$/);
          expect(task.Arguments.FunctionName).toContain(fnId(t, job.functionId));
          for (const retry of task.Retry)
            expect(retry).toMatchObject({ BackoffRate: 2, JitterStrategy: 'FULL' });
        });
      }
    },
  );

  it.each(shardedJobs.map((j) => [j.id, j] as const))(
    '%s: its role invokes only its function and starts, follows and stops only its own executions',
    (id, job: ShardedJobDecl) => {
      const { sm } = machineOf(dev, id);
      const roleId = dev.stack.getLogicalId(sm.role.node.defaultChild as never);
      const smId = dev.stack.getLogicalId(sm.node.defaultChild as never);
      const statements = resourcesOf(dev.template, 'AWS::IAM::Policy')
        .filter(([, p]) => JSON.stringify(p.Properties.Roles).includes(roleId))
        .flatMap(([, p]) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
      const actions = statements.flatMap((st) => [st.Action].flat()).filter((a) => !/^(logs|xray):/.test(a));
      expect(actions.sort()).toEqual([
        'lambda:InvokeFunction',
        'states:DescribeExecution',
        'states:StartExecution',
        'states:StopExecution',
      ]);
      for (const st of statements) {
        const actionsOf = [st.Action].flat();
        const resource = JSON.stringify(st.Resource);
        if (actionsOf.includes('lambda:InvokeFunction'))
          expect(resource).toContain(fnId(dev, job.functionId));
        if (actionsOf.includes('states:StartExecution')) expect(st.Resource).toEqual({ Ref: smId });
        if (actionsOf.includes('states:StopExecution'))
          expect(resource).toMatch(
            new RegExp(`:execution:",\\{"Fn::GetAtt":\\["${smId}","Name"\\]\\},"/\\*"`),
          );
      }
    },
  );

  it.each(shardedJobs.map((j) => [j.id, j] as const))(
    '%s: started by EventBridge Scheduler on its cadence (a stage override winning), with a DLQ, and no hourly rule left',
    (id, job: ShardedJobDecl) => {
      const { sm } = machineOf(dev, id);
      const smId = dev.stack.getLogicalId(sm.node.defaultChild as never);
      const scheduleOf = (t: ReturnType<typeof synthTemplate>) =>
        resourcesOf(t.template, 'AWS::Scheduler::Schedule').find(([, r]) =>
          JSON.stringify((r.Properties.Target as Json).Arn).includes(smId),
        )?.[1].Properties as Json;
      expect(scheduleOf(dev)).toMatchObject({
        ScheduleExpression: ScheduleExpression.rate(Duration.minutes(job.everyMinutes)).expressionString,
        Target: { DeadLetterConfig: { Arn: expect.anything() } },
      });
      expect(scheduleOf(synthTemplate('dev', { scheduleMinutes: { [id]: 15 } }))).toMatchObject({
        ScheduleExpression: 'rate(15 minutes)',
      });
      const rules = resourcesOf(dev.template, 'AWS::Events::Rule').filter(
        ([, r]) => r.Properties.ScheduleExpression,
      );
      expect(rules).toEqual([]);
    },
  );

  it.each(shardedJobs.map((j) => [j.id] as const))(
    '%s: alarms when an execution fails or times out',
    (id) => {
      const alarms = resourcesOf(dev.template, 'AWS::CloudWatch::Alarm').filter(([, r]) =>
        String(r.Properties.AlarmDescription).startsWith(`The sharded job ${id} failed`),
      );
      expect(alarms).toHaveLength(1);
    },
  );

  it('a rule whose target is a sharded job starts its state machine (with a DLQ and retries), and invokes no function', () => {
    const sharded = rules.filter((r) => r.target.kind === 'sharded-job');
    expect(sharded.map((r) => r.id)).toContain('model-to-rerank');
    for (const r of sharded) {
      const target = r.target as { kind: 'sharded-job'; jobId: string };
      const { sm } = machineOf(dev, target.jobId);
      const smId = dev.stack.getLogicalId(sm.node.defaultChild as never);
      const [, rule] = resourcesOf(dev.template, 'AWS::Events::Rule').find(
        ([, x]) => x.Properties.Description === r.description,
      )!;
      const targets = rule.Properties.Targets as Json[];
      expect(targets).toHaveLength(1);
      expect(targets[0]).toMatchObject({
        Arn: { Ref: smId },
        RoleArn: expect.anything(),
        DeadLetterConfig: { Arn: expect.anything() },
        RetryPolicy: { MaximumRetryAttempts: 8 },
      });
      // The rule's role may start this state machine and nothing else.
      const roleId = (targets[0]!.RoleArn as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
      const statements = resourcesOf(dev.template, 'AWS::IAM::Policy')
        .filter(([, p]) => JSON.stringify(p.Properties.Roles).includes(roleId))
        .flatMap(([, p]) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
      expect(statements).toEqual([
        expect.objectContaining({ Action: 'states:StartExecution', Resource: { Ref: smId } }),
      ]);
    }
  });
});

import type { App, Environment } from 'aws-cdk-lib';
import type { StageConfig } from '../stage.ts';
import { ApiStack } from './api-stack.ts';
import type { StageName } from './common.ts';
import { DataStack } from './data-stack.ts';
import { EdgeStack } from './edge-stack.ts';
import { EventsStack } from './events-stack.ts';
import { FunctionsStack } from './functions-stack.ts';
import { LakeStack } from './lake-stack.ts';
import { ObservabilityStack } from './observability-stack.ts';

/**
 * The whole service for one stage, in stacks split by how often they change and what they hold:
 * data (tables) and events (bus, archive) rarely; functions (with their rules, queues and
 * schedules) with every code change; the lake (its bucket, table, delivery stream, workgroup and
 * the jobs' state machines, which call the functions); the API with its routes; observability on
 * top of all.
 */
export function buildService(app: App, stage: StageName, config: StageConfig, env?: Environment) {
  const prefix = `merchandiser-${stage}`;
  const common = { stage, config, ...(env ? { env } : {}) };
  const data = new DataStack(app, `${prefix}-data`, {
    ...common,
    description: `merchandiser (${stage}): tables`,
  });
  const events = new EventsStack(app, `${prefix}-events`, {
    ...common,
    description: `merchandiser (${stage}): event bus and archive`,
  });
  const functions = new FunctionsStack(app, `${prefix}-functions`, {
    ...common,
    tables: data.tables,
    bus: events.bus,
    description: `merchandiser (${stage}): functions, rules, queues and schedules`,
  });
  const lake = new LakeStack(app, `${prefix}-lake`, {
    ...common,
    bus: events.bus,
    functions: functions.functions,
    description: `merchandiser (${stage}): the lake (bucket, Glue table, Firehose, Athena) and its jobs' state machines`,
  });
  const api = new ApiStack(app, `${prefix}-api`, {
    ...common,
    functions: functions.functions,
    description: `merchandiser (${stage}): HTTP API`,
  });
  // The web ACL of a CloudFront distribution must be in us-east-1, whatever the stage's region.
  const edge = config.edge
    ? new EdgeStack(app, `${prefix}-edge`, {
        stage,
        config,
        env: { ...(env?.account ? { account: env.account } : {}), region: 'us-east-1' },
        description: `merchandiser (${stage}): CloudFront and WAF in front of the HTTP API`,
      })
    : undefined;
  // The edge reads the origin-verify secret's replica (made by the functions stack) by name: a
  // dynamic reference, which makes no dependency of its own.
  if (edge) {
    edge.addDependency(api);
    edge.addDependency(functions);
  }
  const observability = new ObservabilityStack(app, `${prefix}-observability`, {
    ...common,
    api: api.api,
    functions: functions.functions,
    ruleQueues: functions.ruleQueues,
    deliveryDlqs: functions.deliveryDlqs,
    shardedJobs: functions.shardedJobs,
    tables: data.tables,
    lake,
    description: `merchandiser (${stage}): alarms and dashboard`,
  });
  return { data, events, functions, lake, api, edge, observability };
}
export type Service = ReturnType<typeof buildService>;

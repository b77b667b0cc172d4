import { functions } from './topology/functions.ts';
import { routes } from './topology/routes.ts';
import type { FunctionId, TableId } from './topology/types.ts';

/**
 * The service, declared once. The CDK stacks (infra/stacks) and the local runtime (infra/local)
 * are both derived from these lists, and test/e2e/topology-parity.test.ts proves they agree.
 * Nothing here imports CDK or the AWS SDK, so the local runtime loads it without either.
 *
 * The declarations live in infra/topology/, one file per kind (tables, functions, routes, rules,
 * schedules, the sharded jobs, the lake, and the types); import them from here.
 */

export { functions } from './topology/functions.ts';
export {
  type LakeJobDecl,
  type LakeStreamDecl,
  type LakeTableDecl,
  lakeJobs,
  lakeQueryFunctionId,
  lakeStreams,
  lakeTables,
} from './topology/lake.ts';
export { routes } from './topology/routes.ts';
export { rules } from './topology/rules.ts';
export { schedules } from './topology/schedules.ts';
export { type ShardedJobDecl, shardedJobs } from './topology/sharded.ts';
export { tables } from './topology/tables.ts';
export type {
  FunctionDecl,
  FunctionId,
  KeyAttribute,
  RouteDecl,
  RouteKey,
  RuleDecl,
  RuleTarget,
  ScheduleDecl,
  ShardedJobId,
  TableAccess,
  TableDecl,
  TableId,
} from './topology/types.ts';
export {
  accessActions,
  accessKind,
  DYNAMO_READ_ACTIONS,
  DYNAMO_WRITE_ACTIONS,
  type DynamoAction,
} from './topology/types.ts';

/**
 * What answers a request no route takes (the HTTP API's `$default` route): 404 or 405 in the one
 * error shape, instead of API Gateway's bare `{"message":"Not Found"}`.
 */
export const defaultRoute = { functionId: 'api-system' } as const satisfies { functionId: FunctionId };

/** The environment variable through which a function learns a table's physical name. */
export const tableEnvVar = (id: TableId): string =>
  `TABLE_${id.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
export const EVENT_BUS_ENV = 'EVENT_BUS_NAME';

export const routeKey = (r: { method: string; path: string }): string => `${r.method} ${r.path}`;
export const functionById = (id: FunctionId) => functions.find((f) => f.id === id)!;
export const routesOf = (id: FunctionId) => routes.filter((r) => r.functionId === id);

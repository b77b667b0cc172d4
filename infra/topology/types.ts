import type { functions } from './functions.ts';
import type { routes } from './routes.ts';
import type { shardedJobs } from './sharded.ts';
import type { tables } from './tables.ts';

/**
 * The shapes of the declarations in this folder. The id unions (TableId, FunctionId, RouteKey) are
 * derived from the `as const` lists themselves, so a misspelt id anywhere is a type error.
 */

export type KeyAttribute = { name: string; type: 'S' | 'N' };

export interface TableDecl {
  id: string;
  description: string;
  partitionKey: KeyAttribute;
  sortKey?: KeyAttribute;
  indexes?: { name: string; partitionKey: KeyAttribute; sortKey?: KeyAttribute }[];
  /** Attribute holding an epoch-seconds expiry, when items expire. */
  ttlAttribute?: string;
  /** Each way the service reads or writes the table, and the key that serves it. */
  accessPatterns: { pattern: string; key: string }[];
}

/** The DynamoDB actions a function may be granted on a table (IAM names; a transaction's items need their own). */
export const DYNAMO_READ_ACTIONS = ['GetItem', 'BatchGetItem', 'Query', 'Scan'] as const;
export const DYNAMO_WRITE_ACTIONS = [
  'PutItem',
  'UpdateItem',
  'BatchWriteItem',
  'DeleteItem',
  'ConditionCheckItem',
] as const;
export type DynamoAction = (typeof DYNAMO_READ_ACTIONS)[number] | (typeof DYNAMO_WRITE_ACTIONS)[number];

/**
 * What a function may do on a table: exactly the actions its code calls there (test/infra checks
 * each against the commands its modules send), and, where it may touch only some items, the
 * partition keys it is limited to (IAM's dynamodb:LeadingKeys condition).
 */
export type TableAccess =
  | readonly DynamoAction[]
  | { readonly actions: readonly DynamoAction[]; readonly leadingKeys: readonly string[] };

export const accessActions = (a: TableAccess): readonly DynamoAction[] => ('actions' in a ? a.actions : a);
/** Whether the access reads, writes or both (the diagram's arrow). */
export function accessKind(a: TableAccess): 'read' | 'write' | 'readWrite' {
  const actions = accessActions(a);
  const reads = actions.some((x) => (DYNAMO_READ_ACTIONS as readonly string[]).includes(x));
  const writes = actions.some((x) => (DYNAMO_WRITE_ACTIONS as readonly string[]).includes(x));
  return reads && writes ? 'readWrite' : writes ? 'write' : 'read';
}

export interface FunctionDecl {
  id: string;
  /** Module under functions/ that exports `handler`. */
  entry: string;
  description: string;
  memoryMb: number;
  timeoutSeconds: number;
  /** Why this memory/timeout: read by operators sizing the function. */
  sizing: string;
  tables: Partial<Record<TableId, TableAccess>>;
  /** Whether it calls PutEvents on the service's bus. */
  publishes: boolean;
  /**
   * Secrets the function reads at run time (functions/lib/secrets.ts). The stack generates one
   * Secrets Manager secret per name (shared by every function that names it), hands its ARN in as
   * `<NAME>_SECRET_ARN` and grants GetSecretValue on that secret alone, so no key is in the
   * template, the function's configuration or the repository, and a rotated value needs no
   * deploy. The local runtime sets `<NAME>` itself, with a development value.
   */
  secrets?: readonly string[];
  /**
   * Whether it verifies shopper bearer tokens (functions/lib/auth.ts): the stack hands it the
   * stage's identity provider (issuer, audience, JWKS URL, algorithms, lifetime, skew; cdk.json
   * `auth`).
   */
  shopperTokens?: boolean;
  /**
   * Whether it builds related evidence, neighbour lists or the related jobs' SQL: the stack hands
   * it the stage's related settings (cdk.json `related`) as RELATED_SETTINGS.
   */
  relatedSettings?: boolean;
  /**
   * Whether it builds the bundle job's SQL or reads its counts: the stack hands it the stage's
   * bundle settings (cdk.json `bundles`) as BUNDLE_SETTINGS.
   */
  bundleSettings?: boolean;
}

export interface RouteDecl {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  functionId: FunctionId;
  /**
   * `none`: public storefront route (a guest is served; a bearer token, when sent, is verified by
   * the function); `jwt`: signed-in shoppers only: API Gateway's JWT authorizer on AWS, and the
   * function verifies the token too; `iam`: operators, admin tools and the shop's servers (SigV4).
   */
  auth: 'none' | 'jwt' | 'iam';
  summary: string;
}

export type RuleTarget =
  /** EventBridge invokes the function with one event at a time. */
  | { kind: 'direct'; functionId: FunctionId }
  /** EventBridge -> SQS -> function in batches, with partial batch failures and a DLQ. */
  | {
      kind: 'queue';
      functionId: FunctionId;
      batchSize: number;
      maxBatchingWindowSeconds: number;
      maxReceiveCount: number;
      /** Caps the concurrent batches (SQS event source maximum concurrency, at least 2). */
      maxConcurrency?: number;
    }
  /**
   * EventBridge starts a sharded job's run (its state machine on AWS; the local runtime runs its
   * steps): work over the whole catalog that an event calls for, never in one invocation.
   */
  | { kind: 'sharded-job'; jobId: ShardedJobId };

export interface RuleDecl {
  id: string;
  description: string;
  pattern: Record<string, unknown>;
  target: RuleTarget;
}

/**
 * A job run on a clock: an EventBridge schedule rule on AWS (the default bus: schedules live there),
 * a timer in the local runtime. The function receives `input` as its event.
 */
export interface ScheduleDecl {
  id: string;
  description: string;
  functionId: FunctionId;
  /** Every this many minutes; a stage may override it (cdk.json context `schedules.<id>`). */
  everyMinutes: number;
  input: Record<string, unknown>;
}

/** The declared tables' ids. */
export type TableId = (typeof tables)[number]['id'];
/** The declared sharded jobs' ids. */
export type ShardedJobId = (typeof shardedJobs)[number]['id'];
/** The declared functions' ids. */
export type FunctionId = (typeof functions)[number]['id'];
/** `METHOD /path` of each declared route, as API Gateway's HTTP API spells a route key. */
export type RouteKey = `${(typeof routes)[number]['method']} ${(typeof routes)[number]['path']}`;

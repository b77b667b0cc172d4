import type { functions } from './functions.ts';
import type { routes } from './routes.ts';
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

export type TableAccess = 'read' | 'write' | 'readWrite';

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
   * Environment variables that hold keys. The stack generates one Secrets Manager secret per
   * variable (shared by every function that names it) and hands it in through a CloudFormation
   * dynamic reference, so no key is in the template or the repository; the local runtime sets
   * development values.
   */
  secrets?: readonly string[];
}

export interface RouteDecl {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  functionId: FunctionId;
  /** `none`: public storefront route; `iam`: operators and admin tools only. */
  auth: 'none' | 'iam';
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
    };

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
/** The declared functions' ids. */
export type FunctionId = (typeof functions)[number]['id'];
/** `METHOD /path` of each declared route, as API Gateway's HTTP API spells a route key. */
export type RouteKey = `${(typeof routes)[number]['method']} ${(typeof routes)[number]['path']}`;

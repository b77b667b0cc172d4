import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { DynamoAction } from '../../infra/topology.ts';

const ROOT = resolve(import.meta.dirname, '../..');

/** The document client's commands (and paginators), by the IAM action each needs. */
const COMMANDS: Record<string, DynamoAction> = {
  GetCommand: 'GetItem',
  BatchGetCommand: 'BatchGetItem',
  QueryCommand: 'Query',
  paginateQuery: 'Query',
  ScanCommand: 'Scan',
  paginateScan: 'Scan',
  PutCommand: 'PutItem',
  UpdateCommand: 'UpdateItem',
  DeleteCommand: 'DeleteItem',
  BatchWriteCommand: 'BatchWriteItem',
};
/** The items of a TransactWriteCommand, by the IAM action each needs. */
const TRANSACT_ITEMS: Record<string, DynamoAction> = {
  Put: 'PutItem',
  Update: 'UpdateItem',
  Delete: 'DeleteItem',
  ConditionCheck: 'ConditionCheckItem',
};

/** Every module `entry` imports, transitively, through relative imports (the repository's own code). */
export function modulesOf(entry: string, seen = new Set<string>()): Set<string> {
  const file = resolve(ROOT, entry);
  if (seen.has(file)) return seen;
  seen.add(file);
  const source = readFileSync(file, 'utf8');
  for (const m of source.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)) {
    const imported = resolve(dirname(file), m[1]!);
    if (existsSync(imported)) modulesOf(imported, seen);
  }
  return seen;
}

/**
 * The DynamoDB actions a function's code can call: a command used in any module its entry reaches
 * (a transaction's items by their kind). Over-approximate by design (a shared adapter's every
 * command counts), so a grant missing here is certainly unused.
 */
export function dynamoActionsSentBy(entry: string): Set<DynamoAction> {
  const actions = new Set<DynamoAction>();
  for (const file of modulesOf(entry)) {
    const source = readFileSync(file, 'utf8');
    for (const [command, action] of Object.entries(COMMANDS)) {
      if (new RegExp(`new ${command}\\(|\\b${command}\\(`).test(source)) actions.add(action);
    }
    if (/new TransactWriteCommand\(/.test(source)) {
      for (const [item, action] of Object.entries(TRANSACT_ITEMS)) {
        if (new RegExp(`\\b${item}:\\s*\\{`).test(source)) actions.add(action);
      }
    }
  }
  return actions;
}

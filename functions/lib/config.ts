import { z } from 'zod';
import { CurrencyCode } from '../../events/common.ts';
import { EVENT_BUS_ENV, type TableId, tableEnvVar } from '../../infra/topology.ts';

/**
 * Configuration is parsed once per container, on first use (handlers touch it at cold start), so a
 * malformed variable fails the first request plainly. Lazy rather than at import: a module that
 * merely imports an adapter (a script, a test) must not freeze the environment before it is set.
 */
const Env = z.object({
  AWS_REGION: z.string().default('us-east-1'),
  /** Set only by the local runtime: where DynamoDB Local and the local bus listen. */
  DYNAMODB_ENDPOINT: z.url().optional(),
  EVENTBRIDGE_ENDPOINT: z.url().optional(),
  [EVENT_BUS_ENV]: z.string().min(1).default('default'),
  CATALOG_CURRENCY: CurrencyCode.default('CNY'),
  SERVICE_VERSION: z.string().default('0.1.0'),
});

let parsed: z.infer<typeof Env> | undefined;
export const env = (): z.infer<typeof Env> => {
  parsed ??= Env.parse(process.env);
  return parsed;
};

/** A table's physical name, from the variable the stack (or the local runtime) set. */
export function tableName(id: TableId): string {
  const name = process.env[tableEnvVar(id)];
  if (!name) throw new Error(`${tableEnvVar(id)} is not set: the function is not wired to table ${id}`);
  return name;
}

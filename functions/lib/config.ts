import { z } from 'zod';
import { CurrencyCode } from '../../events/common.ts';
import { EVENT_BUS_ENV, type TableId, tableEnvVar } from '../../infra/topology.ts';

/**
 * Configuration is parsed once, at cold start: a missing or malformed variable fails the container
 * before it takes a request, not in the middle of one.
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

export const env = Env.parse(process.env);

/** A table's physical name, from the variable the stack (or the local runtime) set. */
export function tableName(id: TableId): string {
  const name = process.env[tableEnvVar(id)];
  if (!name) throw new Error(`${tableEnvVar(id)} is not set: the function is not wired to table ${id}`);
  return name;
}

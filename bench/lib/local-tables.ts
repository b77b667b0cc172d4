import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { startDynamoLocal } from '../../infra/local/dynamodb.ts';
import { ensureTables, localTableNames } from '../../infra/local/tables.ts';
import type { TableId } from '../../infra/topology.ts';

/**
 * A DynamoDB Local of its own (a child process, so its memory is not the bench's), the declared
 * tables under `prefix` with TTL off (the benches write on a fixed clock), and a document client
 * as the functions make one; stopped when `run` ends, however it ends.
 */
export async function withLocalTables<T>(
  prefix: string,
  run: (tables: { client: DynamoDBDocumentClient; names: Record<TableId, string> }) => Promise<T>,
  { heap }: { heap?: string } = {},
): Promise<T> {
  const dynamo = await startDynamoLocal(heap ? { heap } : {});
  try {
    const raw = new DynamoDBClient({
      endpoint: dynamo.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const client = DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } });
    const names = localTableNames(prefix);
    await ensureTables(raw, names, { ttl: false });
    try {
      return await run({ client, names });
    } finally {
      client.destroy();
    }
  } finally {
    await dynamo.stop();
  }
}

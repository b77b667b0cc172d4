import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { inject } from 'vitest';
import { ensureTables, localTableNames } from '../../infra/local/tables.ts';

/**
 * Clients for the shared DynamoDB Local, and a fresh set of the declared tables for this file. TTL
 * stays off: the tests write items on their own fixed clock, which DynamoDB Local's wall-clock
 * sweeper would otherwise delete under them.
 */
export async function freshTables() {
  const endpoint = inject('dynamoEndpoint');
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  const names = localTableNames(`t${randomUUID().slice(0, 8)}-`);
  await ensureTables(client, names, { ttl: false });
  return { endpoint, client, doc, names };
}

/** Every item of a table, consistently read, all pages. */
export async function scanAll(
  doc: DynamoDBDocumentClient,
  table: string,
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(
      new ScanCommand({ TableName: table, ConsistentRead: true, ExclusiveStartKey }),
    );
    items.push(...(page.Items ?? []));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return items;
}

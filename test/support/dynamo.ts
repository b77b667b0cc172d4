import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { inject } from 'vitest';
import { ensureTables, localTableNames } from '../../infra/local/tables.ts';

/** Clients for the shared DynamoDB Local, and a fresh set of the declared tables for this file. */
export async function freshTables() {
  const endpoint = inject('dynamoEndpoint');
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  const names = localTableNames(`t${randomUUID().slice(0, 8)}-`);
  await ensureTables(client, names);
  return { endpoint, client, doc, names };
}

import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { type TableDecl, type TableId, tables } from '../topology.ts';

/** The CreateTable call for a declared table: the same keys, indexes and TTL as the CDK stack. */
export function createTableInput(table: TableDecl, name: string): CreateTableCommandInput {
  const attributes = new Map<string, 'S' | 'N'>();
  const keys = [
    table.partitionKey,
    table.sortKey,
    ...(table.indexes ?? []).flatMap((i) => [i.partitionKey, i.sortKey]),
  ];
  for (const k of keys) if (k) attributes.set(k.name, k.type);
  const schema = (pk: { name: string }, sk?: { name: string }) => [
    { AttributeName: pk.name, KeyType: 'HASH' as const },
    ...(sk ? [{ AttributeName: sk.name, KeyType: 'RANGE' as const }] : []),
  ];
  return {
    TableName: name,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [...attributes].map(([AttributeName, AttributeType]) => ({
      AttributeName,
      AttributeType,
    })),
    KeySchema: schema(table.partitionKey, table.sortKey),
    ...(table.indexes?.length
      ? {
          GlobalSecondaryIndexes: table.indexes.map((i) => ({
            IndexName: i.name,
            KeySchema: schema(i.partitionKey, i.sortKey),
            Projection: { ProjectionType: 'ALL' },
          })),
        }
      : {}),
  };
}

export const localTableNames = (prefix: string): Record<TableId, string> =>
  Object.fromEntries(tables.map((t) => [t.id, `${prefix}${t.id}`])) as Record<TableId, string>;

/**
 * Creates every declared table that does not exist yet; existing ones are left as they are.
 * `ttl: false` leaves Time to Live off: DynamoDB Local deletes expired items by the wall clock, so a
 * runtime on a test's clock (a fixed instant in the past) would see its fresh quotes and visit
 * records swept away. The readers check expiry themselves, as they must on AWS, where an expired
 * item can still be read for up to a couple of days.
 */
export async function ensureTables(
  client: DynamoDBClient,
  names: Record<TableId, string>,
  { ttl = true }: { ttl?: boolean } = {},
): Promise<string[]> {
  const created: string[] = [];
  for (const table of tables as readonly TableDecl[]) {
    const name = names[table.id as TableId];
    try {
      await client.send(new CreateTableCommand(createTableInput(table, name)));
      created.push(name);
    } catch (error) {
      if (!(error instanceof ResourceInUseException)) throw error;
    }
    if (ttl && table.ttlAttribute) {
      const described = await client.send(new DescribeTableCommand({ TableName: name }));
      if (described.Table?.TableStatus !== 'ACTIVE') throw new Error(`table ${name} is not active`);
      await client
        .send(
          new UpdateTimeToLiveCommand({
            TableName: name,
            TimeToLiveSpecification: { AttributeName: table.ttlAttribute, Enabled: true },
          }),
        )
        .catch((error: Error) => {
          // Enabling TTL twice is refused; the state we want is already there.
          if (!/already enabled/i.test(error.message)) throw error;
        });
    }
  }
  return created;
}

/**
 * The runtime's tables: every declared table created if missing (ensureTables), and what was
 * created said in the log.
 */
export async function prepareTables(
  client: DynamoDBClient,
  names: Record<TableId, string>,
  { ttl, log }: { ttl: boolean; log: (line: string) => void },
): Promise<void> {
  const created = await ensureTables(client, names, { ttl });
  if (created.length > 0) log(`created tables: ${created.join(', ')}`);
}

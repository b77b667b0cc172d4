import { Stack, type StackProps } from 'aws-cdk-lib';
import { Billing, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';
import { type TableDecl, type TableId, tables } from '../topology.ts';
import { attr, removalPolicyOf, type StageProps } from './common.ts';

/**
 * The tables: what outlives every deployment. A stack of its own so that a change to functions or
 * routes never puts a table replacement in the same change set; outside development they are
 * retained and protected from deletion.
 */
export class DataStack extends Stack {
  readonly tables = new Map<TableId, TableV2>();

  constructor(scope: Construct, id: string, props: StackProps & StageProps) {
    super(scope, id, props);
    const { config } = props;
    for (const t of tables as readonly TableDecl[]) {
      const table = new TableV2(this, `Table-${t.id}`, {
        partitionKey: attr(t.partitionKey),
        ...(t.sortKey ? { sortKey: attr(t.sortKey) } : {}),
        billing: Billing.onDemand(),
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        deletionProtection: config.removalPolicy === 'retain',
        removalPolicy: removalPolicyOf(config),
        ...(t.ttlAttribute ? { timeToLiveAttribute: t.ttlAttribute } : {}),
        globalSecondaryIndexes: (t.indexes ?? []).map((i) => ({
          indexName: i.name,
          partitionKey: attr(i.partitionKey),
          ...(i.sortKey ? { sortKey: attr(i.sortKey) } : {}),
        })),
      });
      this.tables.set(t.id as TableId, table);
    }
  }
}

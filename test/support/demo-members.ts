import { type DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';

/**
 * What the member-price tests need from a seeded demo: the demo's member-price promotion (its id
 * and categories) and a gold customer to sign in as.
 */
export async function demoMemberPrice(
  doc: DynamoDBDocumentClient,
  tables: { promotions: string; customers: string },
): Promise<{ promotionId: string; categories: string[]; goldUserId: string }> {
  const scan = async (table: string) => (await doc.send(new ScanCommand({ TableName: table }))).Items ?? [];
  const promotion = (await scan(tables.promotions)).find((p) => p.kind === 'memberPrice');
  const gold = (await scan(tables.customers)).find((c) => c.memberTier === 'gold');
  if (!promotion || !gold) throw new Error('the demo has no member-price promotion or no gold customer');
  return {
    promotionId: promotion.promotionId as string,
    categories: promotion.categories as string[],
    goldUserId: gold.userId as string,
  };
}

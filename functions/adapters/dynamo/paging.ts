/**
 * Every item of a paged Query or Scan: `page` sends one request from `start` and the loop follows
 * LastEvaluatedKey until DynamoDB says there is no more.
 */
export async function allPages<I = Record<string, unknown>>(
  page: (start: Record<string, unknown> | undefined) => Promise<{
    Items?: I[] | undefined;
    LastEvaluatedKey?: Record<string, unknown> | undefined;
  }>,
): Promise<I[]> {
  const out: I[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const p = await page(start);
    out.push(...(p.Items ?? []));
    start = p.LastEvaluatedKey;
  } while (start);
  return out;
}

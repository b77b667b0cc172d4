import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMerchandiserClient } from '../../events/client/index.ts';
import { batchWriteAll } from '../../functions/adapters/dynamo/batch-write.ts';
import { generateDemoData } from '../../infra/local/demo/data/generate.ts';
import { CLIENT_TYPES, clientTypes } from '../../infra/scripts/generate-client.ts';
import { TEST_NOW } from '../support/clock.ts';
import { startTestRuntime, type TestRuntime } from '../support/runtime.ts';
import { shopperToken } from '../support/tokens.ts';

/**
 * The typed client (client/index.ts: openapi-fetch over the types openapi-typescript generates
 * from the served document) as a storefront uses it, with no hand-written fetch: the checked-in
 * types are what the served document generates today; a signed-in shopper quotes a cart and
 * redeems the quote (the Idempotency-Key the document requires), opens a group that another
 * shopper joins, and a guest pages through the whole catalog.
 */
let rt: TestRuntime;
const demo = generateDemoData({ seed: 5, products: 300, events: 1_000, days: 14, endAt: TEST_NOW });

beforeAll(async () => {
  rt = await startTestRuntime('cli');
  const updatedAt = new Date(rt.now()).toISOString();
  const stamp = <T extends object>(xs: readonly T[]) => xs.map((x) => ({ ...x, updatedAt }));
  await batchWriteAll(rt.tableNames.products, stamp(demo.products), { client: rt.doc });
  await batchWriteAll(rt.tableNames.promotions, stamp(demo.promotions), { client: rt.doc });
}, 120_000);
afterAll(async () => rt?.stop());

const shopper = (userId: string) =>
  createMerchandiserClient({ baseUrl: rt.url, token: () => shopperToken(userId) });

describe('the typed client', () => {
  it('is generated from the served document, as checked in (npm run generate:client)', async () => {
    const guest = createMerchandiserClient({ baseUrl: rt.url });
    const { data, response } = await guest.GET('/openapi.json');
    expect(response.status).toBe(200);
    expect(await clientTypes(data)).toBe(readFileSync(CLIENT_TYPES, 'utf8'));
  });

  it('quotes a cart and redeems the quote, once per Idempotency-Key', async () => {
    const client = shopper('u-client-1');
    const product = demo.products.find((p) => p.stock > 0)!;
    const quote = await client.POST('/v1/quotes', {
      body: { items: [{ productId: product.productId, quantity: 2 }], couponCodes: [' no-such-code '] },
      params: { header: { 'Accept-Language': 'zh-CN' } },
    });
    expect(quote.response.status).toBe(201);
    expect(quote.response.headers.get('location')).toBe(`/v1/quotes/${quote.data!.quoteId}`);
    expect(quote.data).toMatchObject({
      userId: 'u-client-1',
      locale: 'zh-CN',
      subtotal: product.listPrice * 2,
    });
    expect(quote.data!.missed.map((m) => m.reason)).toContain('unknownCode');

    const key = `redeem-${randomUUID()}`;
    const redeem = () =>
      client.POST('/v1/quotes/{quoteId}/redeem', {
        params: { path: { quoteId: quote.data!.quoteId }, header: { 'Idempotency-Key': key } },
      });
    const first = await redeem();
    expect(first.response.status).toBe(200);
    expect(first.data).toMatchObject({
      quoteId: quote.data!.quoteId,
      status: 'redeemed',
      total: quote.data!.total,
    });
    // A retry with the same key answers the stored result, as it was.
    expect((await redeem()).data).toEqual(first.data);

    const status = await client.GET('/v1/quotes/{quoteId}', {
      params: { path: { quoteId: quote.data!.quoteId } },
    });
    expect(status.data).toMatchObject({ valid: true, total: quote.data!.total });
  });

  it('opens a group that another shopper joins', async () => {
    const groupBuy = demo.promotions.find((p) => p.kind === 'groupBuy')!;
    const opened = await shopper('u-client-opener').POST('/v1/groups', {
      body: { promotionId: groupBuy.promotionId },
    });
    expect(opened.response.status).toBe(201);
    expect(opened.data).toMatchObject({ status: 'open', members: 1, member: true });

    const joined = await shopper('u-client-joiner').POST('/v1/groups/{groupId}/members', {
      params: { path: { groupId: opened.data!.groupId } },
    });
    expect(joined.response.status).toBe(200);
    expect(joined.data).toMatchObject({
      groupId: opened.data!.groupId,
      members: 2,
      member: true,
      joined: true,
    });

    // A guest cannot join: the documented 401, in the error shape.
    const guest = await createMerchandiserClient({ baseUrl: rt.url }).POST('/v1/groups/{groupId}/members', {
      params: { path: { groupId: opened.data!.groupId } },
    });
    expect(guest.response.status).toBe(401);
    expect(guest.error && 'error' in guest.error ? guest.error.error.code : guest.error).toBe('Unauthorized');
  });

  it('pages through the whole catalog with the cursors it is given', async () => {
    const client = createMerchandiserClient({ baseUrl: rt.url });
    const ids: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const { data, error } = await client.GET('/v1/products', {
        params: { query: { limit: 100, ...(cursor ? { cursor } : {}) } },
      });
      expect(error).toBeUndefined();
      ids.push(...data!.items.map((p) => p.productId));
      cursor = data!.nextCursor ?? undefined;
      pages++;
    } while (cursor);
    expect(pages).toBeGreaterThanOrEqual(3);
    expect(new Set(ids)).toEqual(new Set(demo.products.map((p) => p.productId)));
    expect(ids).toHaveLength(demo.products.length);
  });
});

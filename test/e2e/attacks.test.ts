import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_PRICE } from '../../events/common.ts';
import { Sources } from '../../events/envelope.ts';
import { DAY_MS } from '../support/clock.ts';
import { startTestRuntime, type TestRuntime } from '../support/runtime.ts';
import { signedFetch } from '../support/sigv4.ts';
import { shopperToken } from '../support/tokens.ts';

/**
 * Issue 19's attacks, each tried against the local runtime as an attacker would, and each now
 * failing to do harm (the README's Reliability section lists them with this file). Tokens from a
 * real identity provider (no exp, foreign iss/aud, alg none, RS256/ES256) are in
 * identity-providers.test.ts; the local mirror of IAM in admin.test.ts.
 */

let rt: TestRuntime;
const WIN_BACK = 'promo-win-back-40';
let cart: { items: { productId: string; quantity: number }[]; couponCodes: string[] };
let productId: string;

type Answer = { status: number; body: any };
async function send(
  method: string,
  path: string,
  { body, token, signed = false }: { body?: unknown; token?: string; signed?: boolean } = {},
): Promise<Answer> {
  const init = {
    method,
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  };
  const res = signed ? await signedFetch(`${rt.url}${path}`, init) : await fetch(`${rt.url}${path}`, init);
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

const id = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;
/** The issue's forged order: 400 days old, one line at 1 (minor unit 100). */
const forgedOrder = (userId: string, lines = [{ productId, quantity: 1, paidPrice: 100 }]) => ({
  type: 'OrderPlaced',
  eventId: id('evt-attack'),
  occurredAt: new Date(rt.now() - 400 * DAY_MS).toISOString(),
  version: 1,
  userId,
  orderId: id('o-attack'),
  lines,
});
const view = (userId?: string) => ({
  type: 'ProductViewed',
  eventId: id('evt-view'),
  occurredAt: new Date(rt.now()).toISOString(),
  version: 1,
  sessionId: id('s-attack'),
  productId,
  ...(userId ? { userId } : {}),
});
const winBackOf = (quote: Answer) =>
  (quote.body.applied as { promotionId: string; amount: number }[]).find((a) => a.promotionId === WIN_BACK);

beforeAll(async () => {
  rt = await startTestRuntime('atk', { seed: 'always' });
  await rt.seedDone;
  const tents = await send('GET', '/v1/products?category=tents&limit=50');
  const tent = (tents.body.items as { productId: string; listPrice: number; stock: number }[]).find(
    (p) => p.listPrice >= 20_000 && p.stock > 0,
  )!;
  productId = tent.productId;
  cart = { items: [{ productId, quantity: 1 }], couponCodes: ['welcome-back'] };
}, 300_000);
afterAll(async () => rt?.stop());

describe('attacks on the trust boundaries (issue 19)', () => {
  it('a forged order changes no profile and unlocks no coupon, through any door open to it', async () => {
    const attacker = id('u-attacker');
    // The public route: orders are not taken there at all.
    const open = await send('POST', '/v1/events', { body: { events: [forgedOrder(attacker)] } });
    expect(open.status).toBe(400);
    expect(open.body.error.issues[0].path).toBe('body.events.0.type');
    // With the attacker's own token too.
    const withToken = await send('POST', '/v1/events', {
      body: { events: [forgedOrder(attacker)] },
      token: shopperToken(attacker),
    });
    expect(withToken.status).toBe(400);
    // The shop's route and the bus without the shop's keys: API Gateway's and EventBridge's 403.
    const commerce = await send('POST', '/v1/commerce/events', { body: { events: [forgedOrder(attacker)] } });
    expect(commerce).toEqual({ status: 403, body: { message: 'Forbidden' } });
    const bus = await fetch(`${rt.url}/_local/eventbridge`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSEvents.PutEvents' },
      body: JSON.stringify({
        Entries: [
          {
            Source: Sources.commerce,
            DetailType: 'OrderPlaced',
            Detail: JSON.stringify(forgedOrder(attacker)),
            EventBusName: rt.bus.busName,
          },
        ],
      }),
    });
    expect(bus.status).toBe(403);
    // An order on the bus under the storefront's source (what the public route publishes under)
    // reaches no rule.
    rt.bus.putEvents([
      {
        Source: Sources.storefront,
        DetailType: 'OrderPlaced',
        Detail: JSON.stringify(forgedOrder(attacker)),
        EventBusName: rt.bus.busName,
      },
    ]);
    await rt.bus.drain();
    expect((await send('GET', `/v1/users/${attacker}/profile`, { signed: true })).status).toBe(404);
    const quote = await send('POST', '/v1/quotes', { body: cart, token: shopperToken(attacker) });
    expect(quote.status).toBe(201);
    expect(winBackOf(quote)).toBeUndefined();
    expect(quote.body.missed).toContainEqual(expect.objectContaining({ promotionId: WIN_BACK }));

    // The control: the same order from the shop's servers is a fact, and does what the attack did.
    const customer = id('u-customer');
    const trusted = await send('POST', '/v1/commerce/events', {
      body: { events: [forgedOrder(customer)] },
      signed: true,
    });
    expect(trusted.status).toBe(202);
    await rt.bus.drain();
    const profile = await send('GET', `/v1/users/${customer}/profile`, { signed: true });
    expect(profile.body.segment.name).toBe('dormant');
    const theirs = await send('POST', '/v1/quotes', { body: cart, token: shopperToken(customer) });
    expect(winBackOf(theirs)).toMatchObject({ amount: 4_000 });
  });

  it("refuses events in another shopper's name: 401 without a token, 403 naming the field with another's", async () => {
    const victim = id('u-victim');
    const attacker = id('u-attacker');
    const bare = await send('POST', '/v1/events', { body: { events: [view(), view(victim)] } });
    expect(bare.status).toBe(401);
    expect(bare.body.error.issues[0].path).toBe('body.events.1.userId');
    const foreign = await send('POST', '/v1/events', {
      body: { events: [view(attacker), view(victim)] },
      token: shopperToken(attacker),
    });
    expect(foreign.status).toBe(403);
    expect(foreign.body.error.issues.map((i: { path: string }) => i.path)).toEqual(['body.events.1.userId']);
    // Their own events, with their own token, are taken.
    const own = await send('POST', '/v1/events', {
      body: { events: [view(attacker)] },
      token: shopperToken(attacker),
    });
    expect(own.status).toBe(202);
  });

  it('a review cannot claim a verified purchase: the service decides it from the orders it has seen', async () => {
    const author = id('u-author');
    const review = (reviewId: string) => ({
      type: 'ReviewPosted',
      eventId: id('evt-review'),
      occurredAt: new Date(rt.now()).toISOString(),
      version: 1,
      reviewId,
      userId: author,
      productId,
      rating: 5,
      text: 'bought it, honest',
      verifiedPurchase: true,
    });
    const open = await send('POST', '/v1/events', {
      body: { events: [review(id('r'))] },
      token: shopperToken(author),
    });
    expect(open.status).toBe(400);
    expect(open.body.error.issues[0].path).toBe('body.events.0.type');
    const before = await send('POST', '/v1/commerce/events', {
      body: { events: [review('r-before')] },
      signed: true,
    });
    expect(before.status).toBe(202);
    expect(before.body.reviews).toEqual([{ reviewId: 'r-before', verifiedPurchase: false }]);
    // Once the shop's order of the product by the author has been seen, a review of it is verified.
    const order = { ...forgedOrder(author), occurredAt: new Date(rt.now()).toISOString() };
    expect(
      (await send('POST', '/v1/commerce/events', { body: { events: [order] }, signed: true })).status,
    ).toBe(202);
    await rt.bus.drain();
    const after = await send('POST', '/v1/commerce/events', {
      body: { events: [{ ...review('r-after'), verifiedPurchase: false }] },
      signed: true,
    });
    expect(after.body.reviews).toEqual([{ reviewId: 'r-after', verifiedPurchase: true }]);
  });

  it("an oversized order is a 400, and one that reaches the queue anyway fails alone: a bystander's order in its batch is counted", async () => {
    const attacker = id('u-attacker');
    const bystander = id('u-bystander');
    const lines = Array.from({ length: 500 }, () => ({ productId, quantity: 10_000, paidPrice: MAX_PRICE }));
    const oversized = forgedOrder(attacker, lines);
    const refused = await send('POST', '/v1/commerce/events', {
      body: { events: [oversized] },
      signed: true,
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error.issues[0].path).toBe('body.events.0.lines.0');
    // A shop server that puts it on the bus itself, in the same batch as a bystander's order.
    const theirs = { ...forgedOrder(bystander), occurredAt: new Date(rt.now()).toISOString() };
    const deadBefore = rt.bus.deadLetters('orders-to-profiles').length;
    const put = rt.bus.putEvents(
      [oversized, theirs].map((detail) => ({
        Source: Sources.commerce,
        DetailType: 'OrderPlaced',
        Detail: JSON.stringify(detail),
        EventBusName: rt.bus.busName,
      })),
    );
    expect(put.FailedEntryCount).toBe(0);
    await rt.bus.drain();
    const profile = await send('GET', `/v1/users/${bystander}/profile`, { signed: true });
    expect(profile.status).toBe(200);
    expect(profile.body.rfm).toMatchObject({ orders: 1, monetary: 100 });
    expect((await send('GET', `/v1/users/${attacker}/profile`, { signed: true })).status).toBe(404);
    const dead = rt.bus.deadLetters('orders-to-profiles').slice(deadBefore);
    expect(dead.map((m) => JSON.parse(m.body).detail.orderId)).toEqual([oversized.orderId]);
  });

  it('refuses a local token without exp, with a foreign iss or aud, or with alg none', async () => {
    const shopper = id('u-shopper');
    const noneToken = [
      Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url'),
      Buffer.from(
        JSON.stringify(JSON.parse(Buffer.from(shopperToken(shopper).split('.')[1]!, 'base64url').toString())),
      ).toString('base64url'),
      '',
    ].join('.');
    for (const token of [
      shopperToken(shopper, { exp: undefined }),
      shopperToken(shopper, { iss: 'https://attacker.example/' }),
      shopperToken(shopper, { aud: 'someone-else' }),
      noneToken,
    ]) {
      const res = await send('POST', '/v1/events', { body: { events: [view(shopper)] }, token });
      expect(res.status, token).toBe(401);
      expect(res.body.error.issues[0].path).toBe('header.authorization');
    }
  });

  it('publishes occurredAt in UTC whatever offset the sender used (the lake files it under the UTC date)', async () => {
    // 01:30 on the 24th in Beijing is 17:30 on the 23rd in UTC: Firehose partitions by occurredAt's
    // first ten characters, and converts only UTC instants to Parquet.
    const e = { ...view(), occurredAt: '2026-11-24T01:30:00+08:00' };
    expect((await send('POST', '/v1/events', { body: { events: [e] } })).status).toBe(202);
    await rt.bus.drain();
    await rt.lakeFlush();
    const rows = await rt.lake.query<{ event_date: unknown }>(
      `SELECT CAST(event_date AS VARCHAR) AS event_date FROM events WHERE event_id = '${e.eventId}'`,
    );
    expect(rows.map((r) => String(r.event_date))).toEqual(['2026-11-23']);
  });
});

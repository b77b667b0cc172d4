import { randomUUID } from 'node:crypto';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogProduct } from '../support/builders.ts';
import type { TestRuntime } from '../support/runtime.ts';

// The handlers' logger is made once, when its module is first imported, with the level in the
// environment then (the suite's is SILENT): so set DEBUG first and import the service after.
process.env.POWERTOOLS_LOG_LEVEL = 'DEBUG';
const { batchWriteAll } = await import('../../functions/adapters/dynamo/batch-write.ts');
const { logger } = await import('../../functions/lib/logger.ts');
const { LOCAL_DEV_JWT_SECRET } = await import('../../infra/local/runtime.ts');
const { shopperToken } = await import('../support/tokens.ts');
const { startTestRuntime } = await import('../support/runtime.ts');

/**
 * Issue 9, who may see what: the handlers' log lines, at DEBUG, while shoppers send events, ask for
 * quotes with their bearer token, and send garbage. Logs may carry ids (user, session, event,
 * request) and counts, never a credential, a request body or a header value.
 */
let rt: TestRuntime;
const lines: string[] = [];
const token = shopperToken('u-logs-gold');
const secretMarkers = [
  token,
  token.split('.')[2]!,
  LOCAL_DEV_JWT_SECRET,
  'Bearer ',
  'authorization',
  'LOGS-SECRET-COUPON',
  'fake-cookie-value',
  'Shopper Name',
];

beforeAll(async () => {
  rt = await startTestRuntime('log', { logLevel: 'DEBUG' });
  // Powertools writes each line with its own Console (bound to stdout when it was made); take the
  // lines there, as CloudWatch would get them.
  const out = (logger as unknown as { console: Record<string, (line: string) => void> }).console;
  for (const method of ['log', 'info', 'warn', 'error', 'debug', 'trace']) {
    out[method] = (line: string) => {
      lines.push(line);
    };
  }
  const doc = rt.doc;
  await batchWriteAll(
    rt.tableNames.products,
    Array.from({ length: 6 }, (_, n) => ({
      ...catalogProduct(`p-log-${n}`, 'lamps', {
        title: `Log product ${n}`,
        listPrice: 5_000,
        cost: 2_000,
        stock: 10,
      }),
      updatedAt: new Date(rt.now()).toISOString(),
    })),
    { client: doc },
  );
  await doc.send(
    new PutCommand({
      TableName: rt.tableNames.customers,
      Item: { userId: 'u-logs-gold', memberTier: 'gold' },
    }),
  );
});
afterAll(async () => {
  await rt?.stop();
});

const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
  fetch(`${rt.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', cookie: 'session=fake-cookie-value', ...headers },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });

describe('log lines', () => {
  it('carry ids and counts, never a credential, header value or request body', async () => {
    const auth = { authorization: `Bearer ${token}` };
    const now = new Date(rt.now()).toISOString();
    const events = Array.from({ length: 5 }, (_, i) => ({
      type: 'ProductViewed',
      eventId: `evt-logs-${randomUUID()}`,
      occurredAt: now,
      version: 1,
      sessionId: 's-logs-1',
      userId: 'u-logs-gold',
      productId: `p-log-${i}`,
    }));
    expect((await call('POST', '/v1/events', { events }, auth)).status).toBe(202);
    const quote = await call(
      'POST',
      '/v1/quotes',
      { items: [{ productId: 'p-log-1', quantity: 2 }], couponCodes: ['LOGS-SECRET-COUPON'] },
      auth,
    );
    expect(quote.status).toBeLessThan(500);
    // Garbage and forged credentials: the rejections are logged (or not) without what was sent.
    expect((await call('POST', '/v1/quotes', { items: [], name: 'Shopper Name' }, auth)).status).toBe(400);
    expect(
      (
        await call(
          'POST',
          '/v1/quotes',
          { items: [{ productId: 'p-log-1', quantity: 1 }] },
          { authorization: `Bearer ${token}x` },
        )
      ).status,
    ).toBe(401);
    expect((await call('POST', '/v1/events', '{"events": [', auth)).status).toBe(400);
    expect(
      (
        await call(
          'GET',
          '/v1/products/p-log-1/related?sessionId=s-logs-1&userId=u-logs-gold',
          undefined,
          auth,
        )
      ).status,
    ).toBe(200);
    await rt.bus.drain();

    // The handlers did log (the consumers' reports carry what they applied), so the check has teeth.
    const messages = lines.map((l) => (JSON.parse(l) as { message: string }).message);
    expect(messages).toEqual(expect.arrayContaining(['signals aggregated', 'related evidence updated']));
    if (process.env.LOGS_SHOW) console.log(lines.join('\n'));
    for (const line of lines) {
      for (const marker of secretMarkers)
        expect(line.includes(marker), `${marker} in ${line.slice(0, 300)}`).toBe(false);
      const entry = JSON.parse(line) as Record<string, unknown>;
      // Powertools' own keys, ours (ids, counts), nothing that holds a whole event or request.
      expect(entry).not.toHaveProperty('event');
      expect(entry).not.toHaveProperty('headers');
      expect(entry).not.toHaveProperty('body');
    }
  }, 60_000);
});

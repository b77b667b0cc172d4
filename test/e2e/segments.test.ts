import { randomUUID } from 'node:crypto';
import { type DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RfmCutPoints, RfmProfile } from '../../events/segments.ts';
import {
  CUTS_KEY,
  cutsOfItem,
  isReservedKey,
  profileOfItem,
} from '../../functions/adapters/profile-items.ts';
import { classify } from '../../models/segments/rules.ts';
import { demoMemberPrice } from '../support/demo-members.ts';
import { startTestRuntime, type TestRuntime } from '../support/runtime.ts';
import { apiFetch } from '../support/sigv4.ts';
import { shopperToken } from '../support/tokens.ts';

/**
 * RFM segments end to end on the local runtime: the demo load stores every ordering shopper's
 * profile and the cut points; quotes take the shopper's segment from them (never from the request),
 * so the demo's win-back coupon (WELCOME-BACK, dormant shoppers only) applies to a dormant shopper
 * and not to a core-loyal one; new orders flow through orders-to-profiles into the profile.
 * The demo ends at the start of the runtime clock's day, so its promotions are running at its now.
 */

let rt: TestRuntime;
let doc: DynamoDBDocumentClient;
let cuts: RfmCutPoints;
const bySegment = new Map<string, RfmProfile[]>();
let seededProfiles = 0;

const tokenFor = shopperToken;

async function call(
  method: string,
  path: string,
  { body, token, headers = {} }: { body?: unknown; token?: string; headers?: Record<string, string> } = {},
) {
  const res = await apiFetch(`${rt.url}${path}`, {
    method,
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as any, headers: res.headers };
}

/** A cart over the win-back coupon's ¥149 minimum that no exclusive offer closes: one dear tent. */
let cart: { items: { productId: string; quantity: number }[]; couponCodes: string[] };
const WIN_BACK = 'promo-win-back-40';
const first = (segment: string, i = 0) => {
  const p = bySegment.get(segment)?.[i];
  if (!p) throw new Error(`the demo has no ${segment} shopper #${i}`);
  return p.userId;
};

const savedSettingsCache = process.env.SEGMENT_SETTINGS_CACHE_SECONDS;
beforeAll(async () => {
  // Edits of the policy and a recomputation of the cut points must serve at once here; a
  // container keeps them for a minute otherwise.
  process.env.SEGMENT_SETTINGS_CACHE_SECONDS = '0';
  rt = await startTestRuntime('seg', { seed: 'always' });
  seededProfiles = (await rt.seedDone)?.profiles ?? 0;
  doc = rt.doc;
  const items = (await doc.send(new ScanCommand({ TableName: rt.tableNames.rfmProfiles }))).Items ?? [];
  cuts = cutsOfItem(items.find((i) => i.userId === CUTS_KEY)!);
  for (const item of items) {
    if (isReservedKey(item.userId)) continue;
    const p = profileOfItem(item);
    const name = classify(p, cuts)!.segment.segment;
    bySegment.set(name, [...(bySegment.get(name) ?? []), p]);
  }
  for (const list of bySegment.values()) list.sort((a, b) => (a.userId < b.userId ? -1 : 1));
  const tents = await call('GET', '/v1/products?category=tents&limit=50');
  const tent = (tents.body.items as { productId: string; listPrice: number; stock: number }[]).find(
    (p) => p.listPrice >= 20_000 && p.stock > 0,
  )!;
  cart = { items: [{ productId: tent.productId, quantity: 1 }], couponCodes: ['welcome-back'] };
});
afterAll(async () => {
  await rt?.stop();
  if (savedSettingsCache === undefined) delete process.env.SEGMENT_SETTINGS_CACHE_SECONDS;
  else process.env.SEGMENT_SETTINGS_CACHE_SECONDS = savedSettingsCache;
});

describe('RFM segments on the local runtime', () => {
  it('seeds a profile for every ordering demo shopper, with shoppers in every segment', () => {
    expect(seededProfiles).toBeGreaterThan(1_000);
    expect(cuts).toMatchObject({ method: 'quintiles', population: seededProfiles });
    for (const segment of ['core-loyal', 'new', 'promising', 'at-risk', 'about-to-sleep', 'dormant']) {
      expect(bySegment.get(segment)?.length ?? 0, segment).toBeGreaterThan(20);
    }
  });

  describe('POST /v1/quotes with the win-back coupon (dormant shoppers only)', () => {
    it('applies it to a dormant shopper, saying why', async () => {
      const q = await call('POST', '/v1/quotes', { body: cart, token: tokenFor(first('dormant')) });
      expect(q.status).toBe(201);
      const applied = q.body.applied.find((a: { promotionId: string }) => a.promotionId === WIN_BACK);
      expect(applied).toMatchObject({ amount: 4_000, code: 'WELCOME-BACK' });
      expect(applied.explanation).toContain('for welcome-back shoppers, going by your order history');
      expect(q.body.reservations).toContainEqual({ promotionId: WIN_BACK, kind: 'coupon', quantity: 1 });
    });

    it('refuses it to a core-loyal shopper, whatever the query, headers or token claim', async () => {
      const q = await call('POST', '/v1/quotes?segment=dormant', {
        body: cart,
        token: tokenFor(first('core-loyal'), { segment: 'dormant', 'custom:segment': 'dormant' }),
        headers: { 'x-segment': 'dormant', 'x-shopper-segment': 'dormant' },
      });
      expect(q.status).toBe(201);
      expect(q.body.applied.map((a: { promotionId: string }) => a.promotionId)).not.toContain(WIN_BACK);
      expect(q.body.missed).toContainEqual(
        expect.objectContaining({ promotionId: WIN_BACK, reason: 'segmentOnly' }),
      );
      expect(q.body.reservations).toEqual([]);
    });

    it('rejects a body that claims a segment, for either shopper (400, nothing priced)', async () => {
      for (const [user, claim] of [
        [first('core-loyal'), 'dormant'],
        [first('dormant'), 'core-loyal'],
      ] as const) {
        const q = await call('POST', '/v1/quotes', {
          body: { ...cart, segment: claim },
          token: tokenFor(user),
        });
        expect(q.status).toBe(400);
        expect(q.body.error.issues).toContainEqual(expect.objectContaining({ path: 'body' }));
      }
    });

    it('refuses it to a guest (sign in first) and to a customer with no order yet', async () => {
      const guest = await call('POST', '/v1/quotes', { body: cart });
      expect(guest.body.missed).toContainEqual(
        expect.objectContaining({ promotionId: WIN_BACK, reason: 'signInRequired' }),
      );
      const fresh = await call('POST', '/v1/quotes', { body: cart, token: tokenFor('u-never-ordered') });
      expect(fresh.body.missed).toContainEqual(
        expect.objectContaining({ promotionId: WIN_BACK, reason: 'segmentOnly' }),
      );
    });
  });

  describe('GET /v1/users/{userId}/profile', () => {
    it("answers a shopper's scores, segment, figures and price signals", async () => {
      const userId = first('core-loyal');
      const res = await call('GET', `/v1/users/${userId}/profile`);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        userId,
        hasOrders: true,
        segment: { name: 'core-loyal', rule: 0 },
        distribution: { method: 'quintiles', population: seededProfiles },
      });
      expect(res.body.scores.f).toBeGreaterThanOrEqual(4);
      expect(res.body.rfm.orders).toBeGreaterThanOrEqual(2);
      expect(res.body.signals.priceStyle.style).toMatch(/^(value|balanced|premium)$/);
      expect(res.body.signals.pricedUnits).toBeGreaterThan(0);
      const dormant = await call('GET', `/v1/users/${first('dormant')}/profile`);
      expect(dormant.body).toMatchObject({ segment: { name: 'dormant' }, scores: { r: 1 } });
    });

    it('answers a demo customer with no order with hasOrders false, an unknown id 404, a bad id 400', async () => {
      const known = new Set([...bySegment.values()].flat().map((p) => p.userId));
      const noOrders = Array.from({ length: 3000 }, (_, i) => `u-${String(i + 1).padStart(5, '0')}`).find(
        (id) => !known.has(id),
      )!;
      expect(await call('GET', `/v1/users/${noOrders}/profile`)).toMatchObject({
        status: 200,
        body: { hasOrders: false, segment: null, scores: null },
      });
      expect(await call('GET', '/v1/users/u-nobody-at-all/profile')).toMatchObject({
        status: 404,
        body: { error: { code: 'NotFound' } },
      });
      const bad = await call('GET', `/v1/users/${encodeURIComponent('-bad id!')}/profile`);
      expect(bad.status).toBe(400);
      expect(bad.body.error.issues[0].path).toBe('path.userId');
    });
  });

  describe('orders-to-profiles and the daily cut points', () => {
    it('counts a new order once (re-sent under another event id too) and moves the shopper out of dormant', async () => {
      const userId = first('dormant', 1);
      const before = (await call('GET', `/v1/users/${userId}/profile`)).body;
      const orderId = `o-e2e-${randomUUID().slice(0, 8)}`;
      const event = () => ({
        type: 'OrderPlaced',
        eventId: `evt-e2e-${randomUUID()}`,
        occurredAt: new Date(rt.now()).toISOString(),
        version: 1,
        sessionId: `s-e2e-${randomUUID().slice(0, 8)}`,
        userId,
        orderId,
        lines: [{ productId: cart.items[0]!.productId, quantity: 1, paidPrice: 20_000 }],
      });
      for (let i = 0; i < 2; i++) {
        // From the shop's servers: orders are taken only there.
        expect((await call('POST', '/v1/commerce/events', { body: { events: [event()] } })).status).toBe(202);
        await rt.bus.drain();
      }
      const after = (await call('GET', `/v1/users/${userId}/profile`)).body;
      expect(after.rfm.orders).toBe(before.rfm.orders + 1);
      expect(after.rfm.monetary).toBe(before.rfm.monetary + 20_000);
      expect(after.rfm.daysSinceLastOrder).toBe(0);
      expect(after.scores.r).toBe(5);
      expect(after.segment.name).not.toBe('dormant');
      // No longer dormant: the win-back coupon is no longer theirs.
      const q = await call('POST', '/v1/quotes', { body: cart, token: tokenFor(userId) });
      expect(q.body.missed).toContainEqual(
        expect.objectContaining({ promotionId: WIN_BACK, reason: 'segmentOnly' }),
      );
    });

    it("recomputes the cut points from every order in the lake on the schedule (the lake's rfm-cut-points job)", async () => {
      const run = await rt.runLakeJob('rfm-cut-points');
      expect(run.result).toMatchObject({ method: 'quintiles', population: seededProfiles });
      expect(Date.parse(run.runAt)).toBeGreaterThan(Date.parse(cuts.computedAt));
      const res = await call('GET', `/v1/users/${first('core-loyal')}/profile`);
      expect(res.body.distribution.computedAt).toBe(run.runAt);
    });
  });

  describe("personalisation needs the shopper's token", () => {
    it("personalises related products and scenes for the token's shopper only: a bare userId is a 401, another's token a 403", async () => {
      const dormant = first('dormant');
      const loyal = first('core-loyal');
      const product = cart.items[0]!.productId;
      for (const path of [
        `/v1/products/${product}/related`,
        `/v1/products/${product}/scenes`,
        `/v1/scenes/camping-kit?productId=${product}`,
      ]) {
        const join = path.includes('?') ? '&' : '?';
        const bare = await call('GET', `${path}${join}userId=${dormant}`);
        expect(bare.status, path).toBe(401);
        expect(bare.body.error.issues, path).toContainEqual(
          expect.objectContaining({ path: 'query.userId' }),
        );
        const other = await call('GET', `${path}${join}userId=${dormant}`, { token: tokenFor(loyal) });
        expect(other.status, path).toBe(403);
        expect(other.body.error.issues, path).toContainEqual(
          expect.objectContaining({ path: 'query.userId' }),
        );
        // The token alone, or with its own id, serves the same personalised answer, never cached
        // by anyone but the shopper.
        const guest = await call('GET', path);
        const mine = await call('GET', path, { token: tokenFor(dormant) });
        const mineNamed = await call('GET', `${path}${join}userId=${dormant}`, { token: tokenFor(dormant) });
        expect(mine.status, path).toBe(200);
        expect(mine.headers.get('cache-control'), path).toBe('private, no-store');
        expect(guest.headers.get('cache-control'), path).toBeNull();
        expect(mineNamed.body, path).toEqual(mine.body);
        // A refused token with no id in the query: the guest's answer (a stale token still gets
        // recommendations); with the id, a 401.
        const forged = { authorization: `Bearer ${tokenFor(dormant)}x` };
        const stale = await call('GET', path, { headers: forged });
        expect(stale.status, path).toBe(200);
        expect(stale.body, path).toEqual(guest.body);
        expect((await call('GET', `${path}${join}userId=${dormant}`, { headers: forged })).status, path).toBe(
          401,
        );
      }
      // What makes the answer theirs: what they looked at (their user record), which only their
      // token reveals.
      const tents = (await call('GET', '/v1/products?category=tents&limit=20')).body.items as {
        productId: string;
      }[];
      const viewed = tents.find((t) => t.productId !== product)!.productId;
      const view = {
        type: 'ProductViewed',
        eventId: `evt-e2e-${randomUUID()}`,
        occurredAt: new Date(rt.now()).toISOString(),
        version: 1,
        sessionId: `s-e2e-${randomUUID().slice(0, 8)}`,
        userId: dormant,
        productId: viewed,
      };
      // A view names its shopper only with their token.
      expect(
        (await call('POST', '/v1/events', { body: { events: [view] }, token: tokenFor(dormant) })).status,
      ).toBe(202);
      await rt.bus.drain();
      const theirs = await call('GET', `/v1/products/${product}/related`, { token: tokenFor(dormant) });
      const guest = await call('GET', `/v1/products/${product}/related`);
      const fromHistory = (items: { reasons: string[] }[]) =>
        items.filter((i) => i.reasons.some((r) => r.startsWith('session:'))).length;
      expect(fromHistory(theirs.body.items)).toBeGreaterThan(0);
      expect(fromHistory(guest.body.items)).toBe(0);
    });
  });

  describe("scene prices for the token's shopper", () => {
    it("prices a scene with a signed-in shopper's member tier from their record; a guest sees guest prices", async () => {
      const { goldUserId: goldId, ...memberPrice } = await demoMemberPrice(doc, rt.tableNames);
      const path = '/v1/scenes/morning-coffee';
      const guest = await call('GET', path);
      const member = await call('GET', path, { token: tokenFor(goldId) });
      expect(guest.status).toBe(200);
      expect(member.status).toBe(200);
      expect(guest.body.scene.price.pricedFor).toBe('guest');
      expect(member.body.scene.price.pricedFor).toBe('shopper');
      const covered = (body: { scene: { slots: { pick: { product: { category: string } } | null }[] } }) =>
        body.scene.slots.some((s) => s.pick && memberPrice.categories.includes(s.pick.product.category));
      expect(covered(member.body)).toBe(true);
      const ids = (price: { applied: { promotionId: string }[] }) => price.applied.map((a) => a.promotionId);
      expect(ids(member.body.scene.price)).toContain(memberPrice.promotionId);
      expect(ids(guest.body.scene.price)).not.toContain(memberPrice.promotionId);
      // A tier in the query changes nothing: the strict query refuses it.
      expect((await call('GET', `${path}?memberTier=gold`)).status).toBe(400);
    });
  });

  describe('the segment policy (GET and PUT /v1/admin/segments)', () => {
    const policyNow = async () => (await call('GET', '/v1/admin/segments')).body;
    const relatedFor = async (userId: string | undefined, productId: string) => {
      const res = await call('GET', `/v1/products/${productId}/related`, {
        token: userId === undefined ? undefined : tokenFor(userId),
      });
      expect(res.status).toBe(200);
      return res.body.items as { product: { productId: string }; reasons: string[] }[];
    };

    it("serves the demo's stored policy, and refuses a wrong one with a 400 naming the field, changing nothing", async () => {
      const before = await policyNow();
      expect(before).toMatchObject({
        stored: true,
        policy: { treatments: { new: { related: 'content-first' } } },
      });
      expect(before.policy.table.rules.map((r: { segment: string }) => r.segment)).toEqual([
        'core-loyal',
        'new',
        'promising',
        'at-risk',
        'about-to-sleep',
        'dormant',
      ]);
      const cases: [unknown, string][] = [
        [{ ...before.policy, treatments: { dormant: { related: 'nope' } } }, 'treatments.dormant.related'],
        [{ ...before.policy, treatments: { vip: { related: 'behavioural' } } }, 'body.treatments.vip'],
        [{ ...before.policy, table: { ...before.policy.table, rules: [] } }, 'body.table.rules'],
        [
          { ...before.policy, treatments: { new: { related: { sessionWeight: -1, userWeight: 0 } } } },
          'body.treatments.new.related',
        ],
      ];
      for (const [body, path] of cases) {
        const res = await call('PUT', '/v1/admin/segments', { body });
        expect(res.status, path).toBe(400);
        expect(res.body.error.issues.map((i: { path: string }) => i.path).join(' '), path).toContain(path);
      }
      expect(await policyNow()).toEqual(before);
    });

    it("an edited table moves shoppers at once, in the profile and in quotes; a segment's weights change its related products", async () => {
      const before = (await policyNow()).policy;
      const userId = first('dormant', 2);
      // An anchor whose related products for everyone mix bought-together partners with others.
      const tents = (await call('GET', '/v1/products?category=tents&limit=50')).body.items as {
        productId: string;
      }[];
      let anchor: string | undefined;
      for (const { productId } of tents) {
        const items = await relatedFor(undefined, productId);
        const together = items.filter((i) => i.reasons.includes('bought_together')).length;
        if (together > 0 && together < items.length) {
          anchor = productId;
          break;
        }
      }
      if (anchor === undefined) throw new Error('no demo tent mixes bought-together partners with others');
      // Dormant shoppers become "hibernating", whose related products are bought-together partners only.
      const edited = structuredClone(before);
      edited.table.rules = edited.table.rules.map((r: { segment: string }) =>
        r.segment === 'dormant' ? { ...r, segment: 'hibernating' } : r,
      );
      edited.treatments = {
        hibernating: {
          related: {
            sessionWeight: 0,
            userWeight: 0,
            // The popular fallbacks too: they fill every list the neighbours leave short.
            reasonWeights: {
              viewed_together: 0,
              same_scene: 0,
              similar_content: 0,
              popular_in_category: 0,
              popular: 0,
            },
          },
        },
      };
      try {
        expect((await call('PUT', '/v1/admin/segments', { body: edited })).status).toBe(200);
        const profile = (await call('GET', `/v1/users/${userId}/profile`)).body;
        expect(profile.segment).toMatchObject({
          name: 'hibernating',
          treatment: edited.treatments.hibernating,
        });
        const q = await call('POST', '/v1/quotes', { body: cart, token: tokenFor(userId) });
        expect(q.body.missed).toContainEqual(
          expect.objectContaining({ promotionId: WIN_BACK, reason: 'segmentOnly' }),
        );

        const theirs = await relatedFor(userId, anchor);
        expect(theirs.length).toBeGreaterThan(0);
        for (const item of theirs) expect(item.reasons).toContain('bought_together');
      } finally {
        expect((await call('PUT', '/v1/admin/segments', { body: before })).status).toBe(200);
      }
      const restored = (await call('GET', `/v1/users/${userId}/profile`)).body;
      expect(restored.segment.name).toBe('dormant');
      const q = await call('POST', '/v1/quotes', { body: cart, token: tokenFor(userId) });
      expect(q.body.applied.map((a: { promotionId: string }) => a.promotionId)).toContain(WIN_BACK);
    });
  });
});

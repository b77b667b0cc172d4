import { DeleteCommand, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { SegmentPolicy } from '../../events/segments.ts';
import { dynamoPricingSources } from '../../functions/adapters/pricing-store.ts';
import { POLICY_KEY, segmentSettingsCache } from '../../functions/adapters/profile-items.ts';
import {
  CUTS_KEY,
  putPolicy,
  readPolicy,
  readProfile,
  updateProfiles,
  writeCutPoints,
} from '../../functions/adapters/profile-store.ts';
import { standingReader } from '../../functions/adapters/standing-store.ts';
import { priceBandIn } from '../../models/hits/features.ts';
import { DEFAULT_SEGMENT_POLICY } from '../../models/segments/policy.ts';
import type { OrderFact } from '../../models/segments/profile.ts';
import { classify } from '../../models/segments/rules.ts';
import { computeCutPoints, type ProfileSummary } from '../../models/segments/scoring.ts';
import { freshTables } from '../support/dynamo.ts';

let t: Awaited<ReturnType<typeof freshTables>>;
let names: { rfmProfiles: string; products: string; rankings: string };
const T0 = Date.parse('2026-11-01T00:00:00Z');
const HOUR = 3_600_000;

/** The stored profiles' figures (the shop's cut points come from the lake's orders; here, from them). */
const storedSummaries = async (): Promise<ProfileSummary[]> =>
  ((await t.doc.send(new ScanCommand({ TableName: names.rfmProfiles, ConsistentRead: true }))).Items ?? [])
    .filter((i) => !String(i.userId).startsWith('#'))
    .map((i) => ({ lastOrderAt: i.lastOrderAt, orders: i.orders, monetary: i.monetary }));

const order = (userId: string, orderId: string, hoursIn: number, paidPrice = 10_000): OrderFact => ({
  orderId,
  userId,
  at: T0 + hoursIn * HOUR,
  lines: [{ productId: 'p-tent', quantity: 1, paidPrice }],
});

beforeAll(async () => {
  t = await freshTables();
  names = { rfmProfiles: t.names.rfmProfiles, products: t.names.products, rankings: t.names.rankings };
  await t.doc.send(
    new PutCommand({
      TableName: names.products,
      Item: { productId: 'p-tent', category: 'tents', listPrice: 10_000, title: 'Tent', stock: 5 },
    }),
  );
  // The hit priors' sorted list prices of the category: p-tent is the dearest of four.
  await t.doc.send(
    new PutCommand({
      TableName: names.rankings,
      Item: { rankingKey: 'priors#tents', category: 'tents', prices: [2_000, 4_000, 6_000, 10_000] },
    }),
  );
});

describe('functions/adapters/profile-store', () => {
  describe('updateProfiles', () => {
    it('counts an order once however often it arrives, under any event id, in one batch or many', async () => {
      const o = order('u-dup', 'o-dup-1', 1);
      const first = await updateProfiles(names, [o, o], { client: t.doc });
      expect(first).toMatchObject({ users: 1, written: 1, applied: 1, duplicates: 1 });
      // A redelivered batch, and the same order re-sent by the storefront under a new event id.
      const again = await updateProfiles(names, [o], { client: t.doc });
      expect(again).toMatchObject({ written: 0, applied: 0, duplicates: 1 });
      await updateProfiles(names, [{ ...o }, order('u-dup', 'o-dup-2', 5, 8_000)], { client: t.doc });

      const { profile } = await readProfile(names.rfmProfiles, 'u-dup', { client: t.doc });
      expect(profile).toMatchObject({
        userId: 'u-dup',
        orders: 2,
        monetary: 18_000,
        firstOrderAt: T0 + HOUR,
        lastOrderAt: T0 + 5 * HOUR,
        pricedSpend: 18_000,
        // 8,000 paid against a 10,000 list price: a discounted line.
        discountedSpend: 8_000,
        pricedUnits: 2,
        version: 2,
      });
      expect(profile?.recentOrders.map((r) => r.orderId)).toEqual(['o-dup-2', 'o-dup-1']);
      // Price band from the hit priors' price list of the category (p-tent is its dearest).
      const band = priceBandIn([2_000, 4_000, 6_000, 10_000], 10_000);
      expect(profile!.bandMilliSum).toBe(2 * Math.round(band * 1000));
    });

    it('loses nothing when concurrent batches carry orders of the same shopper', async () => {
      const orders = Array.from({ length: 16 }, (_, i) => order('u-busy', `o-busy-${i}`, i, 1_000 + i));
      // 32 batches at once: each order twice (a redelivery racing its original), all one shopper.
      const reports = await Promise.all(
        [...orders, ...orders].map((o) => updateProfiles(names, [o], { client: t.doc })),
      );
      const { profile } = await readProfile(names.rfmProfiles, 'u-busy', { client: t.doc });
      expect(profile?.orders).toBe(16);
      expect(profile?.monetary).toBe(orders.reduce((s, o) => s + o.lines[0]!.paidPrice, 0));
      expect(profile?.recentOrders).toHaveLength(16);
      expect(profile?.version).toBe(reports.reduce((n, r) => n + r.written, 0));
      expect(reports.reduce((n, r) => n + r.applied, 0)).toBe(16);
      expect(reports.reduce((n, r) => n + r.duplicates, 0)).toBe(16);
      // The version check did meet concurrent writers (and retried them).
      expect(reports.reduce((n, r) => n + r.conflicts, 0)).toBeGreaterThan(0);
    });

    it('skips guests and does nothing for an empty batch', async () => {
      expect(await updateProfiles(names, [], { client: t.doc })).toMatchObject({ users: 0, written: 0 });
    });
  });

  describe('writeCutPoints', () => {
    it('stores the cut points under #cuts, read beside every profile', async () => {
      const many = Array.from({ length: 30 }, (_, i) =>
        Array.from({ length: 1 + (i % 5) }, (_, k) => order(`u-q${i}`, `o-q${i}-${k}`, i * 10 + k, 2_000)),
      ).flat();
      await updateProfiles(names, many, { client: t.doc });
      const now = T0 + 30 * 24 * HOUR;
      const cuts = computeCutPoints(await storedSummaries(), now);
      // u-dup, u-busy and the 30 here.
      expect(cuts).toMatchObject({
        method: 'quintiles',
        population: 32,
        computedAt: new Date(now).toISOString(),
      });
      await writeCutPoints(names.rfmProfiles, cuts, { client: t.doc });
      await writeCutPoints(names.rfmProfiles, cuts, { client: t.doc });

      const stored = await readProfile(names.rfmProfiles, 'u-busy', { client: t.doc });
      expect(stored.cuts).toEqual(cuts);
      // u-busy ordered most often and spent most, but its last order (hour 15) is older than all
      // but u-dup's (5), u-q0's (0) and u-q1's (11): rank 4 of 32, below the first cut (rank 7).
      expect(classify(stored.profile, stored.cuts!)).toMatchObject({
        scores: { r: 1, f: 5, m: 5 },
        segment: { segment: 'at-risk' },
      });
      const items = await t.doc.send(new ScanCommand({ TableName: names.rfmProfiles }));
      expect(items.Items?.filter((i) => i.userId === CUTS_KEY)).toHaveLength(1);
    });
  });

  describe('dynamoPricingSources', () => {
    it("reads the shopper's profile with the shop's cut points and policy in the quote's one BatchGetItem, those two at most once a minute", async () => {
      const profileKeysRead: string[][] = [];
      const client = {
        send: (command: Parameters<typeof t.doc.send>[0]) => {
          const keys = (command.input as { RequestItems?: Record<string, { Keys: { userId: string }[] }> })
            .RequestItems?.[t.names.rfmProfiles]?.Keys;
          profileKeysRead.push((keys ?? []).map((k) => k.userId));
          return t.doc.send(command as never);
        },
      } as unknown as typeof t.doc;
      let now = T0;
      const sources = dynamoPricingSources(
        { ...t.names, rfmProfiles: t.names.rfmProfiles },
        {
          client,
          promotions: async () => [],
          segmentSettings: segmentSettingsCache({ maxAgeSeconds: 60, clock: () => now }),
        },
      );
      const quoteFacts = (userId: string | null) =>
        sources.facts({ productIds: ['p-tent'], sceneIds: [], userId, groupId: undefined, counterKeys: [] });
      const facts = await quoteFacts('u-busy');
      expect(profileKeysRead).toEqual([['u-busy', CUTS_KEY, POLICY_KEY]]);
      expect(facts.profile?.orders).toBe(16);
      expect(facts.cuts?.method).toBe('quintiles');

      // Within the minute: the profile alone is read, and the cut points come from the container.
      now += 59_000;
      const again = await quoteFacts('u-busy');
      expect(profileKeysRead[1]).toEqual(['u-busy']);
      expect(again.cuts).toEqual(facts.cuts);
      expect(again.profile).toEqual(facts.profile);
      now += 1_000;
      await quoteFacts('u-busy');
      expect(profileKeysRead[2]).toEqual(['u-busy', CUTS_KEY, POLICY_KEY]);
      expect(profileKeysRead).toHaveLength(3);

      const guest = await quoteFacts(null);
      expect(profileKeysRead[3]).toEqual([]);
      expect(guest.profile).toBeUndefined();
      expect(guest.cuts).toBeUndefined();
    });
  });

  describe('standingReader (related products and scenes)', () => {
    it("serves an edited policy once the container's copy is a minute old, reading the profile fresh every time", async () => {
      let now = T0;
      const read = standingReader(names.rfmProfiles, {
        client: t.doc,
        clock: () => now,
        settings: segmentSettingsCache({ maxAgeSeconds: 60, clock: () => now }),
      });
      const withTreatment = (related: string) =>
        SegmentPolicy.parse({ ...DEFAULT_SEGMENT_POLICY, treatments: { 'at-risk': { related } } });
      await putPolicy(names.rfmProfiles, withTreatment('content-first'), { client: t.doc });
      const first = await read('u-busy');
      expect(first.policy.treatments['at-risk']?.related).toBe('content-first');
      expect(first.profile?.orders).toBe(16);

      await putPolicy(names.rfmProfiles, withTreatment('visit-first'), { client: t.doc });
      now += 30_000;
      expect((await read('u-busy')).policy.treatments['at-risk']?.related).toBe('content-first');
      // Another shopper's profile is read at once, and classified with the cached policy.
      expect((await read('u-nobody')).profile).toBeUndefined();
      now += 30_000;
      expect((await read('u-busy')).policy.treatments['at-risk']?.related).toBe('visit-first');
      await t.doc.send(new DeleteCommand({ TableName: names.rfmProfiles, Key: { userId: POLICY_KEY } }));
    });
  });

  describe('the segment policy item', () => {
    it('round-trips beside the profiles and classifies with its table', async () => {
      expect(await readPolicy(names.rfmProfiles, { client: t.doc })).toEqual({
        policy: undefined,
        updatedAt: undefined,
      });
      const policy = SegmentPolicy.parse({
        table: {
          rules: [{ segment: 'lapsed', description: 'Long gone.', r: { max: 1 } }],
          fallback: { segment: 'others', description: 'No rule matched.' },
        },
        treatments: { lapsed: { related: 'visit-first' } },
      });
      const at = new Date('2026-11-23T00:00:00Z');
      expect(await putPolicy(names.rfmProfiles, policy, { client: t.doc, now: at })).toBe('created');
      expect(await readPolicy(names.rfmProfiles, { client: t.doc })).toEqual({
        policy,
        updatedAt: at.toISOString(),
      });
      await writeCutPoints(names.rfmProfiles, computeCutPoints(await storedSummaries(), at.getTime()), {
        client: t.doc,
      });
      // Read in the same one BatchGetItem as the profile, and used for the segment.
      const stored = await readProfile(names.rfmProfiles, 'u-busy', { client: t.doc });
      expect(stored.policy).toEqual(policy);
      expect(classify(stored.profile, stored.cuts!, stored.policy!.table)?.segment.segment).toBe('lapsed');
      expect(await putPolicy(names.rfmProfiles, DEFAULT_SEGMENT_POLICY, { client: t.doc })).toBe('replaced');
      // A stored item that no longer parses serves the default instead of failing every read.
      await t.doc.send(
        new PutCommand({
          TableName: names.rfmProfiles,
          Item: { userId: POLICY_KEY, policy: { table: 'x' } },
        }),
      );
      expect((await readPolicy(names.rfmProfiles, { client: t.doc })).policy).toBeUndefined();
    });
  });
});

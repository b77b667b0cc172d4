import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PostCommerceEventsRequest, PostEventsRequest } from '../../events/api.ts';
import {
  behaviourEventTypes,
  commerceEventTypes,
  MAX_ORDER_TOTAL,
  OrderPlaced,
  storefrontEventTypes,
} from '../../events/behaviour.ts';
import { MAX_PRICE } from '../../events/common.ts';
import { Sources } from '../../events/envelope.ts';
import { openApiDocument, operations } from '../../events/openapi.ts';
import { type DetailType, eventCatalog, toBusEntry } from '../../events/registry.ts';
import { matchesPattern } from '../../infra/local/event-pattern.ts';
import { lakeStreams, routeKey, routes, rules } from '../../infra/topology.ts';

const FIXTURES = join(import.meta.dirname, '../fixtures/events');
const fixtures = readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.json'))
  .map((f) => ({
    file: f,
    event: JSON.parse(readFileSync(join(FIXTURES, f), 'utf8')) as { type: DetailType },
  }));

const fixtureOf = (type: DetailType) => fixtures.find((f) => f.event.type === type)!.event;

describe('contracts', () => {
  describe('two doors: storefront behaviour and commerce facts', () => {
    it('takes behaviour only on the public route and orders and reviews only on the commerce route', () => {
      expect(storefrontEventTypes).toEqual(['ProductViewed', 'ProductAddedToCart', 'SearchPerformed']);
      expect(commerceEventTypes).toEqual(['OrderPlaced', 'ReviewPosted']);
      for (const type of storefrontEventTypes) {
        expect(PostEventsRequest.safeParse({ events: [fixtureOf(type)] }).success, type).toBe(true);
        expect(PostCommerceEventsRequest.safeParse({ events: [fixtureOf(type)] }).success, type).toBe(false);
        expect(eventCatalog[type].source).toBe(Sources.storefront);
      }
      for (const type of commerceEventTypes) {
        expect(PostEventsRequest.safeParse({ events: [fixtureOf(type)] }).success, type).toBe(false);
        expect(PostCommerceEventsRequest.safeParse({ events: [fixtureOf(type)] }).success, type).toBe(true);
        expect(eventCatalog[type].source).toBe(Sources.commerce);
      }
    });

    it('routes each behaviour type from its own source only: every rule and the lake stream', () => {
      const envelope = (type: DetailType, source: string) => ({
        version: '0',
        id: 'e-1',
        'detail-type': type,
        source,
        account: '000000000000',
        time: '2026-11-23T10:00:00Z',
        region: 'us-east-1',
        resources: [],
        detail: fixtureOf(type),
      });
      const patterns = [
        ...rules.map((r) => [r.id, r.pattern] as const),
        ...lakeStreams.map((s) => [s.id, s.pattern] as const),
      ];
      const taking = (type: DetailType, source: string) =>
        patterns.filter(([, p]) => matchesPattern(p, envelope(type, source))).map(([id]) => id);
      for (const type of behaviourEventTypes) {
        const own = eventCatalog[type].source;
        expect(taking(type, own).length, type).toBeGreaterThan(0);
        for (const other of Object.values(Sources).filter((s) => s !== own))
          expect(taking(type, other), `${type} from ${other}`).toEqual([]);
      }
      // An order reaches the profiles, the signals, the related evidence, the experiments and the lake.
      expect(taking('OrderPlaced', Sources.commerce).sort()).toEqual([
        'behaviour-to-related',
        'behaviour-to-signals',
        'events-to-lake',
        'experiments-attribution',
        'orders-to-profiles',
      ]);
    });
  });

  describe('bounded input', () => {
    const order = fixtureOf('OrderPlaced') as OrderPlaced;
    const withLines = (n: number, quantity: number, paidPrice: number) => ({
      ...order,
      lines: Array.from({ length: n }, (_, i) => ({
        productId: `p-${String(i).padStart(5, '0')}`,
        quantity,
        paidPrice,
      })),
    });

    it('refuses an order whose total passes MAX_ORDER_TOTAL, naming the line where it does', () => {
      // The issue's order: 500 lines of 10,000 units at the largest price (5e17, past 2^53).
      const huge = OrderPlaced.safeParse(withLines(500, 10_000, MAX_PRICE));
      expect(huge.success).toBe(false);
      expect(huge.error?.issues[0]?.path).toEqual(['lines', 0]);
      // Just over the cap on the third line.
      const over = OrderPlaced.safeParse(withLines(3, 10, MAX_ORDER_TOTAL / 25));
      expect(over.error?.issues.map((i) => i.path)).toEqual([['lines', 2]]);
      expect(
        PostCommerceEventsRequest.safeParse({ events: [withLines(500, 10_000, MAX_PRICE)] }).success,
      ).toBe(false);
    });

    it('takes an order up to MAX_ORDER_TOTAL, whose every sum is then an exact integer', () => {
      const quantity = 10_000;
      const atCap = withLines(2, quantity, MAX_ORDER_TOTAL / 2 / quantity);
      expect(OrderPlaced.safeParse(atCap).success).toBe(true);
      // Some 9,000 such orders before any running total leaves the exact integers.
      expect(Math.floor(Number.MAX_SAFE_INTEGER / MAX_ORDER_TOTAL)).toBeGreaterThan(9_000);
    });
  });

  describe('event fixtures', () => {
    it('has a fixture for every event type in the registry', () => {
      expect(new Set(fixtures.map((f) => f.event.type))).toEqual(new Set(Object.keys(eventCatalog)));
    });

    it.each(fixtures)('$file parses with its schema', ({ event }) => {
      const result = eventCatalog[event.type].schema.safeParse(event);
      expect(result.error?.issues ?? []).toEqual([]);
    });

    it('maps every event type to one of the declared sources', () => {
      for (const { event } of fixtures) {
        const entry = toBusEntry(eventCatalog[event.type].schema.parse(event) as never);
        expect(Object.values(Sources)).toContain(entry.Source);
        expect(entry.DetailType).toBe(event.type);
      }
    });
  });

  describe('schemas', () => {
    it('rejects a review rating outside 1-5 and names the field', () => {
      const review = fixtures.find((f) => f.event.type === 'ReviewPosted')!.event;
      const result = eventCatalog.ReviewPosted.schema.safeParse({ ...review, rating: 6 });
      expect(result.error?.issues.map((i) => i.path.join('.'))).toEqual(['rating']);
    });

    it('refuses a product in the category "global", the all-categories hit list, and names the field', () => {
      const upsert = fixtures.find((f) => f.event.type === 'ProductUpserted')!.event as unknown as {
        product: object;
      };
      const withCategory = (category: string) =>
        eventCatalog.ProductUpserted.schema.safeParse({
          ...upsert,
          product: { ...upsert.product, category },
        });
      expect(withCategory('global').error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
        [
          'product.category',
          'must be lower-case letters, digits and "-", and not "global" (the all-categories hit list)',
        ],
      ]);
      expect(withCategory('global-brands').success).toBe(true);
      expect(withCategory('tents').success).toBe(true);
    });

    it('rejects fractional money: prices are integer minor units', () => {
      const order = fixtures.find((f) => f.event.type === 'OrderPlaced')!.event as unknown as {
        lines: object[];
      };
      const bad = { ...order, lines: [{ productId: 'p-1', quantity: 1, paidPrice: 12.5 }] };
      const result = eventCatalog.OrderPlaced.schema.safeParse(bad);
      expect(result.error?.issues.map((i) => i.path.join('.'))).toEqual(['lines.0.paidPrice']);
    });

    it('rejects a scene whose slots repeat an id, or a slot with no constraint', () => {
      const { scene } = fixtures.find((f) => f.event.type === 'SceneUpserted')!.event as unknown as {
        scene: { slots: { constraint: object }[] };
      };
      const dup = { ...scene, slots: [scene.slots[0], scene.slots[0]] };
      expect(
        eventCatalog.SceneUpserted.schema.safeParse({
          ...fixtures[0]!.event,
          type: 'SceneUpserted',
          scene: dup,
        }).success,
      ).toBe(false);
      const noConstraint = { ...scene, slots: [{ ...scene.slots[0], constraint: {} }] };
      const result = eventCatalog.SceneUpserted.schema.safeParse({
        ...(fixtures.find((f) => f.event.type === 'SceneUpserted')!.event as object),
        scene: noConstraint,
      });
      expect(result.error?.issues[0]?.path.join('.')).toBe('scene.slots.0.constraint');
    });

    it('rejects a promotion that ends before it starts', () => {
      const event = fixtures.find((f) => f.event.type === 'PromotionUpserted')!.event as unknown as {
        promotion: object;
      };
      const result = eventCatalog.PromotionUpserted.schema.safeParse({
        ...event,
        promotion: { ...event.promotion, validTo: '2026-10-01T00:00:00Z' },
      });
      expect(result.error?.issues.map((i) => i.path.join('.'))).toEqual(['promotion.validTo']);
    });

    it('accepts only behaviour events in POST /v1/events, at most 100', () => {
      const viewed = fixtures.find((f) => f.event.type === 'ProductViewed')!.event;
      const upsert = fixtures.find((f) => f.event.type === 'ProductUpserted')!.event;
      expect(PostEventsRequest.safeParse({ events: [viewed] }).success).toBe(true);
      expect(PostEventsRequest.safeParse({ events: [upsert] }).success).toBe(false);
      expect(PostEventsRequest.safeParse({ events: Array(101).fill(viewed) }).success).toBe(false);
      expect(PostEventsRequest.safeParse({ events: [viewed], extra: 1 }).success).toBe(false);
    });
  });

  describe('openApiDocument', () => {
    const doc = openApiDocument('test');

    it('describes every declared route and nothing else', () => {
      const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
        Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
      );
      expect(new Set(documented)).toEqual(new Set(routes.map(routeKey)));
      expect(new Set(Object.keys(operations))).toEqual(new Set(routes.map(routeKey)));
    });

    it('resolves every $ref to a component schema', () => {
      const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map(
        (m) => m[1]!,
      );
      expect(refs.length).toBeGreaterThan(10);
      for (const ref of refs) expect(doc.components.schemas).toHaveProperty(ref);
    });

    it('is OpenAPI 3.1 and lists query parameters with their constraints', () => {
      expect(doc.openapi).toBe('3.1.0');
      const list = doc.paths['/v1/products']!.get as {
        parameters: { name: string; in: string; schema: { maximum?: number } }[];
      };
      const query = list.parameters.filter((p) => p.in === 'query');
      expect(query.map((p) => p.name).sort()).toEqual(['category', 'cursor', 'limit']);
      expect(list.parameters.find((p) => p.name === 'limit')!.schema.maximum).toBe(100);
    });
  });
});

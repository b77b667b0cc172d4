import { z } from 'zod';
import { BehaviourEvent } from './behaviour.ts';
import { Product, Scene, Slug } from './catalog.ts';
import { CurrencyCode, ProductId } from './common.ts';

/** Every 4xx/5xx body. `issues` names each failing field by its path, e.g. `events.3.productId`. */
export const ErrorResponse = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    }),
  })
  .meta({ id: 'ErrorResponse' });
export type ErrorResponse = z.infer<typeof ErrorResponse>;

export const Health = z
  .object({
    status: z.literal('ok'),
    service: z.literal('merchandiser'),
    version: z.string(),
    time: z.string(),
  })
  .meta({ id: 'Health' });

/** `POST /v1/events`: a batch of storefront behaviour events. */
export const MAX_EVENTS_PER_BATCH = 100;
export const PostEventsRequest = z
  .strictObject({ events: z.array(BehaviourEvent).min(1).max(MAX_EVENTS_PER_BATCH) })
  .meta({ id: 'PostEventsRequest' });
export type PostEventsRequest = z.infer<typeof PostEventsRequest>;
export const PostEventsAccepted = z
  .object({ accepted: z.array(z.string()), count: z.int() })
  .meta({ id: 'PostEventsAccepted' });

/** What shoppers may see of a product: never its cost. */
export const ProductCard = Product.omit({ cost: true })
  .extend({ currency: CurrencyCode, inStock: z.boolean() })
  .meta({ id: 'ProductCard' });
export type ProductCard = z.infer<typeof ProductCard>;

export const ListProductsQuery = z.strictObject({
  category: Slug.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(1024).optional(),
});
export const ProductPage = z
  .object({ items: z.array(ProductCard), nextCursor: z.string().nullable() })
  .meta({ id: 'ProductPage' });
export type ProductPage = z.infer<typeof ProductPage>;

export const ProductPath = z.object({ productId: ProductId });

export const SceneList = z.object({ items: z.array(Scene) }).meta({ id: 'SceneList' });

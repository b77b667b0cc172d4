import * as z from 'zod';
import type { ProductCard, ProductPage } from '../events/api.ts';
import type { Product, Scene } from '../events/catalog.ts';
import { Slug } from '../events/catalog.ts';
import { Id } from '../events/common.ts';
import { DomainError } from './errors.ts';

/** The narrow port catalog reads need; functions/adapters/catalog-store.ts implements it on DynamoDB. */
export interface CatalogReader {
  getProduct(productId: string): Promise<Product | undefined>;
  pageProducts(query: {
    category?: string;
    limit: number;
    after?: PageKey;
  }): Promise<{ items: Product[]; last?: PageKey }>;
  listScenes(): Promise<Scene[]>;
}

/** Where the previous page stopped: a product id, and the category when paging one category. */
export const PageKey = z.strictObject({ productId: Id, category: Slug.optional() });
export type PageKey = z.infer<typeof PageKey>;

/** Shoppers never see cost; everything else of the product is on the card. */
export function toProductCard(product: Product, currency: string): ProductCard {
  const { cost: _cost, ...visible } = product;
  return { ...visible, currency, inStock: product.stock > 0 };
}

export const encodeCursor = (key: PageKey): string => Buffer.from(JSON.stringify(key)).toString('base64url');

export function decodeCursor(cursor: string, category: string | undefined): PageKey {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new DomainError('invalid', 'the cursor is not one this API issued', 'query.cursor');
  }
  const key = PageKey.safeParse(parsed);
  if (!key.success || key.data.category !== category) {
    throw new DomainError('invalid', 'the cursor does not belong to this listing', 'query.cursor');
  }
  return key.data;
}

export async function listProducts(
  reader: CatalogReader,
  query: { category?: string | undefined; limit: number; cursor?: string | undefined },
  currency: string,
): Promise<ProductPage> {
  const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor, query.category);
  const page = await reader.pageProducts({
    limit: query.limit,
    ...(query.category !== undefined ? { category: query.category } : {}),
    ...(after ? { after } : {}),
  });
  return {
    items: page.items.map((p) => toProductCard(p, currency)),
    nextCursor: page.last ? encodeCursor(page.last) : null,
  };
}

export async function getProductCard(
  reader: CatalogReader,
  productId: string,
  currency: string,
): Promise<ProductCard> {
  const product = await reader.getProduct(productId);
  if (!product) throw new DomainError('not_found', `product ${productId} was not found`, 'path.productId');
  return toProductCard(product, currency);
}

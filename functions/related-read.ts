import { ProductPath, RelatedQuery } from '../events/api.ts';
import { relatedProducts } from '../models/related-answer.ts';
import { dynamoRelatedReader } from './adapters/related-store.ts';
import { env, tableName } from './lib/config.ts';
import { httpApi, parseAt } from './lib/http.ts';

const reader = dynamoRelatedReader({
  products: tableName('products'),
  related: tableName('related'),
  shoppers: tableName('shoppers'),
});

export const handler = httpApi({
  'GET /v1/products/{productId}/related': async (req) => {
    const { productId } = parseAt('path', ProductPath, req.pathParameters);
    const q = parseAt('query', RelatedQuery, req.query);
    const body = await relatedProducts(
      reader,
      { productId, sessionId: q.sessionId, userId: q.userId },
      {
        limit: q.limit,
        exclude: q.exclude ?? [],
        category: q.category,
        maxPrice: q.maxPrice,
        perCategory: q.perCategory,
      },
      env().CATALOG_CURRENCY,
    );
    return { status: 200, body };
  },
});

import { ListProductsQuery, ProductPath } from '../events/api.ts';
import { getProductCard, listProducts } from '../models/catalog.ts';
import { dynamoCatalogReader } from './adapters/catalog-store.ts';
import { env, tableName } from './lib/config.ts';
import { httpApi, parseAt } from './lib/http.ts';

const catalog = dynamoCatalogReader({ products: tableName('products'), scenes: tableName('scenes') });

export const handler = httpApi({
  'GET /v1/products': async (req) => {
    const query = parseAt('query', ListProductsQuery, req.query);
    return { status: 200, body: await listProducts(catalog, query, env().CATALOG_CURRENCY) };
  },
  'GET /v1/products/{productId}': async (req) => {
    const { productId } = parseAt('path', ProductPath, req.pathParameters);
    return { status: 200, body: await getProductCard(catalog, productId, env().CATALOG_CURRENCY) };
  },
  'GET /v1/scenes': async () => ({ status: 200, body: { items: await catalog.listScenes() } }),
});

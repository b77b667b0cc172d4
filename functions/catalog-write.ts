import { CatalogEvent } from '../events/catalog.ts';
import { putIfNewer } from './adapters/catalog-store.ts';
import { tableName } from './lib/config.ts';
import { busEventConsumer } from './lib/queue.ts';

const names = {
  products: tableName('products'),
  scenes: tableName('scenes'),
  promotions: tableName('promotions'),
  customers: tableName('customers'),
};

/** Applies catalog changes; the newest `occurredAt` wins, so redeliveries and reorderings are harmless. */
export const handler = busEventConsumer(CatalogEvent, async (event) => {
  switch (event.type) {
    case 'ProductUpserted':
      await putIfNewer(names.products, 'productId', event.product, event.occurredAt);
      return;
    case 'SceneUpserted':
      await putIfNewer(names.scenes, 'sceneId', event.scene, event.occurredAt);
      return;
    case 'PromotionUpserted':
      await putIfNewer(names.promotions, 'promotionId', event.promotion, event.occurredAt);
      return;
    case 'CustomerUpserted':
      await putIfNewer(names.customers, 'userId', event.customer, event.occurredAt);
      return;
  }
});

import { randomUUID } from 'node:crypto';
import { PutSceneRequest, type SceneAccepted, ScenePath } from '../events/api.ts';
import { type SceneAdminPorts, submitScene } from '../models/scenes/admin.ts';
import { categoriesWithProducts } from './adapters/catalog-store.ts';
import { publishEvents } from './adapters/event-publisher.ts';
import { nowDate } from './lib/clock.ts';
import { tableName } from './lib/config.ts';
import { HttpError, httpApi, jsonBody, parseAt, validationError } from './lib/http.ts';

/**
 * The largest scene the schema allows is about 150 KB; the event built from the body must fit one
 * PutEvents entry (256 KB with its source and detail-type), so a bigger body is refused up front
 * with a 413 rather than failing at publication.
 */
const MAX_BODY_BYTES = 200 * 1024;

const ports: SceneAdminPorts = {
  categoriesInCatalog: categoriesWithProducts(tableName('products')),
  publish: (event) => publishEvents([event]),
};

/**
 * PUT /v1/admin/scenes/{sceneId}, for operators and admin tools (IAM-authorized on AWS). A bad
 * definition is a 400 naming every wrong field; a good one goes on the bus as SceneUpserted, which
 * catalog-write stores, so a scene sent here and one sent straight to the bus are applied alike.
 */
export const handler = httpApi({
  'PUT /v1/admin/scenes/{sceneId}': async (req) => {
    const { sceneId } = parseAt('path', ScenePath, req.pathParameters);
    const scene = parseAt('body', PutSceneRequest, jsonBody(req, MAX_BODY_BYTES));
    const result = await submitScene(
      ports,
      { sceneId, scene },
      { eventId: `scene-${randomUUID()}`, now: nowDate() },
    );
    switch (result.outcome) {
      case 'invalid':
        throw validationError('body', result.issues);
      case 'unpublished':
        throw new HttpError(
          503,
          'PublishFailed',
          'the scene could not be published; send it again',
          [{ in: 'body', path: '', message: `${result.code}: ${result.message}` }],
          { 'retry-after': '1' },
        );
      case 'accepted':
        return {
          status: 202,
          body: {
            sceneId: result.sceneId,
            eventId: result.eventId,
            status: 'accepted',
          } satisfies SceneAccepted,
        };
    }
  },
});

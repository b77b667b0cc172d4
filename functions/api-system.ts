import { openApiDocument } from '../events/openapi.ts';
import { routes } from '../infra/topology.ts';
import { nowDate } from './lib/clock.ts';
import { env } from './lib/config.ts';
import { httpApi } from './lib/http.ts';
import { unroutedError } from './lib/unrouted.ts';

/** Built on first request and kept: the document is a pure function of the deployed code. */
let document: ReturnType<typeof openApiDocument> | undefined;

export const handler = httpApi({
  'GET /health': async () => ({
    status: 200,
    body: {
      status: 'ok',
      service: 'merchandiser',
      version: env().SERVICE_VERSION,
      time: nowDate().toISOString(),
    },
  }),
  'GET /openapi.json': async () => {
    document ??= openApiDocument(env().SERVICE_VERSION);
    return { status: 200, body: document, headers: { 'cache-control': 'public, max-age=300' } };
  },
  // Whatever no route takes (the HTTP API's `$default` route): 404, or 405 with Allow.
  $default: async (req) => {
    throw unroutedError(req.method ?? '', req.rawPath ?? '', routes);
  },
});

import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startRuntime } from './runtime.ts';

/**
 * `npm start`: the service on this machine with a seeded demo storefront.
 *   npm start                       data kept under ./.data (a second start reuses it)
 *   npm start -- --memory           a throwaway in-memory store
 *   npm start -- --data-dir /tmp/m  another data folder
 *   PORT=8080 npm start             another port (default 3000)
 */
const { values } = parseArgs({
  options: {
    memory: { type: 'boolean', default: false },
    'data-dir': { type: 'string' },
    port: { type: 'string' },
    'no-seed': { type: 'boolean', default: false },
    'log-level': { type: 'string' },
  },
});

const port = Number(values.port ?? process.env.PORT ?? 3000);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`PORT must be a port number, got ${values.port ?? process.env.PORT}`);
  process.exit(2);
}

const started = performance.now();
const log = (line: string) => console.log(`[merchandiser] ${line}`);
const runtime = await startRuntime({
  port,
  memory: values.memory,
  ...(values['data-dir'] ? { dataDir: values['data-dir'] } : {}),
  ...(process.env.MERCHANDISER_DATA_DIR && !values['data-dir']
    ? { dataDir: process.env.MERCHANDISER_DATA_DIR }
    : {}),
  seed: values['no-seed'] ? 'never' : 'auto',
  ...(values['log-level'] ? { logLevel: values['log-level'] } : {}),
  log,
}).catch((error: Error) => {
  console.error(`[merchandiser] could not start: ${error.message}`);
  process.exit(1);
});

// Scripts such as `npm run rebuild:related` find the running service's store here.
const runtimeFile = resolve(
  values['data-dir'] ?? process.env.MERCHANDISER_DATA_DIR ?? resolve(import.meta.dirname, '../../.data'),
  'runtime.json',
);
mkdirSync(dirname(runtimeFile), { recursive: true });
writeFileSync(
  runtimeFile,
  `${JSON.stringify({ url: runtime.url, dynamoEndpoint: runtime.dynamoEndpoint, tableNames: runtime.tableNames, pid: process.pid }, null, 2)}\n`,
);

let stopping = false;
async function shutdown(code: number) {
  if (stopping) return;
  stopping = true;
  log('stopping ...');
  rmSync(runtimeFile, { force: true });
  await runtime.stop().catch(() => {});
  process.exit(code);
}
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));
process.on('SIGHUP', () => void shutdown(0));
process.on('uncaughtException', (error) => {
  console.error('[merchandiser] crashed:', error);
  void shutdown(1);
});
process.on('unhandledRejection', (error) => {
  console.error('[merchandiser] crashed:', error);
  void shutdown(1);
});

const u = runtime.url;
console.log(`
merchandiser is running at ${u}  (ready in ${((performance.now() - started) / 1000).toFixed(1)} s)

  curl ${u}/health
  curl '${u}/v1/products?category=tents&limit=3'
  curl '${u}/v1/products/p-00001/related?limit=5&sessionId=s-demo'
  curl '${u}/v1/hits?limit=10&explain=true'        (ranked once the history is in: see /_local/status)
  curl -X POST ${u}/v1/events -H 'content-type: application/json' \\
    -d '{"events":[{"type":"ProductViewed","eventId":"evt-demo-0001","occurredAt":"${new Date().toISOString()}","version":1,"sessionId":"s-demo","productId":"p-00001"}]}'

  Demo pages: ${u}/demo (storefront)  ${u}/demo/products/p-00013  ${u}/demo/hits (dashboard)  ${u}/demo/quote
  OpenAPI: ${u}/openapi.json    Local status (demo data load): ${u}/_local/status
  DynamoDB Local: ${runtime.dynamoEndpoint}    EventBridge (local): ${u}/_local/eventbridge
  Ctrl-C stops it.
`);
if (runtime.seeded === 'loading') {
  log('the catalog is in; customers and the behaviour history follow in the background (see /_local/status)');
}

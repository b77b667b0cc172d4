import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { type TableId, tableEnvVar, tables } from '../topology.ts';

/**
 * `npm run rebuild:related`: rebuilds every neighbour list from the event history.
 *   against the running local service: nothing to set (it reads <data folder>/runtime.json)
 *   against AWS: set TABLE_RELATED, TABLE_EVENTLOG, ... (the stack outputs) and AWS credentials
 *   --days 60 (default) or --from yyyy-mm-dd --to yyyy-mm-dd
 */
const { values } = parseArgs({
  options: {
    days: { type: 'string', default: '60' },
    from: { type: 'string' },
    to: { type: 'string' },
    'data-dir': { type: 'string' },
  },
});
const local = resolve(
  values['data-dir'] ?? process.env.MERCHANDISER_DATA_DIR ?? resolve(import.meta.dirname, '../../.data'),
  'runtime.json',
);
if (!process.env[tableEnvVar('related')]) {
  if (!existsSync(local)) {
    console.error('No table names: start the service (npm start) or set TABLE_* for AWS.');
    process.exit(2);
  }
  const rt = JSON.parse(readFileSync(local, 'utf8')) as {
    dynamoEndpoint: string;
    tableNames: Record<string, string>;
  };
  Object.assign(process.env, {
    DYNAMODB_ENDPOINT: rt.dynamoEndpoint,
    AWS_REGION: process.env.AWS_REGION ?? 'us-east-1',
    AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? 'local',
    AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? 'local',
    ...Object.fromEntries(
      Object.entries(rt.tableNames).map(([id, name]) => [tableEnvVar(id as TableId), name]),
    ),
  });
}
const days = Number(values.days);
const to = values.to ?? new Date().toISOString().slice(0, 10);
const from =
  values.from ?? new Date(Date.parse(`${to}T00:00:00Z`) - (days - 1) * 86_400_000).toISOString().slice(0, 10);
if (!/^\d{4}-\d{2}-\d{2}$/.test(from) || !/^\d{4}-\d{2}-\d{2}$/.test(to) || from > to) {
  console.error(`--from/--to must be yyyy-mm-dd with from <= to (got ${from} .. ${to})`);
  process.exit(2);
}
const { rebuildRelated } = await import('../../functions/adapters/related-rebuild.ts');
const { tableName } = await import('../../functions/lib/config.ts');
const names = Object.fromEntries(tables.map((t) => [t.id, tableName(t.id)])) as Record<TableId, string>;
const t0 = performance.now();
const result = await rebuildRelated(names, { fromDay: from, toDay: to });
console.log(
  `rebuilt related lists from ${from} to ${to}: ${result.events} events, evidence for ${result.products} products, ${result.lists} lists written in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
);

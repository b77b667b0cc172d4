import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { lakeJobOutputKey, stackName, startLakeJobCommand } from '../stacks/names.ts';

/**
 * `npm run rebuild:related`: rebuilds every product's related evidence and neighbour list from the
 * lake's history: the related-totals job first (content neighbours and totals from the catalog, and
 * a content list for every product without evidence), then the related-evidence job (SQL over 90
 * days of behaviour, each result file's products written on their own).
 *
 *   against the running local service: nothing to set (it reads <data folder>/runtime.json and asks
 *   the runtime to run the job: POST /_local/lake/jobs/related-evidence)
 *   against AWS: start the job's state machine (the lake stack's output LakeJobrelatedevidence):
 *     npm run rebuild:related -- --aws-stage dev   prints the command
 */
const { values } = parseArgs({
  options: { 'data-dir': { type: 'string' }, 'aws-stage': { type: 'string' } },
});
const onAws = (stage: string) =>
  `On AWS, start the related-totals state machine, and when it has succeeded the related-evidence one (outputs ${lakeJobOutputKey('related-totals')} and ${lakeJobOutputKey('related-evidence')} of ${stackName(stage, 'lake')}):\n  ${startLakeJobCommand(stage, 'related-totals')}\n  ${startLakeJobCommand(stage, 'related-evidence')}`;
if (values['aws-stage']) {
  console.log(onAws(values['aws-stage']));
  process.exit(0);
}
const local = resolve(
  values['data-dir'] ?? process.env.MERCHANDISER_DATA_DIR ?? resolve(import.meta.dirname, '../../.data'),
  'runtime.json',
);
if (!existsSync(local)) {
  console.error(`No running local service: start it (npm start). ${onAws('<stage>')}`);
  process.exit(2);
}
const { url } = JSON.parse(readFileSync(local, 'utf8')) as { url: string };
const t0 = performance.now();
const run = async (job: string) => {
  const res = await fetch(`${url}/_local/lake/jobs/${job}`, { method: 'POST' });
  const body = (await res.json()) as {
    window?: { fromMs: number; toMs: number };
    result?: Record<string, number>;
    error?: { message: string };
  };
  if (!res.ok || !body.result || !body.window) {
    console.error(`rebuild failed (${job}): ${body.error?.message ?? res.status}`);
    process.exit(1);
  }
  return { window: body.window, result: body.result };
};
const totals = await run('related-totals');
const evidence = await run('related-evidence');
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
console.log(
  `rebuilt related lists from the lake, ${day(evidence.window.fromMs)} to ${day(evidence.window.toMs - 1)}: evidence for ${evidence.result.products} products in ${evidence.result.files} files, ${evidence.result.lists} lists from evidence and ${totals.result.contentOnlyLists} from content alone, in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
);

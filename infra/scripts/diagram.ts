import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  accessKind,
  type FunctionDecl,
  functions,
  type LakeJobDecl,
  lakeJobs,
  lakeQueryFunctionId,
  lakeStreams,
  lakeTables,
  type RouteDecl,
  type RuleDecl,
  routes,
  rules,
  type ScheduleDecl,
  type ShardedJobDecl,
  schedules,
  shardedJobs,
  type TableAccess,
  type TableDecl,
  tables,
} from '../topology.ts';

/**
 * `npm run diagram`: the architecture as a Mermaid flowchart, generated from infra/topology.ts so
 * that it cannot drift from what the stacks and the local runtime build. Prints it;
 * `npm run diagram -- --write` replaces the block between the markers in README.md
 * (test/unit/architecture-diagram.test.ts fails while the README's copy differs).
 */

export const BEGIN_MARKER = '<!-- architecture:begin -->';
export const END_MARKER = '<!-- architecture:end -->';
const README = resolve(import.meta.dirname, '../../README.md');

/** A Mermaid node id: letters, digits and underscores only. */
const id = (kind: string, name: string) => `${kind}_${name.replace(/[^A-Za-z0-9]/g, '_')}`;
/** A quoted Mermaid label; `"` has no escape there, and `#` starts an entity. */
const label = (lines: string[]) =>
  `"${lines.map((l) => l.replace(/"/g, "'").replace(/#/g, '#35;')).join('<br/>')}"`;

function every(minutes: number): string {
  const days = minutes / (24 * 60);
  const hours = minutes / 60;
  if (Number.isInteger(days)) return days === 1 ? 'daily' : `every ${days} days`;
  if (Number.isInteger(hours)) return hours === 1 ? 'hourly' : `every ${hours} h`;
  return `every ${minutes} min`;
}

/** read: dotted; write: solid; both: solid, both ways. */
const accessArrow: Record<ReturnType<typeof accessKind>, string> = {
  read: '-.->',
  write: '-->',
  readWrite: '<-->',
};

/** The flowchart, from the topology's declaration order (stable output, stable diffs). */
export function architectureDiagram(): string {
  const fns = functions as readonly FunctionDecl[];
  const rts = routes as readonly RouteDecl[];
  const rls = rules as readonly RuleDecl[];
  const schs = schedules as readonly ScheduleDecl[];
  const tbls = tables as readonly TableDecl[];
  const routed = fns.filter((f) => rts.some((r) => r.functionId === f.id));
  const lines: string[] = ['flowchart LR'];
  const node = (indent: number, text: string) => lines.push(`${'  '.repeat(indent)}${text}`);

  node(
    1,
    'subgraph http["HTTP API routes, by function (IAM: signed requests only; JWT: signed-in shoppers only)"]',
  );
  for (const f of routed) {
    const own = rts.filter((r) => r.functionId === f.id);
    node(
      2,
      `${id('routes', f.id)}[${label(own.map((r) => `${r.method} ${r.path}${r.auth === 'iam' ? ' (IAM)' : r.auth === 'jwt' ? ' (JWT)' : ''}`))}]`,
    );
  }
  node(1, 'end');

  node(
    1,
    'subgraph clock["Schedules, and jobs in shards (Step Functions, a Distributed Map per step over shards)"]',
  );
  for (const s of schs) node(2, `${id('schedule', s.id)}([${label([s.id, every(s.everyMinutes)])}])`);
  for (const j of shardedJobs as readonly ShardedJobDecl[])
    node(
      2,
      `${id('sharded', j.id)}{{${label([j.id, `${every(j.everyMinutes)}, ${j.shards} shards`, j.steps.map((st) => st.id).join(' → ')])}}}`,
    );
  node(1, 'end');

  node(1, 'subgraph events["EventBridge"]');
  node(2, `bus[(${label(['service bus'])})]`);
  for (const r of rls) node(2, `${id('rule', r.id)}{{${label([r.id])}}}`);
  node(1, 'end');

  node(1, 'subgraph sqs["SQS (queue and its dead-letter queue, per queued rule)"]');
  for (const r of rls) {
    if (r.target.kind !== 'queue') continue;
    const t = r.target;
    node(
      2,
      `${id('queue', r.id)}[[${label([`${r.id}`, `batch ${t.batchSize}, window ${t.maxBatchingWindowSeconds} s${t.maxConcurrency ? `, ${t.maxConcurrency} at a time` : ''}`])}]]`,
    );
    node(2, `${id('dlq', r.id)}[[${label([`DLQ ${r.id}`])}]]`);
  }
  node(1, 'end');

  node(1, 'subgraph lambda["Lambda functions"]');
  for (const f of fns) node(2, `${id('fn', f.id)}[${label([f.id])}]`);
  node(1, 'end');

  node(1, 'subgraph dynamodb["DynamoDB tables"]');
  for (const t of tbls) node(2, `${id('table', t.id)}[(${label([t.id])})]`);
  node(1, 'end');

  node(
    1,
    'subgraph lake["Lake: S3 Parquet (Firehose), Athena jobs in Step Functions; locally Parquet and DuckDB"]',
  );
  for (const s of lakeStreams)
    node(
      2,
      `${id('stream', s.id)}[/${label([s.id, `Firehose, ${s.buffer.mb} MB or ${s.buffer.seconds} s`])}/]`,
    );
  for (const t of lakeTables)
    node(
      2,
      `${id('lake', t.id)}[(${label([`${t.id} (Parquet)`, t.partitionKeys.map((k) => k.name).join(', ')])})]`,
    );
  for (const j of lakeJobs)
    node(
      2,
      `${id('job', j.id)}{{${label([j.id, j.everyMinutes === null ? 'on demand' : every(j.everyMinutes), ...((j as LakeJobDecl).files ? ['each file (Distributed Map)'] : [])])}}}`,
    );
  node(1, 'end');

  for (const f of routed) node(1, `${id('routes', f.id)} --> ${id('fn', f.id)}`);
  for (const s of schs) node(1, `${id('schedule', s.id)} --> ${id('fn', s.functionId)}`);
  for (const j of shardedJobs as readonly ShardedJobDecl[])
    node(1, `${id('sharded', j.id)} --> ${id('fn', j.functionId)}`);
  for (const f of fns) if (f.publishes) node(1, `${id('fn', f.id)} -->|PutEvents| bus`);
  for (const r of rls) {
    node(1, `bus --> ${id('rule', r.id)}`);
    if (r.target.kind === 'queue') {
      node(1, `${id('rule', r.id)} --> ${id('queue', r.id)} --> ${id('fn', r.target.functionId)}`);
      node(1, `${id('queue', r.id)} -.->|after ${r.target.maxReceiveCount} receives| ${id('dlq', r.id)}`);
    } else if (r.target.kind === 'sharded-job') {
      node(1, `${id('rule', r.id)} -->|starts| ${id('sharded', r.target.jobId)}`);
    } else {
      node(1, `${id('rule', r.id)} --> ${id('fn', r.target.functionId)}`);
    }
  }
  for (const s of lakeStreams) node(1, `bus --> ${id('stream', s.id)} --> ${id('lake', s.table)}`);
  for (const j of lakeJobs)
    node(
      1,
      `${id('lake', 'events')} --> ${id('job', j.id)} -->|result files| ${id('fn', j.resultsFunctionId)}`,
    );
  for (const j of lakeJobs) node(1, `${id('fn', lakeQueryFunctionId)} -.->|statement| ${id('job', j.id)}`);
  for (const f of fns) {
    for (const [tableId, access] of Object.entries(f.tables) as [string, TableAccess][]) {
      node(1, `${id('fn', f.id)} ${accessArrow[accessKind(access)]} ${id('table', tableId)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** What goes between the markers: the fenced diagram and its legend. */
export function readmeBlock(): string {
  return [
    '```mermaid',
    architectureDiagram().trimEnd(),
    '```',
    '',
    'Generated from `infra/topology.ts` by `npm run diagram -- --write`; do not edit by hand. A',
    'function reaches a table it only reads by a dotted arrow, one it only writes by a solid arrow,',
    'and one it reads and writes by a two-way arrow.',
  ].join('\n');
}

/** `readme` with the text between the markers replaced by `block`; throws when a marker is missing. */
export function withArchitecture(readme: string, block: string): string {
  const begin = readme.indexOf(BEGIN_MARKER);
  const end = readme.indexOf(END_MARKER);
  if (begin < 0 || end < begin) throw new Error(`README.md needs ${BEGIN_MARKER} and then ${END_MARKER}`);
  return `${readme.slice(0, begin + BEGIN_MARKER.length)}\n${block}\n${readme.slice(end)}`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (process.argv.includes('--write')) {
    const before = readFileSync(README, 'utf8');
    const after = withArchitecture(before, readmeBlock());
    if (after !== before) writeFileSync(README, after);
    console.log(after === before ? 'README.md: the diagram is current' : 'README.md: diagram updated');
  } else {
    process.stdout.write(architectureDiagram());
  }
}

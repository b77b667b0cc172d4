import { mapLimit } from '../../models/batching.ts';
import type { LakeJobId } from '../../models/lake/jobs/index.ts';
import {
  type FunctionId,
  lakeJobs,
  type ScheduleDecl,
  type ShardedJobDecl,
  schedules,
  shardedJobs,
} from '../topology.ts';
import type { StatusBoard } from './status.ts';

export type RunSchedule = (id: string) => Promise<unknown>;

/**
 * Runs a declared schedule now: a function schedule's function invoked with its input, as
 * EventBridge would; a lake job's schedule (the job's id) runs the job, and a sharded job's runs its
 * steps, as their state machines would.
 */
export function scheduleRunner(
  invoke: (functionId: FunctionId, event: unknown) => Promise<unknown>,
  runLakeJob: (id: LakeJobId) => Promise<unknown>,
  now: () => number = Date.now,
): RunSchedule {
  return (id) => {
    const sch = (schedules as readonly ScheduleDecl[]).find((x) => x.id === id);
    if (sch) return invoke(sch.functionId, sch.input);
    const sharded = (shardedJobs as readonly ShardedJobDecl[]).find((j) => j.id === id);
    if (sharded) return runSharded(sharded, invoke, new Date(now()).toISOString());
    const job = lakeJobs.find((j) => j.id === id);
    if (job) return runLakeJob(job.id);
    throw new Error(`no schedule ${id}`);
  };
}

/**
 * A sharded job's steps in order, as its state machine runs them: a `shard` step for every shard,
 * `maxConcurrency` at once (the Distributed Map), a `run` step once; the last step's answer is the run's.
 */
export async function runSharded(
  job: ShardedJobDecl,
  invoke: (functionId: FunctionId, event: unknown) => Promise<unknown>,
  runAt: string,
): Promise<unknown> {
  const shards = Array.from({ length: job.shards }, (_, i) => i);
  let last: unknown;
  for (const step of job.steps) {
    const input = { job: job.id, step: step.id, runAt, shards: job.shards };
    last =
      step.each === 'shard'
        ? await mapLimit(shards, job.maxConcurrency, (shard) => invoke(job.functionId, { ...input, shard }))
        : await invoke(job.functionId, input);
  }
  return last;
}

/**
 * A timer per declared schedule and per scheduled lake job, every `everyMinutes`; a failed run is
 * logged. Unref'd: they keep nothing alive.
 */
export function startSchedules(runSchedule: RunSchedule, log: (line: string) => void): NodeJS.Timeout[] {
  const clocks = [
    ...(schedules as readonly ScheduleDecl[]).map((s) => ({ id: s.id, everyMinutes: s.everyMinutes })),
    ...shardedJobs.map((j) => ({ id: j.id, everyMinutes: j.everyMinutes })),
    ...lakeJobs.flatMap((j) => (j.everyMinutes === null ? [] : [{ id: j.id, everyMinutes: j.everyMinutes }])),
  ];
  return clocks.map((sch) => {
    const timer = setInterval(() => {
      runSchedule(sch.id).catch((error: Error) => log(`schedule ${sch.id} failed: ${error.message}`));
    }, sch.everyMinutes * 60_000);
    timer.unref();
    return timer;
  });
}

/**
 * The first full hit re-rank and the first bundle mining, once the demo data is in (first start) or
 * at once on kept data (time has passed since it was last ranked); the schedules take over after.
 * Settles when both have (never rejects: a failure is on the status board and in the log).
 */
export function firstRankingAndMining({
  seedDone,
  runSchedule,
  status,
  signal,
  log,
}: {
  seedDone: Promise<unknown>;
  runSchedule: RunSchedule;
  status: StatusBoard;
  /** Aborted when the runtime stops: a failure after that is not logged. */
  signal: AbortSignal;
  log: (line: string) => void;
}): Promise<void> {
  const firstRank = seedDone.then(async () => {
    status.update({ hits: { state: 'ranking' } });
    const t0 = performance.now();
    await runSchedule('rerank-all');
    status.update({ hits: { state: 'ranked', ms: Math.round(performance.now() - t0) } });
    log(`hit ranking computed in ${Math.round(performance.now() - t0)} ms`);
  });
  firstRank.catch((error: Error) => {
    status.update({ hits: { state: 'failed', error: error.message } });
    if (!signal.aborted) log(`hit ranking failed: ${error.message}`);
  });
  const firstMining = seedDone.then(async () => {
    const t1 = performance.now();
    status.update({ bundles: { state: 'mining' } });
    await runSchedule('bundle-itemsets');
    status.update({ bundles: { state: 'mined', ms: Math.round(performance.now() - t1) } });
  });
  firstMining.catch((error: Error) => {
    status.update({ bundles: { state: 'failed', error: error.message } });
    if (!signal.aborted) log(`bundle mining failed: ${error.message}`);
  });
  return Promise.allSettled([firstRank, firstMining]).then(() => {});
}

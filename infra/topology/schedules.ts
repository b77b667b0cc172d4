import type { ScheduleDecl } from './types.ts';

/**
 * The functions run on a clock, one invocation each (the lake's batch jobs have their schedules in
 * lake.ts, the jobs run in shards, such as the hourly full re-rank, in sharded.ts).
 */
export const schedules = [] as const satisfies readonly ScheduleDecl[];

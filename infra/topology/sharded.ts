import type { FunctionId } from './types.ts';

/**
 * Whole-catalog jobs run in shards: on AWS a Step Functions state machine started by EventBridge
 * Scheduler, whose per-shard steps are Distributed Maps over the shard numbers; locally the runtime
 * runs the same steps in process (infra/local/schedules.ts). Every step is one invocation of the
 * job's function with `{ job, step, runAt, shards, shard? }`.
 */
export interface ShardedJobDecl {
  id: string;
  description: string;
  functionId: FunctionId;
  /** Every this many minutes; a stage may override it (cdk.json `scheduleMinutes.<id>`). */
  everyMinutes: number;
  /** The catalog cut in this many shards (the products table's parallel Scan segments). */
  shards: number;
  /** Shards at once in a per-shard step (a stage may override it: cdk.json `mapConcurrency.<id>`). */
  maxConcurrency: number;
  /** In order: a `shard` step runs once per shard (a Distributed Map), a `run` step once. */
  steps: readonly { id: string; each: 'shard' | 'run'; description: string }[];
  cadence: string;
}

export const shardedJobs = [
  {
    id: 'rerank-all',
    description:
      'Scores every product again and recomputes the priors: time passing moves products no event touched (models/hits/sharded.ts)',
    functionId: 'rerank-hits',
    everyMinutes: 60,
    // A shard of a 100k-product catalog is ~6k products: its signals read well inside a minute.
    shards: 16,
    maxConcurrency: 16,
    steps: [
      {
        id: 'shard-priors',
        each: 'shard',
        description: "The priors' parts: summed counts, prices, top units",
      },
      { id: 'merge-priors', each: 'run', description: 'The priors, added up and stored' },
      { id: 'score-shard', each: 'shard', description: "The shard's scores, and each category's best" },
      {
        id: 'rewrite-lists',
        each: 'shard',
        description: 'The lists of the categories that fall to the shard, ranked from every shard’s best',
      },
      {
        id: 'rewrite-global',
        each: 'run',
        description: 'The global list, ranked from the list steps’ best 50s',
      },
    ],
    cadence: 'Hourly: a product nobody touched still moves as its windows slide',
  },
] as const satisfies readonly ShardedJobDecl[];

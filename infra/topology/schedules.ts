import type { ScheduleDecl } from './types.ts';

/** The functions run on a clock (the lake's batch jobs have their schedules in lake.ts). */
export const schedules = [
  {
    id: 'rerank-all-hourly',
    description:
      'Scores every product again and recomputes the priors: time passing moves products no event touched',
    functionId: 'rerank-hits',
    everyMinutes: 60,
    input: { job: 'rerank-all' },
  },
] as const satisfies readonly ScheduleDecl[];

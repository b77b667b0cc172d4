import type { ScheduleDecl } from './types.ts';

/** The jobs run on a clock. */
export const schedules = [
  {
    id: 'rerank-all-hourly',
    description:
      'Scores every product again and recomputes the priors: time passing moves products no event touched',
    functionId: 'rerank-hits',
    everyMinutes: 60,
    input: { job: 'rerank-all' },
  },
  {
    id: 'retrain-hits',
    description: 'Retrains the hit model on the event log; a promoted model re-ranks everything',
    functionId: 'train-hits',
    // Weekly; cdk.json's stage settings may set another cadence (scheduleMinutes.retrain-hits).
    everyMinutes: 7 * 24 * 60,
    input: { job: 'retrain' },
  },
  {
    id: 'mine-bundles-daily',
    description: 'Mines frequently-bought-together bundles from the last 90 days of orders',
    functionId: 'mine-bundles',
    everyMinutes: 24 * 60,
    input: { job: 'mine-bundles' },
  },
  {
    id: 'rfm-cut-points-daily',
    description:
      "Recomputes the RFM quintile cut points from every shopper's profile (recency is an instant, so scores do not drift between runs)",
    functionId: 'update-profiles',
    everyMinutes: 24 * 60,
    input: { job: 'rfm-cut-points' },
  },
] as const satisfies readonly ScheduleDecl[];

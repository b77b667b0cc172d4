import { describe, expect, it } from 'vitest';
import { handler } from '../../functions/lake-query.ts';
import { athena } from '../../models/lake/dialect.ts';
import { jobWindow, LAKE_JOBS, lakeJob } from '../../models/lake/jobs/index.ts';
import { resultsPrefix, stagedSteps, workTablePrefix } from '../../models/lake/unload.ts';
import { lambdaContext } from '../support/http-event.ts';

const startedAt = '2026-12-06T02:00:00.123Z';
const event = (job: string, run = 'a1b2c3d4-e5f6-7890-abcd-ef1234567890') => ({
  job,
  bucket: 'merchandiser-dev-lake-lakebucket-abc123',
  run,
  startedAt,
});

describe('functions/lake-query', () => {
  describe('handler', () => {
    it.each(LAKE_JOBS.map((j) => j.id))(
      "unloads %s's Athena SQL over the run's window as gzipped JSON lines under the run's prefix",
      async (id) => {
        const { work, queryString, cleanup, ...rest } = await handler(event(id), lambdaContext);
        const window = jobWindow(lakeJob(id), Date.parse(startedAt));
        const prefix = `s3://merchandiser-dev-lake-lakebucket-abc123/results/${id}/a1b2c3d4-e5f6-7890-abcd-ef1234567890/`;
        // A job of one statement unloads its SQL; a staged one writes each step, unloads its result
        // over the written steps (models/lake/unload.ts, test/unit/lake-sql.test.ts), and drops them.
        const steps = stagedSteps(id);
        const sql = lakeJob(id).sql(athena, window).trim();
        const unloaded = (from: string) =>
          `UNLOAD (${from}) TO '${prefix}' WITH (format = 'JSON', compression = 'GZIP')`;
        expect(work).toHaveLength(steps.length);
        steps.forEach((step, n) => {
          expect(work[n]).toMatch(new RegExp(`^CREATE TABLE ${workTablePrefix(id)}\\w+_${step} WITH `));
        });
        expect(cleanup).toEqual(work.map((w) => `DROP TABLE IF EXISTS ${w.split(' ')[2]}`).reverse());
        if (steps.length === 0) expect(queryString).toBe(unloaded(sql));
        else {
          expect(queryString).not.toBe(unloaded(sql));
          expect(queryString).toMatch(/^UNLOAD \(WITH /);
        }
        expect(rest).toEqual({
          runAt: startedAt,
          prefix,
          resultsKey: `results/${id}/a1b2c3d4-e5f6-7890-abcd-ef1234567890/`,
        });
      },
    );

    it("reads the window up to the start of the execution's day (UTC), as the local runner does", async () => {
      const { queryString, work } = await handler(event('bundle-itemsets'), lambdaContext);
      // 90 days back from 2026-12-06, a day's margin each side for instants written with an offset,
      // in the one statement that reads the events: the baskets' work table (the job is staged).
      const window = "event_date BETWEEN '2026-09-06' AND '2026-12-07'";
      expect(work[0]).toContain(window);
      expect([queryString, ...work.slice(1)].filter((s) => s.includes(window))).toEqual([]);
    });

    it("names a stopped run's work tables for its sweep as it named them for the run", async () => {
      // The sweep passes the ended execution's name and its start as Step Functions reports it
      // (milliseconds, turned back into an ISO instant); the names hang on the job and the run
      // alone, so even a start read a day off would name the same tables.
      for (const id of LAKE_JOBS.map((j) => j.id).filter((j) => stagedSteps(j).length > 0)) {
        const run = await handler(event(id, 'manual-2026-12-06'), lambdaContext);
        const dayLater = new Date(Date.parse(startedAt) + 86_400_000).toISOString();
        const sweep = await handler(
          { ...event(id, 'manual-2026-12-06'), startedAt: dayLater },
          lambdaContext,
        );
        expect(sweep.cleanup).toEqual(
          run.work.map((w) => `DROP TABLE IF EXISTS ${w.split(' ')[2]}`).reverse(),
        );
        expect(sweep.cleanup.length).toBeGreaterThan(0);
      }
    });

    it('refuses a run name that could leave the SQL string or the prefix', async () => {
      await expect(handler(event('rfm-cut-points', "x' OR 1=1 --"), lambdaContext)).rejects.toThrow(
        /letters, digits/,
      );
      await expect(handler(event('rfm-cut-points', 'a/b'), lambdaContext)).rejects.toThrow();
      await expect(handler(event('rfm-cut-points', ''), lambdaContext)).rejects.toThrow();
    });

    it('refuses a job nobody declared, and a bucket that is not a bucket name', async () => {
      await expect(handler(event('mine-bundles'), lambdaContext)).rejects.toThrow();
      await expect(handler({ ...event('rfm-cut-points'), bucket: "b' --" }, lambdaContext)).rejects.toThrow();
    });
  });

  describe('resultsPrefix', () => {
    it('is what the results functions list (s3://bucket/results/<job>/<run>/)', () => {
      expect(resultsPrefix('lake-bucket', 'related-evidence', 'run-1')).toBe(
        's3://lake-bucket/results/related-evidence/run-1/',
      );
    });
  });
});

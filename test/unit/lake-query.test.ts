import { describe, expect, it } from 'vitest';
import { handler } from '../../functions/lake-query.ts';
import { athena } from '../../models/lake/dialect.ts';
import { jobWindow, LAKE_JOBS, lakeJob } from '../../models/lake/jobs/index.ts';
import { athenaRun, resultsPrefix } from '../../models/lake/unload.ts';
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
        const out = await handler(event(id), lambdaContext);
        const window = jobWindow(lakeJob(id), Date.parse(startedAt));
        const prefix = `s3://merchandiser-dev-lake-lakebucket-abc123/results/${id}/a1b2c3d4-e5f6-7890-abcd-ef1234567890/`;
        const staged = athenaRun(id, {
          bucket: 'merchandiser-dev-lake-lakebucket-abc123',
          run: 'a1b2c3d4-e5f6-7890-abcd-ef1234567890',
          nowMs: Date.parse(startedAt),
        });
        // A job of one statement unloads its SQL; a staged one its result over the written steps.
        const sql = staged.work.length === 0 ? lakeJob(id).sql(athena, window).trim() : undefined;
        expect(out).toEqual({
          work: staged.work,
          queryString: sql
            ? `UNLOAD (${sql}) TO '${prefix}' WITH (format = 'JSON', compression = 'GZIP')`
            : staged.queryString,
          cleanup: staged.cleanup,
          runAt: startedAt,
          prefix,
          resultsKey: `results/${id}/a1b2c3d4-e5f6-7890-abcd-ef1234567890/`,
        });
      },
    );

    it("reads the window up to the start of the execution's day (UTC), as the local runner does", async () => {
      const { queryString } = await handler(event('bundle-itemsets'), lambdaContext);
      // 90 days back from 2026-12-06, a day's margin each side for instants written with an offset.
      expect(queryString).toContain("event_date BETWEEN '2026-09-06' AND '2026-12-07'");
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

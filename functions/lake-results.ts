import * as z from 'zod';
import { bundlesFromItemsetRows, ItemsetRow } from '../models/lake/jobs/bundle-itemsets.ts';
import { jobWindow, lakeJob } from '../models/lake/jobs/index.ts';
import { EvidenceRow, evidenceOfRow, TotalsRow } from '../models/lake/jobs/related-evidence.ts';
import { RfmQuintileRow, rfmCutPointsFromRows } from '../models/lake/jobs/rfm-cut-points.ts';
import { writeBundles } from './adapters/bundle-store.ts';
import { listResultFiles, readResultRows } from './adapters/lake-results.ts';
import { writeCutPoints } from './adapters/profile-store.ts';
import { storeListInputs, storeRelatedFile } from './adapters/related-rebuild.ts';
import { bundleConfig, relatedConfig, tableName } from './lib/config.ts';
import { logger } from './lib/logger.ts';
import { stepHandler } from './lib/step.ts';

/**
 * Turns a lake job's result files into serving state: the step after the query, on AWS in the job's
 * state machine (the results prefix that Athena's UNLOAD wrote), locally after DuckDB wrote them.
 * `files` or `prefix` names them; `runAt` is the instant the job ran for (the results are as of it).
 * An `each-file` job's files are independent (models/lake/jobs/index.ts): its Distributed Map
 * hands each child one file, and a prefix is written file by file, never held whole.
 */
const ResultsEvent = z
  .object({
    job: z.enum(['rfm-cut-points', 'bundle-itemsets', 'related-evidence', 'related-totals']),
    runAt: z.iso.datetime({ offset: true }),
    files: z.array(z.string().min(1)).optional(),
    prefix: z.string().min(1).optional(),
  })
  .refine((e) => (e.files === undefined) !== (e.prefix === undefined), 'give files or prefix, not both');
type ResultsEvent = z.infer<typeof ResultsEvent>;

async function* rowsOf(event: ResultsEvent) {
  const files = event.files ?? (await listResultFiles(event.prefix!));
  for (const file of files) yield* readResultRows(file);
}

async function parsedRows<T>(event: ResultsEvent, schema: z.ZodType<T>): Promise<T[]> {
  const rows: T[] = [];
  for await (const row of rowsOf(event)) rows.push(schema.parse(row));
  return rows;
}

export const handler = stepHandler(ResultsEvent, async (event) => {
  const at = Date.parse(event.runAt);
  switch (event.job) {
    case 'rfm-cut-points': {
      const cuts = rfmCutPointsFromRows(await parsedRows(event, RfmQuintileRow), at);
      await writeCutPoints(tableName('rfmProfiles'), cuts);
      logger.info('cut points stored', { population: cuts.population, method: cuts.method });
      return { job: event.job, population: cuts.population, method: cuts.method };
    }
    case 'bundle-itemsets': {
      const mined = bundlesFromItemsetRows(await parsedRows(event, ItemsetRow), bundleConfig());
      await writeBundles(tableName('bundles'), mined, new Date(at).toISOString());
      const report = {
        job: event.job,
        baskets: mined.baskets,
        rules: mined.rules,
        bundles: mined.bundles.size,
      };
      logger.info('bundles mined', report);
      return report;
    }
    case 'related-evidence': {
      const names = {
        related: tableName('related'),
        products: tableName('products'),
        scenes: tableName('scenes'),
      };
      const stored = { files: 0, products: 0, lists: 0 };
      for (const file of event.files ?? (await listResultFiles(event.prefix!))) {
        const rows = [];
        for await (const row of readResultRows(file)) rows.push(evidenceOfRow(EvidenceRow.parse(row), at));
        const written = await storeRelatedFile(names, rows, { now: at, config: relatedConfig() });
        stored.files++;
        stored.products += written.products;
        stored.lists += written.lists;
      }
      logger.info('related evidence stored from the lake', stored);
      return { job: event.job, ...stored };
    }
    case 'related-totals': {
      const totals = (await parsedRows(event, TotalsRow)).map((r) => ({
        productId: r.product_id,
        views: r.views,
        orders: r.orders,
      }));
      const stored = await storeListInputs(
        { related: tableName('related'), products: tableName('products'), scenes: tableName('scenes') },
        totals,
        // The window the run read: a list the live path wrote since is newer than the run's totals.
        { now: at, windowEnd: jobWindow(lakeJob(event.job), at).toMs, config: relatedConfig() },
      );
      logger.info('related totals and content neighbours stored', stored);
      return { job: event.job, ...stored };
    }
  }
});

import nodeSqlParser from 'node-sql-parser';
import { describe, expect, it } from 'vitest';
import { athena } from '../../models/lake/dialect.ts';
import { bundleItemsetsSql } from '../../models/lake/jobs/bundle-itemsets.ts';
import { hitDailySignalsSql } from '../../models/lake/jobs/hit-daily-signals.ts';
import { relatedEvidenceSql, relatedTotalsSql } from '../../models/lake/jobs/related-evidence.ts';
import { rfmCutPointsSql } from '../../models/lake/jobs/rfm-cut-points.ts';

/**
 * The same SQL text runs on Athena (Trino) and DuckDB: no Trino server runs here, so the Athena
 * text of every job is parsed as Trino (syntax, not the function list), and the DuckDB text runs in
 * test/integration/lake-jobs.test.ts. Both come from one template per job: they differ only where the
 * dialect's functions (models/lake/dialect.ts) are called.
 */
const { Parser } = nodeSqlParser;
const parser = new Parser();
const window = { fromMs: Date.UTC(2026, 8, 1), toMs: Date.UTC(2026, 10, 23) };
const jobs = {
  'rfm-cut-points': (d: typeof athena) => rfmCutPointsSql(d),
  'bundle-itemsets': (d: typeof athena) => bundleItemsetsSql(d, window),
  'related-evidence': (d: typeof athena) => relatedEvidenceSql(d, window),
  'related-totals': (d: typeof athena) => relatedTotalsSql(d, window),
  'hit-daily-signals': (d: typeof athena) => hitDailySignalsSql(d, window),
};

describe('lake job SQL', () => {
  it.each(Object.entries(jobs))('%s parses as Trino (Athena engine v3)', (_id, sql) => {
    expect(() => parser.astify(sql(athena), { database: 'trino' })).not.toThrow();
  });

  it('refuses what only DuckDB understands', () => {
    expect(() => parser.astify('SELECT x FROM t QUALIFY rn = 1', { database: 'trino' })).toThrow();
    expect(() => parser.astify('SELECT a, count(*) FROM t GROUP BY ALL', { database: 'trino' })).toThrow();
  });
});

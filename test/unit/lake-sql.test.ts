import nodeSqlParser from 'node-sql-parser';
import { describe, expect, it } from 'vitest';
import { athena } from '../../models/lake/dialect.ts';
import { bundleItemsetsSql } from '../../models/lake/jobs/bundle-itemsets.ts';
import { hitDailySignalsSql } from '../../models/lake/jobs/hit-daily-signals.ts';
import { relatedEvidenceSql, relatedTotalsSql } from '../../models/lake/jobs/related-evidence.ts';
import { rfmCutPointsSql } from '../../models/lake/jobs/rfm-cut-points.ts';
import { athenaRun, workTablePrefix } from '../../models/lake/unload.ts';

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

  // Athena (Trino) evaluates a WITH query again at every reference: a job whose levels refer to
  // each other multiplies its reads of the lake (bundle-itemsets once read it 2,041 times a run).
  it.each([
    ['rfm-cut-points', 1],
    ['bundle-itemsets', 43],
    ['related-evidence', 40],
    ['related-totals', 8],
    // Views, carts and reviews; orders; searches (listed and clicked in one pass).
    ['hit-daily-signals', 3],
  ] as const)(
    '%s reads the events table %i times when every WITH reference is evaluated again',
    (id, reads) => {
      expect(eventReads(jobs[id](athena))).toBe(reads);
    },
  );

  // On AWS the related and bundle jobs run in steps too (models/lake/unload.ts): each written step is
  // read as a table, so a run reads the events a few times instead of 40 (once instead of 43).
  describe('staged on Athena', () => {
    const run = (job: 'related-evidence' | 'related-totals' | 'bundle-itemsets', name = 'a1b2-C3.d4') =>
      athenaRun(job, { bucket: 'lake-bucket', run: name, nowMs: window.toMs });
    const body = (ctas: string) => ctas.slice(ctas.indexOf(' AS\n') + 4);
    const unloaded = (unload: string) => unload.slice('UNLOAD ('.length, unload.lastIndexOf(') TO '));

    it.each([
      ['related-evidence', ['products', 'touches', 'ids', 'pairs'], 6],
      ['related-totals', ['products', 'touches'], 4],
      // The orders' baskets once; the levels read the written baskets and pairs.
      ['bundle-itemsets', ['baskets', 'i2'], 1],
    ] as const)(
      '%s writes %j, then unloads its result; the run reads the events %i times',
      (job, steps, reads) => {
        const r = run(job);
        const table = `${workTablePrefix(job)}a1b2_c3_d4_`;
        expect(r.work).toHaveLength(steps.length);
        r.work.forEach((statement, n) => {
          const step = steps[n]!;
          expect(statement).toMatch(
            new RegExp(
              // No external_location: the workgroup enforces its own, and Athena fails a CTAS that names one.
              `^CREATE TABLE ${table}[0-9a-f]{8}_${step} WITH \\(format = 'PARQUET', write_compression = 'ZSTD'\\) AS\n`,
            ),
          );
          expect(() => parser.astify(body(statement), { database: 'trino' })).not.toThrow();
          // What it reads of the steps before it, it reads from their tables.
          for (const before of steps.slice(0, n))
            expect(body(statement)).toMatch(
              new RegExp(`${before} AS \\(\nSELECT \\* FROM work_\\w+_${before}\\n\\)`),
            );
        });
        expect(() => parser.astify(unloaded(r.queryString), { database: 'trino' })).not.toThrow();
        const total = [...r.work.map(body), unloaded(r.queryString)].reduce(
          (n, sql) => n + eventReads(sql),
          0,
        );
        expect(total).toBe(reads);
        // Every table written is dropped, the last first, whether the run succeeds or fails.
        const created = r.work.map((s) => s.split(' ')[2]);
        expect(r.cleanup).toEqual(created.map((t) => `DROP TABLE IF EXISTS ${t}`).reverse());
      },
    );

    it('keeps two runs whose names fold alike apart, and names only Glue-legal tables', () => {
      const a = run('related-totals', 'Run-1').work.map((s) => s.split(' ')[2]!);
      const b = run('related-totals', 'run_1').work.map((s) => s.split(' ')[2]!);
      for (const t of [...a, ...b]) expect(t).toMatch(/^[a-z][a-z0-9_]*$/);
      expect(a.filter((t) => b.includes(t))).toEqual([]);
    });

    it('leaves a job of one statement as it was', () => {
      const r = athenaRun('hit-daily-signals', { bucket: 'lake-bucket', run: 'r', nowMs: window.toMs });
      expect(r.work).toEqual([]);
      expect(r.cleanup).toEqual([]);
    });
  });

  it('refuses what only DuckDB understands', () => {
    expect(() => parser.astify('SELECT x FROM t QUALIFY rn = 1', { database: 'trino' })).toThrow();
    expect(() => parser.astify('SELECT a, count(*) FROM t GROUP BY ALL', { database: 'trino' })).toThrow();
  });
});

/**
 * How many times a statement reads `events` on an engine that evaluates a WITH query at each
 * reference: the top-level WITH queries' bodies, each reference counted with what it reads in turn.
 */
function eventReads(sql: string): number {
  const text = sql.replace(/--[^\n]*/g, '');
  const bodies = new Map<string, string>();
  const named = /(?:WITH|,)\s*([a-z_][a-z0-9_]*)\s+AS\s*\(/gi;
  let main = 0;
  for (let m = named.exec(text); m !== null; m = named.exec(text)) {
    const before = text.slice(0, m.index);
    if ((before.match(/\(/g)?.length ?? 0) !== (before.match(/\)/g)?.length ?? 0)) continue;
    let i = named.lastIndex;
    for (let depth = 1; depth > 0; i++) depth += text[i] === '(' ? 1 : text[i] === ')' ? -1 : 0;
    bodies.set(m[1]!, text.slice(named.lastIndex, i - 1));
    main = i;
    named.lastIndex = i;
  }
  const memo = new Map<string, number>();
  const reads = (body: string): number => {
    let n = body.match(/\b(FROM|JOIN)\s+events\b/gi)?.length ?? 0;
    for (const name of bodies.keys()) {
      const refs = body.match(new RegExp(`\\b(FROM|JOIN)\\s+${name}\\b`, 'gi'))?.length ?? 0;
      if (refs > 0) {
        if (!memo.has(name)) memo.set(name, reads(bodies.get(name)!));
        n += refs * memo.get(name)!;
      }
    }
    return n;
  };
  return reads(text.slice(main));
}

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchWriteAll } from '../../functions/adapters/dynamo/batch-write.ts';
import { storeListInputs, storeRelatedFile } from '../../functions/adapters/related-rebuild.ts';
import { readNeighbourLists } from '../../functions/adapters/related-store.ts';
import { contentIndex, storedList } from '../../functions/adapters/related-updater.ts';
import { generateDemoData } from '../../infra/local/demo/data/generate.ts';
import { LocalLake } from '../../infra/local/lake/duckdb.ts';
import { duckdb } from '../../models/lake/dialect.ts';
import {
  EvidenceRow,
  evidenceOfRow,
  relatedEvidenceSql,
  relatedTotalsSql,
  TotalsRow,
} from '../../models/lake/jobs/related-evidence.ts';
import { STORED_LIST_LENGTH } from '../../models/related/answer.ts';
import { defaultRelatedConfig } from '../../models/related/evidence.ts';
import { freshTables, scanAll } from '../support/dynamo.ts';

/**
 * The related-evidence job written file by file (each file's products alone, their content
 * neighbours and categories from the related-totals job's compact items) stores what writing every
 * file at once from the whole catalog stored: the same evidence, and for every catalog product the
 * same neighbour list (content-only lists, for products without evidence, from the totals job).
 */
const END = Date.UTC(2026, 10, 23);
const demo = generateDemoData({ seed: 7, endAt: new Date(END), days: 30, products: 600, events: 20_000 });
const window = { fromMs: END - 30 * 86_400_000, toMs: END };
let lake: LocalLake;
let root: string;
let tables: Awaited<ReturnType<typeof freshTables>>;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'related-rebuild-'));
  lake = await LocalLake.open({ root, memoryLimit: '512MB' });
  await lake.append(demo.events);
  tables = await freshTables();
  await batchWriteAll(tables.names.products, demo.products, { client: tables.doc });
  await batchWriteAll(tables.names.scenes, demo.scenes, { client: tables.doc });
}, 60_000);
afterAll(() => {
  lake?.close();
  rmSync(root, { recursive: true, force: true });
});

describe('related-evidence, file by file', () => {
  it('stores the evidence and every catalog list that writing all files with the whole catalog stores', async () => {
    const now = END + 3_600_000;
    const totals = (await lake.query(relatedTotalsSql(duckdb, window))).map((r) => TotalsRow.parse(r));
    const rows = (await lake.query(relatedEvidenceSql(duckdb, window))).map((r) =>
      evidenceOfRow(EvidenceRow.parse(r), now),
    );
    expect(rows.length).toBeGreaterThan(100);

    // The daily related-totals job, then the files: five, the rows dealt round-robin.
    await storeListInputs(
      tables.names,
      totals.map((t) => ({ productId: t.product_id, views: t.views, orders: t.orders })),
      { now, windowEnd: END, client: tables.doc },
    );
    const files = [0, 1, 2, 3, 4].map((k) => rows.filter((_, i) => i % 5 === k));
    let lists = 0;
    for (const file of files)
      lists += (await storeRelatedFile(tables.names, file, { now, client: tables.doc })).lists;

    // All files at once: every row's evidence for the partners' totals, the catalog's content index.
    const evidence = new Map(rows.map((r) => [r.evidence.productId, r.evidence]));
    const catalog = await contentIndex(tables.names, tables.doc);
    const expected = new Map(
      catalog.productIds.map((id) => [
        id,
        storedList(
          evidence.get(id),
          (p) => evidence.get(p),
          catalog.index.neighbours(id, STORED_LIST_LENGTH),
          catalog.categoryOf,
          now,
          defaultRelatedConfig,
        ),
      ]),
    );
    const withEvidence = catalog.productIds.filter((id) => evidence.has(id));
    expect(lists).toBe(withEvidence.length);
    expect(withEvidence.length).toBeLessThan(catalog.productIds.length);

    const stored = await readNeighbourLists(tables.names.related, catalog.productIds, tables.doc);
    expect(stored.size).toBe(catalog.productIds.length);
    for (const id of catalog.productIds) expect(stored.get(id), id).toEqual(expected.get(id));
    // Some lists are behavioural: the comparison is not between content lists alone.
    expect(
      withEvidence.some((id) => stored.get(id)!.some((n) => n.reasons.includes('bought_together'))),
    ).toBe(true);

    const items = await scanAll(tables.doc, tables.names.related);
    const storedEvidence = items.filter((i) => i.part === 'evidence');
    expect(storedEvidence).toHaveLength(evidence.size);
    for (const item of storedEvidence) {
      const { part: _p, version: _v, ...ev } = item;
      expect(ev).toEqual(evidence.get(item.productId as string));
    }
  }, 120_000);
});

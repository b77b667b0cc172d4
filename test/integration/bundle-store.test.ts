import { beforeAll, describe, expect, it } from 'vitest';
import { readBundle, writeBundles } from '../../functions/adapters/bundle-store.ts';
import { mineBundles } from '../../models/bundles/mine.ts';
import { freshTables } from '../support/dynamo.ts';

let db: Awaited<ReturnType<typeof freshTables>>;
beforeAll(async () => {
  db = await freshTables();
});

const baskets = (pair: [string, string], n: number) => [
  ...Array.from({ length: n }, () => [...pair]),
  ...Array.from({ length: 100 }, (_, i) => [`x-${i}`]),
];

describe('bundle store on DynamoDB Local', () => {
  it('serves the latest mining and ignores bundles an older run left behind', async () => {
    await writeBundles(
      db.names.bundles,
      mineBundles(baskets(['tent', 'lamp'], 6)),
      '2026-11-22T00:00:00.000Z',
      db.doc,
    );
    expect((await readBundle(db.names.bundles, 'tent', db.doc)).bundle?.items).toEqual(['tent', 'lamp']);
    // The next run no longer finds tent+lamp: tent's old item stays in the table but is not served.
    await writeBundles(
      db.names.bundles,
      mineBundles(baskets(['desk', 'chair'], 6)),
      '2026-11-23T00:00:00.000Z',
      db.doc,
    );
    const tent = await readBundle(db.names.bundles, 'tent', db.doc);
    expect(tent).toEqual({ bundle: undefined, minedAt: '2026-11-23T00:00:00.000Z' });
    expect((await readBundle(db.names.bundles, 'chair', db.doc)).bundle?.items).toEqual(['chair', 'desk']);
  });
});

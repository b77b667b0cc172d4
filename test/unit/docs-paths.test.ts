import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The README and the documents it links to name only paths that exist: every backticked repository
 * path (a word with a slash and a file extension, or ending in a slash) and every relative link.
 * Generated or machine-local places (reports/, .data/, cdk.out/, ../shared/) are not checked.
 */
const ROOT = resolve(import.meta.dirname, '../..');
const documents = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs')).map((f) => `docs/${f}`),
  ...readdirSync(join(ROOT, 'models'), { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(ROOT, 'models', d.name, 'README.md')))
    .map((d) => `models/${d.name}/README.md`),
  'models/pricing/EXAMPLES.md',
].filter((f) => f.endsWith('.md'));

const GENERATED = /^(\.\.\/|reports\/|\.data\/|cdk\.out\/|node_modules\/|\/)/;

/** Backticked repository paths: `a/b.ts`, `infra/local/`, `a/b.ts:12` (a line number is dropped). */
function backtickedPaths(text: string): string[] {
  const out: string[] = [];
  for (const [, raw] of text.matchAll(/`([^`\s]+)`/g)) {
    const path = raw!.replace(/:\d+(-\d+)?$/, '');
    if (!path.includes('/') || GENERATED.test(path) || /[{}<>*$=?]|^https?:/.test(path)) continue;
    if (/\.(ts|tsx|js|mjs|json|md|sh|css|html|csv)$/.test(path) || path.endsWith('/')) out.push(path);
  }
  return out;
}

/** Relative markdown links, resolved against the document's folder. */
function linkedPaths(doc: string, text: string): string[] {
  return [...text.matchAll(/\]\(([^)\s#]+)(#[^)]*)?\)/g)]
    .map(([, href]) => href!)
    .filter((href) => !/^[a-z]+:/.test(href))
    .map((href) => join(dirname(doc), href))
    .filter((path) => !GENERATED.test(path));
}

describe('documentation paths', () => {
  it.each(documents)('%s names only paths that exist', (doc) => {
    const text = readFileSync(join(ROOT, doc), 'utf8');
    const missing = [...new Set([...backtickedPaths(text), ...linkedPaths(doc, text)])].filter(
      (p) => !existsSync(join(ROOT, p)),
    );
    expect(missing).toEqual([]);
  });

  it('finds the paths it is meant to check', () => {
    expect(
      backtickedPaths('see `infra/topology.ts` and `functions/` but not `GET /v1/hits` or `a b`'),
    ).toEqual(['infra/topology.ts', 'functions/']);
    expect(linkedPaths('docs/x.md', '[a](../README.md) [b](https://x.org/y.md) [c](hits.md#top)')).toEqual([
      'README.md',
      'docs/hits.md',
    ]);
  });
});

import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { functions } from '../../infra/topology.ts';

/**
 * The layering the README promises, read from the source: every Lambda entry point is a thin middy
 * chain from functions/lib (HTTP routes, queue consumers, state machine steps), so every one logs
 * with its invocation's context and parses its input with zod; and the domain code in models/
 * imports no AWS SDK, no Lambda tooling and nothing from functions/.
 */
const ROOT = join(import.meta.dirname, '../..');
const source = (path: string) => readFileSync(join(ROOT, path), 'utf8');
/** The source without its comments: a chain named in a comment does not count. */
const code = (path: string) =>
  source(path)
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/^\s*\/\/.*$/gm, '');
const CHAINS = /\b(httpApi|busEventConsumer|busBatchConsumer|stepHandler)\(/;

function filesUnder(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => relative(ROOT, join(e.parentPath, e.name)));
}

describe('entry points and domain code', () => {
  it.each(functions.map((f) => [f.id, f.entry] as const))(
    '%s (%s) builds its handler from one of the middy chains in functions/lib',
    (_id, entry) => {
      expect(code(entry)).toMatch(CHAINS);
    },
  );

  it('models/ imports no AWS SDK, no Lambda tooling and nothing from functions/ or infra/', () => {
    const offending = filesUnder('models').filter((f) =>
      /from '(@aws-sdk\/|@aws-lambda-powertools\/|@middy\/|aws-lambda'|(\.\.\/)+(functions|infra)\/)/.test(
        code(f),
      ),
    );
    expect(offending).toEqual([]);
  });
});

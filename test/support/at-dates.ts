import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseArgs, stripVTControlCharacters } from 'node:util';

/**
 * `npm run test:dates`: the time-sensitive tests (every test file that takes the tests' clock from
 * test/support: clock.ts, runtime.ts or tokens.ts) run once per fixed instant, with
 * MERCHANDISER_TEST_NOW set to it. The instants are the calendar's awkward places: month and year
 * ends just before midnight UTC (a run that starts there crosses into the next day while the
 * runtime works), just after midnight, a leap day, a Monday and a Sunday, and the 11.11 sale day.
 *
 *   npm run test:dates                         # every instant, every time-sensitive file
 *   npm run test:dates -- --at 2028-02-29T12:00:00Z --files test/e2e/service.test.ts
 */
export const FIXED_INSTANTS = [
  { at: '2026-11-23T09:30:00Z', why: 'the default instant (a Monday morning)' },
  { at: '2026-11-30T23:59:40Z', why: 'a month end, a Monday, 20 s before midnight UTC' },
  { at: '2026-12-01T00:00:20Z', why: 'just after midnight UTC, the first of a month' },
  { at: '2026-12-06T15:00:00Z', why: 'a Sunday afternoon' },
  { at: '2026-12-31T23:59:50Z', why: 'the year end, 10 s before midnight UTC' },
  { at: '2027-01-31T08:00:00Z', why: 'a month end on a Sunday' },
  { at: '2028-02-29T12:00:00Z', why: 'a leap day' },
  { at: '2026-11-11T12:00:00Z', why: 'the 11.11 sale day (the demo calendar peaks)' },
] as const;

const ROOT = resolve(import.meta.dirname, '../..');

/** Test files that read the tests' clock, directly or through the runtime boot or the tokens. */
export function timeSensitiveFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (
        entry.name.endsWith('.test.ts') &&
        /support\/(clock|runtime|tokens)\.ts['"]/.test(readFileSync(path, 'utf8'))
      )
        out.push(relative(ROOT, path));
    }
  };
  walk(join(ROOT, 'test'));
  return out.sort();
}

if (import.meta.filename === process.argv[1]) {
  const { values } = parseArgs({
    options: { at: { type: 'string', multiple: true }, files: { type: 'string', multiple: true } },
  });
  const instants = values.at?.map((at) => ({ at, why: 'asked for' })) ?? FIXED_INSTANTS;
  const files = values.files ?? timeSensitiveFiles();
  console.log(`${files.length} time-sensitive test files:\n  ${files.join('\n  ')}`);
  const rows: string[] = [];
  let failed = 0;
  for (const { at, why } of instants) {
    const started = performance.now();
    console.log(`\n== MERCHANDISER_TEST_NOW=${at} (${why})`);
    const run = spawnSync('npx', ['vitest', 'run', '--reporter=dot', ...files], {
      cwd: ROOT,
      env: { ...process.env, MERCHANDISER_TEST_NOW: at },
      stdio: ['ignore', 'pipe', 'inherit'],
      encoding: 'utf8',
    });
    const summary =
      stripVTControlCharacters(run.stdout)
        .match(/Tests\s+(.*)/)?.[1]
        ?.trim() ?? '?';
    if (run.status !== 0) {
      failed++;
      console.log(run.stdout.slice(-6_000));
    }
    const seconds = Math.round((performance.now() - started) / 1000);
    rows.push(`${run.status === 0 ? 'ok  ' : 'FAIL'}  ${at}  ${summary}  (${seconds} s)  ${why}`);
    console.log(rows.at(-1));
  }
  console.log(`\n${rows.join('\n')}`);
  process.exitCode = failed > 0 ? 1 : 0;
}

/**
 * Association rules ("frequently bought together") from a basket file, as arules' apriori finds them.
 *
 *   npm run mine:bundles -- --input baskets.csv --support S --confidence C [--json] [--minlen 2]
 *                       [--maxlen 10] [--top 20]
 *   npm run mine:bundles -- --input ../shared/data/groceries/groceries.csv --support 0.006 --confidence 0.25
 *
 * Input: one basket per line, comma-separated item names (the Groceries format), names verbatim.
 * Output: the best rules as a table (by lift), the number of rules by length and the time taken; or
 * with `--json` only one JSON object on stdout: `{"baskets": N, "rules": [{lhs, rhs, support,
 * confidence, lift, count}]}` with every rule, best first. Bad arguments: a message on stderr and
 * exit code 2.
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { mineRules, parseBaskets, type Rule } from '../models/bundles/mining.ts';

const USAGE =
  'usage: mine-bundles --input <baskets.csv> --support <0..1> --confidence <0..1> [--json] [--minlen 2] [--maxlen 10] [--top 20]';

export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
  readFile: (path: string) => string;
}

const processIo: Io = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  readFile: (path) => readFileSync(path, 'utf8'),
};

class UsageError extends Error {}

function fraction(name: string, value: string | undefined): number {
  if (value === undefined) throw new UsageError(`--${name} is required`);
  const v = Number(value);
  if (value.trim() === '' || !Number.isFinite(v) || v < 0 || v > 1)
    throw new UsageError(`--${name} must be a number between 0 and 1, got '${value}'`);
  return v;
}

function count(name: string, value: string, min: number): number {
  const v = Number(value);
  if (!/^\d+$/.test(value.trim()) || v < min)
    throw new UsageError(`--${name} must be a whole number >= ${min}, got '${value}'`);
  return v;
}

/** Runs the command; returns the exit code (0, 1 on a failure, 2 on bad arguments). */
export function run(argv: readonly string[], io: Io = processIo): number {
  try {
    const { values } = parseArgs({
      args: [...argv],
      options: {
        input: { type: 'string' },
        support: { type: 'string' },
        confidence: { type: 'string' },
        json: { type: 'boolean', default: false },
        minlen: { type: 'string', default: '2' },
        maxlen: { type: 'string', default: '10' },
        top: { type: 'string', default: '20' },
        help: { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: false,
    });
    if (values.help) {
      io.out(USAGE);
      return 0;
    }
    if (!values.input) throw new UsageError('--input is required');
    const minSupport = fraction('support', values.support);
    const minConfidence = fraction('confidence', values.confidence);
    const minLen = count('minlen', values.minlen, 1);
    const maxLen = count('maxlen', values.maxlen, minLen);
    const top = count('top', values.top, 0);

    let text: string;
    try {
      text = io.readFile(values.input);
    } catch (err) {
      throw new UsageError(`cannot read --input ${values.input}: ${(err as Error).message}`);
    }
    const started = performance.now();
    const baskets = parseBaskets(text);
    const result = mineRules(baskets, { minSupport, minConfidence, minLen, maxLen });
    const elapsed = performance.now() - started;

    if (values.json) {
      io.out(JSON.stringify(result));
      return 0;
    }
    const items = new Set(baskets.flat()).size;
    io.out(
      `${values.input}: ${result.baskets.toLocaleString('en')} baskets, ${items} items; ` +
        `support >= ${minSupport}, confidence >= ${minConfidence}, ${minLen} to ${maxLen} items`,
    );
    io.out(formatTable(result.rules.slice(0, top)));
    if (result.rules.length > top) io.out(`... ${result.rules.length - top} more (--top, --json)`);
    const byLength = new Map<number, number>();
    for (const rule of result.rules) {
      const len = rule.lhs.length + 1;
      byLength.set(len, (byLength.get(len) ?? 0) + 1);
    }
    const lengths = [...byLength]
      .sort(([a], [b]) => a - b)
      .map(([len, n]) => `${n} with ${len} items`)
      .join(', ');
    io.out(`${result.rules.length} rules${lengths ? ` (${lengths})` : ''}`);
    io.out(`mined in ${(elapsed / 1000).toFixed(2)} s (parse + FP-growth + rules)`);
    return 0;
  } catch (err) {
    // parseArgs throws TypeErrors with a code (unknown option, missing value) on bad arguments.
    const code = (err as { code?: unknown }).code;
    if (err instanceof UsageError || (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS'))) {
      io.err(`mine-bundles: ${(err as Error).message}`);
      io.err(USAGE);
      return 2;
    }
    io.err(err instanceof Error ? (err.stack ?? err.message) : String(err));
    return 1;
  }
}

function formatTable(rules: readonly Rule[]): string {
  const rows = rules.map((r, i) => [
    String(i + 1),
    `{${r.lhs.join(', ')}} => {${r.rhs}}`,
    r.support.toFixed(6),
    r.confidence.toFixed(4),
    r.lift.toFixed(4),
    String(r.count),
  ]);
  const header = ['#', 'rule', 'support', 'confidence', 'lift', 'count'];
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((row) => row[c]!.length)));
  // The rule column is left-aligned, the figures right-aligned.
  const line = (cells: readonly string[]) =>
    cells.map((cell, c) => (c === 1 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ');
  return [line(header), ...rows.map(line)].join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  // `... --json | head -c 300` closes the pipe early: that is the reader's choice, not a failure.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    process.exit(process.exitCode ?? 0);
  });
  process.exitCode = run(process.argv.slice(2));
}

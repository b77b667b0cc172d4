import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { getHeapStatistics } from 'node:v8';

/** Peak resident memory of this process so far, MB (VmHWM on Linux; maxRSS elsewhere). */
export function peakRssMb(): number {
  const hwm = readFileSync('/proc/self/status', 'utf8').match(/VmHWM:\s+(\d+) kB/);
  return hwm ? Math.round(Number(hwm[1]) / 1024) : Math.round(process.resourceUsage().maxRSS / 1024);
}

/**
 * The V8 flags the Lambda Node.js runtime starts a function of `memoryMb` with (its bootstrap, on
 * the command line, where they win over NODE_OPTIONS): `gc` exposed, a tenth of the memory for the
 * young generation, half of that per semi-space, the rest for the old generation.
 */
export function lambdaHeapFlags(memoryMb: number): string[] {
  const newSpace = Math.floor(memoryMb / 10);
  return [
    '--expose-gc',
    `--max-semi-space-size=${Math.floor(newSpace / 2)}`,
    `--max-old-space-size=${memoryMb - newSpace}`,
  ];
}

const CHILD = 'MERCHANDISER_BENCH_HEAP_CHILD';

/**
 * Runs this script again with `flags` (V8 heap flags) and exits with the child's status, unless it
 * is that child: a benchmark measures a function's memory under the heap it will have, where a
 * workstation's heap collects at other points and reports another peak (or hides a heap the
 * function would run out of). `undefined`: runs as it is.
 */
export function underHeapFlags(flags: readonly string[] | undefined): void {
  if (flags === undefined || process.env[CHILD] === '1') return;
  const child = spawnSync(process.execPath, [...process.execArgv, ...flags, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, [CHILD]: '1' },
  });
  process.exit(child.status ?? 1);
}

/** The heap limit this process runs under, MB (old generation and young, as V8 reports it). */
export const heapLimitMb = () => Math.round(getHeapStatistics().heap_size_limit / 2 ** 20);

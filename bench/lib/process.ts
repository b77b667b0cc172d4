import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { getHeapStatistics } from 'node:v8';

/** Peak resident memory of this process so far, MB (VmHWM on Linux; maxRSS elsewhere). */
export function peakRssMb(): number {
  const hwm = readFileSync('/proc/self/status', 'utf8').match(/VmHWM:\s+(\d+) kB/);
  return hwm ? Math.round(Number(hwm[1]) / 1024) : Math.round(process.resourceUsage().maxRSS / 1024);
}

/**
 * Runs this script again under a V8 heap limit of `heapMb` (a function's declared `heapMb`) unless
 * it already runs under it, and exits with the child's status: a benchmark measures the memory a
 * function uses under the heap it will have, where an unbounded heap collects lazily and reports
 * a peak the function never reaches (or hides a heap it would run out of). `undefined`: as it is.
 */
export function underHeapLimit(heapMb: number | undefined): void {
  if (heapMb === undefined) return;
  const limitMb = getHeapStatistics().heap_size_limit / 2 ** 20;
  // The limit V8 reports is the old space asked for plus the young generation's few tens of MB.
  if (limitMb >= heapMb && limitMb < heapMb + 128) return;
  const child = spawnSync(
    process.execPath,
    [...process.execArgv, `--max-old-space-size=${heapMb}`, ...process.argv.slice(1)],
    { stdio: 'inherit' },
  );
  process.exit(child.status ?? 1);
}

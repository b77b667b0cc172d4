import { readFileSync } from 'node:fs';

/** Peak resident memory of this process so far, MB (VmHWM on Linux; maxRSS elsewhere). */
export function peakRssMb(): number {
  const hwm = readFileSync('/proc/self/status', 'utf8').match(/VmHWM:\s+(\d+) kB/);
  return hwm ? Math.round(Number(hwm[1]) / 1024) : Math.round(process.resourceUsage().maxRSS / 1024);
}

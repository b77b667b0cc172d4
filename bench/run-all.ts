import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';

/** `npm run bench`: every benchmark in bench/, one after another, each in a fresh process. */
// mine-bundles.ts is a command over an input file (npm run mine:bundles), not a benchmark.
const skip = new Set(['run-all.ts', 'stats.ts', 'mine-bundles.ts', 'scale.ts', 'consumers.ts', 'lib']);
for (const file of readdirSync(import.meta.dirname)
  .filter((f) => f.endsWith('.ts') && !skip.has(f))
  .sort()) {
  console.log(`\n== bench/${file}`);
  execFileSync(process.execPath, ['--import', 'tsx', `${import.meta.dirname}/${file}`], { stdio: 'inherit' });
}

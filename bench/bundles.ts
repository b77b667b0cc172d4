import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { type BuildOptions, build, version as esbuildVersion } from 'esbuild';
import { CREDENTIAL_STUB_ALIASES } from '../infra/stacks/bundling.ts';
import {
  EVENT_BUS_ENV,
  type FunctionDecl,
  type FunctionId,
  functions,
  tableEnvVar,
  tables,
} from '../infra/topology.ts';
import { round } from './stats.ts';

/**
 * `npm run bench:bundles`: each Lambda function's bundle size and cold module initialisation.
 *
 * Bundling: every function of infra/topology.ts is bundled with esbuild's JS API using exactly
 * the options infra/stacks/functions-stack.ts gives NodejsFunction (LAMBDA_BUNDLING below, copied
 * from its `bundling`: ESM, platform node, target node22, minify, a linked source map, mainFields
 * module/main, the createRequire banner, no externals, so the AWS SDK v3 is bundled and
 * tree-shaken). No option is added to the stack's. The size counted is the .js alone; the .map is
 * printed beside it. TensorFlow.js counts as present when any input esbuild loaded is under
 * `@tensorflow`. The largest packages are the metafile's bytes in the output grouped by
 * node_modules package (the project's own files are left out of that column).
 *
 * Cold init: a fresh `node --enable-source-maps` (what the stack's NODE_OPTIONS sets) runs a tiny
 * .mjs runner that imports the bundle, with the variables the handlers read at import (every
 * TABLE_*, the bus, a region, dummy credentials and keys, as infra/local/runtime.ts sets them).
 * Inside the child, performance.now() (milliseconds since the process's time origin) is read
 * before and after `await import(bundle)`: `init` is the import alone (reading, compiling and
 * evaluating the bundle, source map included); `start` is from process start to the import
 * resolved. The child's wall time minus a bare `node -e ""` is printed as a cross-check. Each
 * figure is the median of --runs (default 5) processes, run one after another.
 *
 * Options: `--json` prints one JSON object and nothing else; `--runs N`; `--only id,id`;
 * `--external pkg,pkg` bundles with these packages external as well, to weigh a proposal (the
 * header says so); `--keep` keeps the bundles and prints where. The exit code is 1 when a
 * read-path function is 500 KB (500 x 1024 bytes) or more or bundles TensorFlow.js.
 */
const { values } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    runs: { type: 'string', default: '5' },
    only: { type: 'string' },
    external: { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
});
const runs = Math.max(1, Math.floor(Number(values.runs)) || 5);
const ROOT = resolve(import.meta.dirname, '..');

/** The request-path functions: small bundles, no model. */
const READ_PATH: readonly FunctionId[] = [
  'related-read',
  'scenes-read',
  'hits-read',
  'bundle-read',
  'pricing',
  'catalog-read',
  'api-system',
];
const LIMIT_BYTES = 500 * 1024;

/** The stack's NodejsFunction `bundling`, as esbuild options (keep the two in step). */
export const LAMBDA_BUNDLING = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  minify: true,
  // NodejsFunction's `sourceMap: true` is esbuild's --sourcemap: a linked .map file beside the bundle,
  // which --enable-source-maps reads at load time.
  sourcemap: 'linked',
  mainFields: ['module', 'main'],
  external: [],
  alias: { ...CREDENTIAL_STUB_ALIASES },
  banner: { js: "import { createRequire as __cr } from 'module'; const require = __cr(import.meta.url);" },
} as const satisfies BuildOptions;

const extraExternal = (values.external ?? '').split(',').filter(Boolean);
const only = values.only?.split(',').filter(Boolean);
const declared = (functions as readonly FunctionDecl[]).filter((f) => !only || only.includes(f.id));
if (only && declared.length !== only.length) {
  throw new Error(`--only: unknown function in ${only.join(',')}`);
}

/** The variables the handlers may read at import, as the stack and the local runtime set them. */
const childEnv: Record<string, string> = {
  PATH: process.env.PATH ?? '',
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  [EVENT_BUS_ENV]: 'merchandiser-bench',
  POWERTOOLS_SERVICE_NAME: 'merchandiser',
  POWERTOOLS_LOG_LEVEL: 'WARN',
  POWERTOOLS_METRICS_NAMESPACE: 'merchandiser',
  AUTH_ISSUER: 'merchandiser-bench',
  AUTH_AUDIENCE: 'merchandiser',
  AUTH_JWT_SECRET: 'bench-jwt-secret-0123456789abcdef',
  QUOTE_SIGNING_KEYS: JSON.stringify({ current: 'bench', bench: 'bench-quote-key-0123456789abcdefg' }),
  ...Object.fromEntries(tables.map((t) => [tableEnvVar(t.id), `merchandiser-bench-${t.id}`])),
};

const RUNNER = `const t0 = performance.now();
await import(process.argv[2]);
const t1 = performance.now();
process.stdout.write(JSON.stringify({ importMs: t1 - t0, sinceStartMs: t1 }));
`;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** `node_modules/@scope/name/...` or `node_modules/name/...` (the innermost); undefined for ours. */
function packageOf(path: string): string | undefined {
  const at = path.lastIndexOf('node_modules/');
  if (at < 0) return undefined;
  const parts = path.slice(at + 'node_modules/'.length).split('/');
  return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
}

interface Figures {
  id: FunctionId;
  readPath: boolean;
  bytes: number;
  mapBytes: number;
  tfjs: boolean;
  topPackages: { name: string; bytes: number }[];
  initMsMedian: number;
  sinceStartMsMedian: number;
  wallMinusBaselineMsMedian: number;
}

const dir = mkdtempSync(join(tmpdir(), 'merchandiser-bundles-'));
try {
  const runner = join(dir, 'runner.mjs');
  writeFileSync(runner, RUNNER);

  const wallOf = (args: string[]): { ms: number; out: string } => {
    const t = performance.now();
    const r = spawnSync(process.execPath, args, { env: childEnv, cwd: dir, encoding: 'utf8' });
    const ms = performance.now() - t;
    if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
    return { ms, out: r.stdout };
  };
  const baselineMs = median(Array.from({ length: runs }, () => wallOf(['-e', '']).ms));

  const results: Figures[] = [];
  for (const f of declared) {
    const id = f.id as FunctionId;
    // NodejsFunction writes an ESM bundle as index.mjs; the runner imports it the way Lambda does.
    const outfile = join(dir, id, 'index.mjs');
    const { metafile } = await build({
      ...LAMBDA_BUNDLING,
      external: [...LAMBDA_BUNDLING.external, ...extraExternal],
      absWorkingDir: ROOT,
      entryPoints: [resolve(ROOT, f.entry)],
      outfile,
      metafile: true,
      logLevel: 'error',
    });
    const output = Object.entries(metafile.outputs).find(([path]) => path.endsWith('.mjs'))![1];
    const byPackage = new Map<string, number>();
    for (const [path, { bytesInOutput }] of Object.entries(output.inputs)) {
      const name = packageOf(path);
      if (name) byPackage.set(name, (byPackage.get(name) ?? 0) + bytesInOutput);
    }
    const topPackages = [...byPackage]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 3)
      .map(([name, bytes]) => ({ name, bytes }));

    const samples = Array.from({ length: runs }, () => {
      const { ms, out } = wallOf(['--enable-source-maps', runner, outfile]);
      const inChild = JSON.parse(out) as { importMs: number; sinceStartMs: number };
      return { ...inChild, wallMs: ms };
    });
    results.push({
      id,
      readPath: READ_PATH.includes(id),
      bytes: statSync(outfile).size,
      mapBytes: statSync(`${outfile}.map`).size,
      tfjs: Object.keys(metafile.inputs).some((p) => p.includes('@tensorflow')),
      topPackages,
      initMsMedian: round(median(samples.map((s) => s.importMs))),
      sinceStartMsMedian: round(median(samples.map((s) => s.sinceStartMs))),
      wallMinusBaselineMsMedian: round(median(samples.map((s) => s.wallMs)) - baselineMs),
    });
  }

  const kb = (n: number) => round(n / 1024).toFixed(1);
  const failures = results
    .filter((r) => r.readPath && (r.bytes >= LIMIT_BYTES || r.tfjs))
    .map((r) =>
      [
        r.bytes >= LIMIT_BYTES ? `${r.id} is ${kb(r.bytes)} KB (the read path's limit is 500 KB)` : '',
        r.tfjs ? `${r.id} bundles TensorFlow.js` : '',
      ]
        .filter(Boolean)
        .join('; '),
    );

  if (values.json) {
    console.log(
      JSON.stringify({
        node: process.version,
        esbuild: esbuildVersion,
        runs,
        extraExternal,
        baselineMsMedian: round(baselineMs),
        limitBytes: LIMIT_BYTES,
        functions: results,
        failures,
      }),
    );
  } else {
    console.log(
      `Lambda bundles: esbuild ${esbuildVersion} with the stack's NodejsFunction options` +
        (extraExternal.length > 0 ? ` and these external as well: ${extraExternal.join(', ')}` : '') +
        `; cold init on Node ${process.version}, median of ${runs} fresh processes`,
    );
    console.log(
      'init: `await import()` of the bundle, timed inside the child; start: process start to the import resolved;',
    );
    console.log(`wall-base: the child's wall time minus a bare \`node -e ""\` (${round(baselineMs)} ms)\n`);
    console.log(
      [
        'function'.padEnd(18),
        'path'.padEnd(4),
        'js KB'.padStart(7),
        'map KB'.padStart(7),
        'tfjs'.padEnd(4),
        'init ms'.padStart(7),
        'start ms'.padStart(8),
        'wall-base'.padStart(9),
        ' largest packages (KB in the bundle)',
      ].join(' '),
    );
    for (const r of results) {
      console.log(
        [
          r.id.padEnd(18),
          (r.readPath ? 'read' : '').padEnd(4),
          kb(r.bytes).padStart(7),
          kb(r.mapBytes).padStart(7),
          (r.tfjs ? 'yes' : 'no').padEnd(4),
          r.initMsMedian.toFixed(1).padStart(7),
          r.sinceStartMsMedian.toFixed(1).padStart(8),
          r.wallMinusBaselineMsMedian.toFixed(1).padStart(9),
          ` ${r.topPackages.map((p) => `${p.name} ${kb(p.bytes)}`).join(', ')}`,
        ].join(' '),
      );
    }
    console.log(
      failures.length === 0
        ? '\nread path: every function under 500 KB and without TensorFlow.js'
        : `\nread path over budget:\n${failures.map((f) => `  ${f}`).join('\n')}`,
    );
    if (values.keep) console.log(`bundles kept in ${dir}`);
  }
  if (failures.length > 0) process.exitCode = 1;
} finally {
  if (!values.keep) rmSync(dir, { recursive: true, force: true });
}

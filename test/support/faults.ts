import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { mulberry32 } from '../../models/random.ts';

/**
 * Fault injection inside real SDK clients, as middleware, so the calls go to the embedded store
 * and the local bus for real, and only the failures are made up. Each fault is what AWS documents
 * for the call: a throttling or timeout error (thrown inside the SDK's retry loop, so the SDK's own
 * backoff handles it), a partial answer (some items left in UnprocessedItems, some PutEvents
 * entries failed while the rest went through), or a crash (an error the SDK does not retry,
 * thrown before the call, as when a function dies mid-batch). A seeded generator decides, so a
 * failing run repeats.
 */
export interface FaultCounts {
  throttled: number;
  timedOut: number;
  unprocessedItems: number;
  unprocessedKeys: number;
  failedEntries: number;
  crashed: number;
}

export interface FaultPlan {
  /** Share of DynamoDB calls answered with ProvisionedThroughputExceededException. */
  throttle: number;
  /** Share of DynamoDB calls that time out (the SDK's TimeoutError). */
  timeout: number;
  /** Share of BatchWriteItem / BatchGetItem calls that leave a third of the batch unprocessed. */
  partialBatch: number;
  /** Share of PutEvents calls in which a third of the entries fail with ThrottlingException. */
  failedEntries: number;
  /** TransactWriteItems calls that crash: every `crashEvery`-th, at most `maxCrashes` times. */
  crashEvery: number;
  maxCrashes: number;
}

function awsError(name: string, status: number, message: string): Error {
  return Object.assign(new Error(message), {
    name,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status, attempts: 1 },
  });
}

export class SimulatedCrash extends Error {
  override name = 'SimulatedCrash';
}

type AnyHandler = (args: { input: Record<string, unknown> }) => Promise<{ output: Record<string, unknown> }>;
type Stack = {
  add: (mw: unknown, options: Record<string, unknown>) => void;
  remove: (name: string) => boolean;
};

/** Installs the plan on both clients; returns the live counts and a function that removes it. */
export function injectFaults(
  clients: { dynamo: DynamoDBClient; eventBridge: EventBridgeClient },
  plan: FaultPlan,
  seed = 20261123,
): { counts: FaultCounts; active: { on: boolean }; remove: () => void } {
  const next = mulberry32(seed);
  const counts: FaultCounts = {
    throttled: 0,
    timedOut: 0,
    unprocessedItems: 0,
    unprocessedKeys: 0,
    failedEntries: 0,
    crashed: 0,
  };
  const active = { on: true };
  let transacts = 0;
  const dynamoStack = clients.dynamo.middlewareStack as unknown as Stack;
  const busStack = clients.eventBridge.middlewareStack as unknown as Stack;

  // Before serialization: a crash (never retried by the SDK) and partial batches (the request is
  // cut before it is sent, so what comes back unprocessed really was not written).
  dynamoStack.add(
    (next_: AnyHandler, context: { commandName?: string }) =>
      async (args: { input: Record<string, unknown> }) => {
        if (!active.on) return next_(args);
        const command = context.commandName ?? '';
        if (command === 'TransactWriteItemsCommand') {
          transacts++;
          if (counts.crashed < plan.maxCrashes && transacts % plan.crashEvery === 0) {
            counts.crashed++;
            throw new SimulatedCrash('the function died before this transaction');
          }
        }
        if (command === 'BatchWriteItemCommand' && next() < plan.partialBatch) {
          const requestItems = args.input.RequestItems as Record<string, unknown[]>;
          const kept: Record<string, unknown[]> = {};
          const left: Record<string, unknown[]> = {};
          for (const [table, reqs] of Object.entries(requestItems)) {
            const cut = Math.ceil(reqs.length / 3);
            if (reqs.length < 2) kept[table] = reqs;
            else {
              kept[table] = reqs.slice(0, reqs.length - cut);
              left[table] = reqs.slice(reqs.length - cut);
              counts.unprocessedItems += cut;
            }
          }
          const out = await next_({ ...args, input: { ...args.input, RequestItems: kept } });
          out.output.UnprocessedItems = { ...((out.output.UnprocessedItems as object) ?? {}), ...left };
          return out;
        }
        if (command === 'BatchGetItemCommand' && next() < plan.partialBatch) {
          const requestItems = args.input.RequestItems as Record<string, { Keys: unknown[] }>;
          const kept: Record<string, { Keys: unknown[] }> = {};
          const left: Record<string, { Keys: unknown[] }> = {};
          for (const [table, req] of Object.entries(requestItems)) {
            const cut = Math.ceil(req.Keys.length / 3);
            if (req.Keys.length < 2) kept[table] = req;
            else {
              kept[table] = { ...req, Keys: req.Keys.slice(0, req.Keys.length - cut) };
              left[table] = { ...req, Keys: req.Keys.slice(req.Keys.length - cut) };
              counts.unprocessedKeys += cut;
            }
          }
          const out = await next_({ ...args, input: { ...args.input, RequestItems: kept } });
          out.output.UnprocessedKeys = { ...((out.output.UnprocessedKeys as object) ?? {}), ...left };
          return out;
        }
        return next_(args);
      },
    { step: 'initialize', name: 'faults-before', priority: 'low' },
  );

  // After the retry middleware (deserialize step runs inside it): throttles and timeouts, which the
  // SDK's standard retry strategy backs off and retries on its own.
  dynamoStack.add(
    (next_: AnyHandler) => async (args: { input: Record<string, unknown> }) => {
      if (!active.on) return next_(args);
      const r = next();
      if (r < plan.throttle) {
        counts.throttled++;
        throw awsError(
          'ProvisionedThroughputExceededException',
          400,
          'Rate of requests exceeds the allowed throughput.',
        );
      }
      if (r < plan.throttle + plan.timeout) {
        counts.timedOut++;
        throw awsError('TimeoutError', 500, 'Connection timed out');
      }
      return next_(args);
    },
    { step: 'deserialize', name: 'faults-inside-retries', priority: 'high' },
  );

  busStack.add(
    (next_: AnyHandler, context: { commandName?: string }) =>
      async (args: { input: Record<string, unknown> }) => {
        if (!active.on || context.commandName !== 'PutEventsCommand' || next() >= plan.failedEntries)
          return next_(args);
        const entries = args.input.Entries as unknown[];
        if (entries.length < 2) return next_(args);
        const failAt = new Set(entries.map((_, i) => i).filter((i) => i % 3 === 1));
        const out = await next_({
          ...args,
          input: { ...args.input, Entries: entries.filter((_, i) => !failAt.has(i)) },
        });
        const sent = [...((out.output.Entries as unknown[]) ?? [])];
        const merged = entries.map((_, i) =>
          failAt.has(i) ? { ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded' } : sent.shift(),
        );
        counts.failedEntries += failAt.size;
        out.output.Entries = merged;
        out.output.FailedEntryCount = Number(out.output.FailedEntryCount ?? 0) + failAt.size;
        return out;
      },
    { step: 'initialize', name: 'faults-put-events', priority: 'low' },
  );

  return {
    counts,
    active,
    remove: () => {
      dynamoStack.remove('faults-before');
      dynamoStack.remove('faults-inside-retries');
      busStack.remove('faults-put-events');
    },
  };
}

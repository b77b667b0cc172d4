import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { nowDate } from '../../functions/lib/clock.ts';
import type { FunctionId, RuleDecl, ShardedJobId } from '../topology.ts';
import { type CompiledPattern, compilePattern, InvalidEventPatternError } from './event-pattern.ts';

/** What a rule hands a target function; resolves with the function's result. */
export type Invoke = (functionId: FunctionId, event: unknown) => Promise<unknown>;

export interface BusEvent {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: unknown;
}

interface QueueMessage {
  messageId: string;
  body: string;
  receiveCount: number;
  sentAt: number;
  /** Not deliverable before this time: the visibility timeout after a failed receive. */
  visibleAt: number;
}

/** An SQS queue and its event source mapping, as one small loop. */
class LocalQueue {
  readonly messages: QueueMessage[] = [];
  readonly deadLetters: QueueMessage[] = [];
  inFlight = 0;
  delivered = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly rule: RuleDecl & { target: { kind: 'queue' } },
    private readonly invoke: Invoke,
    private readonly windowMs: number,
    private readonly retryDelayMs: number,
    private readonly onIdle: () => void,
  ) {}

  send(body: string): void {
    const now = Date.now();
    this.messages.push({ messageId: randomUUID(), body, receiveCount: 0, sentAt: now, visibleAt: now });
    this.schedule();
  }

  private schedule(): void {
    if (this.timer || this.inFlight > 0) return;
    const visible = this.messages.filter((m) => m.visibleAt <= Date.now());
    const full = visible.length >= this.rule.target.batchSize;
    const next = Math.min(...this.messages.map((m) => Math.max(m.visibleAt, m.sentAt + this.windowMs)));
    if (this.messages.length === 0) return;
    const delay = full ? 0 : Math.max(0, next - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.poll();
    }, delay);
  }

  private async poll(): Promise<void> {
    const now = Date.now();
    const batch = this.messages.filter((m) => m.visibleAt <= now).slice(0, this.rule.target.batchSize);
    if (batch.length === 0) return this.schedule();
    for (const m of batch) this.messages.splice(this.messages.indexOf(m), 1);
    this.inFlight++;
    const event: SQSEvent = {
      Records: batch.map((m) => {
        m.receiveCount++;
        return {
          messageId: m.messageId,
          receiptHandle: m.messageId,
          body: m.body,
          attributes: {
            ApproximateReceiveCount: String(m.receiveCount),
            SentTimestamp: String(m.sentAt),
            SenderId: 'events.amazonaws.com',
            ApproximateFirstReceiveTimestamp: String(now),
          },
          messageAttributes: {},
          md5OfBody: '',
          eventSource: 'aws:sqs',
          eventSourceARN: `arn:aws:sqs:us-east-1:000000000000:merchandiser-local-${this.rule.id}`,
          awsRegion: 'us-east-1',
        };
      }),
    };
    let failedIds: Set<string>;
    try {
      const result = (await this.invoke(this.rule.target.functionId, event)) as SQSBatchResponse | undefined;
      failedIds = new Set((result?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
    } catch {
      // A crashed or timed-out invocation fails the whole batch, as with Lambda's SQS poller.
      failedIds = new Set(batch.map((m) => m.messageId));
    }
    for (const m of batch) {
      if (!failedIds.has(m.messageId)) {
        this.delivered++;
        continue;
      }
      if (m.receiveCount >= this.rule.target.maxReceiveCount) this.deadLetters.push(m);
      else {
        m.visibleAt = Date.now() + this.retryDelayMs * m.receiveCount;
        this.messages.push(m);
      }
    }
    this.inFlight--;
    if (this.messages.length === 0) this.onIdle();
    else this.schedule();
  }

  get idle(): boolean {
    return this.messages.length === 0 && this.inFlight === 0;
  }
}

export interface PutEventsEntry {
  Source?: string;
  DetailType?: string;
  Detail?: string;
  EventBusName?: string;
  Resources?: string[];
  Time?: Date | number | string;
}
export interface PutEventsResult {
  FailedEntryCount: number;
  Entries: ({ EventId: string } | { ErrorCode: string; ErrorMessage: string })[];
}

export class EventBusError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

/**
 * A stand-in for one EventBridge custom bus: PutEvents with AWS's per-entry validation, the
 * declared rules matched with the full content-filtering grammar, and each rule's target reached
 * directly or through a local queue with batching, partial batch failures and a dead-letter list.
 */
export class LocalEventBus {
  private readonly compiled: { rule: RuleDecl; pattern: CompiledPattern }[];
  private readonly queues = new Map<string, LocalQueue>();
  private idleWaiters: (() => void)[] = [];
  readonly directFailures: { ruleId: string; event: BusEvent; error: string }[] = [];
  private directInFlight = 0;
  readonly received: BusEvent[] = [];
  private readonly keepReceived: number;
  private readonly streams: { id: string; pattern: CompiledPattern; deliver: (detail: unknown) => void }[] =
    [];

  constructor(
    readonly busName: string,
    readonly rules: readonly RuleDecl[],
    private readonly invoke: Invoke,
    {
      windowMs = 100,
      retryDelayMs = 200,
      keepReceived = 0,
      region = 'us-east-1',
      account = '000000000000',
      startJob,
    }: {
      windowMs?: number;
      /** Runs a sharded job (a rule's `sharded-job` target), as its state machine would. */
      startJob?: (jobId: ShardedJobId, event: BusEvent) => Promise<unknown>;
      retryDelayMs?: number;
      keepReceived?: number;
      region?: string;
      account?: string;
    } = {},
  ) {
    this.region = region;
    this.account = account;
    this.startJob = startJob;
    this.keepReceived = keepReceived;
    this.compiled = rules.map((rule) => ({ rule, pattern: compilePattern(rule.pattern) }));
    for (const rule of rules) {
      if (rule.target.kind === 'queue') {
        this.queues.set(
          rule.id,
          new LocalQueue(
            rule as RuleDecl & { target: { kind: 'queue' } },
            invoke,
            Math.min(windowMs, rule.target.maxBatchingWindowSeconds * 1000),
            retryDelayMs,
            () => this.checkIdle(),
          ),
        );
      }
    }
  }
  private readonly region: string;
  private readonly account: string;
  private readonly startJob: ((jobId: ShardedJobId, event: BusEvent) => Promise<unknown>) | undefined;

  get arn(): string {
    return `arn:aws:events:${this.region}:${this.account}:event-bus/${this.busName}`;
  }

  putEvents(entries: readonly PutEventsEntry[]): PutEventsResult {
    if (!Array.isArray(entries) || entries.length < 1 || entries.length > 10) {
      throw new EventBusError(
        'ValidationException',
        "1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length less than or equal to 10",
      );
    }
    const results: PutEventsResult['Entries'] = [];
    for (const entry of entries) {
      const problem = this.validate(entry);
      if (problem) {
        results.push(problem);
        continue;
      }
      const event: BusEvent = {
        version: '0',
        id: randomUUID(),
        'detail-type': entry.DetailType!,
        source: entry.Source!,
        account: this.account,
        time: toIsoSeconds(entry.Time),
        region: this.region,
        resources: entry.Resources ?? [],
        detail: JSON.parse(entry.Detail!),
      };
      results.push({ EventId: event.id });
      this.route(event);
    }
    return { FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length, Entries: results };
  }

  private validate(entry: PutEventsEntry): { ErrorCode: string; ErrorMessage: string } | undefined {
    const bus = entry.EventBusName ?? 'default';
    if (bus !== this.busName && bus !== this.arn) {
      return { ErrorCode: 'InvalidArgument', ErrorMessage: `Event bus ${bus} does not exist.` };
    }
    if (!entry.Source)
      return {
        ErrorCode: 'InvalidArgument',
        ErrorMessage: 'Parameter Source is not valid. Reason: Source is a required argument.',
      };
    if (!entry.DetailType)
      return {
        ErrorCode: 'InvalidArgument',
        ErrorMessage: 'Parameter DetailType is not valid. Reason: DetailType is a required argument.',
      };
    if (!entry.Detail)
      return {
        ErrorCode: 'InvalidArgument',
        ErrorMessage: 'Parameter Detail is not valid. Reason: Detail is a required argument.',
      };
    try {
      const detail = JSON.parse(entry.Detail);
      if (typeof detail !== 'object' || detail === null || Array.isArray(detail))
        throw new Error('not an object');
    } catch {
      return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
    }
    return undefined;
  }

  /**
   * A rule whose target is a delivery stream (Firehose on AWS: infra/topology/lake.ts): each matching
   * event's detail goes to `deliver`, which buffers it for the local lake.
   */
  addStream(id: string, pattern: Record<string, unknown>, deliver: (detail: unknown) => void): void {
    this.streams.push({ id, pattern: compilePattern(pattern), deliver });
  }

  private route(event: BusEvent): void {
    if (this.keepReceived > 0) {
      this.received.push(event);
      if (this.received.length > this.keepReceived) this.received.shift();
    }
    for (const stream of this.streams) if (stream.pattern.matches(event)) stream.deliver(event.detail);
    for (const { rule, pattern } of this.compiled) {
      if (!pattern.matches(event)) continue;
      const queue = this.queues.get(rule.id);
      if (queue) {
        queue.send(JSON.stringify(event));
        continue;
      }
      this.directInFlight++;
      const target = rule.target;
      const deliver = () => {
        if (target.kind === 'direct') return this.invoke(target.functionId, event);
        if (target.kind === 'sharded-job' && this.startJob) return this.startJob(target.jobId, event);
        return Promise.reject(new Error(`rule ${rule.id}: nothing here runs its ${target.kind} target`));
      };
      // EventBridge retries a failed asynchronous invocation; locally, twice, then we record it.
      const attempt = (n: number): Promise<void> =>
        deliver().then(
          () => undefined,
          (error: Error) =>
            n < 2
              ? attempt(n + 1)
              : void this.directFailures.push({ ruleId: rule.id, event, error: error.message }),
        );
      void attempt(0).finally(() => {
        this.directInFlight--;
        this.checkIdle();
      });
    }
  }

  testEventPattern(pattern: string, event: string): boolean {
    let parsedEvent: unknown;
    try {
      parsedEvent = JSON.parse(event);
    } catch {
      throw new EventBusError('InvalidEventPatternException', 'Event is not valid JSON.');
    }
    let compiled: CompiledPattern;
    try {
      compiled = compilePattern(pattern);
    } catch (error) {
      if (error instanceof InvalidEventPatternError)
        throw new EventBusError('InvalidEventPatternException', error.message);
      throw error;
    }
    return compiled.matches(parsedEvent);
  }

  /** Matching rules for an event, for tests and the parity check. */
  matchingRules(event: unknown): string[] {
    return this.compiled.filter(({ pattern }) => pattern.matches(event)).map(({ rule }) => rule.id);
  }

  deadLetters(ruleId: string): { body: string; receiveCount: number }[] {
    return this.queues.get(ruleId)?.deadLetters ?? [];
  }

  stats(): Record<string, { queued: number; inFlight: number; delivered: number; deadLetters: number }> {
    return Object.fromEntries(
      [...this.queues].map(([id, q]) => [
        id,
        {
          queued: q.messages.length,
          inFlight: q.inFlight,
          delivered: q.delivered,
          deadLetters: q.deadLetters.length,
        },
      ]),
    );
  }

  get idle(): boolean {
    return this.directInFlight === 0 && [...this.queues.values()].every((q) => q.idle);
  }

  /** Resolves once every queued and in-flight delivery has finished (retries included). */
  drain(): Promise<void> {
    if (this.idle) return Promise.resolve();
    return new Promise((res) => this.idleWaiters.push(res));
  }

  private checkIdle(): void {
    if (!this.idle) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  /** The EventBridge JSON protocol (`X-Amz-Target: AWSEvents.<Operation>`), as the SDK and CLI speak it. */
  async handleHttp(req: IncomingMessage, res: ServerResponse, body: string): Promise<void> {
    const target = String(req.headers['x-amz-target'] ?? '');
    const reply = (status: number, payload: unknown, errorType?: string) => {
      res.writeHead(status, {
        'content-type': 'application/x-amz-json-1.1',
        'x-amzn-requestid': randomUUID(),
        ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
      });
      res.end(JSON.stringify(payload));
    };
    try {
      let input: Record<string, unknown>;
      try {
        input = JSON.parse(body || '{}');
      } catch {
        throw new EventBusError('SerializationException', 'Request body is not valid JSON');
      }
      switch (target) {
        case 'AWSEvents.PutEvents':
          return reply(200, this.putEvents(input.Entries as PutEventsEntry[]));
        case 'AWSEvents.TestEventPattern':
          return reply(200, {
            Result: this.testEventPattern(String(input.EventPattern ?? ''), String(input.Event ?? '')),
          });
        default:
          throw new EventBusError(
            'UnknownOperationException',
            `The local bus does not implement ${target || 'this operation'}`,
          );
      }
    } catch (error) {
      if (error instanceof EventBusError)
        return reply(error.status, { __type: error.type, message: error.message }, error.type);
      return reply(500, { __type: 'InternalException', message: 'internal error' }, 'InternalException');
    }
  }
}

/** EventBridge keeps second precision (and stamps the receiving instant: the runtime's clock) in `time`; the SDK sends Time as epoch seconds. */
function toIsoSeconds(time: PutEventsEntry['Time']): string {
  const date =
    time === undefined ? nowDate() : typeof time === 'number' ? new Date(time * 1000) : new Date(time);
  const valid = Number.isNaN(date.getTime()) ? nowDate() : date;
  return `${valid.toISOString().slice(0, 19)}Z`;
}

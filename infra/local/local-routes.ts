import * as z from 'zod';
import { LAKE_JOBS, type LakeJobId } from '../../models/lake/jobs/index.ts';
import { demoPages } from './demo/server.ts';
import type { LocalEventBus } from './event-bus.ts';
import type { LocalCredentials, SideRoute } from './gateway.ts';
import type { LakeBuffer } from './lake/buffer.ts';
import { verifySigV4 } from './sigv4.ts';
import type { StatusBoard } from './status.ts';

/**
 * What the local gateway serves beside the API: the local bus's PutEvents endpoint
 * (`/_local/eventbridge`, SigV4-signed with the local keys as EventBridge requires: the handlers'
 * SDK clients and the shop's servers sign; anything else is refused as AWS refuses it), the runtime's status (`/_local/status`), a lake job started by hand
 * (`POST /_local/lake/jobs/<job>`, what `npm run rebuild:related` calls; on AWS it is the job's
 * state machine), and the demo storefront, dashboard and quote explainer (infra/local/demo).
 */
export function localRoutes({
  bus,
  status,
  log,
  lake,
  credentials,
}: {
  credentials: LocalCredentials;
  bus: LocalEventBus;
  status: StatusBoard;
  log: (line: string) => void;
  lake: { buffer: LakeBuffer; runJob: (id: LakeJobId, input?: Record<string, unknown>) => Promise<unknown> };
}): SideRoute[] {
  return [
    async (req, res, body) => {
      if (!req.url?.startsWith('/_local/eventbridge')) return false;
      const raw = req.url;
      const q = raw.indexOf('?');
      const verdict = verifySigV4(
        {
          method: req.method ?? 'POST',
          path: q < 0 ? raw : raw.slice(0, q),
          query: q < 0 ? '' : raw.slice(q + 1),
          headers: req.headers,
          body,
        },
        'events',
        credentials(),
      );
      if (!verdict.ok) {
        res
          .writeHead(403, {
            'content-type': 'application/x-amz-json-1.1',
            'x-amzn-errortype': 'InvalidSignatureException',
          })
          .end(JSON.stringify({ __type: 'InvalidSignatureException', message: verdict.reason }));
        return true;
      }
      await bus.handleHttp(req, res, body.toString('utf8'));
      return true;
    },
    async (req, res) => {
      if (req.url !== '/_local/status' && req.url !== '/_local/status?gc=1') return false;
      // Load runs start the runtime with --expose-gc and ask for a collection first, so heapUsed
      // is live data (a leak shows as growth), not garbage waiting for the collector.
      const gc = (globalThis as { gc?: () => void }).gc;
      if (req.url.endsWith('?gc=1') && gc) gc();
      const m = process.memoryUsage();
      const mb = (n: number) => Math.round(n / 1024 / 1024);
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          ...status.get(),
          queues: bus.stats(),
          lake: { ...lake.buffer.stats, buffered: lake.buffer.buffered },
          memoryMb: { rss: mb(m.rss), heapUsed: mb(m.heapUsed) },
        }),
      );
      return true;
    },
    async (req, res, body) => {
      const m = /^\/_local\/lake\/jobs\/([a-z-]+)$/.exec(req.url ?? '');
      if (!m || req.method !== 'POST') return false;
      const reply = (code: number, body: unknown) =>
        res.writeHead(code, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      const job = LAKE_JOBS.find((j) => j.id === m[1]);
      if (!job) {
        reply(404, { error: { code: 'NotFound', message: `no lake job ${m[1]}`, issues: [] } });
        return true;
      }
      // The body is the state machine's execution input on AWS: {"results": {...}} goes to the
      // results step (e.g. the retraining's epochs).
      const input = ExecutionInput.safeParse(body.length ? safeJson(body.toString('utf8')) : {});
      if (!input.success) {
        reply(400, {
          error: {
            code: 'ValidationError',
            message: 'invalid body.results: the execution input is {"results": {...}}',
            issues: [{ in: 'body', path: 'results', message: 'an object' }],
          },
        });
        return true;
      }
      try {
        reply(200, await lake.runJob(job.id, input.data.results));
      } catch (error) {
        log(`lake job ${job.id} failed: ${(error as Error).message}`);
        reply(500, { error: { code: 'JobFailed', message: (error as Error).message, issues: [] } });
      }
      return true;
    },
    demoPages({ log }),
  ];
}

const ExecutionInput = z.object({ results: z.record(z.string(), z.unknown()).optional() });

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

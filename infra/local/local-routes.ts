import { demoPages } from './demo/server.ts';
import type { LocalEventBus } from './event-bus.ts';
import type { SideRoute } from './gateway.ts';
import type { StatusBoard } from './status.ts';

/**
 * What the local gateway serves beside the API: the local bus's PutEvents endpoint
 * (`/_local/eventbridge`), the runtime's status (`/_local/status`), and the demo storefront,
 * dashboard and quote explainer (infra/local/demo), on the API's origin.
 */
export function localRoutes({
  bus,
  status,
  log,
}: {
  bus: LocalEventBus;
  status: StatusBoard;
  log: (line: string) => void;
}): SideRoute[] {
  return [
    async (req, res, body) => {
      if (!req.url?.startsWith('/_local/eventbridge')) return false;
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
          memoryMb: { rss: mb(m.rss), heapUsed: mb(m.heapUsed) },
        }),
      );
      return true;
    },
    demoPages({ log }),
  ];
}

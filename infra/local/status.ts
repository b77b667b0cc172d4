import type { LocalEventBus } from './event-bus.ts';
import type { SeedReport } from './seed.ts';

export interface LocalStatus {
  demo: {
    state: 'loading' | 'ready' | 'kept' | 'skipped' | 'failed';
    eventsTotal?: number;
    error?: string;
    report?: SeedReport;
  };
  /** The first full hit re-rank after the demo data is in (or after a restart on kept data). */
  hits?: { state: 'ranking' | 'ranked' | 'failed'; ms?: number; error?: string };
  /** The first frequently-bought-together mining, after the first ranking. */
  bundles?: { state: 'mining' | 'mined' | 'failed'; ms?: number; error?: string };
  /** The local queues (what waits, what is in flight, what was delivered or dead-lettered). */
  queues?: ReturnType<LocalEventBus['stats']>;
  /** This process's memory, in MB, for load runs and soaks. */
  memoryMb?: { rss: number; heapUsed: number };
  /** The local lake: deliveries written from the stream, records waiting in the buffer. */
  lake?: {
    deliveries: number;
    records: number;
    conversionErrors: number;
    failures: number;
    buffered: number;
    lastError?: string;
  };
}

/**
 * What `GET /_local/status` and `Runtime.status()` report, written by the steps of the start: the
 * demo load replaces the whole status (`set`), the first ranking and mining add theirs (`update`).
 */
export class StatusBoard {
  private current: LocalStatus = { demo: { state: 'skipped' } };

  get(): LocalStatus {
    return this.current;
  }

  set(status: LocalStatus): void {
    this.current = status;
  }

  update(part: Omit<LocalStatus, 'demo'>): void {
    this.current = { ...this.current, ...part };
  }
}

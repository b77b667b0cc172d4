import type { BehaviourEvent } from './index.ts';

/**
 * The storefront beacon: behaviour events from a browser to `POST /v1/events`, the way storefronts
 * send them (Algolia's insights client, Personalize's tracker):
 *
 * - one id per visit (`sessionStorage`, so a new tab is a new visit), put on every event;
 * - events batched: sent when `batchSize` are waiting or `flushIntervalMs` after the first;
 * - one batch in flight at a time, sent with `keepalive`, so a page that closes while it is on the
 *   way does not cancel it;
 * - 429 and 503 (and a network failure) retried with exponential backoff and full jitter, or after
 *   the answer's Retry-After;
 * - when the page is hidden, everything not yet sent goes with `navigator.sendBeacon`; when it is
 *   closed (pagehide), the batch in flight goes again too: a browser may drop a request of a page
 *   it closes, and nothing tells whether the service got it. An event may then reach the service
 *   twice, with the same event id, which every consumer drops (the event log keeps it once).
 *
 * An event the service refuses (400: a bug in the page) is dropped and reported to `onError`,
 * never retried; the batch is all or nothing, so one bad event drops its batch.
 */

/** What a page tracks: an event without the fields the beacon fills in. */
export type TrackedEvent = BehaviourEvent extends infer E
  ? E extends BehaviourEvent
    ? Omit<E, 'eventId' | 'occurredAt' | 'version' | 'sessionId'> & { sessionId?: string }
    : never
  : never;

export interface BeaconOptions {
  /** The API's origin; the page's own by default. */
  baseUrl?: string;
  /** At most 100 (the service's batch limit). Default 20. */
  batchSize?: number;
  /** How long the first waiting event waits for others. Default 1,000 ms. */
  flushIntervalMs?: number;
  /** Retries of a batch answered 429/503 or lost on the network. Default 6. */
  maxRetries?: number;
  /** The first retry's delay ceiling; doubles each time (full jitter). Default 500 ms. */
  baseDelayMs?: number;
  /** The visit; by default the tab's own, kept in sessionStorage. */
  sessionId?: string;
  /**
   * The signed-in shopper's bearer token, sent with each batch: the service takes the events'
   * shopper from it (and only from it). Nothing for a guest. Batches that leave by sendBeacon
   * (a hidden or closing page) cannot carry a header: they count for the visit only.
   */
  token?: () => string | null | undefined;
  /** Told about batches dropped (refused, or out of retries). */
  onError?: (error: BeaconError) => void;
  /** Another fetch (tests); globalThis.fetch by default. */
  fetch?: typeof fetch;
}

export interface BeaconError {
  status: number | undefined;
  message: string;
  events: BehaviourEvent[];
}

export interface Beacon {
  readonly sessionId: string;
  /** Queues an event (filling in its id, time, version and visit) and returns it. */
  track(event: TrackedEvent): BehaviourEvent;
  /** Sends everything queued now; resolves once nothing is waiting or in flight. */
  flush(): Promise<void>;
  /** Events queued or in flight. */
  pending(): number;
  /** Sends what is left with sendBeacon and stops listening to the page. */
  close(): void;
}

/** The browser globals the beacon uses, declared here so that it type-checks outside a DOM too. */
interface BrowserGlobals {
  location?: { origin: string };
  navigator?: { sendBeacon?: (url: string, data: string) => boolean };
  document?: {
    visibilityState?: string;
    addEventListener(type: string, listener: () => void): void;
    removeEventListener(type: string, listener: () => void): void;
  };
  addEventListener?: (type: string, listener: () => void) => void;
  removeEventListener?: (type: string, listener: () => void) => void;
  sessionStorage?: { getItem(key: string): string | null; setItem(key: string, value: string): void };
  crypto?: { randomUUID?: () => string; getRandomValues?: <T extends Uint8Array>(array: T) => T };
}

const SESSION_KEY = 'merchandiser.sessionId';
const MAX_BATCH = 100;
/** sendBeacon and keepalive bodies share a 64 KiB budget per page: stay well inside it. */
const MAX_BODY_BYTES = 60_000;
const ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

function randomHex(g: BrowserGlobals): string {
  if (g.crypto?.randomUUID) return g.crypto.randomUUID().replaceAll('-', '');
  const bytes = g.crypto?.getRandomValues?.(new Uint8Array(16));
  if (bytes) return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${Date.now().toString(16)}${Math.random().toString(16).slice(2)}`;
}

/** The visit's id: the tab's own, made on first use and kept for the tab (a new tab, a new visit). */
export function visitId(g: BrowserGlobals = globalThis as BrowserGlobals): string {
  try {
    const kept = g.sessionStorage?.getItem(SESSION_KEY);
    if (kept && ID.test(kept)) return kept;
    const made = `s-${randomHex(g).slice(0, 24)}`;
    g.sessionStorage?.setItem(SESSION_KEY, made);
    return made;
  } catch {
    // Storage refused (privacy mode): one visit per page.
    return `s-${randomHex(g).slice(0, 24)}`;
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function createBeacon(options: BeaconOptions = {}): Beacon {
  const g = globalThis as BrowserGlobals;
  const batchSize = Math.min(Math.max(1, options.batchSize ?? 20), MAX_BATCH);
  const flushIntervalMs = options.flushIntervalMs ?? 1_000;
  const maxRetries = options.maxRetries ?? 6;
  const baseDelayMs = options.baseDelayMs ?? 500;
  const endpoint = `${options.baseUrl ?? g.location?.origin ?? ''}/v1/events`;
  const send = options.fetch ?? fetch;
  const sessionId = options.sessionId ?? visitId(g);

  /** Not yet sent (or back from a failed attempt, waiting for its retry). */
  let queue: BehaviourEvent[] = [];
  let inFlight: BehaviourEvent[] = [];
  /** The batch in flight while it waits for its retry (not on the network then). */
  let waiting: BehaviourEvent[] | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running: Promise<void> | undefined;
  let closed = false;
  /** Bumped when the page hides: a retry that was waiting gives way to sendBeacon. */
  let generation = 0;

  const report = (status: number | undefined, message: string, events: BehaviourEvent[]) =>
    options.onError?.({ status, message, events });

  /** The next batch: at most `limit` events and MAX_BODY_BYTES of JSON. */
  function takeBatch(limit = batchSize): BehaviourEvent[] {
    const batch: BehaviourEvent[] = [];
    let bytes = 12;
    while (queue.length > 0 && batch.length < limit) {
      const size = JSON.stringify(queue[0]).length + 1;
      if (batch.length > 0 && bytes + size > MAX_BODY_BYTES) break;
      bytes += size;
      batch.push(queue.shift()!);
    }
    return batch;
  }

  async function sendBatch(batch: BehaviourEvent[]): Promise<void> {
    const startedIn = generation;
    for (let attempt = 0; ; attempt++) {
      let status: number | undefined;
      let retryAfterMs: number | undefined;
      try {
        const token = options.token?.();
        const res = await send(endpoint, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            ...(token ? { authorization: `Bearer ${token}` } : {}),
          },
          body: JSON.stringify({ events: batch }),
          // The request outlives the page: a batch on its way when the page closes still arrives.
          keepalive: true,
        });
        status = res.status;
        if (res.ok) return;
        const seconds = Number(res.headers.get('retry-after'));
        if (Number.isFinite(seconds) && seconds >= 0) retryAfterMs = seconds * 1000;
        if (status !== 429 && status !== 503) {
          report(status, `the service refused the batch (HTTP ${status})`, batch);
          return;
        }
      } catch {
        // A network failure: the batch may or may not have arrived; resending is safe (ids repeat).
      }
      if (attempt >= maxRetries) {
        report(status, `gave up after ${attempt + 1} attempts`, batch);
        return;
      }
      const ceiling = baseDelayMs * 2 ** attempt;
      waiting = batch;
      await sleep(retryAfterMs ?? Math.random() * ceiling);
      waiting = undefined;
      // The page was hidden while this batch waited: sendBeacon took it (or it is queued again).
      if (generation !== startedIn) return;
    }
  }

  function run(): Promise<void> {
    running ??= (async () => {
      try {
        while (queue.length > 0 && !closed) {
          inFlight = takeBatch();
          await sendBatch(inFlight);
          inFlight = [];
        }
      } finally {
        inFlight = [];
        running = undefined;
      }
    })();
    return running;
  }

  function schedule(): void {
    if (queue.length >= batchSize) {
      clearTimeout(timer);
      timer = undefined;
      void run();
    } else {
      timer ??= setTimeout(() => {
        timer = undefined;
        void run();
      }, flushIntervalMs);
    }
  }

  /**
   * Hands everything not yet sent to sendBeacon; with `inFlight`, the batch on its way too (the
   * page is closing: that request may be dropped, and a repeated event id is harmless).
   */
  function beaconAll(withInFlight: boolean): void {
    generation++;
    clearTimeout(timer);
    timer = undefined;
    if (waiting || (withInFlight && inFlight.length > 0)) {
      queue = [...inFlight, ...queue];
      waiting = undefined;
      inFlight = [];
    }
    while (queue.length > 0) {
      // As few beacons as the service's batch limit allows: a closing page may not send many.
      const batch = takeBatch(MAX_BATCH);
      const body = JSON.stringify({ events: batch });
      // A string body is sent as text/plain: no CORS preflight, which a closing page cannot wait for.
      const sent = g.navigator?.sendBeacon?.(endpoint, body) ?? false;
      if (!sent) {
        // The browser would not queue it (too big, or no sendBeacon): keep it for the next flush.
        queue = [...batch, ...queue];
        break;
      }
    }
  }

  const onVisibility = () => {
    if (g.document?.visibilityState === 'hidden') beaconAll(false);
  };
  const onPageHide = () => beaconAll(true);
  g.document?.addEventListener('visibilitychange', onVisibility);
  g.addEventListener?.('pagehide', onPageHide);

  return {
    sessionId,
    track(event) {
      const full = {
        ...event,
        sessionId: event.sessionId ?? sessionId,
        eventId: `evt-${randomHex(g)}`,
        occurredAt: new Date().toISOString(),
        version: 1,
      } as BehaviourEvent;
      queue.push(full);
      if (!closed) schedule();
      return full;
    },
    async flush() {
      clearTimeout(timer);
      timer = undefined;
      while ((queue.length > 0 && !closed) || running) await run();
    },
    pending: () => queue.length + inFlight.length,
    close() {
      beaconAll(false);
      closed = true;
      g.document?.removeEventListener('visibilitychange', onVisibility);
      g.removeEventListener?.('pagehide', onPageHide);
    },
  };
}

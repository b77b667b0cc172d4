import { afterEach, describe, expect, it, vi } from 'vitest';
import type { BehaviourEvent } from '../../events/behaviour.ts';
import { LakeBuffer } from '../../infra/local/lake/buffer.ts';

const view = (n: number): BehaviourEvent => ({
  type: 'ProductViewed',
  eventId: `evt-buffer-${n}`,
  occurredAt: '2026-11-23T10:00:00Z',
  version: 1,
  sessionId: 's-1',
  productId: 'p-1',
});

describe('LakeBuffer (Firehose-style buffering for the local lake)', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('delivers when the buffer reaches its size, and not before', async () => {
    const deliveries: string[][] = [];
    const buffer = new LakeBuffer(
      async (events) => deliveries.push(events.map((e) => (e as BehaviourEvent).eventId)),
      {
        maxBytes: 3 * JSON.stringify(view(1)).length,
        maxSeconds: 300,
      },
    );
    buffer.add([view(1), view(2)]);
    expect(deliveries).toEqual([]);
    buffer.add([view(3)]);
    await buffer.flush();
    expect(deliveries).toEqual([['evt-buffer-1', 'evt-buffer-2', 'evt-buffer-3']]);
    expect(buffer.stats).toMatchObject({ deliveries: 1, records: 3 });
  });

  it('delivers what it holds once the oldest record is maxSeconds old', async () => {
    vi.useFakeTimers();
    const deliveries: number[] = [];
    const buffer = new LakeBuffer(async (events) => deliveries.push(events.length), {
      maxBytes: 1_000_000,
      maxSeconds: 60,
    });
    buffer.add([view(1)]);
    await vi.advanceTimersByTimeAsync(30_000);
    buffer.add([view(2)]);
    await vi.advanceTimersByTimeAsync(29_000);
    expect(deliveries).toEqual([]);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(deliveries).toEqual([2]);
  });

  it('keeps the records of a failed write and delivers them first next time', async () => {
    const deliveries: string[][] = [];
    let fail = true;
    const buffer = new LakeBuffer(
      async (events) => {
        if (fail) throw new Error('disk full');
        deliveries.push(events.map((e) => (e as BehaviourEvent).eventId));
      },
      { maxBytes: 1_000_000, maxSeconds: 60 },
    );
    buffer.add([view(1)]);
    await buffer.flush();
    expect(buffer.stats).toMatchObject({ failures: 1, lastError: 'disk full' });
    expect(buffer.buffered).toBe(1);
    fail = false;
    buffer.add([view(2)]);
    await buffer.flush();
    expect(deliveries).toEqual([['evt-buffer-1', 'evt-buffer-2']]);
  });
});

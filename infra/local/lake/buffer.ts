/** Where a full or old enough buffer goes: the local lake's `append` (records it could not convert are counted). */
export type LakeSink = (records: readonly unknown[]) => Promise<{ errors: number } | unknown>;

/**
 * Buffers events for the lake as Firehose does: a delivery is written when the buffer holds
 * `maxBytes` of records or its oldest record is `maxSeconds` old, whichever comes first, so the
 * lake gets a few larger files rather than one per event. A failed write keeps the events and is
 * tried again at the next flush (Firehose retries, then errors to a prefix; nothing is dropped).
 */
export class LakeBuffer {
  private pending: unknown[] = [];
  private bytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  /** Deliveries written, and the last write's error, for /_local/status. */
  readonly stats = {
    deliveries: 0,
    records: 0,
    /** Records the sink could not convert (written aside, as Firehose's error output). */
    conversionErrors: 0,
    failures: 0,
    lastError: undefined as string | undefined,
  };

  constructor(
    private readonly sink: LakeSink,
    private readonly options: { maxBytes: number; maxSeconds: number },
  ) {}

  add(records: readonly unknown[]): void {
    if (records.length === 0) return;
    for (const e of records) {
      this.pending.push(e);
      this.bytes += JSON.stringify(e).length;
    }
    // The timer starts with the oldest record buffered.
    if (this.bytes >= this.options.maxBytes) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), this.options.maxSeconds * 1000).unref();
  }

  /** Writes what is buffered (serialised: one delivery at a time); resolves when it is written. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    if (batch.length === 0) return this.writing;
    this.pending = [];
    this.bytes = 0;
    this.writing = this.writing.then(async () => {
      try {
        const out = await this.sink(batch);
        const errors = (out as { errors?: number } | undefined)?.errors ?? 0;
        this.stats.deliveries++;
        this.stats.records += batch.length - errors;
        this.stats.conversionErrors += errors;
      } catch (error) {
        this.stats.failures++;
        this.stats.lastError = (error as Error).message;
        // Kept for the next flush, ahead of what arrived since.
        this.pending = [...batch, ...this.pending];
        this.timer ??= setTimeout(() => void this.flush(), this.options.maxSeconds * 1000).unref();
      }
    });
    return this.writing;
  }

  /** Records waiting for the next delivery. */
  get buffered(): number {
    return this.pending.length;
  }
}

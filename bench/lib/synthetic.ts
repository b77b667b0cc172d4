import { createWriteStream } from 'node:fs';

/** What the synthetic-file generators of the offline evaluations (eval-related, eval-hits) share. */

/** mulberry32: a small seeded generator of floats in [0, 1); the same seed gives the same file. */
export function mulberry32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let x = s;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

/** Writes text to a file, waiting whenever the stream's buffer is full; `end` resolves once it is closed. */
export function fileWriter(path: string): { write(text: string): Promise<void>; end(): Promise<void> } {
  const out = createWriteStream(path);
  return {
    write: (text) =>
      out.write(text) ? Promise.resolve() : new Promise<void>((r) => out.once('drain', () => r())),
    end: () =>
      new Promise<void>((resolve, reject) =>
        out.end((err?: Error | null) => (err ? reject(err) : resolve())),
      ),
  };
}

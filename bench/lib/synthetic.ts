import { createWriteStream } from 'node:fs';

/** What the synthetic-file generators of the offline evaluations (eval-related, eval-hits) share. */

/** The seeded generator the files are drawn from: the same seed gives the same file. */
export { mulberry32 } from '../../models/random.ts';

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

import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { env } from '../lib/config.ts';

/**
 * The result files of a lake job: newline-delimited JSON, gzipped when the name ends in `.gz`.
 * On AWS, Athena's UNLOAD writes them to S3 (`s3://bucket/key`); locally DuckDB writes them to the
 * data folder (a path). One reader for both, so the writers cannot tell them apart.
 */
let s3: S3Client | undefined;
const s3Client = () => {
  s3 ??= new S3Client({ region: env().AWS_REGION });
  return s3;
};

const parseS3 = (location: string) => {
  const m = /^s3:\/\/([^/]+)\/(.*)$/.exec(location);
  if (!m) throw new RangeError(`not an S3 location: ${location}`);
  return { bucket: m[1]!, key: m[2]! };
};

/** The files under a results prefix (`s3://bucket/prefix/` or a folder), sorted. */
export async function listResultFiles(prefix: string, { client = s3Client() } = {}): Promise<string[]> {
  if (!prefix.startsWith('s3://')) {
    const { readdirSync } = await import('node:fs');
    const { join } = await import('node:path');
    return readdirSync(prefix)
      .filter((f) => /\.json(\.gz)?$/.test(f))
      .sort()
      .map((f) => join(prefix, f));
  }
  const { bucket, key } = parseS3(prefix);
  const out: string[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: key, ContinuationToken: token }),
    );
    for (const o of page.Contents ?? []) if (o.Key && (o.Size ?? 0) > 0) out.push(`s3://${bucket}/${o.Key}`);
    token = page.NextContinuationToken;
  } while (token);
  return out.sort();
}

/** The rows of one result file, one parsed JSON object per line, streamed. */
export async function* readResultRows(
  location: string,
  { client = s3Client() } = {},
): AsyncGenerator<unknown> {
  let stream: Readable;
  if (location.startsWith('s3://')) {
    const { bucket, key } = parseS3(location);
    const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    stream = out.Body as Readable;
  } else stream = createReadStream(location);
  if (location.endsWith('.gz')) stream = stream.pipe(createGunzip());
  for await (const line of createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY })) {
    if (line.trim() !== '') yield JSON.parse(line);
  }
}

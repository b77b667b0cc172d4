import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { HitArtifact, HitManifest, ModelJson } from '../../models/hits/model.ts';

/**
 * A versioned artifact on disk: `<dir>/<version>/model.json` (an ensemble's other networks in
 * `members.json`) and `manifest.json`, the whole
 * artifact as `<dir>/current.json`, then `<dir>/latest.json` pointing at the version. The pointer is written last (and atomically), so a
 * reader never sees a version whose files are not all there.
 */

/** The artifacts bundled with the code (models/hits/default-model.ts reads `current.json`). */
export const ARTIFACTS_DIR = new URL('../../models/hits/artifacts/', import.meta.url);

export interface LatestPointer {
  version: string;
  createdAt: string;
}

export async function writeArtifact(dir: string, artifact: HitArtifact): Promise<string> {
  const { version } = artifact.manifest;
  if (!/^[A-Za-z0-9._-]+$/.test(version)) throw new RangeError(`unsafe version name: ${version}`);
  const at = join(dir, version);
  await mkdir(at, { recursive: true });
  await writeFile(join(at, 'model.json'), `${JSON.stringify(artifact.model)}\n`);
  if (artifact.members) await writeFile(join(at, 'members.json'), `${JSON.stringify(artifact.members)}\n`);
  await writeFile(join(at, 'manifest.json'), `${JSON.stringify(artifact.manifest, null, 2)}\n`);
  // The whole artifact once more as current.json: what functions bundle (a static JSON import) as
  // the model to use until a retrained one is stored in the hitmodels table.
  const current = join(dir, `.current-${process.pid}.json`);
  await writeFile(current, `${JSON.stringify(artifact)}\n`);
  await rename(current, join(dir, 'current.json'));
  const pointer: LatestPointer = { version, createdAt: artifact.manifest.createdAt };
  const tmp = join(dir, `.latest-${process.pid}.json`);
  await writeFile(tmp, `${JSON.stringify(pointer, null, 2)}\n`);
  await rename(tmp, join(dir, 'latest.json'));
  return at;
}

export async function readArtifact(dir: string, version?: string): Promise<HitArtifact> {
  const v =
    version ?? (JSON.parse(await readFile(join(dir, 'latest.json'), 'utf8')) as LatestPointer).version;
  const model = JSON.parse(await readFile(join(dir, v, 'model.json'), 'utf8')) as ModelJson;
  const manifest = JSON.parse(await readFile(join(dir, v, 'manifest.json'), 'utf8')) as HitManifest;
  // The other networks of an ensemble (none before 2026-12-08).
  const members = await readFile(join(dir, v, 'members.json'), 'utf8').then(
    (text) => JSON.parse(text) as ModelJson[],
    (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw err;
    },
  );
  return { model, ...(members ? { members } : {}), manifest };
}

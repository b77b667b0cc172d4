import current from './artifacts/current.json' with { type: 'json' };
import type { HitArtifact } from './model.ts';

/**
 * The model shipped with the code (the last `npm run train:hits`), bundled as JSON so that a Lambda
 * needs no file system access: used until a retrained one is stored in the hitmodels table.
 */
export const defaultHitArtifact = current as unknown as HitArtifact;

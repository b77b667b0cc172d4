import * as z from 'zod';
import { BUNDLE_DEFAULTS } from './mine.ts';

/**
 * A shop's bundle-mining settings, each optional over BUNDLE_DEFAULTS. A stage carries them in
 * cdk.json (`bundles`), and the functions that build the lake's itemset SQL and read its counts
 * read the same ones (`BUNDLE_SETTINGS`), so the counts and the rules agree. A large shop that wants
 * its tail's bundles lowers `minSupport` (0 is the absolute floor alone), knowing the mining then
 * grows faster than its orders (docs/measurements.md).
 */
export const BundleSettings = z
  .object({
    minCount: z.int().min(2).max(100_000),
    minSupport: z.number().min(0).max(0.01),
    minConfidence: z.number().min(0).max(1),
  })
  .partial()
  .strict();
export type BundleSettings = z.infer<typeof BundleSettings>;

export type BundleConfig = Readonly<Required<BundleSettings>>;

/** The settings over the defaults. */
export function bundleConfigOf(settings: BundleSettings = {}): BundleConfig {
  const { minCount, minSupport, minConfidence } = BUNDLE_DEFAULTS;
  return Object.freeze({ minCount, minSupport, minConfidence, ...settings });
}

import * as z from 'zod';
import { defaultRelatedConfig, type RelatedConfig } from './evidence.ts';

/**
 * A shop's related-products settings: the parameters `npm run eval:related` chose on the shop's own
 * validation split (it prints them in this shape), each optional, the rest the defaults. A stage
 * carries them in cdk.json (`related`), and every function that builds evidence, neighbour lists
 * or the lake's related SQL reads the same ones (`RELATED_SETTINGS`), so the live path, the
 * rebuild and the answer agree. Bounds keep a typo from ruining a shop's lists.
 */
export const RelatedSettings = z
  .object({
    halfLifeDays: z.number().min(1).max(3_650),
    sessionGapMinutes: z.number().min(1).max(1_440),
    maxPairs: z.int().min(10).max(400),
    topK: z.int().min(1).max(50),
    cartWeight: z.number().min(0).max(10),
    basketDamping: z.number().min(0).max(4),
    recentLimit: z.int().min(2).max(50),
    minPairWeight: z.number().min(0).max(1),
    popularityBeta: z.number().min(0).max(1),
    shrinkage: z.number().min(0).max(100),
    boughtWeight: z.number().min(0).max(10),
    viewedWeight: z.number().min(0).max(10),
    minScore: z.number().min(0).max(1),
    popularityBlend: z.number().min(0).max(2),
  })
  .partial()
  .strict();
export type RelatedSettings = z.infer<typeof RelatedSettings>;

/** The settings over the defaults. */
export function relatedConfigOf(settings: RelatedSettings = {}): RelatedConfig {
  return Object.freeze({ ...defaultRelatedConfig, ...settings });
}

/** Only what differs from the defaults: what a stage needs to carry. */
export function settingsOf(config: RelatedConfig): RelatedSettings {
  return Object.fromEntries(
    Object.entries(config).filter(([k, v]) => defaultRelatedConfig[k as keyof RelatedConfig] !== v),
  ) as RelatedSettings;
}

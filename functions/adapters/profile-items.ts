import type { RfmCutPoints, RfmProfile } from '../../events/segments.ts';

/**
 * The `profiles` table: one item per signed-in shopper who ordered (`userId`, the RfmProfile as it
 * is), and one item for the shop's current quintile cut points under the reserved key `#cuts` (not
 * a valid user id: ids start with a letter or digit). Keeping the cut points in the same table lets
 * the pricing function read a shopper's profile and the cut points in the one BatchGetItem it
 * already makes, and the scheduled recomputation scan skips that one item.
 */
export const CUTS_KEY = '#cuts';

const strip = <T>(item: Record<string, unknown>, ...keys: string[]): T => {
  const out = { ...item };
  for (const k of ['updatedAt', ...keys]) delete out[k];
  return out as T;
};

export const profileOfItem = (item: Record<string, unknown>): RfmProfile => strip<RfmProfile>(item);
export const cutsOfItem = (item: Record<string, unknown>): RfmCutPoints =>
  strip<RfmCutPoints>(item, 'userId');

/** Bookkeeping attributes stored beside each entity (when it was written); never the domain's. */
export const STORED_META = ['updatedAt'] as const;

/** A stored item as the domain sees it: without the stored meta, nor the `also` attributes (keys). */
export function withoutMeta<T>(item: Record<string, unknown>, ...also: string[]): T {
  const copy = { ...item };
  for (const k of [...STORED_META, ...also]) delete copy[k];
  return copy as T;
}

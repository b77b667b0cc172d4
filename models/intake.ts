/** Keeps the first occurrence of each eventId, in order: a batch may repeat an event on retry. */
export function dedupeByEventId<T extends { eventId: string }>(events: readonly T[]): T[] {
  const seen = new Set<string>();
  return events.filter((e) => {
    if (seen.has(e.eventId)) return false;
    seen.add(e.eventId);
    return true;
  });
}

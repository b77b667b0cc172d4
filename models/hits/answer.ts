import type { HitsResponse } from '../../events/api.ts';
import type { Locale } from '../../events/common.ts';
import { explainHit } from './explain.ts';
import type { RankedList } from './ranking.ts';

/** The `GET /v1/hits` answer from a stored list: the first `limit` items, explained on request. */
export function hitsAnswer(
  scope: string,
  list: RankedList | undefined,
  { limit, explain, locale }: { limit: number; explain: boolean; locale: Locale },
): HitsResponse {
  return {
    scope,
    rankingVersion: list?.version ?? 0,
    modelVersion: list?.modelVersion ?? null,
    updatedAt: list?.updatedAt ?? null,
    items: (list?.items ?? []).slice(0, limit).map((e) => ({
      productId: e.productId,
      category: e.category,
      rank: e.rank,
      previousRank: e.previousRank,
      rankChange: e.previousRank === null ? null : e.previousRank - e.rank,
      hitScore: e.score,
      freshPick: e.freshPick === true,
      scoredAt: e.scoredAt,
      ...(explain ? { explanation: explainHit(e.signals, locale), signals: e.signals } : {}),
    })),
  };
}

import type { Locale } from '../../events/common.ts';

/**
 * The explanation language from `Accept-Language`: the highest-weighted of zh (any region, as
 * zh-CN) and en; English when neither is asked for.
 */
export function localeOf(header: string | undefined): Locale {
  let best: { locale: Locale; q: number } | undefined;
  for (const part of (header ?? '').split(',')) {
    const [tag = '', ...params] = part.trim().toLowerCase().split(';');
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const q = qParam === undefined ? 1 : Number(qParam.slice(2));
    if (!(q > 0)) continue;
    const locale: Locale | undefined = tag.startsWith('zh')
      ? 'zh-CN'
      : tag.startsWith('en')
        ? 'en'
        : undefined;
    if (locale && (best === undefined || q > best.q)) best = { locale, q };
  }
  return best?.locale ?? 'en';
}

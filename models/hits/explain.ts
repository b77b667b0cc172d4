import type { Locale } from '../../events/common.ts';
import type { HitSignals } from './features.ts';

/**
 * The signals behind a hit score, in sentences a merchandiser reads: "searches up 340% in 24 h",
 * "rating 4.8 from 120 reviews". Each candidate statement carries a strength (how unusual the
 * figure is, with enough volume to mean something) and the strongest few are said, so that a
 * product rising on search says so first. Thresholds keep noise out: two searches after zero is
 * not a surge.
 */

interface Statement {
  strength: number;
  en: string;
  zh: string;
}

const pct = (now: number, before: number) => Math.round((now / before - 1) * 100);
const fmt = (x: number, digits = 1) => (Math.round(x * 10 ** digits) / 10 ** digits).toString();

export function explainHit(s: HitSignals, locale: Locale = 'en', max = 4): string[] {
  const out: Statement[] = [];
  const rise = (now: number, before: number, minNow: number) =>
    now >= minNow && now > before ? Math.log((now + 1) / (before + 1)) * Math.log1p(now) : 0;

  // Searches: the freshest signal, over 24 h against the days before, then over the week.
  if (s.searches24h >= 3 && s.searches24h > s.searchesDailyBefore * 1.5) {
    out.push(
      s.searchesDailyBefore > 0
        ? {
            strength: rise(s.searches24h, s.searchesDailyBefore, 3) * 1.2,
            en: `searches up ${pct(s.searches24h, s.searchesDailyBefore)}% in 24 h (${s.searches24h} vs ${fmt(s.searchesDailyBefore)} a day before)`,
            zh: `24 小时搜索量上升 ${pct(s.searches24h, s.searchesDailyBefore)}%（${s.searches24h} 次，此前日均 ${fmt(s.searchesDailyBefore)} 次）`,
          }
        : {
            strength: rise(s.searches24h, 0, 3) * 1.2,
            en: `${s.searches24h} searches in 24 h, none in the 6 days before`,
            zh: `24 小时内被搜索 ${s.searches24h} 次，此前 6 天为 0`,
          },
    );
  }
  if (s.searches7d >= 5 && s.searches7d > s.searchesWeeklyBefore * 1.3) {
    out.push({
      strength: rise(s.searches7d, s.searchesWeeklyBefore, 5),
      en:
        s.searchesWeeklyBefore > 0
          ? `searches up ${pct(s.searches7d, s.searchesWeeklyBefore)}% this week (${s.searches7d})`
          : `${s.searches7d} searches this week, new in search`,
      zh:
        s.searchesWeeklyBefore > 0
          ? `本周搜索量上升 ${pct(s.searches7d, s.searchesWeeklyBefore)}%（${s.searches7d} 次）`
          : `本周新进入搜索：${s.searches7d} 次`,
    });
  }
  if (s.views7d >= 10 && s.views7d > s.viewsWeeklyBefore * 1.3) {
    out.push({
      strength: rise(s.views7d, s.viewsWeeklyBefore, 10) * 0.8,
      en:
        s.viewsWeeklyBefore > 0
          ? `page views up ${pct(s.views7d, s.viewsWeeklyBefore)}% this week (${s.views7d})`
          : `${s.views7d} page views this week, none before`,
      zh:
        s.viewsWeeklyBefore > 0
          ? `本周浏览量上升 ${pct(s.views7d, s.viewsWeeklyBefore)}%（${s.views7d} 次）`
          : `本周浏览 ${s.views7d} 次，此前无浏览`,
    });
  }
  if (s.units7d >= 2) {
    const up = s.units7d > s.unitsWeeklyBefore * 1.3;
    out.push({
      strength: up ? rise(s.units7d, s.unitsWeeklyBefore, 2) * 1.1 : 0.1,
      en:
        s.unitsWeeklyBefore > 0 && up
          ? `${s.units7d} sold this week, up ${pct(s.units7d, s.unitsWeeklyBefore)}% on the weeks before`
          : s.unitsWeeklyBefore === 0
            ? `${s.units7d} sold this week, its first sales this month`
            : `${s.units7d} sold this week`,
      zh:
        s.unitsWeeklyBefore > 0 && up
          ? `本周售出 ${s.units7d} 件，较此前周均上升 ${pct(s.units7d, s.unitsWeeklyBefore)}%`
          : s.unitsWeeklyBefore === 0
            ? `本周售出 ${s.units7d} 件，为本月首批销量`
            : `本周售出 ${s.units7d} 件`,
    });
  }
  if (s.views7d >= 30 && s.orders7d > 0) {
    const rate = (s.orders7d / s.views7d) * 100;
    out.push({
      strength: Math.min(1.5, rate / 5),
      en: `${fmt(rate)}% of this week's ${s.views7d} views turned into orders`,
      zh: `本周 ${s.views7d} 次浏览的下单转化率 ${fmt(rate)}%`,
    });
  }
  if (s.rating28d !== null && s.reviews28d >= 3) {
    const trend = s.ratingBefore !== null && s.reviews7d > 0 ? s.rating28d - s.ratingBefore : 0;
    out.push({
      strength: Math.max(0, s.rating28d - 3.5) * Math.log1p(s.reviews28d) * 0.4 + Math.max(0, trend),
      en:
        trend >= 0.3
          ? `rating ${fmt(s.rating28d)} from ${s.reviews28d} reviews, up from ${fmt(s.ratingBefore!)}`
          : `rating ${fmt(s.rating28d)} from ${s.reviews28d} reviews`,
      zh:
        trend >= 0.3
          ? `评分 ${fmt(s.rating28d)}（${s.reviews28d} 条评价），此前 ${fmt(s.ratingBefore!)}`
          : `评分 ${fmt(s.rating28d)}（${s.reviews28d} 条评价）`,
    });
  }
  if (s.reviews7d >= 3) {
    out.push({
      strength: Math.log1p(s.reviews7d) * 0.5,
      en: `${s.reviews7d} new reviews this week`,
      zh: `本周新增 ${s.reviews7d} 条评价`,
    });
  }
  if (s.daysSinceLaunch < 30) {
    out.push({
      strength: 0.3,
      en: s.daysSinceLaunch === 0 ? 'launched today' : `launched ${s.daysSinceLaunch} days ago`,
      zh: s.daysSinceLaunch === 0 ? '今日上新' : `上新 ${s.daysSinceLaunch} 天`,
    });
  }
  // A warning rather than a reason: a rising product about to sell out needs stock now.
  const perDay = s.units7d / 7;
  if (perDay > 0 && s.stock / perDay < 14) {
    const days = Math.floor(s.stock / perDay);
    out.push({
      strength: 2,
      en: `stock covers only ${days} days at this week's rate (${s.stock} left)`,
      zh: `按本周销速，库存仅够 ${days} 天（剩余 ${s.stock} 件）`,
    });
  }
  return out
    .filter((x) => x.strength > 0)
    .sort((a, b) => b.strength - a.strength)
    .slice(0, max)
    .map((x) => (locale === 'zh-CN' ? x.zh : x.en));
}

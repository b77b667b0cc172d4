import type { Schemas } from '../../../../events/client/index.ts';
import { announce, byId, call, client, h, showError, start, svg } from './dom.ts';

type HitsResponse = Schemas['HitsResponse'];
type DailySignals = Schemas['DailySignals'];

/**
 * `/demo/hits`: the merchandiser's view of the hit ranking. One list at a time (all categories or
 * one), each item with its rank change, score, the signals in words and a small chart of its daily
 * views, carts and searches; the model version and when the list was last reordered. It asks for
 * the list's version every few seconds (`?poll=` milliseconds) and redraws when it moved.
 */

const TOP = 10;
const CHART_DAYS = 14;
const params = new URLSearchParams(location.search);
const pollMs = Math.max(500, Number(params.get('poll')) || 5_000);
let scope = params.get('category') ?? '';
let shown: Pick<HitsResponse, 'rankingVersion' | 'modelVersion' | 'updatedAt'> | undefined;
let busy = false;
const titles = new Map<string, string>();

const hits = (limit: number, explain: boolean) =>
  call(
    client.GET('/v1/hits', {
      params: {
        query: { limit, ...(explain ? { explain: 'true' } : {}), ...(scope ? { category: scope } : {}) },
      },
    }),
  );

async function title(productId: string): Promise<string> {
  const known = titles.get(productId);
  if (known) return known;
  const p = await call(client.GET('/v1/products/{productId}', { params: { path: { productId } } })).catch(
    () => undefined,
  );
  const t = p?.title ?? productId;
  titles.set(productId, t);
  return t;
}

function change(item: HitsResponse['items'][number]): HTMLElement {
  const c = item.rankChange;
  const [mark, words, cls] =
    c === null
      ? ['new', 'new in the list', 'new']
      : c > 0
        ? [`▲ ${c}`, `up ${c} place${c === 1 ? '' : 's'}`, 'up']
        : c < 0
          ? [`▼ ${-c}`, `down ${-c} place${c === -1 ? '' : 's'}`, 'down']
          : ['–', 'no change', 'same'];
  return h(
    'span',
    { class: `change ${cls}`, 'data-rank-change': c === null ? 'new' : String(c) },
    h('span', { 'aria-hidden': 'true' }, mark),
    h('span', { class: 'visually-hidden' }, words),
  );
}

const SERIES = [
  { key: 'views', label: 'views', cls: 'line-views' },
  { key: 'carts', label: 'carts', cls: 'line-carts' },
  { key: 'searches', label: 'searches', cls: 'line-searches' },
] as const satisfies readonly { key: keyof DailySignals; label: string; cls: string }[];

/** A sparkline of the daily counts, each line scaled to its own peak; the figures are in its label. */
function chart(days: DailySignals[]): SVGSVGElement {
  const w = 168;
  const ht = 44;
  const pad = 3;
  const x = (i: number) => pad + (i * (w - 2 * pad)) / Math.max(1, days.length - 1);
  const words = SERIES.map(({ key, label }) => {
    const values = days.map((d) => d[key] as number);
    return `${label} ${values.join(', ')}`;
  });
  return svg(
    'svg',
    {
      class: 'spark',
      width: w,
      height: ht,
      viewBox: `0 0 ${w} ${ht}`,
      role: 'img',
      'aria-label': `Per day over the last ${days.length} days, oldest first: ${words.join('; ')}`,
    },
    svg('line', { x1: pad, x2: w - pad, y1: ht - pad, y2: ht - pad, class: 'axis' }),
    ...SERIES.map(({ key, cls }) => {
      const values = days.map((d) => d[key] as number);
      const peak = Math.max(1, ...values);
      const points = values.map(
        (v, i) => `${x(i).toFixed(1)},${(ht - pad - (v / peak) * (ht - 2 * pad)).toFixed(1)}`,
      );
      return svg('polyline', { class: cls, points: points.join(' '), 'data-series': key });
    }),
  );
}

async function render(list: HitsResponse): Promise<void> {
  const items = list.items;
  const [names, series] = await Promise.all([
    Promise.all(items.map((i) => title(i.productId))),
    Promise.all(
      items.map((i) =>
        call(
          client.GET('/v1/hits/{productId}/signals', {
            params: { path: { productId: i.productId }, query: { days: CHART_DAYS } },
          }),
        ),
      ),
    ),
  ]);
  byId('model-version').textContent = list.modelVersion ?? 'none yet';
  byId('ranking-version').textContent = String(list.rankingVersion);
  const updated = byId('updated-at');
  updated.textContent = list.updatedAt ? new Date(list.updatedAt).toLocaleString() : 'never';
  if (list.updatedAt) updated.setAttribute('datetime', list.updatedAt);

  const scopeName = scope || 'all categories';
  const table = h(
    'table',
    { id: 'ranking', 'data-ranking-version': list.rankingVersion, 'data-scope': list.scope },
    h('caption', null, `Top ${items.length} potential hits in ${scopeName}`),
    h(
      'thead',
      null,
      h(
        'tr',
        null,
        h('th', { scope: 'col', class: 'num' }, 'Rank'),
        h('th', { scope: 'col' }, 'Change'),
        h('th', { scope: 'col' }, 'Product'),
        h('th', { scope: 'col', class: 'num' }, 'Hit score'),
        h('th', { scope: 'col' }, `Last ${CHART_DAYS} days`),
        h('th', { scope: 'col' }, 'Why'),
      ),
    ),
    h(
      'tbody',
      null,
      ...items.map((item, i) =>
        h(
          'tr',
          { 'data-product-id': item.productId },
          h('td', { class: 'num rank' }, item.rank),
          h('td', null, change(item)),
          h(
            'th',
            { scope: 'row' },
            h(
              'a',
              { href: `/demo/products/${encodeURIComponent(item.productId)}` },
              names[i] ?? item.productId,
            ),
            h(
              'span',
              { class: 'note block' },
              `${item.productId} · ${item.category}${item.freshPick ? ' · fresh pick (not on the shelf yesterday)' : ''}`,
            ),
          ),
          h('td', { class: 'num' }, item.hitScore.toFixed(4)),
          h('td', null, chart(series[i]?.days ?? [])),
          h(
            'td',
            null,
            item.explanation?.length
              ? h('ul', { class: 'why' }, ...item.explanation.map((e) => h('li', null, e)))
              : 'no strong signal',
          ),
        ),
      ),
    ),
  );
  byId('ranking-box').replaceChildren(
    items.length
      ? table
      : h('p', null, 'No ranking yet: the first full re-rank runs after the demo data is in.'),
  );
  shown = { rankingVersion: list.rankingVersion, modelVersion: list.modelVersion, updatedAt: list.updatedAt };
}

async function load(reason?: string): Promise<void> {
  busy = true;
  try {
    const list = await hits(TOP, true);
    const was = shown;
    await render(list);
    byId('checked-at').textContent = new Date().toLocaleTimeString();
    if (reason) announce(reason);
    else if (was && was.rankingVersion !== list.rankingVersion)
      announce(`Ranking updated: version ${list.rankingVersion} (was ${was.rankingVersion}).`);
  } finally {
    busy = false;
  }
}

/** Cheap check (no explanations, one item): redraw only when the list or the model moved. */
async function poll(): Promise<void> {
  try {
    if (!busy && document.visibilityState !== 'hidden') {
      const head = await hits(1, false);
      byId('checked-at').textContent = new Date().toLocaleTimeString();
      if (
        !shown ||
        head.rankingVersion !== shown.rankingVersion ||
        head.modelVersion !== shown.modelVersion ||
        head.updatedAt !== shown.updatedAt
      ) {
        await load();
      }
    }
  } catch (error) {
    showError(error);
  } finally {
    setTimeout(() => void poll(), pollMs);
  }
}

function layout(): void {
  byId('main').replaceChildren(
    h('h1', null, 'Potential hit products'),
    h(
      'div',
      { class: 'controls' },
      h('label', { for: 'category' }, 'Category'),
      h('select', { id: 'category' }),
      h('button', { type: 'button', id: 'check-now' }, 'Check now'),
    ),
    h(
      'dl',
      { class: 'meta' },
      h('dt', null, 'Model'),
      h('dd', { id: 'model-version' }, '…'),
      h('dt', null, 'Ranking version'),
      h('dd', { id: 'ranking-version' }, '…'),
      h('dt', null, 'Last reordered'),
      h('dd', null, h('time', { id: 'updated-at' }, '…')),
      h('dt', null, 'Last checked'),
      h('dd', { id: 'checked-at' }, '…'),
    ),
    h(
      'p',
      { class: 'note legend', 'aria-hidden': 'true' },
      'Chart: ',
      h('span', { class: 'key key-views' }, 'views'),
      ' ',
      h('span', { class: 'key key-carts' }, 'carts'),
      ' ',
      h('span', { class: 'key key-searches' }, 'searches'),
      ' per day, each line scaled to its own peak.',
    ),
    h('div', { id: 'ranking-box' }, 'Loading…'),
  );
}

start(async () => {
  layout();
  const global = await call(client.GET('/v1/hits', { params: { query: { limit: 50 } } }));
  const categories = [...new Set(global.items.map((i) => i.category))].sort();
  if (scope && !categories.includes(scope)) categories.unshift(scope);
  const select = byId<HTMLSelectElement>('category');
  select.replaceChildren(
    h('option', { value: '' }, 'All categories'),
    ...categories.map((c) => h('option', { value: c, selected: c === scope }, c)),
  );
  select.addEventListener('change', () => {
    scope = select.value;
    const url = new URL(location.href);
    if (scope) url.searchParams.set('category', scope);
    else url.searchParams.delete('category');
    history.replaceState(null, '', url);
    shown = undefined;
    load(`Showing ${scope || 'all categories'}.`).catch(showError);
  });
  byId('check-now').addEventListener('click', () => {
    load('Checked now.').catch(showError);
  });
  await load();
  byId('main').dataset.ready = 'true';
  setTimeout(() => void poll(), pollMs);
});

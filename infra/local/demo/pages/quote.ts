import type { Schemas } from '../../../../events/client/index.ts';
import { announce, byId, call, client, h, isId, money, showError, start } from './dom.ts';

type Quote = Schemas['Quote'];

/**
 * `/demo/quote?items=p-1:1,p-2:2&lang=en|zh-CN`: a bundle or cart priced by `POST /v1/quotes` and
 * explained line by line: the applied and missed promotions and the next tier, in English or
 * Chinese (the service writes the explanations in the language asked for; this page only labels
 * them). It quotes as a guest unless a shopper token is given: member tier and group state come
 * from the verified token and the service's records, never from anything this page sends.
 */

type Lang = 'en' | 'zh-CN';
const TEXT = {
  en: {
    title: 'Quote explainer',
    intro: 'Prices a set of products the way checkout would, and says why each amount is what it is.',
    language: 'Language',
    items: 'Items (product id:quantity, comma-separated)',
    coupons: 'Coupon codes (optional, comma-separated)',
    token: 'Shopper token (optional; member and group prices come only from it)',
    submit: 'Get the quote',
    quote: 'The quote',
    lines: 'Lines',
    product: 'Product',
    qty: 'Qty',
    list: 'List price',
    unit: 'Unit price',
    discount: 'Discount',
    lineTotal: 'Line total',
    subtotal: 'Subtotal',
    itemDiscount: 'Item discounts',
    orderDiscount: 'Order discounts',
    total: 'Total',
    savings: 'You save',
    applied: 'Applied promotions',
    missed: 'Promotions missed',
    nextTier: 'Next tier',
    noNextTier: 'No further tier within reach.',
    none: 'None.',
    caps: 'Discounts held at the margin floor',
    guest: 'Priced for a guest.',
    member: (id: string) => `Priced for shopper ${id}.`,
    meta: (id: string, until: string) => `Quote ${id}, signed, valid until ${until}.`,
    gift: 'gift',
    flash: 'flash sale',
    pricing: 'Pricing…',
    done: (total: string) => `Quote ready: total ${total}.`,
    noItems: 'Enter at least one item, e.g. p-00001:1.',
    badItem: (s: string) => `"${s}" is not productId:quantity.`,
    back: 'Back to the storefront',
  },
  'zh-CN': {
    title: '报价说明',
    intro: '按结账时的方式为一组商品计价，并说明每一笔金额的由来。',
    language: '语言',
    items: '商品（商品编号:数量，用逗号分隔）',
    coupons: '优惠券码（可选，用逗号分隔）',
    token: '购物者令牌（可选；会员价和拼团价只来自令牌）',
    submit: '获取报价',
    quote: '报价',
    lines: '明细',
    product: '商品',
    qty: '数量',
    list: '标价',
    unit: '单价',
    discount: '优惠',
    lineTotal: '小计',
    subtotal: '原价合计',
    itemDiscount: '单品优惠',
    orderDiscount: '订单优惠',
    total: '应付',
    savings: '共节省',
    applied: '已享优惠',
    missed: '未享优惠',
    nextTier: '下一档',
    noNextTier: '暂无可达的更高一档优惠。',
    none: '无。',
    caps: '受最低毛利限制的优惠',
    guest: '按游客价格计算。',
    member: (id: string) => `按购物者 ${id} 计算。`,
    meta: (id: string, until: string) => `报价 ${id}，已签名，有效期至 ${until}。`,
    gift: '赠品',
    flash: '限时抢购',
    pricing: '计算中…',
    done: (total: string) => `报价已生成：应付 ${total}。`,
    noItems: '请至少输入一件商品，例如 p-00001:1。',
    badItem: (s: string) => `“${s}”不是 商品编号:数量 的格式。`,
    back: '返回商店',
  },
} as const;

const params = new URLSearchParams(location.search);
let lang: Lang = params.get('lang') === 'zh-CN' ? 'zh-CN' : 'en';
const bundleTitle = params.get('title') ?? '';
let last: Quote | undefined;
const t = () => TEXT[lang];

function parseItems(text: string): { productId: string; quantity: number }[] {
  const out: { productId: string; quantity: number }[] = [];
  for (const part of text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const [id, qty = '1'] = part.split(':').map((s) => s.trim());
    const quantity = Number(qty);
    if (!isId(id) || !Number.isInteger(quantity) || quantity < 1) throw new Error(t().badItem(part));
    out.push({ productId: id, quantity });
  }
  if (out.length === 0) throw new Error(t().noItems);
  return out;
}

function layout(): void {
  document.documentElement.lang = lang;
  const items = params.get('items') ?? '';
  byId('main').replaceChildren(
    h('h1', { id: 'title' }),
    h('p', { id: 'intro' }),
    h(
      'div',
      { role: 'group', 'aria-labelledby': 'lang-label', class: 'lang-switch' },
      h('span', { id: 'lang-label' }),
      ' ',
      h('button', { type: 'button', lang: 'en', 'data-lang': 'en', 'aria-pressed': 'false' }, 'English'),
      h('button', { type: 'button', lang: 'zh-CN', 'data-lang': 'zh-CN', 'aria-pressed': 'false' }, '中文'),
    ),
    h(
      'form',
      { id: 'quote-form', class: 'stack' },
      h('label', { for: 'items', id: 'items-label' }),
      h('input', {
        id: 'items',
        name: 'items',
        value: items.replaceAll(',', ', '),
        required: true,
        autocomplete: 'off',
      }),
      h('label', { for: 'coupons', id: 'coupons-label' }),
      h('input', { id: 'coupons', name: 'coupons', value: params.get('coupons') ?? '', autocomplete: 'off' }),
      h('label', { for: 'token', id: 'token-label' }),
      h('input', { id: 'token', name: 'token', type: 'password', autocomplete: 'off' }),
      h('div', null, h('button', { type: 'submit', class: 'primary', id: 'submit' })),
    ),
    h('section', { id: 'quote', 'aria-labelledby': 'quote-title', hidden: true }),
  );
  for (const b of document.querySelectorAll<HTMLButtonElement>('[data-lang]')) {
    b.addEventListener('click', () => void switchTo(b.dataset.lang === 'zh-CN' ? 'zh-CN' : 'en'));
  }
  byId('quote-form').addEventListener('submit', (e) => {
    e.preventDefault();
    void quote(true);
  });
}

function label(): void {
  const x = t();
  document.documentElement.lang = lang;
  document.title = `${x.title}${bundleTitle ? `: ${bundleTitle}` : ''} · merchandiser demo`;
  byId('title').textContent = bundleTitle ? `${x.title}: ${bundleTitle}` : x.title;
  byId('intro').textContent = x.intro;
  byId('lang-label').textContent = x.language;
  byId('items-label').textContent = x.items;
  byId('coupons-label').textContent = x.coupons;
  byId('token-label').textContent = x.token;
  byId('submit').textContent = x.submit;
  for (const b of document.querySelectorAll<HTMLButtonElement>('[data-lang]'))
    b.setAttribute('aria-pressed', String(b.dataset.lang === lang));
}

async function switchTo(next: Lang): Promise<void> {
  if (next === lang) return;
  lang = next;
  label();
  const url = new URL(location.href);
  url.searchParams.set('lang', lang);
  history.replaceState(null, '', url);
  // The explanations come from the service in the language asked for: ask again.
  if (last) await quote(false);
}

async function quote(moveFocus: boolean): Promise<void> {
  const x = t();
  byId('alert').hidden = true;
  try {
    const items = parseItems(byId<HTMLInputElement>('items').value);
    const couponCodes = byId<HTMLInputElement>('coupons')
      .value.split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const token = byId<HTMLInputElement>('token').value.trim();
    announce(x.pricing);
    const q = await call(
      client.POST('/v1/quotes', {
        body: { items, couponCodes },
        params: { header: { 'Accept-Language': lang } },
        ...(token ? { headers: { authorization: `Bearer ${token}` } } : {}),
      }),
    );
    last = q;
    const url = new URL(location.href);
    url.searchParams.set('items', items.map((i) => `${i.productId}:${i.quantity}`).join(','));
    if (couponCodes.length) url.searchParams.set('coupons', couponCodes.join(','));
    else url.searchParams.delete('coupons');
    history.replaceState(null, '', url);
    render(q);
    announce(x.done(money(q.total, q.currency, lang)));
    if (moveFocus) byId('quote-title').focus();
  } catch (error) {
    showError(error);
  }
}

function render(q: Quote): void {
  const x = t();
  const m = (minor: number) => money(minor, q.currency, lang);
  const list = (items: string[], cls: string) =>
    items.length
      ? h('ul', { class: cls }, ...items.map((s) => h('li', null, s)))
      : h('p', { class: cls }, x.none);
  const section = byId('quote');
  section.hidden = false;
  section.dataset.locale = q.locale;
  section.replaceChildren(
    h('h2', { id: 'quote-title', tabindex: '-1' }, `${x.quote}: ${m(q.total)}`),
    h(
      'p',
      { class: 'note' },
      q.userId ? x.member(q.userId) : x.guest,
      ' ',
      x.meta(q.quoteId, new Date(q.expiresAt).toLocaleString(lang)),
    ),
    h('h3', null, x.lines),
    h(
      'table',
      { id: 'lines' },
      h('caption', { class: 'visually-hidden' }, x.lines),
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          h('th', { scope: 'col' }, x.product),
          h('th', { scope: 'col', class: 'num' }, x.qty),
          h('th', { scope: 'col', class: 'num' }, x.list),
          h('th', { scope: 'col', class: 'num' }, x.unit),
          h('th', { scope: 'col', class: 'num' }, x.discount),
          h('th', { scope: 'col', class: 'num' }, x.lineTotal),
        ),
      ),
      h(
        'tbody',
        null,
        ...q.lines.map((l) =>
          h(
            'tr',
            { 'data-line-id': l.lineId },
            h(
              'th',
              { scope: 'row' },
              l.title,
              l.kind === 'item' ? '' : ` (${l.kind === 'gift' ? x.gift : x.flash})`,
            ),
            h('td', { class: 'num' }, l.quantity),
            h('td', { class: 'num' }, m(l.listPrice)),
            h('td', { class: 'num' }, m(l.unitPrice)),
            h('td', { class: 'num' }, l.discount ? `−${m(l.discount)}` : '—'),
            h('td', { class: 'num' }, m(l.lineTotal)),
          ),
        ),
      ),
    ),
    h(
      'dl',
      { class: 'totals' },
      h('dt', null, x.subtotal),
      h('dd', null, m(q.subtotal)),
      h('dt', null, x.itemDiscount),
      h('dd', null, q.itemDiscount ? `−${m(q.itemDiscount)}` : '—'),
      h('dt', null, x.orderDiscount),
      h('dd', null, q.orderDiscount ? `−${m(q.orderDiscount)}` : '—'),
      h('dt', null, x.total),
      h('dd', { id: 'total' }, h('strong', null, m(q.total))),
      h('dt', null, x.savings),
      h('dd', null, m(q.savings)),
    ),
    h('h3', null, x.applied),
    list(
      q.applied.map((a) => `${a.title}: ${a.explanation}`),
      'applied',
    ),
    h('h3', null, x.missed),
    list(
      q.missed.map((mi) => mi.explanation),
      'missed',
    ),
    h('h3', null, x.nextTier),
    h('p', { class: 'next-tier' }, q.nextTier ? q.nextTier.explanation : x.noNextTier),
    ...(q.marginCaps.length
      ? [
          h(
            'div',
            null,
            h('h3', null, x.caps),
            list(
              q.marginCaps.map((c) => c.explanation),
              'caps',
            ),
          ),
        ]
      : []),
    h('p', null, h('a', { href: '/demo' }, x.back)),
  );
}

start(async () => {
  layout();
  label();
  if (params.get('items')) await quote(false);
  byId('main').dataset.ready = 'true';
});

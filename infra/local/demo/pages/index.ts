import { announce, byId, call, client, h, money, start } from './dom.ts';

/** `/demo`: a way in. The catalog, a page at a time, each product linking to its page. */

let cursor: string | null = null;

async function more(): Promise<void> {
  const page = await call(
    client.GET('/v1/products', { params: { query: { limit: 24, ...(cursor ? { cursor } : {}) } } }),
  );
  cursor = page.nextCursor;
  const list = byId('catalog');
  const first = list.children.length;
  list.append(
    ...page.items.map((p) =>
      h(
        'li',
        { 'data-product-id': p.productId },
        h('a', { href: `/demo/products/${encodeURIComponent(p.productId)}` }, p.title),
        h('span', { class: 'note block' }, `${p.category} · ${money(p.listPrice, p.currency)}`),
      ),
    ),
  );
  byId('more').hidden = cursor === null;
  if (first > 0) {
    announce(`${page.items.length} more products.`);
    list.querySelector<HTMLAnchorElement>(`li:nth-child(${first + 1}) a`)?.focus();
  }
}

start(async () => {
  byId('main').replaceChildren(
    h('h1', null, 'Demo storefront'),
    h(
      'p',
      null,
      'The seeded demo catalog, served by the local runtime. Open a product to see its related products, ',
      'scene guides and bundle; the ',
      h('a', { href: '/demo/hits' }, 'merchandising dashboard'),
      ' shows the hit ranking; the ',
      h('a', { href: '/demo/quote?items=p-00001:1,p-00002:2' }, 'quote explainer'),
      ' prices a cart and says why.',
    ),
    h('h2', null, 'Products'),
    h('ul', { id: 'catalog', class: 'catalog' }),
    h('button', { type: 'button', id: 'more', hidden: true, onclick: () => void more() }, 'More products'),
  );
  await more();
  byId('main').dataset.ready = 'true';
});

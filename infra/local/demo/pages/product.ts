import { createBeacon, type TrackedEvent } from '../../../../events/client/beacon.ts';
import type { Schemas } from '../../../../events/client/index.ts';
import {
  addToCart,
  announce,
  byId,
  type CartLine,
  call,
  clearCart,
  client,
  h,
  money,
  quoteHref,
  readCart,
  sessionId,
  showError,
  start,
} from './dom.ts';

/**
 * `/demo/products/{id}`: what a shopper sees. The product, its related products with the reasons
 * as chips, its scene guides filled for this visit with their price, and its bought-together
 * bundle. Viewing or adding a related product sends the behaviour event with the visit's session
 * id, and the related list is asked for again, so the visit visibly changes it.
 */

type ProductScenes = Schemas['ProductScenes'];
type Price = Schemas['PricePreview'];
type ProductCard = Schemas['ProductCard'];
type RelatedResponse = Schemas['RelatedResponse'];
type BundleResponse = Schemas['BundleResponse'];

const productId = decodeURIComponent(location.pathname.split('/')[3] ?? '');
const session = sessionId();
/** Product titles seen on this page, for chips that name a product by id. */
const titles = new Map<string, string>();
const sceneTitles = new Map<string, string>();
/** What the related list showed last, to mark what the visit brought in. */
let shownRelated: string[] = [];
let relatedVersion = 0;
const viewedHere = new Set<string>();

function reasonLabel(reason: string): string {
  const [kind, ref] = reason.split(/:(.*)/s) as [string, string | undefined];
  const name = (id: string | undefined) => (id ? (titles.get(id) ?? id) : '');
  switch (kind) {
    case 'bought_together':
      return ref ? `bought with ${name(ref)}` : 'bought together';
    case 'viewed_together':
      return ref ? `viewed with ${name(ref)}` : 'viewed together';
    case 'same_scene':
      return `scene: ${ref ? (sceneTitles.get(ref) ?? ref) : ''}`;
    case 'similar_content':
      return ref ? `like ${name(ref)}` : 'similar';
    case 'session':
      return `your visit: ${name(ref)}`;
    case 'in_your_visit':
      return 'in your visit';
    case 'value_pick':
      return 'value pick';
    case 'premium_pick':
      return 'premium pick';
    case 'fits_slot':
      return 'fits the slot';
    case 'anchor':
      return 'this product';
    default:
      return reason;
  }
}

const chips = (reasons: readonly string[], label: string) =>
  h(
    'ul',
    { class: 'chips', 'aria-label': label },
    ...reasons.map((r) =>
      h('li', { class: `chip chip-${r.split(':')[0]}`, 'data-reason': r, title: r }, reasonLabel(r)),
    ),
  );

/** The storefront beacon (client/beacon.ts) with this visit's session. */
const beacon = createBeacon({ sessionId: session, onError: (e) => showError(new Error(e.message)) });

/** Tracks the events and sends them now: the related list asked for next must already see them. */
async function send(events: TrackedEvent[]): Promise<void> {
  for (const event of events) beacon.track(event);
  await beacon.flush();
}

const viewEvent = (id: string, referrer: string): TrackedEvent => ({
  type: 'ProductViewed',
  productId: id,
  referrer,
});

// ------------------------------------------------------------------ the product

function renderProduct(p: ProductCard): HTMLElement {
  const facts = Object.entries(p.attributes ?? {});
  return h(
    'section',
    { class: 'product', 'aria-labelledby': 'product-title' },
    h('p', { class: 'crumbs' }, h('a', { href: '/demo' }, 'Storefront'), ' / ', p.category),
    h('h1', { id: 'product-title' }, p.title),
    h(
      'p',
      { class: 'price-line' },
      h('strong', { class: 'price' }, money(p.listPrice, p.currency)),
      ' ',
      h(
        'span',
        { class: p.inStock ? 'stock' : 'stock out' },
        p.inStock ? `${p.stock} in stock` : 'out of stock',
      ),
    ),
    p.brand ? h('p', null, `Brand: ${p.brand}`) : null,
    facts.length
      ? h(
          'dl',
          { class: 'facts' },
          ...facts.flatMap(([k, v]) => [h('dt', null, k), h('dd', null, String(v))]),
        )
      : null,
    p.tags.length
      ? h('ul', { class: 'chips', 'aria-label': 'Tags' }, ...p.tags.map((t) => h('li', { class: 'chip' }, t)))
      : null,
    h(
      'button',
      { type: 'button', class: 'primary', 'data-action': 'cart-anchor', onclick: () => void add(p) },
      'Add to cart',
    ),
  );
}

// ------------------------------------------------------------------ related products

async function loadRelated(): Promise<RelatedResponse> {
  return call(
    client.GET('/v1/products/{productId}/related', {
      params: { path: { productId }, query: { limit: 8, sessionId: session } },
    }),
  );
}

function renderRelated(answer: RelatedResponse, cause?: string): void {
  for (const item of answer.items) titles.set(item.product.productId, item.product.title);
  const before = new Set(shownRelated);
  const ids = answer.items.map((i) => i.product.productId);
  const fresh = relatedVersion === 0 ? [] : ids.filter((id) => !before.has(id));
  const moved = relatedVersion > 0 && fresh.length === 0 && ids.join() !== shownRelated.join();
  relatedVersion += 1;
  shownRelated = ids;

  const list = byId<HTMLOListElement>('related');
  list.dataset.version = String(relatedVersion);
  list.replaceChildren(
    ...answer.items.map(({ product: p, reasons }) => {
      const isNew = fresh.includes(p.productId);
      const detailsId = `details-${p.productId}`;
      return h(
        'li',
        { class: isNew ? 'card new' : 'card', 'data-product-id': p.productId },
        h(
          'h3',
          null,
          h('a', { href: `/demo/products/${encodeURIComponent(p.productId)}` }, p.title),
          isNew ? h('span', { class: 'badge' }, 'new for this visit') : null,
        ),
        h('p', { class: 'price' }, money(p.listPrice, p.currency)),
        chips(reasons, `Why ${p.title} is here`),
        h(
          'div',
          { class: 'actions' },
          h(
            'button',
            {
              type: 'button',
              'data-action': 'view',
              'aria-expanded': 'false',
              'aria-controls': detailsId,
              onclick: (e) => void quickView(p, e.currentTarget as HTMLButtonElement),
            },
            'Quick view',
            h('span', { class: 'visually-hidden' }, `: ${p.title}`),
          ),
          h(
            'button',
            { type: 'button', 'data-action': 'cart', onclick: () => void add(p) },
            'Add to cart',
            h('span', { class: 'visually-hidden' }, `: ${p.title}`),
          ),
        ),
        h(
          'div',
          { id: detailsId, class: 'details', hidden: true },
          h(
            'p',
            null,
            [p.brand, p.category, p.inStock ? `${p.stock} in stock` : 'out of stock']
              .filter(Boolean)
              .join(' · '),
          ),
          p.tags.length ? h('p', null, `Tags: ${p.tags.join(', ')}`) : null,
        ),
      );
    }),
  );
  byId('related-session').textContent = `Session ${session} · list ${relatedVersion}`;
  if (cause) {
    const change = fresh.length
      ? `${fresh.length} new for this visit`
      : moved
        ? 'reordered for this visit'
        : 'unchanged';
    announce(`${cause}. Related products updated: ${change}.`);
  }
}

/** Re-renders the related list and puts focus back where the shopper was, or on the heading. */
async function refreshRelated(cause: string, focusOf?: { productId: string; action: string }): Promise<void> {
  renderRelated(await loadRelated(), cause);
  if (!focusOf) return;
  const again = document.querySelector<HTMLElement>(
    `#related li[data-product-id="${CSS.escape(focusOf.productId)}"] [data-action="${focusOf.action}"]`,
  );
  (again ?? byId('related-title')).focus();
}

async function quickView(p: ProductCard, button: HTMLButtonElement): Promise<void> {
  const details = document.getElementById(`details-${p.productId}`);
  const open = button.getAttribute('aria-expanded') === 'true';
  button.setAttribute('aria-expanded', String(!open));
  if (details) details.hidden = open;
  if (open || viewedHere.has(p.productId)) return;
  viewedHere.add(p.productId);
  try {
    await send([viewEvent(p.productId, 'related')]);
    await refreshRelated(`Viewed ${p.title}`, { productId: p.productId, action: 'view' });
    const again = document.querySelector<HTMLButtonElement>(
      `#related li[data-product-id="${CSS.escape(p.productId)}"] [data-action="view"]`,
    );
    // The product stays open if it is still in the list.
    if (again) {
      again.setAttribute('aria-expanded', 'true');
      const d = document.getElementById(`details-${p.productId}`);
      if (d) d.hidden = false;
    }
  } catch (error) {
    showError(error);
  }
}

async function add(p: ProductCard): Promise<void> {
  try {
    await send([{ type: 'ProductAddedToCart', productId: p.productId, quantity: 1 }]);
    renderCart(addToCart(p.productId, p.title));
    await refreshRelated(`Added ${p.title} to the cart`, { productId: p.productId, action: 'cart' });
  } catch (error) {
    showError(error);
  }
}

// ------------------------------------------------------------------ cart

function renderCart(lines: CartLine[]): void {
  const box = byId('cart');
  if (lines.length === 0) {
    box.replaceChildren(h('p', null, 'Your cart is empty.'));
    return;
  }
  box.replaceChildren(
    h(
      'ul',
      { class: 'cart-lines' },
      ...lines.map((l) => h('li', { 'data-product-id': l.productId }, `${l.quantity} × ${l.title}`)),
    ),
    h(
      'p',
      { class: 'actions' },
      h('a', { href: quoteHref(lines, 'Your cart'), class: 'button-link' }, "Explain the cart's price"),
      h(
        'button',
        {
          type: 'button',
          onclick: () => {
            clearCart();
            renderCart([]);
            announce('Cart emptied.');
            byId('cart-title').focus();
          },
        },
        'Empty the cart',
      ),
    ),
  );
}

// ------------------------------------------------------------------ scenes and bundle

function priceBlock(price: Price | null, lines: { productId: string; quantity: number }[], title: string) {
  if (!price) return h('p', null, 'No price: an item is missing.');
  return h(
    'div',
    { class: 'price-block' },
    h(
      'p',
      null,
      h(
        's',
        { 'aria-label': `was ${money(price.subtotal, price.currency)}` },
        money(price.subtotal, price.currency),
      ),
      ' ',
      h('strong', { class: 'total' }, money(price.total, price.currency)),
      price.savings > 0
        ? h('span', { class: 'savings' }, ` you save ${money(price.savings, price.currency)}`)
        : null,
    ),
    price.applied.length
      ? h(
          'ul',
          { class: 'applied', 'aria-label': 'Applied promotions' },
          ...price.applied.map((a) => h('li', null, a.explanation)),
        )
      : null,
    price.missed.length
      ? h(
          'ul',
          { class: 'missed', 'aria-label': 'Missed promotions' },
          ...price.missed.map((m) => h('li', null, m.explanation)),
        )
      : null,
    h(
      'p',
      null,
      h('a', { href: quoteHref(lines, title), 'data-action': 'explain' }, 'Explain this price'),
      ' (guest price)',
    ),
  );
}

function renderScenes(answer: ProductScenes): void {
  const box = byId('scenes');
  if (answer.scenes.length === 0) {
    box.replaceChildren(h('p', null, 'This product is in no scene guide yet.'));
    return;
  }
  box.replaceChildren(
    h(
      'p',
      { class: 'note' },
      `Price style of the picks: ${answer.priceStyle.style} (${answer.priceStyle.reason})`,
    ),
    ...answer.scenes.map((s) => {
      const lines = s.slots.flatMap((slot) =>
        slot.pick ? [{ productId: slot.pick.product.productId, quantity: slot.quantity }] : [],
      );
      return h(
        'article',
        { class: 'scene', 'data-scene-id': s.sceneId, 'aria-labelledby': `scene-${s.sceneId}` },
        h('h3', { id: `scene-${s.sceneId}` }, s.title.en),
        h('p', null, s.summary.en),
        h(
          'table',
          null,
          h('caption', { class: 'visually-hidden' }, `${s.title.en}: the filled slots`),
          h(
            'thead',
            null,
            h(
              'tr',
              null,
              h('th', { scope: 'col' }, 'Slot'),
              h('th', { scope: 'col' }, 'Pick'),
              h('th', { scope: 'col' }, 'Why'),
              h('th', { scope: 'col', class: 'num' }, 'Price'),
            ),
          ),
          h(
            'tbody',
            null,
            ...s.slots.map((slot) =>
              h(
                'tr',
                { 'data-slot-id': slot.slotId },
                h(
                  'th',
                  { scope: 'row' },
                  slot.title.en,
                  slot.required ? '' : ' (optional)',
                  slot.quantity > 1 ? ` × ${slot.quantity}` : '',
                ),
                h(
                  'td',
                  null,
                  slot.pick
                    ? slot.isAnchor
                      ? slot.pick.product.title
                      : h(
                          'a',
                          { href: `/demo/products/${encodeURIComponent(slot.pick.product.productId)}` },
                          slot.pick.product.title,
                        )
                    : 'nothing in stock',
                ),
                h('td', null, slot.pick ? chips(slot.pick.reasons, `Why this ${slot.title.en}`) : ''),
                h(
                  'td',
                  { class: 'num' },
                  slot.pick ? money(slot.pick.product.listPrice, slot.pick.product.currency) : '',
                ),
              ),
            ),
          ),
        ),
        s.complete ? null : h('p', { class: 'note' }, s.incomplete?.en ?? 'Incomplete'),
        priceBlock(s.price, lines, s.title.en),
        h(
          'details',
          null,
          h('summary', null, 'Guide'),
          h('ol', null, ...s.guide.en.map((g) => h('li', null, g))),
        ),
      );
    }),
  );
}

function renderBundle(answer: BundleResponse): void {
  const box = byId('bundle');
  const b = answer.bundle;
  if (!b) {
    box.replaceChildren(h('p', null, answer.note ?? 'No bundle yet.'));
    return;
  }
  const lines = b.items.map((p) => ({ productId: p.productId, quantity: 1 }));
  box.replaceChildren(
    h(
      'ul',
      { class: 'bundle-items' },
      ...b.items.map((p) =>
        h(
          'li',
          { 'data-product-id': p.productId },
          p.productId === productId
            ? p.title
            : h('a', { href: `/demo/products/${encodeURIComponent(p.productId)}` }, p.title),
          ` ${money(p.listPrice, p.currency)}`,
        ),
      ),
    ),
    h('p', { class: 'note' }, `Why: ${b.reason}`),
    priceBlock(b.price, lines, 'Bought together'),
  );
}

// ------------------------------------------------------------------ start

start(async () => {
  const main = byId('main');
  let product: ProductCard;
  try {
    product = await call(client.GET('/v1/products/{productId}', { params: { path: { productId } } }));
  } catch (error) {
    main.replaceChildren(
      h('h1', null, 'Product not found'),
      h('p', null, `${(error as Error).message}. `, h('a', { href: '/demo' }, 'Back to the storefront')),
    );
    return;
  }
  titles.set(product.productId, product.title);
  document.title = `${product.title} · merchandiser demo`;
  main.replaceChildren(
    renderProduct(product),
    h(
      'section',
      { 'aria-labelledby': 'related-title' },
      h('h2', { id: 'related-title', tabindex: '-1' }, 'Related products'),
      h('p', { id: 'related-session', class: 'note' }),
      h('ol', { id: 'related', class: 'cards', 'aria-live': 'off' }),
    ),
    h(
      'section',
      { 'aria-labelledby': 'cart-title' },
      h('h2', { id: 'cart-title', tabindex: '-1' }, 'Cart'),
      h('div', { id: 'cart' }),
    ),
    h(
      'section',
      { 'aria-labelledby': 'scenes-title' },
      h('h2', { id: 'scenes-title' }, 'Scene guides'),
      h('div', { id: 'scenes' }, 'Loading…'),
    ),
    h(
      'section',
      { 'aria-labelledby': 'bundle-title' },
      h('h2', { id: 'bundle-title' }, 'Frequently bought together'),
      h('div', { id: 'bundle' }, 'Loading…'),
    ),
  );
  renderCart(readCart());
  // A storefront records the view of the page itself; the related list then knows the visit.
  await send([viewEvent(product.productId, 'demo-page')]).catch(showError);
  const [related, scenes, bundle] = await Promise.allSettled([
    loadRelated(),
    call(
      client.GET('/v1/products/{productId}/scenes', {
        params: { path: { productId }, query: { limit: 2, sessionId: session } },
      }),
    ),
    call(client.GET('/v1/products/{productId}/bundle', { params: { path: { productId } } })),
  ]);
  if (scenes.status === 'fulfilled') {
    for (const s of scenes.value.scenes) {
      sceneTitles.set(s.sceneId, s.title.en);
      for (const slot of s.slots)
        if (slot.pick) titles.set(slot.pick.product.productId, slot.pick.product.title);
    }
    renderScenes(scenes.value);
  } else byId('scenes').textContent = `Scene guides are not available: ${(scenes.reason as Error).message}`;
  if (related.status === 'fulfilled') renderRelated(related.value);
  else showError(related.reason);
  if (bundle.status === 'fulfilled') renderBundle(bundle.value);
  else byId('bundle').textContent = `No bundle: ${(bundle.reason as Error).message}`;
  main.dataset.ready = 'true';
});

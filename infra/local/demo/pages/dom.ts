import { createMerchandiserClient, errorMessage } from '../../../../events/client/index.ts';

/**
 * The few DOM helpers the demo pages share: element builders (text is always set as text, never
 * parsed as HTML), the API client, money, the visit's session and cart, and the live region.
 */

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | undefined | ((event: Event) => void)>;

function fill<E extends Element>(node: E, attrs: Attrs | null, children: Child[]): E {
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') node.addEventListener(name.slice(2).toLowerCase(), value);
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    node.append(typeof child === 'object' ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** An HTML element: `h('a', { href, onclick }, 'text', child)`. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs | null = null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  return fill(document.createElement(tag), attrs, children);
}

/** An SVG element. */
export function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Attrs | null = null,
  ...children: Child[]
): SVGElementTagNameMap[K] {
  return fill(document.createElementNS('http://www.w3.org/2000/svg', tag), attrs, children);
}

export function byId<E extends HTMLElement = HTMLElement>(id: string): E {
  const node = document.getElementById(id);
  if (!node) throw new Error(`the page has no #${id}`);
  return node as E;
}

/** Says something to screen readers (and shows it) without moving focus. */
export function announce(message: string): void {
  const region = byId('status');
  region.textContent = message;
}

/** Shows an error in the page's alert region. */
export function showError(error: unknown): void {
  const region = byId('alert');
  region.textContent = error instanceof Error ? error.message : String(error);
  region.hidden = false;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The service's typed client (client/index.ts, generated from the served OpenAPI document), on
 * this origin. Lists change with every event: the dashboard and the related list must see the
 * latest, so nothing is taken from the browser's cache.
 */
export const client = createMerchandiserClient({ fetch: (request) => fetch(request, { cache: 'no-store' }) });

/** A typed call's data; an error answer becomes an ApiError with its message. */
export async function call<T>(
  request: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<NonNullable<T>> {
  const { data, error, response } = await request;
  if (error !== undefined || data === undefined || data === null) {
    throw new ApiError(response.status, errorMessage(error, response.status));
  }
  return data;
}

const fractionDigits = new Map<string, number>();
/** Integer minor units as money, e.g. 59900 CNY -> "¥599.00" (0 decimals for JPY and the like). */
export function money(minor: number, currency: string, locale = 'en'): string {
  let digits = fractionDigits.get(currency);
  if (digits === undefined) {
    digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions()
      .maximumFractionDigits as number;
    fractionDigits.set(currency, digits);
  }
  return new Intl.NumberFormat(locale, {
    style: 'currency',
    currency,
    currencyDisplay: 'narrowSymbol',
  }).format(minor / 10 ** digits);
}

const ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;
export const isId = (s: string | null | undefined): s is string => typeof s === 'string' && ID.test(s);

function randomId(): string {
  // randomUUID needs a secure context (localhost is one; a LAN address is not).
  if (typeof crypto.randomUUID === 'function' && window.isSecureContext) return crypto.randomUUID();
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join(
    '',
  );
}

const SESSION_KEY = 'merchandiser-demo-session';
/**
 * The visit: `?session=` when the link carries one (kept for the tab from then on), else the
 * tab's own, made on first use. A new tab is a new visit, as on a storefront.
 */
export function sessionId(): string {
  const asked = new URLSearchParams(location.search).get('session');
  if (isId(asked)) {
    sessionStorage.setItem(SESSION_KEY, asked);
    return asked;
  }
  const kept = sessionStorage.getItem(SESSION_KEY);
  if (isId(kept)) return kept;
  const made = `s-demo-${randomId().slice(0, 12)}`;
  sessionStorage.setItem(SESSION_KEY, made);
  return made;
}

export interface CartLine {
  productId: string;
  title: string;
  quantity: number;
}
const CART_KEY = 'merchandiser-demo-cart';
export function readCart(): CartLine[] {
  try {
    const lines = JSON.parse(sessionStorage.getItem(CART_KEY) ?? '[]') as CartLine[];
    return Array.isArray(lines) ? lines.filter((l) => isId(l.productId) && l.quantity > 0) : [];
  } catch {
    return [];
  }
}
export function addToCart(productId: string, title: string): CartLine[] {
  const lines = readCart();
  const line = lines.find((l) => l.productId === productId);
  if (line) line.quantity += 1;
  else lines.push({ productId, title, quantity: 1 });
  sessionStorage.setItem(CART_KEY, JSON.stringify(lines));
  return lines;
}
export function clearCart(): void {
  sessionStorage.removeItem(CART_KEY);
}

/** The quote explainer's address for a set of lines: `/demo/quote?items=p-1:1,p-2:2`. */
export function quoteHref(lines: readonly { productId: string; quantity: number }[], title?: string): string {
  const params = new URLSearchParams({ items: lines.map((l) => `${l.productId}:${l.quantity}`).join(',') });
  if (title) params.set('title', title);
  return `/demo/quote?${params}`;
}

/** Runs a page's start-up, showing a failure instead of leaving the page blank. */
export function start(main: () => Promise<void>): void {
  main().catch(showError);
}

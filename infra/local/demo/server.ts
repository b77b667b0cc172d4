import { readFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { resolve } from 'node:path';
import type { SideRoute } from '../gateway.ts';

/**
 * The demo pages the local runtime serves beside the API: `/demo` (the catalog), the product page
 * `/demo/products/{id}`, the merchandising dashboard `/demo/hits` and the quote explainer
 * `/demo/quote`. Each is a small HTML shell and one script, written in TypeScript under `pages/`
 * and bundled with esbuild (a dev dependency: the local runtime runs from a full install) on the
 * first request, then kept in memory. Nothing is fetched from elsewhere at run time: the pages
 * talk to the API on the same origin, and the content security policy says so.
 */

const HERE = import.meta.dirname;
const PAGES = ['index', 'product', 'hits', 'quote'] as const;
type Page = (typeof PAGES)[number];

const TITLES: Record<Page, string> = {
  index: 'Demo storefront',
  product: 'Product',
  hits: 'Merchandising dashboard',
  quote: 'Quote explainer',
};

const SECURITY_HEADERS = {
  // Same origin only; inline SVG built through the DOM needs no exception.
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
};

function shell(page: Page): string {
  const nav: [string, string, Page | undefined][] = [
    ['/demo', 'Storefront', 'index'],
    ['/demo/hits', 'Dashboard', 'hits'],
    ['/demo/quote', 'Quote explainer', 'quote'],
  ];
  const links = nav
    .map(
      ([href, label, p]) =>
        `<li><a href="${href}"${p === page ? ' aria-current="page"' : ''}>${label}</a></li>`,
    )
    .join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${TITLES[page]} · merchandiser demo</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/demo/assets/demo.css">
<script type="module" src="/demo/assets/${page}.js"></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="site"><span class="brand">merchandiser demo</span><nav aria-label="Demo pages"><ul>${links}</ul></nav></header>
<div id="alert" class="alert" role="alert" hidden></div>
<main id="main" tabindex="-1"><p>Loading…</p></main>
<div id="status" class="status visually-hidden" role="status" aria-live="polite"></div>
</body>
</html>
`;
}

/** The page for a path, or undefined when the path is not a demo page. */
export function pageOf(pathname: string): Page | undefined {
  if (pathname === '/demo' || pathname === '/demo/') return 'index';
  if (/^\/demo\/products\/[^/]+$/.test(pathname)) return 'product';
  if (pathname === '/demo/hits') return 'hits';
  if (pathname === '/demo/quote') return 'quote';
  return undefined;
}

/** Bundles every page's script at once with esbuild; the result is kept for the process. */
async function buildScripts(): Promise<Map<string, string>> {
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: Object.fromEntries(PAGES.map((p) => [p, resolve(HERE, 'pages', `${p}.ts`)])),
    bundle: true,
    write: false,
    outdir: '/demo-assets',
    format: 'esm',
    platform: 'browser',
    // What Debian's Chromium and current desktop browsers run without down-levelling.
    target: ['chrome120', 'firefox121', 'safari17'],
    minify: true,
    legalComments: 'none',
    logLevel: 'silent',
  });
  return new Map(
    result.outputFiles.map((f) => [f.path.slice(f.path.lastIndexOf('/') + 1).replace(/\.js$/, ''), f.text]),
  );
}

function send(
  res: ServerResponse,
  status: number,
  type: string,
  body: string,
  head: boolean,
  extra: Record<string, string> = {},
) {
  res.writeHead(status, {
    'content-type': type,
    'content-length': String(Buffer.byteLength(body)),
    // The scripts are rebuilt on the next start; a reload must not keep an old one.
    'cache-control': 'no-cache',
    ...SECURITY_HEADERS,
    ...extra,
  });
  res.end(head ? undefined : body);
}

export function demoPages({ log = () => {} }: { log?: (line: string) => void } = {}): SideRoute {
  let scripts: Promise<Map<string, string>> | undefined;
  let css: Promise<string> | undefined;

  return async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://local');
    if (url.pathname !== '/demo' && !url.pathname.startsWith('/demo/')) return false;
    const method = (req.method ?? 'GET').toUpperCase();
    const head = method === 'HEAD';
    if (method !== 'GET' && !head) {
      send(res, 405, 'text/plain; charset=utf-8', 'Method Not Allowed', head, { allow: 'GET, HEAD' });
      return true;
    }

    const asset = /^\/demo\/assets\/([a-z]+)\.(js|css)$/.exec(url.pathname);
    if (asset) {
      const [, name, ext] = asset as unknown as [string, string, string];
      try {
        if (ext === 'css' && name === 'demo') {
          css ??= readFile(resolve(HERE, 'demo.css'), 'utf8');
          send(res, 200, 'text/css; charset=utf-8', await css, head);
          return true;
        }
        if (ext === 'js' && (PAGES as readonly string[]).includes(name)) {
          scripts ??= buildScripts();
          const code = (await scripts).get(name);
          if (code !== undefined) {
            send(res, 200, 'text/javascript; charset=utf-8', code, head);
            return true;
          }
        }
      } catch (error) {
        // Not cached: the next request tries again (e.g. after fixing a page's code).
        if (ext === 'css') css = undefined;
        else scripts = undefined;
        log(`demo pages: could not build ${name}.${ext}: ${(error as Error).message}`);
        send(res, 500, 'text/plain; charset=utf-8', 'The demo page could not be built; see the log.', head);
        return true;
      }
    }

    const page = pageOf(url.pathname);
    if (page === undefined) {
      send(res, 404, 'text/plain; charset=utf-8', 'Not Found', head);
      return true;
    }
    send(res, 200, 'text/html; charset=utf-8', shell(page), head);
    return true;
  };
}

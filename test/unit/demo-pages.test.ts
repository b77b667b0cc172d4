import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoPages, pageOf } from '../../infra/local/demo/server.ts';
import { LocalGateway } from '../../infra/local/gateway.ts';

describe('demo pages (infra/local/demo/server.ts)', () => {
  const logged: string[] = [];
  // No API routes and not ready: the pages are served beside the API, before it answers.
  const gateway = new LocalGateway([], async () => ({}), [demoPages({ log: (l) => logged.push(l) })]);
  let base = '';
  beforeAll(async () => {
    base = `http://127.0.0.1:${await gateway.listen(0)}`;
  });
  afterAll(() => gateway.close());

  describe('pageOf', () => {
    it('maps the four pages and nothing else', () => {
      expect(pageOf('/demo')).toBe('index');
      expect(pageOf('/demo/')).toBe('index');
      expect(pageOf('/demo/products/p-00013')).toBe('product');
      expect(pageOf('/demo/hits')).toBe('hits');
      expect(pageOf('/demo/quote')).toBe('quote');
      expect(pageOf('/demo/products/p-1/related')).toBeUndefined();
      expect(pageOf('/demo/products/')).toBeUndefined();
      expect(pageOf('/demox')).toBeUndefined();
    });
  });

  describe('serving', () => {
    it('answers a page shell that loads its own bundled script and stylesheet, same origin only', async () => {
      const res = await fetch(`${base}/demo/products/p-00013`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
      expect(res.headers.get('content-security-policy')).toContain("connect-src 'self'");
      const html = await res.text();
      expect(html).toContain('<script type="module" src="/demo/assets/product.js"></script>');
      expect(html).toContain('<link rel="stylesheet" href="/demo/assets/demo.css">');
      // Nothing from another origin at run time.
      expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    });

    it('bundles every page script with esbuild once, with no import left to resolve in the browser', async () => {
      for (const page of ['index', 'product', 'hits', 'quote']) {
        const res = await fetch(`${base}/demo/assets/${page}.js`);
        expect(res.status, page).toBe(200);
        expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
        const code = await res.text();
        expect(code.length).toBeGreaterThan(500);
        expect(code.length).toBeLessThan(60_000);
        expect(code).not.toMatch(/\bimport\s*[{*"']|\bimport\(/);
        expect(code).not.toContain('https://');
      }
      const css = await fetch(`${base}/demo/assets/demo.css`);
      expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
      expect(await css.text()).toContain(':focus-visible');
      expect(logged).toEqual([]);
    });

    it('answers 404 for unknown demo paths, 405 for other methods, and leaves other paths to the API', async () => {
      expect((await fetch(`${base}/demo/nope`)).status).toBe(404);
      expect((await fetch(`${base}/demo/assets/nope.js`)).status).toBe(404);
      expect((await fetch(`${base}/demo/assets/../server.ts`)).status).toBe(404);
      const post = await fetch(`${base}/demo/hits`, { method: 'POST', body: '{}' });
      expect(post.status).toBe(405);
      expect(post.headers.get('allow')).toBe('GET, HEAD');
      const head = await fetch(`${base}/demo/hits`, { method: 'HEAD' });
      expect(head.status).toBe(200);
      // Not a demo path: the gateway's own answer (not ready yet: 503).
      expect((await fetch(`${base}/v1/hits`)).status).toBe(503);
    });
  });
});

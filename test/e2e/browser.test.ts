import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BehaviourEvent } from '../../events/behaviour.ts';
import { startTestRuntime, type TestRuntime } from '../support/runtime.ts';

/**
 * The demo pages in a real browser: Debian's Chromium driven by playwright-core against the local
 * runtime with the demo storefront (seeded up to today, so the dashboard's charts have data). A
 * shopper pages through the catalog, opens a product page, views a related product (mouse) and
 * adds one to the cart (keyboard only), and sees the related list change for the visit; opens the
 * quote explainer for a bundle in English and Chinese; a merchandiser opens the dashboard, sees a
 * ranked list with charts, and sees it redraw when a burst of events reorders a category. No page
 * may log a console error. Screenshots: reports/screenshots/*.png.
 */

/** Debian's package; `.ci/run` installs it when missing. Never skipped: a missing browser fails. */
const CHROMIUM = '/usr/bin/chromium';
const SHOTS = resolve(import.meta.dirname, '../../reports/screenshots');
/** A camping headlamp: related products, and the camping-kit scene filled around it. */
const ANCHOR = 'p-00013';
/** A board game whose bought-together bundle the demo history mines (README). */
const BUNDLE_ANCHOR = 'p-00883';
const SESSION = `s-browser-${randomUUID().slice(0, 8)}`;

let rt: TestRuntime;
let browser: Browser;
let page: Page;
/** Console errors and uncaught exceptions of the page, checked after every test. */
const problems: string[] = [];

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Debian's Chromium is not installed at ${CHROMIUM}: apt-get install -y chromium (.ci/run installs it when missing)`,
    );
  }
  // The zh-CN quote is checked to be drawn with one of the page's CJK faces (Noto Sans CJK SC on
  // Debian): say what is missing up front. Without fontconfig there is nothing to ask.
  const faces = spawnSync('fc-list', [':', 'family'], { encoding: 'utf8' });
  if (faces.status === 0 && !/Noto Sans CJK SC|PingFang SC|Microsoft YaHei/.test(faces.stdout)) {
    throw new Error(
      'no CJK face the pages name (Noto Sans CJK SC): apt-get install -y fonts-noto-cjk (.ci/run installs it when missing)',
    );
  }
  mkdirSync(SHOTS, { recursive: true });
  [rt, browser] = await Promise.all([
    startTestRuntime('br', { seed: 'always' }),
    chromium.launch({
      executablePath: CHROMIUM,
      // No sandbox (containers, root); no background traffic, which a closed network refuses.
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    }),
  ]);
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  // Generous: the first full hit re-rank (TensorFlow.js, in this process) runs beside the first tests.
  page.setDefaultTimeout(45_000);
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()} (${m.location().url})`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  // The product page needs the related lists, which the demo load builds with the history.
  await rt.seedDone;
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await rt?.stop();
});

afterEach(() => {
  expect(problems).toEqual([]);
});

const shot = (name: string) => page.screenshot({ path: resolve(SHOTS, `${name}.png`), fullPage: true });
const ready = () => page.locator('main[data-ready="true"]').waitFor();
const relatedIds = () =>
  page.locator('#related > li').evaluateAll((lis) => lis.map((li) => li.getAttribute('data-product-id')));
const relatedVersion = async () => Number(await page.locator('#related').getAttribute('data-version'));
/** What the focused element is, by a data attribute (string expressions: the test has no DOM types). */
const focused = (attribute: string) =>
  page.evaluate(
    `document.activeElement && document.activeElement.getAttribute(${JSON.stringify(attribute)})`,
  );
const postedEvents = () =>
  page.waitForRequest((r) => r.method() === 'POST' && new URL(r.url()).pathname === '/v1/events');

describe('demo pages in Chromium', { timeout: 120_000 }, () => {
  it('storefront index: the catalog a page at a time, each product linked to its page', async () => {
    await page.goto(`${rt.url}/demo`);
    await ready();
    expect(await page.locator('#catalog > li').count()).toBe(24);
    await page.locator('#more').click();
    await page.locator('#catalog > li:nth-child(48)').waitFor();
    const href = await page.locator('#catalog a').first().getAttribute('href');
    expect(href).toMatch(/^\/demo\/products\/p-\d{5}$/);
    await shot('storefront');
  });

  it('product page: the product, related products with reasons, scene guides with a bundle price', async () => {
    await page.goto(`${rt.url}/demo/products/${ANCHOR}?session=${SESSION}`);
    await ready();
    expect(await page.locator('h1').textContent()).toMatch(/Headlamp/);
    expect(await page.locator('#related > li').count()).toBeGreaterThanOrEqual(4);
    const reasons = await page
      .locator('#related .chip')
      .evaluateAll((cs) => cs.map((c) => c.getAttribute('data-reason')));
    expect(reasons).toContain('viewed_together');
    // The page view itself was sent with the visit's session, so the visit already shows.
    expect(reasons).toContain(`session:${ANCHOR}`);
    const scene = page.locator('.scene').first();
    expect(await scene.locator('tbody tr').count()).toBeGreaterThanOrEqual(2);
    expect(await scene.locator('.total').textContent()).toMatch(/¥[\d,]+\.\d\d/);
    expect(await scene.locator('.savings').textContent()).toMatch(/you save ¥/);
    await shot('product');
  });

  it('viewing a related product sends ProductViewed for the session and the related list changes', async () => {
    const before = await relatedIds();
    const card = page.locator('#related > li').nth(2);
    const viewed = (await card.getAttribute('data-product-id'))!;
    const posted = postedEvents();
    await card.locator('[data-action="view"]').click();
    const sent = JSON.parse((await posted).postData() ?? '{}');
    expect(sent.events).toEqual([
      expect.objectContaining({
        type: 'ProductViewed',
        sessionId: SESSION,
        productId: viewed,
        referrer: 'related',
      }),
    ]);
    await page.locator('#related[data-version="2"]').waitFor();
    const after = await relatedIds();
    expect(after).not.toEqual(before);
    // What changed it: products that go with the one just viewed, for this visit only.
    expect(await page.locator(`#related .chip[data-reason="session:${viewed}"]`).count()).toBeGreaterThan(0);
    expect(await page.locator('#status').textContent()).toMatch(/Related products updated/);
    const anonymous = (await (await fetch(`${rt.url}/v1/products/${ANCHOR}/related?limit=8`)).json()) as any;
    expect(anonymous.items.flatMap((i: any) => i.reasons)).not.toContain(`session:${viewed}`);
    await shot('product-after-view');
  });

  it('keyboard only: Tab to a related "Add to cart", Enter adds it, the list and the cart update', async () => {
    await page.goto(`${rt.url}/demo/products/${ANCHOR}`);
    await ready();
    const version = await relatedVersion();
    for (let i = 0; i < 40 && (await focused('data-action')) !== 'cart'; i++)
      await page.keyboard.press('Tab');
    expect(await focused('data-action')).toBe('cart');
    // The focus ring is visible on what the keyboard reached.
    expect(await page.evaluate('getComputedStyle(document.activeElement).outlineStyle')).toBe('solid');
    const added = await page.evaluate(`document.activeElement.closest('li').getAttribute('data-product-id')`);
    const posted = postedEvents();
    await page.keyboard.press('Enter');
    const sent = JSON.parse((await posted).postData() ?? '{}');
    expect(sent.events[0]).toMatchObject({
      type: 'ProductAddedToCart',
      sessionId: SESSION,
      productId: added,
      quantity: 1,
    });
    await page.locator(`#related[data-version="${version + 1}"]`).waitFor();
    await page.locator(`#cart li[data-product-id="${added}"]`).waitFor();
    // Focus stays on the page (the same button, or the list's heading), not lost to <body>.
    expect(await page.evaluate('document.activeElement.tagName')).not.toBe('BODY');
    await shot('product-keyboard-cart');
  });

  it('quote explainer: a bundle explained line by line, applied and missed promotions, next tier, en and zh-CN', async () => {
    await rt.hitsRanked; // the bundles are mined after the demo load, with the first ranking
    await page.goto(`${rt.url}/demo/products/${BUNDLE_ANCHOR}`);
    await ready();
    await page.locator('#bundle [data-action="explain"]').click();
    await page.waitForURL(/\/demo\/quote\?/);
    await page.locator('#quote[data-locale="en"]').waitFor();
    expect(await page.evaluate('document.documentElement.lang')).toBe('en');
    // One line per product of the mined bundle, whose size depends on the demo's history (on 11.11
    // the anchor's bundle is a pair): asked of the API rather than assumed.
    const offered = (await (await fetch(`${rt.url}/v1/products/${BUNDLE_ANCHOR}/bundle`)).json()) as {
      bundle: { items: unknown[] };
    };
    expect(offered.bundle.items.length).toBeGreaterThanOrEqual(2);
    expect(await page.locator('#lines tbody tr').count()).toBe(offered.bundle.items.length);
    expect(await page.locator('ul.applied li').count()).toBeGreaterThan(0);
    expect(await page.locator('ul.missed li').first().textContent()).toMatch(/¥/);
    expect(await page.locator('.next-tier').textContent()).toMatch(/^Add ¥/);
    expect(await page.locator('#total').textContent()).toMatch(/¥[\d,]+\.\d\d/);
    await shot('quote-en');

    await page.locator('button[data-lang="zh-CN"]').click();
    await page.locator('#quote[data-locale="zh-CN"]').waitFor();
    expect(await page.evaluate('document.documentElement.lang')).toBe('zh-CN');
    expect(await page.locator('button[data-lang="zh-CN"]').getAttribute('aria-pressed')).toBe('true');
    expect(await page.locator('#quote h3').first().textContent()).toBe('明细');
    expect(await page.locator('.next-tier').textContent()).toMatch(/[\u4e00-\u9fff]/);
    expect(await page.locator('ul.applied li').first().textContent()).toMatch(/[\u4e00-\u9fff]/);
    expect(page.url()).toContain('lang=zh-CN');
    // The page names a CJK font stack, and Chromium draws the Chinese with one of its faces
    // (Debian's fonts-noto-cjk here), not with a fallback or as boxes.
    const family = String(
      await page.evaluate("getComputedStyle(document.querySelector('#quote h3')).fontFamily"),
    );
    expect(family).toMatch(/PingFang SC.*Microsoft YaHei.*Noto Sans CJK SC/);
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('DOM.enable');
    await cdp.send('CSS.enable');
    const { root } = await cdp.send('DOM.getDocument');
    const { nodeId } = await cdp.send('DOM.querySelector', { nodeId: root.nodeId, selector: '#quote h3' });
    const { fonts } = await cdp.send('CSS.getPlatformFontsForNode', { nodeId });
    expect(fonts.map((f) => f.familyName)).toEqual([
      expect.stringMatching(/^Noto Sans CJK SC$|^PingFang SC$|^Microsoft YaHei$/),
    ]);
    await cdp.detach();
    await shot('quote-zh');
  });

  it('dashboard: a ranked list with rank changes, signal charts and the model version; redraws when the ranking changes', async () => {
    await rt.hitsRanked;
    await page.goto(`${rt.url}/demo/hits?poll=500`);
    await ready();
    const rows = page.locator('#ranking tbody tr');
    expect(await rows.count()).toBe(10);
    expect(await rows.locator('td.rank').allTextContents()).toEqual(
      Array.from({ length: 10 }, (_, i) => String(i + 1)),
    );
    expect(await page.locator('#ranking svg.spark').count()).toBe(10);
    expect(await page.locator('#ranking svg.spark polyline').count()).toBe(30);
    expect(await page.locator('#model-version').textContent()).toMatch(/^hits-/);
    expect(await page.locator('#updated-at').getAttribute('datetime')).toMatch(/^\d{4}-\d\d-\d\dT/);
    await shot('dashboard');

    // One category, then a burst of searches, views and carts for its tenth product.
    const category = (await page
      .locator('#ranking tbody tr')
      .first()
      .locator('th .note')
      .textContent())!.split(' · ')[1]!;
    await page.locator('#category').selectOption(category);
    await page.locator(`#ranking[data-scope="${category}"]`).waitFor();
    const version = Number(await page.locator('#ranking').getAttribute('data-ranking-version'));
    const target = (await page.locator('#ranking tbody tr').nth(9).getAttribute('data-product-id'))!;
    const now = rt.now();
    const burst: BehaviourEvent[] = [];
    for (let n = 0; n < 30; n++) {
      const base = {
        eventId: `evt-br-${randomUUID()}`,
        occurredAt: new Date(now - 60_000 + n * 100).toISOString(),
        version: 1 as const,
      };
      const sessionId = `s-br-${n}`;
      burst.push({
        ...base,
        type: 'SearchPerformed',
        sessionId,
        query: 'everyone wants this',
        resultProductIds: [target],
        clickedProductId: target,
      });
      burst.push({
        ...base,
        eventId: `${base.eventId}-v`,
        type: 'ProductViewed',
        sessionId,
        productId: target,
      });
      burst.push({
        ...base,
        eventId: `${base.eventId}-c`,
        type: 'ProductAddedToCart',
        sessionId,
        productId: target,
        quantity: 1,
      });
    }
    const res = await fetch(`${rt.url}/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ events: burst }),
    });
    expect(res.status).toBe(202);
    await rt.bus.drain();
    // The page notices on its own (it polls the version) and redraws.
    await expect
      .poll(async () => Number(await page.locator('#ranking').getAttribute('data-ranking-version')), {
        timeout: 15_000,
      })
      .toBeGreaterThan(version);
    const row = page.locator(`#ranking tbody tr[data-product-id="${target}"]`);
    expect(Number(await row.locator('td.rank').textContent())).toBeLessThan(10);
    expect(Number(await row.locator('[data-rank-change]').getAttribute('data-rank-change'))).toBeGreaterThan(
      0,
    );
    expect(await page.locator('#status').textContent()).toMatch(/Ranking updated/);
    await shot('dashboard-updated');
  });
});

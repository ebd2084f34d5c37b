import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, test, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { callContext, expectMediaFlowing, LIGHT_VIDEO, moreAction, servers } from '../support/participants.js';

const OPERATOR_TOKEN = () => process.env.CONFER_E2E_OPERATOR_TOKEN ?? '';

/**
 * A context whose pages record every CSP violation from before their first script runs (the event
 * listener) and from anywhere else Chromium reports one (the console), so nothing blocked goes unseen.
 */
async function watchedContext(browser: Browser): Promise<{ context: BrowserContext; violations: string[] }> {
  const violations: string[] = [];
  const context = await callContext(browser, servers.default());
  await context.exposeBinding('__cspViolation', (_source, text: string) => void violations.push(text));
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      void (window as unknown as { __cspViolation(text: string): Promise<void> }).__cspViolation(`${e.effectiveDirective} blocked ${e.blockedURI} (${e.sourceFile}:${e.lineNumber})`);
    });
  });
  context.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) violations.push(`console: ${m.text()}`);
  });
  return { context, violations };
}

/** Opens a raw Engine.IO WebSocket handshake (no sid: the origin check applies) and says whether it opened. */
const tryWebSocket = (page: Page, url: string) =>
  page.evaluate(
    (target) =>
      new Promise<'open' | 'refused'>((resolve) => {
        const ws = new WebSocket(target);
        ws.onopen = () => {
          ws.close();
          resolve('open');
        };
        ws.onerror = () => resolve('refused');
      }),
    url,
  );

test('the app runs under its CSP: a 2-person call, the in-call dashboard and /dashboard without a violation', async ({ browser }) => {
  const room = `security-${Date.now()}`;
  const watched = [await watchedContext(browser), await watchedContext(browser), await watchedContext(browser)];
  const [adaCtx, boCtx, operatorCtx] = watched.map((w) => w.context) as [BrowserContext, BrowserContext, BrowserContext];
  const violations = () => watched.flatMap((w) => w.violations);
  try {
    const pages: Page[] = [];
    for (const [context, name] of [[adaCtx, 'Ada'], [boCtx, 'Bo']] as const) {
      const page = await context.newPage();
      const response = await page.goto(`/r/${room}?${LIGHT_VIDEO}`);
      const headers = response!.headers();
      expect(headers['content-security-policy']).toContain("default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self'");
      expect(headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(headers).toMatchObject({
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
        'permissions-policy': 'camera=(self), microphone=(self), display-capture=(self)',
        'cross-origin-opener-policy': 'same-origin',
        'x-frame-options': 'DENY',
      });
      await page.getByLabel('Your name').fill(name);
      await page.getByRole('button', { name: 'Join' }).click();
      pages.push(page);
    }
    await expectMediaFlowing(pages, 1);
    const ada = pages[0]!;

    // connect-src 'self' covers the same-origin WebSocket: Socket.IO upgraded to it, and a raw one opens.
    await expect.poll(() => ada.evaluate(() => window.__confer.signaling.socket.io.engine.transport.name)).toBe('websocket');
    expect(await tryWebSocket(ada, `${new URL(ada.url()).origin.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`)).toBe('open');

    // The in-call dashboard (uPlot charts) and the operator page.
    await moreAction(ada, 'Stats');
    await expect(ada.getByTestId('stats-participant')).toHaveCount(2, { timeout: 5_000 });
    const chart = ada.locator('[data-testid="stats-chart"][data-metric="bitrate"]').first();
    await expect(chart).toBeVisible();
    const before = Number(await chart.getAttribute('data-last-at'));
    await expect.poll(async () => Number(await chart.getAttribute('data-last-at')), { timeout: 5_000 }).toBeGreaterThan(before);

    const operator = await operatorCtx.newPage();
    await operator.goto('/dashboard');
    await operator.getByLabel('Operator token').fill(OPERATOR_TOKEN());
    await operator.getByRole('button', { name: 'Show rooms' }).click();
    await operator.getByRole('button', { name: new RegExp(room) }).click();
    await expect(operator.getByTestId('stats-participant')).toHaveCount(2, { timeout: 5_000 });
    await expect(operator.locator('[data-testid="stats-chart"]').first()).toBeVisible();

    // Media is still flowing with everything open, and nothing was blocked on any page.
    await expectMediaFlowing(pages, 1);
    expect(violations()).toEqual([]);
  } finally {
    await Promise.all(watched.map((w) => w.context.close()));
  }
});

test('a page of another origin cannot open a Socket.IO connection to the server', async ({ browser }) => {
  // Another site on this machine (a real loopback server, so Chromium sees no cross-network request).
  const foreign = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>foreign</title>'));
  await new Promise<void>((resolve) => foreign.listen(0, '127.0.0.1', resolve));
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(`http://127.0.0.1:${(foreign.address() as AddressInfo).port}/`);
    const server = new URL(process.env.CONFER_E2E_URL ?? '');
    // The same handshake opens from the app's own origin (first test); from here the server refuses it.
    expect(await tryWebSocket(page, `ws://${server.host}/socket.io/?EIO=4&transport=websocket`)).toBe('refused');
  } finally {
    await context.close();
    foreign.close();
  }
});

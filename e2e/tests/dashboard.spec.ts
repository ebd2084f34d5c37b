import { expect, test, type Page, type TestInfo } from '@playwright/test';
import { asOperator, closeAll, expectMediaFlowing, expectPath, joinAll, servers, LIGHT_VIDEO, withTwoInCall, moreAction } from '../support/participants.js';
import { peerIdOf } from '../support/shareChat.js';

const OPERATOR_TOKEN = () => process.env.CONFER_E2E_OPERATOR_TOKEN ?? '';

/** A full-page screenshot kept in the test's output folder (and attached to the report), to look at. */
async function screenshot(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  const path = testInfo.outputPath(`${name}.png`);
  await page.screenshot({ path, fullPage: true });
  await testInfo.attach(name, { path, contentType: 'image/png' });
}

async function openStats(page: Page): Promise<void> {
  await moreAction(page, 'Stats');
  await expect(page.getByTestId('stats-dashboard')).toBeVisible();
}

/** The current-values table as data: one entry per stream row. */
const streamRows = (page: Page) =>
  page.getByTestId('stats-stream-row').evaluateAll((rows) =>
    rows.map((r) => ({
      reporter: (r as HTMLElement).closest<HTMLElement>('[data-testid="stats-participant"]')?.dataset.peerId ?? '',
      peerId: (r as HTMLElement).dataset.peerId ?? '',
      direction: (r as HTMLElement).dataset.direction ?? '',
      kind: (r as HTMLElement).dataset.kind ?? '',
      bitrate: Number((r as HTMLElement).dataset.bitrate ?? 0),
      fps: Number((r as HTMLElement).dataset.fps ?? 0),
    })),
  );

test('2 peers: the in-call dashboard shows both participants with live bitrate and fps within 3 s', async ({ browser }, testInfo) => {
  await withTwoInCall(browser, 'dashboard', async (ada, bo) => {
    const ids = [await peerIdOf(ada), await peerIdOf(bo)];
    await openStats(ada);
    await expect(ada.getByTestId('stats-participant')).toHaveCount(2, { timeout: 3_000 });
    // Each participant's report has its received video moving, from the other one.
    await expect
      .poll(
        async () =>
          (await streamRows(ada))
            .filter((r) => r.direction === 'in' && r.kind === 'video' && r.bitrate > 0 && r.fps > 0)
            .map((r) => `${r.reporter}<-${r.peerId}`)
            .sort(),
        { timeout: 3_000 },
      )
      .toEqual([`${ids[0]}<-${ids[1]}`, `${ids[1]}<-${ids[0]}`].sort());
    await expect(ada.locator('[data-testid="stats-candidate"]').first()).toContainText('host');
    // Charts keep drawing new points.
    const chart = ada.locator('[data-testid="stats-chart"][data-metric="bitrate"]').first();
    const before = Number(await chart.getAttribute('data-last-at'));
    await expect.poll(async () => Number(await chart.getAttribute('data-last-at')), { timeout: 5_000 }).toBeGreaterThan(before);
    await screenshot(ada, testInfo, 'dashboard-mesh');

    // The whole history downloads as JSON.
    const [download] = await Promise.all([ada.waitForEvent('download'), ada.getByTestId('stats-download').click()]);
    const json = JSON.parse(await (await import('node:fs/promises')).readFile((await download.path())!, 'utf8')) as { samples: Record<string, unknown[]> };
    expect(Object.keys(json.samples).sort()).toEqual([...ids].sort());
  });
});

test('relay-only call: the dashboard shows relay candidates', async ({ browser }) => {
  const room = `dashboard-relay-${Date.now()}`;
  const pages = await joinAll(browser, room, ['Ada', 'Bo'], { query: `${LIGHT_VIDEO}&relay=1` });
  try {
    await expectMediaFlowing(pages, 1);
    await openStats(pages[0]!);
    await expect(pages[0]!.getByTestId('stats-candidate').first()).toContainText('relay', { timeout: 5_000 });
    await expect(pages[0]!.getByTestId('quality-indicator').first()).toHaveAttribute('title', /relayed/);
  } finally {
    await closeAll(pages);
  }
});

test.describe('on a server that moves rooms to the SFU at 3', () => {
  test.use({ baseURL: servers.sfuAt3() });

  test('3 people on the SFU: SFU stats with consumer layers on the dashboard, the room in /metrics, and the operator page', async ({ browser, request }, testInfo) => {
    test.setTimeout(150_000);
    const room = `dashboard-sfu-${Date.now()}`;
    const pages: Page[] = [];
    try {
      pages.push(...(await joinAll(browser, room, ['Ada', 'Bo', 'Cy'], { server: servers.sfuAt3() })));
      await expectPath(pages, 'sfu', 2);
      await expectMediaFlowing(pages, 2);
      const ada = pages[0]!;
      await openStats(ada);
      await expect(ada.getByTestId('stats-sfu')).toBeVisible({ timeout: 10_000 });
      // Every video consumer (3 participants × 2 others) reports the spatial layer it receives now.
      await expect
        .poll(async () => (await ada.getByTestId('stats-consumer-row').evaluateAll((rows) => rows.filter((r) => /^\d$/.test((r as HTMLElement).dataset.spatialLayer ?? '')).length)), { timeout: 15_000 })
        .toBeGreaterThanOrEqual(6);
      await screenshot(ada, testInfo, 'dashboard-sfu');

      // Totals only: a room's name lets someone in, so /metrics never shows one.
      const metrics = await (await request.get('/metrics', asOperator())).text();
      expect(metrics).not.toContain(room);
      expect(Number(/confer_participants\{topology="sfu"\} (\d+)/.exec(metrics)?.[1])).toBeGreaterThanOrEqual(3);
      expect(metrics).toMatch(/confer_sfu_bitrate_bps\{direction="send"\} [1-9]/);

      // An operator, not in the call, watches the room from the dashboard page with the token.
      const context = await browser.newContext({ baseURL: servers.sfuAt3() });
      const operator = await context.newPage();
      await operator.goto('/dashboard');
      await operator.getByLabel('Operator token').fill('not-the-token');
      await operator.getByRole('button', { name: 'Show rooms' }).click();
      await expect(operator.getByRole('alert')).toBeVisible();
      await operator.getByLabel('Operator token').fill(OPERATOR_TOKEN());
      await operator.getByRole('button', { name: 'Show rooms' }).click();
      await operator.getByRole('button', { name: new RegExp(room) }).click();
      await expect(operator.getByTestId('stats-participant')).toHaveCount(3, { timeout: 5_000 });
      await expect(operator.getByTestId('stats-sfu')).toBeVisible();
      await context.close();
    } finally {
      await closeAll(pages);
    }
  });
});

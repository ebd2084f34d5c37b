import { test, type Page } from '@playwright/test';
import { expectMediaFlowing, joinRoom, moreAction } from '../support/participants.js';

/**
 * `npm run bench:stats`: what the stats collector costs and how fresh the dashboard is. In one 4-person
 * mesh, two pages do the same work except that one runs the collector (`?stats=0` on the other): their
 * main-thread task time over the same window is compared. Then the dashboard is opened on a third page
 * and the delay from each getStats sample to its point on the chart is read. Prints numbers; asserts nothing.
 */
const VIDEO = 'video=320x240&fps=15';
const WINDOW_MS = Number(process.env.BENCH_WINDOW_MS ?? 20_000);

/** Main-thread busy time (ms) of a page, from Chromium's own performance metrics. */
async function taskMs(page: Page): Promise<() => Promise<number>> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  const read = async () => {
    const { metrics } = await cdp.send('Performance.getMetrics');
    return (metrics.find((m) => m.name === 'TaskDuration')?.value ?? 0) * 1000;
  };
  return read;
}

const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))] ?? NaN;

test('stats collector cost and dashboard delay', async ({ browser }) => {
  test.setTimeout(180_000);
  const room = `bench-stats-${Date.now()}`;
  const pages: Page[] = [];
  pages.push(await joinRoom(browser, room, 'With', { query: VIDEO }));
  pages.push(await joinRoom(browser, room, 'Without', { query: `${VIDEO}&stats=0` }));
  pages.push(await joinRoom(browser, room, 'Viewer', { query: VIDEO }));
  pages.push(await joinRoom(browser, room, 'Other', { query: VIDEO }));
  await expectMediaFlowing(pages, 3);
  const [withStats, withoutStats, viewer] = pages as [Page, Page, Page];

  const readWith = await taskMs(withStats);
  const readWithout = await taskMs(withoutStats);
  const start = [await readWith(), await readWithout()];
  await withStats.waitForTimeout(WINDOW_MS);
  const used = [(await readWith()) - start[0]!, (await readWithout()) - start[1]!];
  const pct = (ms: number) => ((ms / WINDOW_MS) * 100).toFixed(1);
  console.log(`\n4-person mesh page, main-thread busy over ${WINDOW_MS / 1000} s: with stats ${pct(used[0]!)} %, without ${pct(used[1]!)} % of a core; collector ≈ ${pct(used[0]! - used[1]!)} % (${((used[0]! - used[1]!) / (WINDOW_MS / 1000)).toFixed(1)} ms per 1 s sample)`);

  // Freshness: each time the bitrate chart draws a new point, how old was the sample behind it?
  await moreAction(viewer, 'Stats');
  await viewer.getByTestId('stats-dashboard').waitFor();
  const delays = await viewer.evaluate(async (windowMs) => {
    const found: number[] = [];
    const seen = new Set<string>();
    const end = Date.now() + windowMs;
    while (Date.now() < end) {
      for (const chart of document.querySelectorAll<HTMLElement>('[data-testid="stats-chart"][data-metric="bitrate"]')) {
        const key = `${chart.closest<HTMLElement>('[data-peer-id]')?.dataset.peerId}:${chart.dataset.lastAt}`;
        if (!chart.dataset.lastAt || seen.has(key)) continue;
        seen.add(key);
        found.push(Number(chart.dataset.drawnAt) - Number(chart.dataset.lastAt));
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    return found;
  }, WINDOW_MS / 2);
  // The first points drawn come from the history on subscribe; only live ones count.
  const live = delays.slice(pages.length);
  console.log(`getStats sample → point on the dashboard chart: median ${percentile(live, 0.5).toFixed(0)} ms, p95 ${percentile(live, 0.95).toFixed(0)} ms (${live.length} points)`);
  await Promise.all(pages.map((p) => p.context().close()));
});

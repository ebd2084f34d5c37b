import { test, type Browser, type Page } from '@playwright/test';
import { callContext, joinRoom } from '../support/participants.js';
import { startBareRelay } from './bare/relay.js';

/**
 * `npm run bench:join`: time from the Join click to the first decoded remote video frame for two peers,
 * next to the same measure for two pages with bare RTCPeerConnections signaling through a bare Socket.IO
 * relay (the newcomer offers in both), so the ratio shows what our signaling, TURN credentials and client
 * add. BENCH_RUNS (15) runs of each, interleaved. Prints medians and p90s; asserts nothing.
 */
const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const [WIDTH, HEIGHT, FPS] = [320, 240, 15];
const VIDEO = `video=${WIDTH}x${HEIGHT}&fps=${FPS}`;
const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * q))] ?? NaN;
const median = (xs: number[]) => quantile(xs, 0.5);
const p90 = (xs: number[]) => quantile(xs, 0.9);
interface Bare {
  bare: { open(w: number, h: number, fps: number): Promise<void>; enter(room: string): Promise<void>; call(): Promise<number> };
}

/** Clicks Join in the page and polls stats there, so both ends of the interval use the page's clock. */
function clickJoinAndWaitForFrame(page: Page): Promise<number> {
  return page.evaluate(async () => {
    const button = [...document.querySelectorAll('button')].find((b) => b.textContent === 'Join');
    if (!button) throw new Error('no Join button');
    const start = performance.now();
    button.click();
    for (;;) {
      // The room client appears once RoomPage mounts.
      const room = (window.__confer as Partial<Window['__confer']> | undefined)?.room;
      const stats = room ? Object.values(await room.diagnostics.stats()) : [];
      if (stats.some((s) => s.framesDecoded > 0)) return performance.now() - start;
      if (performance.now() - start > 20_000) throw new Error('no frame within 20 s');
      await new Promise((r) => setTimeout(r, 10));
    }
  });
}

/** The baseline: two pages with bare RTCPeerConnections, signaling through a bare Socket.IO relay (bare/relay.ts). */
async function bareCall(browser: Browser, relay: string, room: string): Promise<number> {
  const [host, guest] = await Promise.all([0, 1].map(async () => {
    const page = await (await callContext(browser, relay)).newPage();
    await page.goto(`${relay}/bare.html`);
    await page.waitForFunction(() => 'bare' in window);
    await page.evaluate(([w, h, fps]) => (window as unknown as Bare).bare.open(w, h, fps), [WIDTH, HEIGHT, FPS] as const);
    await page.evaluate((name) => (window as unknown as Bare).bare.enter(name), room);
    return page;
  }));
  const ms = await guest!.evaluate(() => (window as unknown as Bare).bare.call());
  await Promise.all([host!.context().close(), guest!.context().close()]);
  return ms;
}

async function ourCall(browser: Browser, room: string): Promise<number> {
  const first = await joinRoom(browser, room, 'Host', { query: VIDEO });
  const second = await joinRoom(browser, room, 'Guest', { query: VIDEO, join: false });
  await second.getByTestId('preview').waitFor();
  const ms = await clickJoinAndWaitForFrame(second);
  await Promise.all([first.context().close(), second.context().close()]);
  return ms;
}

test('join to first decoded remote frame, 2 peers, against a bare pair over a bare Socket.IO relay', async ({ browser }) => {
  test.setTimeout(RUNS * 60_000);
  const relay = await startBareRelay();
  const ours: number[] = [];
  const bare: number[] = [];
  try {
    // Interleaved, and alternating which goes first, so a slow spell of the machine hits both alike.
    for (let run = 0; run < RUNS; run++) {
      const room = `bench-${Date.now()}-${run}`;
      if (run % 2 === 0) {
        ours.push(await ourCall(browser, room));
        bare.push(await bareCall(browser, relay.url, room));
      } else {
        bare.push(await bareCall(browser, relay.url, room));
        ours.push(await ourCall(browser, room));
      }
    }
  } finally {
    await relay.close();
  }
  const fmt = (xs: number[]) => xs.map((x) => x.toFixed(0)).join(' ');
  console.log(`\njoin click → first decoded remote frame, ${RUNS} runs interleaved, ${VIDEO} (ms)`);
  console.log(`  ours: ${fmt(ours)}`);
  console.log(`  bare: ${fmt(bare)}`);
  console.log(`  median: ours ${median(ours).toFixed(0)}, bare ${median(bare).toFixed(0)}, ratio ${(median(ours) / median(bare)).toFixed(2)} (target ≤ 1.3)`);
  console.log(`  p90:    ours ${p90(ours).toFixed(0)}, bare ${p90(bare).toFixed(0)}, ratio ${(p90(ours) / p90(bare)).toFixed(2)}\n`);
});

import { expect, test, type Page } from '@playwright/test';
import type { HealthReport } from '@confer/shared';
import { closeAll, expectMediaFlowing, expectPath, joinRoom } from '../support/participants.js';
import { expectMakeBeforeBreak, expectSeamless, startTileMonitor, stopTileMonitor } from '../support/switching.js';

// Five pages on two cores: small, slow video (the field trial in e2e/chromium.ts keeps 3 simulcast layers).
const VIDEO = 'video=320x240&fps=10';
const names = ['Ada', 'Bo', 'Cy', 'Di', 'Ed'];


test('4 → 5 → 4: the room moves to the SFU with simulcast, survives a worker crash, and returns to mesh', async ({ browser, request }) => {
  test.setTimeout(240_000);
  const room = `sfu-${Date.now()}`;
  const pages: Page[] = [];
  try {
    for (const name of names.slice(0, 4)) pages.push(await joinRoom(browser, room, name, VIDEO));
    await expectPath(pages, 'mesh', 3);
    await expectMediaFlowing(pages, 3);

    // The 5th participant: everyone switches to the SFU, the newcomer goes straight there.
    await Promise.all(pages.map(startTileMonitor));
    const up = Date.now();
    pages.push(await joinRoom(browser, room, 'Ed', VIDEO));
    await expectPath(pages, 'sfu', 4);
    await expectMediaFlowing(pages, 4);
    expectSeamless(await Promise.all(pages.slice(0, 4).map(stopTileMonitor)));
    await expectMakeBeforeBreak(pages, 'sfu', up);
    // The server records the switch as complete once the four who had to move reported it.
    const switches = async () => ((await (await request.get(`/api/rooms/${room}/topology`)).json()) as { switches: { to: string; unfinished: number; durationMs: number | null }[] }).switches;
    await expect.poll(async () => (await switches()).map((s) => [s.to, s.unfinished]), { timeout: 20_000 }).toEqual([['sfu', 0]]);
    for (const page of pages) await expect(page.locator('[data-testid="tile"]:not(.self) [data-testid="tile-name"]')).toHaveCount(4);
    // The SFU's active-speaker observer names a dominant speaker (the fake microphones beep); it shows on the tiles.
    // Everyone but the speaker sees exactly one remote tile marked.
    const marked = async () => (await Promise.all(pages.map((p) => p.locator('[data-testid="tile"][data-active-speaker="true"]').count()))).filter((n) => n === 1).length;
    await expect.poll(marked, { timeout: 15_000 }).toBeGreaterThanOrEqual(4);
    // The audio-level observer reports who is audible (the fake microphones beep), shown as speaking.
    await expect.poll(() => pages[0]!.locator('[data-testid="tile"][data-audible="true"][data-speaking="true"]').count(), { timeout: 15_000 }).toBeGreaterThan(0);

    // The server receives one simulcast video producer per participant, with all 3 layers. (Which of them
    // carry bitrate at a given moment depends on the senders' CPU: five browsers on two cores may drop the top one,
    // and a CPU-starved sender can take half a minute to start it at all.)
    const videoProducers = async () => {
      const sfu = (await (await request.get(`/api/rooms/${room}/sfu`)).json()) as { producers: { kind: string; layers: number; activeLayers: number }[] };
      return sfu.producers.filter((p) => p.kind === 'video');
    };
    await expect.poll(async () => (await videoProducers()).map((p) => p.layers), { timeout: 45_000 }).toEqual([3, 3, 3, 3, 3]);
    for (const p of await videoProducers()) expect(p.activeLayers).toBeGreaterThanOrEqual(1);

    // Layer selection follows the rendered tile size: a small window gets a lower layer than a large one.
    const [small, large] = [pages[0]!, pages[1]!];
    await small.setViewportSize({ width: 480, height: 360 });
    await large.setViewportSize({ width: 1800, height: 1100 });
    const consumersOf = async (page: Page) => {
      const id = await page.evaluate(() => window.__confer.room.peerId);
      const sfu = (await (await request.get(`/api/rooms/${room}/sfu`)).json()) as {
        consumers: { peerId: string; kind: string; spatialLayer: number | null; preferredSpatialLayer: number | null }[];
      };
      return sfu.consumers.filter((c) => c.peerId === id && c.kind === 'video');
    };
    const layersOf = async (page: Page) => (await consumersOf(page)).map((c) => c.spatialLayer ?? -1);
    // What each window asks for follows its tiles' rendered size...
    await expect.poll(async () => (await consumersOf(small)).map((c) => c.preferredSpatialLayer), { timeout: 20_000 }).toEqual([0, 0, 0, 0]);
    await expect.poll(async () => (await consumersOf(large)).map((c) => c.preferredSpatialLayer), { timeout: 20_000 }).toEqual([2, 2, 2, 2]);
    // ...and what it receives follows.
    await expect.poll(async () => Math.max(...(await layersOf(small))), { timeout: 20_000 }).toBe(0);
    // How high the large window's consumers go also depends on the SFU's bandwidth estimate for it; at least
    // one must be above what every small-window consumer gets.
    await expect.poll(async () => Math.max(...(await layersOf(large))), { timeout: 30_000 }).toBeGreaterThan(0);

    // A hidden page receives no video from the SFU; it comes back when the page is visible again.
    const pausedOf = async (page: Page) => {
      const id = await page.evaluate(() => window.__confer.room.peerId);
      const sfu = (await (await request.get(`/api/rooms/${room}/sfu`)).json()) as { consumers: { peerId: string; kind: string; paused: boolean }[] };
      return sfu.consumers.filter((c) => c.peerId === id && c.kind === 'video').map((c) => c.paused);
    };
    const setHidden = (page: Page, hidden: boolean) =>
      page.evaluate((h) => {
        Object.defineProperty(document, 'visibilityState', { value: h ? 'hidden' : 'visible', configurable: true });
        document.dispatchEvent(new Event('visibilitychange'));
      }, hidden);
    await setHidden(small, true);
    await expect.poll(() => pausedOf(small), { timeout: 10_000 }).toEqual([true, true, true, true]);
    await setHidden(small, false);
    await expect.poll(() => pausedOf(small), { timeout: 10_000 }).toEqual([false, false, false, false]);

    // Kill the room's mediasoup worker: clients set their SFU media up again on its replacement.
    const health = (await (await request.get('/healthz')).json()) as HealthReport;
    const worker = health.sfu.workers.find((w) => w.routers > 0);
    expect(worker).toBeDefined();
    process.kill(worker!.pid, 'SIGKILL');
    await expect.poll(async () => ((await (await request.get('/healthz')).json()) as HealthReport).sfu.workers.every((w) => w.alive), { timeout: 15_000 }).toBe(true);
    await expectMediaFlowing(pages, 4);

    // Back to 4: after the hold time the room is mesh again and media keeps flowing.
    await Promise.all(pages.slice(0, 4).map(startTileMonitor));
    const down = Date.now();
    await pages.pop()!.context().close();
    await expectPath(pages, 'mesh', 3);
    await expectMediaFlowing(pages, 3);
    expectSeamless(await Promise.all(pages.map(stopTileMonitor)));
    await expectMakeBeforeBreak(pages, 'mesh', down);
    await expect.poll(async () => (await switches()).map((s) => [s.to, s.unfinished]), { timeout: 20_000 }).toEqual([
      ['sfu', 0],
      ['mesh', 0],
    ]);
  } finally {
    await closeAll(pages);
  }
});

import { expect, test, type APIRequestContext, type Page } from '@playwright/test';
import type { HealthReport } from '@confer/shared';
import { asOperator, closeAll, expectMediaFlowing, expectPath, joinAll, joinRoom, onEveryPage, servers, SIMULCAST_VIDEO, type JoinOptions } from '../support/participants.js';
import { expectMakeBeforeBreak, expectSeamless, startTileMonitor, stopTileMonitor, switchesOf } from '../support/switching.js';

interface SfuReport {
  transports: number;
  producers: { producerId: string; kind: string; layers: number; activeLayers: number }[];
  consumers: { peerId: string; kind: string; spatialLayer: number | null; preferredSpatialLayer: number | null; paused: boolean }[];
}
const sfuOf = async (request: APIRequestContext, room: string) => (await (await request.get(`/api/rooms/${room}/sfu`, asOperator())).json()) as SfuReport;

test.describe('on the SFU (a server that moves rooms there at 3)', () => {
  test.use({ baseURL: servers.sfuAt3() });

  test('simulcast with 3 layers chosen by window size, the active speaker, paused video for a hidden page, and a worker crash recovered', async ({ browser, request }) => {
    test.setTimeout(180_000);
    const room = `sfu-${Date.now()}`;
    const pages = await joinAll(browser, room, ['Ada', 'Bo', 'Cy'], { query: SIMULCAST_VIDEO, server: servers.sfuAt3() });
    try {
      await expectPath(pages, 'sfu', 2);
      await expectMediaFlowing(pages, 2);
      await expect.poll(() => switchesOf(request, room), { timeout: 20_000 }).toEqual([{ to: 'sfu', reason: 'participants', unfinished: 0 }]);

      // The SFU's active-speaker observer names a dominant speaker (the fake microphones beep); it shows on the tiles.
      // Everyone but the speaker sees exactly one remote tile marked.
      const marked = async () => (await Promise.all(pages.map((p) => p.locator('[data-testid="tile"][data-active-speaker="true"]').count()))).filter((n) => n === 1).length;
      await expect.poll(marked, { timeout: 15_000 }).toBeGreaterThanOrEqual(2);
      // The audio-level observer reports who is audible, shown as speaking.
      await expect.poll(() => pages[0]!.locator('[data-testid="tile"][data-audible="true"][data-speaking="true"]').count(), { timeout: 15_000 }).toBeGreaterThan(0);

      // The server receives one simulcast video producer per participant, with all 3 layers. (Which of them carry
      // bitrate at a given moment depends on the senders' CPU: a starved sender can take a while to start the top one.)
      const videoProducers = async () => (await sfuOf(request, room)).producers.filter((p) => p.kind === 'video');
      await expect.poll(async () => (await videoProducers()).map((p) => p.layers), { timeout: 45_000 }).toEqual([3, 3, 3]);
      for (const p of await videoProducers()) expect(p.activeLayers).toBeGreaterThanOrEqual(1);

      // Layer selection follows the rendered tile size: a small window gets a lower layer than a large one.
      const [small, large] = [pages[0]!, pages[1]!];
      await small.setViewportSize({ width: 480, height: 360 });
      await large.setViewportSize({ width: 1800, height: 1100 });
      const consumersOf = async (page: Page) => {
        const id = await page.evaluate(() => window.__confer.room.peerId);
        return (await sfuOf(request, room)).consumers.filter((c) => c.peerId === id && c.kind === 'video');
      };
      const layersOf = async (page: Page) => (await consumersOf(page)).map((c) => c.spatialLayer ?? -1);
      // What each window asks for follows its tiles' rendered size...
      await expect.poll(async () => (await consumersOf(small)).map((c) => c.preferredSpatialLayer), { timeout: 20_000 }).toEqual([0, 0]);
      await expect.poll(async () => (await consumersOf(large)).map((c) => c.preferredSpatialLayer), { timeout: 20_000 }).toEqual([2, 2]);
      // ...and what it receives follows.
      await expect.poll(async () => Math.max(...(await layersOf(small))), { timeout: 20_000 }).toBe(0);
      // How high the large window's consumers go also depends on the SFU's bandwidth estimate for it; at least
      // one must be above what every small-window consumer gets.
      await expect.poll(async () => Math.max(...(await layersOf(large))), { timeout: 30_000 }).toBeGreaterThan(0);

      // A hidden page receives no video from the SFU; it comes back when the page is visible again.
      const pausedOf = async (page: Page) => (await consumersOf(page)).map((c) => c.paused);
      const setHidden = (page: Page, hidden: boolean) =>
        page.evaluate((h) => {
          Object.defineProperty(document, 'visibilityState', { value: h ? 'hidden' : 'visible', configurable: true });
          document.dispatchEvent(new Event('visibilitychange'));
        }, hidden);
      await setHidden(small, true);
      await expect.poll(() => pausedOf(small), { timeout: 10_000 }).toEqual([true, true]);
      await setHidden(small, false);
      await expect.poll(() => pausedOf(small), { timeout: 10_000 }).toEqual([false, false]);

      // Kill the room's mediasoup worker: clients set their SFU media up again on its replacement.
      const health = (await (await request.get('/healthz')).json()) as HealthReport;
      const worker = health.sfu.workers.find((w) => w.routers > 0);
      expect(worker).toBeDefined();
      process.kill(worker!.pid, 'SIGKILL');
      await expect.poll(async () => ((await (await request.get('/healthz')).json()) as HealthReport).sfu.workers.every((w) => w.alive), { timeout: 15_000 }).toBe(true);
      await expectMediaFlowing(pages, 2);
    } finally {
      await closeAll(pages);
    }
  });
});

/**
 * The one test of the product's real threshold. Five pages fill this machine (a switch runs both paths at
 * once), so each is as cheap as a call gets: 160x120 at 5 fps, a small page, no stats collector (this test
 * does not look at the dashboard). With 10 fps and 640x360 pages, one page starved in most runs (mesh RTTs of
 * 16 s, its SFU session never connected).
 */
const FIVE_PAGES: JoinOptions = { query: 'video=160x120&fps=5&stats=0', viewport: { width: 320, height: 240 } };

/** Every page hears every other over the mesh: the audio energy each mesh link receives keeps rising (a disabled track sends silence). */
async function expectSoundOnMesh(pages: Page[]): Promise<void> {
  const energy = (page: Page) =>
    page.evaluate(async () => {
      const out: Record<string, number> = {};
      for (const { id, getStats } of window.__confer.room.diagnostics.connections()) {
        if (!id.startsWith('mesh:')) continue;
        for (const r of (await getStats()).values()) if (r.type === 'inbound-rtp' && r.kind === 'audio') out[id] = (r as { totalAudioEnergy?: number }).totalAudioEnergy ?? 0;
      }
      return out;
    });
  await onEveryPage(pages, async (page) => {
    const before = await energy(page);
    expect(Object.keys(before)).toHaveLength(pages.length - 1);
    await expect.poll(async () => Object.entries(await energy(page)).filter(([id, e]) => e > (before[id] ?? 0) + 1e-4).length, { timeout: 10_000, message: 'audio energy from every mesh peer rises' }).toBe(pages.length - 1);
  });
}

test('4 → 5 → 4 (the default threshold): the room moves to the SFU and back, and nobody sees it happen', async ({ browser, request }) => {
  test.setTimeout(240_000);
  const room = `switch-${Date.now()}`;
  const pages = await joinAll(browser, room, ['Ada', 'Bo', 'Cy', 'Di'], FIVE_PAGES);
  try {
    await expectPath(pages, 'mesh', 3);
    await expectMediaFlowing(pages, 3);
    // Warm standby: one short of the SFU, every page holds an idle SFU session (both transports, camera and
    // microphone produced but sending nothing, nothing consumed) while the mesh still carries their sound.
    // Until the first standby session joins, the room has no SFU report (the API answers 404): poll on.
    const standbyOf = async () => {
      const res = await request.get(`/api/rooms/${room}/sfu`, asOperator());
      const s = res.ok() ? ((await res.json()) as SfuReport) : null;
      return s && [s.transports, s.producers.length, s.consumers.length];
    };
    await expect.poll(standbyOf, { timeout: 20_000 }).toEqual([8, 8, 0]);
    const producerIds = async () => (await sfuOf(request, room)).producers.map((p) => p.producerId).sort();
    const standbyProducers = await producerIds();
    await expectSoundOnMesh(pages);

    // The 5th participant: everyone switches to the SFU, the newcomer goes straight there.
    await Promise.all(pages.map(startTileMonitor));
    const up = Date.now();
    pages.push(await joinRoom(browser, room, 'Ed', FIVE_PAGES));
    await expectPath(pages, 'sfu', 4);
    await expectMediaFlowing(pages, 4);
    expectSeamless(await Promise.all(pages.slice(0, 4).map(stopTileMonitor)));
    await expectMakeBeforeBreak(pages, 'sfu', up);
    // The server records the switch as complete once the four who had to move reported it.
    await expect.poll(() => switchesOf(request, room), { timeout: 20_000 }).toEqual([{ to: 'sfu', reason: 'participants', unfinished: 0 }]);
    for (const page of pages) await expect(page.locator('[data-testid="tile"]:not(.self) [data-testid="tile-name"]')).toHaveCount(4);

    // Back to 4: after the hold time the room is mesh again and media keeps flowing.
    await Promise.all(pages.slice(0, 4).map(startTileMonitor));
    const down = Date.now();
    await pages.pop()!.context().close();
    await expectPath(pages, 'mesh', 3);
    await expectMediaFlowing(pages, 3);
    expectSeamless(await Promise.all(pages.map(stopTileMonitor)));
    await expectMakeBeforeBreak(pages, 'mesh', down);
    await expect.poll(() => switchesOf(request, room), { timeout: 20_000 }).toEqual([
      { to: 'sfu', reason: 'participants', unfinished: 0 },
      { to: 'mesh', reason: 'below-threshold', unfinished: 0 },
    ]);
    // Back on the mesh the same SFU sessions are idle again (nothing consumed), not torn down and built anew.
    await expect.poll(standbyOf, { timeout: 20_000 }).toEqual([8, 8, 0]);
    expect(await producerIds()).toEqual(standbyProducers);
  } finally {
    await closeAll(pages);
  }
});

import { expect, type Browser, type Page } from '@playwright/test';

/** What `window.__confer.room.stats()` reports per remote peer (client/src/room/RoomClient.ts PeerStats). */
export interface LinkStatsView {
  /** Which path the peer's tile shows: direct (mesh) or through the SFU. */
  path: 'mesh' | 'sfu';
  framesDecoded: number;
  audioPacketsReceived: number;
  localCandidateType: string | null;
  remoteCandidateType: string | null;
}

/** Small video keeps several pages within this machine's two cores (see ../shared/notes/browser-testing.md). */
export const LIGHT_VIDEO = 'video=320x240&fps=15';

/** A new browser context (its own cookies, storage and camera) that opens the room and joins it (on the e2e server unless `baseURL` names another). */
export async function joinRoom(browser: Browser, room: string, name: string, query = LIGHT_VIDEO, click = true, baseURL = process.env.CONFER_E2E_URL): Promise<Page> {
  const context = await browser.newContext({ permissions: ['camera', 'microphone'], baseURL });
  const page = await context.newPage();
  // E2E_CONSOLE=1 prints the pages' warnings and errors, to debug a failing run.
  if (process.env.E2E_CONSOLE) page.on('console', (m) => m.type() !== 'log' && console.log(`[${name}] ${m.type()}: ${m.text()}`));
  await page.goto(`/r/${room}?${query}`);
  await page.getByLabel('Your name').fill(name);
  if (click) await page.getByRole('button', { name: 'Join' }).click();
  return page;
}

export const stats = (page: Page): Promise<Record<string, LinkStatsView>> => page.evaluate(() => window.__confer.room.stats());

/**
 * Every page shows `peers` remote tiles, and from each remote peer it decodes video frames that keep
 * advancing and receives audio packets.
 */
export async function expectMediaFlowing(pages: Page[], peers: number): Promise<void> {
  for (const page of pages) {
    await expect(page.locator('[data-testid="tile"]:not(.self)')).toHaveCount(peers);
    await expect
      // 30 s: five browsers on two cores can starve one page for seconds (RTTs of 10 s seen), and its SFU set-up then retries.
      .poll(async () => Object.values(await stats(page)).filter((s) => s.framesDecoded > 0 && s.audioPacketsReceived > 0).length, { timeout: 30_000 })
      .toBe(peers)
      .catch(async (error: Error) => {
        // What each tile shows, for the failure report: which path, and which counter stayed at zero.
        throw new Error(`${error.message}\nper peer: ${JSON.stringify(await stats(page))}\nlog: ${JSON.stringify(await page.evaluate(() => window.__confer.room.pathLog.slice(-30)))}`);
      });
  }
  // Then both counters must keep moving: a frozen picture or silent audio fails here.
  const before = await Promise.all(pages.map(stats));
  for (const [i, page] of pages.entries()) {
    await expect
      .poll(
        async () => {
          const now = await stats(page);
          return Object.entries(now)
            .filter(([id, s]) => s.framesDecoded > (before[i]![id]?.framesDecoded ?? 0) + 5 && s.audioPacketsReceived > (before[i]![id]?.audioPacketsReceived ?? 0) + 10)
            .map(([id]) => id)
            .sort();
        },
        { message: `page ${i}: video frames and audio packets from every peer keep arriving`, timeout: 10_000 },
      )
      .toEqual(Object.keys(before[i]!).sort());
  }
}

/** Ada and Bo in a fresh room with media flowing between them; both leave when `body` ends. */
export async function withTwoInCall(browser: Browser, roomPrefix: string, body: (ada: Page, bo: Page) => Promise<void>, query = LIGHT_VIDEO): Promise<void> {
  const room = `${roomPrefix}-${Date.now()}`;
  const ada = await joinRoom(browser, room, 'Ada', query);
  const bo = await joinRoom(browser, room, 'Bo', query);
  try {
    await expectMediaFlowing([ada, bo], 1);
    await body(ada, bo);
  } finally {
    await closeAll([ada, bo]);
  }
}

/** Every page is on `path` and every one of its `peers` tiles shows media that arrives that way. */
export async function expectPath(pages: Page[], path: 'mesh' | 'sfu', peers: number): Promise<void> {
  for (const page of pages) {
    await expect(page.getByTestId('topology')).toHaveAttribute('data-topology', path, { timeout: 20_000 });
    const paths = async () => Object.values(await stats(page)).map((s) => s.path);
    await expect.poll(paths, { timeout: 30_000, message: `every tile shows media via ${path}` }).toEqual(new Array(peers).fill(path));
  }
}

export async function closeAll(pages: Page[]): Promise<void> {
  await Promise.all(pages.map((p) => p.context().close()));
}

import { expect, type Browser, type BrowserContext, type Page } from '@playwright/test';
import type { JoinResponse, Topology } from '@confer/shared';
import { giveOwnCamera } from './cameras.js';

/** What `window.__confer.room.diagnostics.stats()` reports per remote peer (client/src/room/RoomClient.ts PeerStats). */
export interface LinkStatsView {
  /** Which path the peer's tile shows: direct (mesh) or through the SFU. */
  path: Topology;
  framesDecoded: number;
  audioPacketsReceived: number;
  audioEnergy: number;
  localCandidateType: string | null;
  remoteCandidateType: string | null;
}

/**
 * Cheap media keeps several pages within this machine's two cores (see ../shared/notes/browser-testing.md):
 * LIGHT_VIDEO (160x120 at 10 fps) wherever a test only needs frames to flow, SIMULCAST_VIDEO where three simulcast layers are the
 * subject (with the field trial in e2e/chromium.ts a 320x240 source sends 80x60, 160x120 and 320x240).
 * A screen share is captured at 400x300 at most (the fake screen is 800x600): still larger than the camera.
 */
export const LIGHT_VIDEO = 'video=160x120&fps=10&screen=400x300';
export const SIMULCAST_VIDEO = 'video=320x240&fps=10&screen=400x300';

/** The e2e servers (globalSetup): the product's defaults (mesh up to 4), and one that moves a room to the SFU at 3. */
export const servers = {
  default: () => process.env.CONFER_E2E_URL ?? '',
  sfuAt3: () => process.env.CONFER_E2E_SFU3_URL ?? '',
};

/**
 * Pages are small: a browser composites every page's pixels in software here, and at 1280x720 that cost
 * more than the call's video itself (2 pages: 1.3 cores at 1280x720, 0.8 at 640x360).
 */
export const VIEWPORT = { width: 640, height: 360 };

/** A browser context for a participant: its own cookies, storage and (fake) camera and microphone. */
export async function callContext(browser: Browser, baseURL: string, viewport = VIEWPORT, locale = 'en-US'): Promise<BrowserContext> {
  // The UI speaks the browser's language: English unless a test asks for another (whatever the machine's LANG).
  const context = await browser.newContext({ permissions: ['camera', 'microphone'], baseURL, viewport, locale });
  await giveOwnCamera(context);
  return context;
}

/** Request options for the operator's HTTP endpoints (/metrics, /api/*: signaling/src/http/routes.ts). */
export const asOperator = () => ({ headers: { authorization: `Bearer ${process.env.CONFER_E2E_OPERATOR_TOKEN ?? ''}` } });

export interface JoinOptions {
  /** Call options in the room URL (callOptions.ts): camera size and rate, `relay=1`, `stats=0`. */
  query?: string;
  /** Click Join (default) or leave the page in the lobby. */
  join?: boolean;
  /** Base URL of the server (default: the e2e server with the product's defaults). */
  server?: string;
  /** The page's size (default: VIEWPORT). */
  viewport?: { width: number; height: number };
  /** The browser's language (default en-US). */
  locale?: string;
}

/** A new participant (callContext) that opens the room and joins it. */
export async function joinRoom(browser: Browser, room: string, name: string, { query = LIGHT_VIDEO, join = true, server = servers.default(), viewport, locale }: JoinOptions = {}): Promise<Page> {
  const page = await (await callContext(browser, server, viewport, locale)).newPage();
  // E2E_CONSOLE=1 prints the pages' warnings and errors, to debug a failing run.
  if (process.env.E2E_CONSOLE) page.on('console', (m) => m.type() !== 'log' && console.log(`[${name}] ${m.type()}: ${m.text()}`));
  await page.goto(`/r/${room}?${query}`);
  await page.getByLabel('Your name').fill(name);
  if (join) await page.getByRole('button', { name: 'Join' }).click();
  return page;
}

/** Joins `roomId` straight through the page's signaling client (no media): the server's join answer, TURN credentials included. */
export async function joinFromPage(page: Page, roomId: string): Promise<JoinResponse> {
  await page.goto('/');
  await expect(page.getByTestId('connection-status')).toHaveAttribute('data-status', 'connected');
  const answer = await page.evaluate((id) => window.__confer.signaling.join({ roomId: id, displayName: 'relay tester' }), roomId);
  if (!answer.ok) throw new Error(`join failed: ${answer.error.message}`);
  return answer.data;
}

/**
 * Everyone in `names` joins `room`, one after the other (on the servers of `spread` in turn, a cluster's, if
 * given); if one cannot, the pages opened so far are closed.
 */
export async function joinAll(browser: Browser, room: string, names: string[], options?: JoinOptions & { spread?: string[] }): Promise<Page[]> {
  const pages: Page[] = [];
  const { spread, ...rest } = options ?? {};
  try {
    for (const [i, name] of names.entries()) pages.push(await joinRoom(browser, room, name, spread ? { ...rest, server: spread[i % spread.length]! } : rest));
  } catch (error) {
    await closeAll(pages);
    throw error;
  }
  return pages;
}

export const stats = (page: Page): Promise<Record<string, LinkStatsView>> => page.evaluate(() => window.__confer.room.diagnostics.stats());
/** Per page, the frames decoded from all its remote peers together. */
export const frameTotals = (pages: Page[]): Promise<number[]> =>
  Promise.all(pages.map(async (page) => Object.values(await stats(page)).reduce((n, s) => n + s.framesDecoded, 0)));

/** What a page shows, for a failure report: its peer id, each remote peer's path and counters, its last switch steps. */
async function describePage(page: Page): Promise<string> {
  const seen = await page.evaluate(async () => ({ peerId: window.__confer.room.peerId, stats: await window.__confer.room.diagnostics.stats(), log: window.__confer.room.diagnostics.pathLog.slice(-30) }));
  return `peer ${seen.peerId}\nper peer: ${JSON.stringify(seen.stats)}\nlog: ${JSON.stringify(seen.log)}\nvideo: ${JSON.stringify(await videoCounters(page))}\nserver's SFU: ${await sfuReport(page)}`;
}

/** The server's view of the page's room on the SFU (producers' layers, consumers paused or not), or why there is none. */
async function sfuReport(page: Page): Promise<string> {
  const room = /\/r\/([^/?#]+)/.exec(page.url())?.[1];
  if (!room) return '(no room)';
  const res = await page.request.get(`/api/rooms/${room}/sfu`, asOperator()).catch((e: Error) => e);
  return res instanceof Error ? `(${res.message})` : res.ok() ? await res.text() : `(HTTP ${res.status()})`;
}

/**
 * Video counters both ways on every connection of a page (each mesh link, the SFU's two transports), to
 * tell a sender that stopped encoding from a receiver that stopped decoding.
 */
function videoCounters(page: Page): Promise<Record<string, unknown>> {
  return page.evaluate(async () => {
    const pick = (r: Record<string, unknown>, keys: string[]) => Object.fromEntries(keys.map((k) => [k, r[k]]));
    const out: Record<string, unknown> = { self: window.__confer.room.peerId?.slice(0, 8), visibility: document.visibilityState };
    for (const { id, getStats } of window.__confer.room.diagnostics.connections()) {
      const reports = [...(await getStats()).values()] as Record<string, unknown>[];
      const video = (type: string) => reports.filter((r) => r.type === type && r.kind === 'video');
      out[id.replace(/[0-9a-f-]{36}/, (peer) => peer.slice(0, 8))] = {
        in: video('inbound-rtp').map((r) => pick(r, ['packetsReceived', 'packetsLost', 'framesReceived', 'framesDecoded', 'keyFramesDecoded', 'framesDropped', 'pliCount', 'nackCount', 'frameWidth'])),
        out: video('outbound-rtp').map((r) => pick(r, ['rid', 'packetsSent', 'framesEncoded', 'keyFramesEncoded', 'pliCount', 'nackCount', 'qualityLimitationReason', 'frameWidth'])),
      };
    }
    return out;
  });
}

/** Runs `check` on every page at once; a failure names the page and says what it showed. */
export async function onEveryPage(pages: Page[], check: (page: Page, index: number) => Promise<void>): Promise<void> {
  await Promise.all(
    pages.map(async (page, i) => {
      try {
        await check(page, i);
      } catch (error) {
        const seen = await describePage(page).catch((e: Error) => `(could not read the page: ${e.message})`);
        // What the other pages send and receive tells which end of a stalled stream stopped.
        const others = await Promise.all(pages.map((p, k) => (k === i ? '' : videoCounters(p).then((v) => `\npage ${k} video: ${JSON.stringify(v)}`, () => ''))));
        throw new Error(`page ${i}: ${(error as Error).message}\n${seen}${others.join('')}`, { cause: error });
      }
    }),
  );
}

/**
 * Every page shows `peers` remote tiles, and from each remote peer it decodes video frames that keep
 * advancing and receives audio packets.
 */
export async function expectMediaFlowing(pages: Page[], peers: number): Promise<void> {
  await onEveryPage(pages, async (page) => {
    await expect(page.locator('[data-testid="tile"]:not(.self)')).toHaveCount(peers);
    // 30 s: a starved page's SFU set-up can time out and retry.
    await expect
      .poll(async () => Object.values(await stats(page)).filter((s) => s.framesDecoded > 0 && s.audioPacketsReceived > 0).length, { timeout: 30_000, message: 'first frames and audio packets from every peer' })
      .toBe(peers);
    // Then both counters must keep moving: a frozen picture or silent audio fails here.
    const before = await stats(page);
    await expect
      .poll(
        async () =>
          Object.entries(await stats(page))
            .filter(([id, s]) => s.framesDecoded > (before[id]?.framesDecoded ?? 0) + 5 && s.audioPacketsReceived > (before[id]?.audioPacketsReceived ?? 0) + 10)
            .map(([id]) => id)
            .sort(),
        { message: 'video frames and audio packets from every peer keep arriving', timeout: 10_000 },
      )
      .toEqual(Object.keys(before).sort());
  });
}

/** Ada and Bo in a fresh room with media flowing between them; both leave when `body` ends. */
export async function withTwoInCall(browser: Browser, roomPrefix: string, body: (ada: Page, bo: Page) => Promise<void>, options?: JoinOptions & { spread?: string[] }): Promise<void> {
  const room = `${roomPrefix}-${Date.now()}`;
  const [ada, bo] = (await joinAll(browser, room, ['Ada', 'Bo'], options)) as [Page, Page];
  try {
    await expectMediaFlowing([ada, bo], 1);
    await body(ada, bo);
  } finally {
    await closeAll([ada, bo]);
  }
}

/** Every page is on `path` and every one of its `peers` tiles shows media that arrives that way. */
export async function expectPath(pages: Page[], path: Topology, peers: number): Promise<void> {
  await onEveryPage(pages, async (page) => {
    await expect(page.getByTestId('topology')).toHaveAttribute('data-topology', path, { timeout: 20_000 });
    const paths = async () => Object.values(await stats(page)).map((s) => s.path);
    await expect.poll(paths, { timeout: 30_000, message: `every tile shows media via ${path}` }).toEqual(new Array(peers).fill(path));
  });
}

/**
 * One at a time: contexts of one test share a trace resources folder, and closing them at once let one's
 * trace zip read a file another was still writing ("file data stream has unexpected number of bytes").
 */
export async function closeAll(pages: Page[]): Promise<void> {
  for (const page of pages) await page.context().close();
}

/** Clicks `name` in the toolbar's "More" menu (the rarer actions: speaker view, invite link, stats, the host's). */
export async function moreAction(page: Page, name: string): Promise<void> {
  await page.getByRole('button', { name: 'More' }).click();
  await page.getByRole('group', { name: 'More actions' }).getByRole('button', { name }).click();
}

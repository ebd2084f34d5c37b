import { expect, test, type Page } from '@playwright/test';
import { closeAll, expectMediaFlowing, expectPath, joinAll, servers } from '../support/participants.js';
import {
  cannotCutNetwork,
  cutMedia,
  frameCounts,
  linkStates,
  portOf,
  recordLinkStates,
  recoveryRequests,
  restoreNetwork,
  waitForFramesAgain,
  type FrameCounts,
} from '../support/network.js';

/**
 * A broken network never leaves a frozen tile: media is cut on loopback (all UDP, and TCP but the app's
 * port, so signaling keeps working) while a call runs, until the recovery under test has begun, and must
 * come back once the network does. Chromium reports 'disconnected' ~5 s after its last packet.
 */
test.describe.configure({ mode: 'serial' });
test.skip(() => cannotCutNetwork() !== null, cannotCutNetwork() ?? '');
// Whatever happens in a test, the network is whole again for the next one.
test.afterEach(() => restoreNetwork());

/**
 * Cuts media (every page recording what its tiles showed and which recovery steps it took) until `pending`,
 * given each page's recovery steps so far, returns nothing left to wait for; then lets the network back.
 * Returns the frame counts from just before the cut.
 */
async function cutUntil(pages: Page[], server: string, what: string, pending: (steps: string[][]) => string[], timeout: number): Promise<FrameCounts[]> {
  await Promise.all(pages.map(recordLinkStates));
  const before = await Promise.all(pages.map(frameCounts));
  cutMedia(portOf(server));
  try {
    await expect.poll(async () => pending(await Promise.all(pages.map(recoveryRequests))), { message: what, timeout, intervals: [250] }).toEqual([]);
  } finally {
    restoreNetwork();
  }
  return before;
}

/** The pages (by index) that have not taken `step` yet. */
const without = (step: string) => (steps: string[][]) => steps.flatMap((s, i) => (s.includes(step) ? [] : [`page ${i}`]));
/** Nobody has taken `step` yet (one page taking it is enough). */
const noneTook = (step: string) => (steps: string[][]) => (steps.some((s) => s.includes(step)) ? [] : [`no page took ${step} yet`]);

/** Each page's frame counters carried on from `before`: the same connections recovered (no new ones). */
async function expectSameConnections(pages: Page[], before: FrameCounts[]): Promise<void> {
  for (const [i, page] of pages.entries()) for (const [id, n] of Object.entries(await frameCounts(page))) expect(n, `page ${i} from ${id}`).toBeGreaterThan(before[i]![id]!);
}

/** Every remote tile of every page said 'reconnecting' at some point and says 'connected' now, having never said 'failed'. */
async function expectRecoveredTiles(pages: Page[], peers: number): Promise<void> {
  for (const page of pages) {
    await expect(page.locator('[data-testid="tile"]:not(.self)[data-link="connected"]')).toHaveCount(peers, { timeout: 20_000 });
    const seen = await linkStates(page);
    expect(Object.keys(seen)).toHaveLength(peers);
    for (const states of Object.values(seen)) {
      expect(states, 'the tile showed the recovery').toContain('reconnecting');
      expect(states).not.toContain('failed');
    }
  }
}

test('mesh: a short outage is healed by an ICE restart on the same connection', async ({ browser }) => {
  test.setTimeout(60_000);
  const room = `ice-mesh-${Date.now()}`;
  const pages = await joinAll(browser, room, ['Ada', 'Bo']);
  try {
    await expectMediaFlowing(pages, 1);
    // Cut until a link restarts ICE ('disconnected' at ~5 s, the restart 4 s later), so packets are still dropped then.
    const before = await cutUntil(pages, servers.default(), 'a mesh link restarted ICE during the outage', noneTook('ice-restart'), 30_000);
    await waitForFramesAgain(pages, before, 10, 20_000);
    // Same connection: the frame counter carried on instead of starting again on a new one.
    await expectSameConnections(pages, before);
    await expectRecoveredTiles(pages, 1);
    for (const page of pages) expect((await recoveryRequests(page)).filter((step) => step !== 'ice-restart')).toEqual([]);
  } finally {
    await closeAll(pages);
  }
});

test('SFU: every page gets its media back after an outage of its transports', async ({ browser }) => {
  test.setTimeout(120_000);
  const room = `ice-sfu-${Date.now()}`;
  const pages: Page[] = [];
  try {
    // This server moves a room to the SFU at 3 participants.
    pages.push(...(await joinAll(browser, room, ['Ada', 'Bo', 'Cy'], { server: servers.sfuAt3() })));
    await expectPath(pages, 'sfu', 2);
    await expectMediaFlowing(pages, 2);
    // Cut until every page has asked for an ICE restart ('disconnected' at ~5 s, the request 2 s later), still cut off.
    const before = await cutUntil(pages, servers.sfuAt3(), 'every page asked the SFU for an ICE restart during the outage', without('sfu:restart-ice'), 30_000);
    await waitForFramesAgain(pages, before, 5, 30_000);
    await expectRecoveredTiles(pages, 2);
    // Recovered by ICE restarts of the transports (each page restarted at least one), not by joining the SFU again.
    await expectSameConnections(pages, before);
    for (const page of pages) {
      const sent = await recoveryRequests(page);
      expect(sent).toContain('sfu:restart-ice');
      expect(sent).not.toContain('sfu:join');
    }
  } finally {
    await closeAll(pages);
  }
});

test('mesh: an outage longer than the ICE restarts replaces the connection, which then recovers', async ({ browser }) => {
  test.setTimeout(120_000);
  const room = `ice-relink-${Date.now()}`;
  const pages = await joinAll(browser, room, ['Ada', 'Bo']);
  try {
    await expectMediaFlowing(pages, 1);
    // Enough frames first that a counter starting again on a new connection is told apart from one carrying on.
    const fewest = async () => Math.min(...(await Promise.all(pages.map(frameCounts))).flatMap((c) => Object.values(c)));
    await expect.poll(fewest, { timeout: 30_000, message: 'frames decoded on every page before the cut' }).toBeGreaterThan(80);
    // Cut until the link is replaced: 'disconnected' at ~5 s, 3 ICE restarts (4 s + 3 × 8 s) given up at ~33 s, then a relink.
    const before = await cutUntil(pages, servers.default(), 'the ICE restarts gave up and a relink was sent', noneTook('relink'), 60_000);
    await waitForFramesAgain(pages, before, 10, 40_000);
    // A new connection: its frame counter started again from 0.
    for (const [i, page] of pages.entries()) for (const [id, n] of Object.entries(await frameCounts(page))) expect(n, `page ${i} from ${id}`).toBeLessThan(before[i]![id]!);
    await expectRecoveredTiles(pages, 1);
    // The impolite side (the larger peer id) replaced the link and told the other to follow.
    const sent = await Promise.all(pages.map(recoveryRequests));
    expect(sent.flat()).toContain('relink');
  } finally {
    await closeAll(pages);
  }
});

import { test, type Page } from '@playwright/test';
import { closeAll, expectMediaFlowing, expectPath, joinRoom, servers } from '../support/participants.js';
import { cannotCutNetwork, portOf, cutMedia, frameCounts, restoreNetwork, type FrameCounts } from '../support/network.js';

/**
 * `npm run bench:ice`: media is cut on loopback (UDP, and TCP but the app's port) for CUT_MS, long enough
 * for the connections to go 'disconnected' and be ICE-restarted while still cut off; then the network comes
 * back. Prints, per run and as the median, the time from the network coming back to video frames advancing
 * again from every peer on every page ("ICE restart → frames again"), for a 2-person mesh and a 5-person
 * SFU room. Asserts nothing.
 */
const VIDEO = 'video=320x240&fps=10';
const CUT_MS = 12_000;
const RUNS = 3;

test.skip(() => cannotCutNetwork() !== null, cannotCutNetwork() ?? '');
test.afterEach(() => restoreNetwork());

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

/** Time until every page decodes at least 2 new frames from every peer, polling every 100 ms (NaN after 60 s). */
async function framesAgainMs(pages: Page[], since: FrameCounts[], t0: number): Promise<number> {
  const moved = (now: FrameCounts, before: FrameCounts) => Object.keys(before).every((id) => (now[id] ?? 0) - (before[id] ?? 0) >= 2 || (now[id] ?? 0) < (before[id] ?? 0));
  while (Date.now() - t0 < 60_000) {
    const now = await Promise.all(pages.map(frameCounts));
    if (now.every((counts, i) => moved(counts, since[i]!))) return Date.now() - t0;
    await new Promise((r) => setTimeout(r, 100));
  }
  return NaN;
}

async function measure(label: string, pages: Page[]): Promise<void> {
  const results: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    cutMedia(portOf(servers.default()));
    try {
      await pages[0]!.waitForTimeout(CUT_MS);
    } finally {
      restoreNetwork();
    }
    const t0 = Date.now();
    const since = await Promise.all(pages.map(frameCounts));
    const ms = await framesAgainMs(pages, since, t0);
    results.push(ms);
    console.log(`[bench:ice] ${label} run ${run + 1}: ICE restart → frames again ${ms} ms`);
    // Let every connection settle before the next outage.
    await pages[0]!.waitForTimeout(4000);
  }
  console.log(`[bench:ice] ${label}: cut ${CUT_MS / 1000} s, ICE restart → frames again median ${median(results)} ms (runs: ${results.join(', ')} ms)`);
}

test('ICE restart → frames again: 2-person mesh', async ({ browser }) => {
  test.setTimeout(180_000);
  const room = `bench-ice-mesh-${Date.now()}`;
  const pages = [await joinRoom(browser, room, 'Ada', { query: VIDEO }), await joinRoom(browser, room, 'Bo', { query: VIDEO })];
  try {
    await expectMediaFlowing(pages, 1);
    await measure('mesh, 2 people', pages);
  } finally {
    await closeAll(pages);
  }
});

test('ICE restart → frames again: 5-person SFU', async ({ browser }) => {
  test.setTimeout(240_000);
  const room = `bench-ice-sfu-${Date.now()}`;
  const pages: Page[] = [];
  try {
    for (const name of ['Ada', 'Bo', 'Cy', 'Di', 'Ed']) pages.push(await joinRoom(browser, room, name, { query: VIDEO }));
    await expectPath(pages, 'sfu', 4);
    await expectMediaFlowing(pages, 4);
    await measure('SFU, 5 people', pages);
  } finally {
    await closeAll(pages);
  }
});

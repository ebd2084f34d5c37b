import { expect, type Page } from '@playwright/test';
import type { Topology } from '@confer/shared';
import { stats } from './participants.js';
import { peerIdOf } from './shareChat.js';
import type { ServerProcess } from '../../signaling/test-support/serverProcess.js';

export interface RecoveryTimes {
  /** Process gone → the new one serving. */
  downMs: number;
  /** New server serving → every page back in the room (connected, every tile under its old peer id). */
  seatedMs: number;
  /** New server serving → every tile on every page decoding fresh frames over `path`. */
  mediaMs: number;
}

const connectionStatus = (page: Page) => page.getByTestId('connection-status').getAttribute('data-status');

/** A poll of the peers of `page` whose video frames advanced over `path` since the poll's previous look. */
function advancing(page: Page, path: Topology): () => Promise<string[]> {
  let last: Awaited<ReturnType<typeof stats>> = {};
  return async () => {
    const now = await stats(page);
    const moved = Object.entries(now).filter(([id, s]) => s.path === path && s.framesDecoded > (last[id]?.framesDecoded ?? Infinity));
    last = now;
    return moved.map(([id]) => id).sort();
  };
}

/**
 * Stops the server with `signal` while `pages` are in a call on `path`, checks what users see and what keeps
 * working during the outage (`duringOutage`), starts it again, and waits until every page is back: same
 * peer ids, everyone's tile decoding fresh frames over `path`. Returns how long each step took.
 */
export async function restartDuringCall(
  server: ServerProcess,
  pages: Page[],
  path: Topology,
  signal: NodeJS.Signals,
  duringOutage: () => Promise<void> = async () => undefined,
): Promise<RecoveryTimes> {
  const ids = await Promise.all(pages.map(peerIdOf));
  const killedAt = Date.now();
  await server.stop(signal);
  // Users see that the connection is gone (and the client is on it).
  for (const page of pages) await expect.poll(() => connectionStatus(page), { timeout: 15_000 }).toBe('reconnecting');
  await duringOutage();
  await server.run();
  const servingAt = Date.now();

  let seatedAt = 0;
  await expect
    .poll(
      async () => {
        const statuses = await Promise.all(pages.map(connectionStatus));
        const seen = await Promise.all(pages.map(async (p) => Object.keys(await stats(p)).sort()));
        const seated = statuses.every((s) => s === 'connected') && seen.every((peers, i) => JSON.stringify(peers) === JSON.stringify(ids.filter((_, j) => j !== i).sort()));
        if (seated && !seatedAt) seatedAt = Date.now();
        return seated && (await Promise.all(pages.map((p) => peerIdOf(p)))).every((id, i) => id === ids[i]);
      },
      { timeout: 45_000, intervals: [250], message: 'every page back in the room under its old peer id, seeing the others under theirs' },
    )
    .toBe(true);
  for (const [i, page] of pages.entries()) {
    const others = ids.filter((_, j) => j !== i).sort();
    await expect.poll(advancing(page, path), { timeout: 45_000, intervals: [400], message: `page ${i}: fresh frames from everyone over ${path}` }).toEqual(others);
  }
  const mediaAt = Date.now();
  return { downMs: servingAt - killedAt, seatedMs: seatedAt - servingAt, mediaMs: mediaAt - servingAt };
}

import { expect, type Page } from '@playwright/test';
import { stats } from './participants.js';
import { peerIdOf, sendChat } from './shareChat.js';
import type { ServerProcess } from './serverProcess.js';

export interface RecoveryTimes {
  /** Process gone → the new one serving. */
  downMs: number;
  /** New server serving → every page back in the room (connected, every tile under its old peer id). */
  seatedMs: number;
  /** New server serving → every tile on every page decoding fresh frames over `path`. */
  mediaMs: number;
}

const connectionStatus = (page: Page) => page.getByTestId('connection-status').getAttribute('data-status');

/** Peers of `page` whose video frames advance over `path` right now (two looks 400 ms apart). */
async function advancing(page: Page, path: 'mesh' | 'sfu'): Promise<string[]> {
  const first = await stats(page);
  await page.waitForTimeout(400);
  const second = await stats(page);
  return Object.entries(second)
    .filter(([id, s]) => s.path === path && s.framesDecoded > (first[id]?.framesDecoded ?? Infinity))
    .map(([id]) => id)
    .sort();
}

/**
 * Stops the server with `signal` while `pages` are in a call on `path`, checks what users see and what keeps
 * working during the outage (`duringOutage`), starts it again, and waits until every page is back: same
 * peer ids, everyone's tile decoding fresh frames over `path`. Returns how long each step took.
 */
export async function restartDuringCall(
  server: ServerProcess,
  pages: Page[],
  path: 'mesh' | 'sfu',
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
    await expect.poll(() => advancing(page, path), { timeout: 45_000, intervals: [100], message: `page ${i}: fresh frames from everyone over ${path}` }).toEqual(others);
  }
  const mediaAt = Date.now();
  return { downMs: servingAt - killedAt, seatedMs: seatedAt - servingAt, mediaMs: mediaAt - servingAt };
}

/** Sends a chat message from `page` while the server is down (it must reach everyone eventually). */
export const chatDuringOutage = (page: Page, text: string) => () => sendChat(page, text);

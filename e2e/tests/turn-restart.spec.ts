import { readFileSync, readdirSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { recordLinkStates, linkStates, recoveryRequests } from '../support/network.js';
import { stats, withTwoInCall, LIGHT_VIDEO } from '../support/participants.js';

/** Every turnserver process, with its config file. */
function turnservers(): { pid: number; config: string }[] {
  const found: { pid: number; config: string }[] = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (args[0]?.endsWith('turnserver')) found.push({ pid: Number(pid), config: args[args.indexOf('-c') + 1] ?? '' });
    } catch {
      // A process that ended while we looked.
    }
  }
  return found;
}

/** The e2e server's managed coturn: the turnserver process whose config listens on the e2e TURN port. */
function coturnPid(): number | null {
  const port = /:(\d+)\?/.exec(process.env.CONFER_E2E_TURN_URLS ?? '')?.[1];
  for (const { pid, config } of turnservers()) {
    try {
      if (config && readFileSync(config, 'utf8').includes(`listening-port=${port}\n`)) return pid;
    } catch {
      // A config removed while we looked.
    }
  }
  return null;
}

test('a relayed call survives a coturn crash: the server restarts coturn, the call restarts ICE through it', async ({ browser }) => {
  test.setTimeout(120_000);
  await withTwoInCall(
    browser,
    'turn-restart',
    async (ada, bo) => {
      for (const page of [ada, bo]) await expect.poll(async () => Object.values(await stats(page))[0]?.localCandidateType).toBe('relay');
      // The tile's link states, recorded as they change: the restart may heal before a poll would look.
      await recordLinkStates(ada);
      const before = turnservers();
      const pid = coturnPid();
      expect(pid, 'the e2e coturn process').not.toBeNull();
      process.kill(pid!, 'SIGKILL');
      // The signaling server notices and starts coturn again on the same port, with the same secret.
      await expect.poll(() => coturnPid(), { timeout: 20_000, message: 'a new coturn process' }).not.toBe(pid);
      await expect.poll(() => coturnPid(), { timeout: 20_000 }).not.toBeNull();
      // The relays died with the old process: both sides restart ICE and get new ones, and frames flow again.
      const frames = async () => (await Promise.all([ada, bo].map(async (p) => Object.values(await stats(p))[0]?.framesDecoded ?? 0))) as [number, number];
      // Meanwhile the tile says so instead of freezing silently.
      await expect
        .poll(async () => Object.values(await linkStates(ada))[0], { timeout: 30_000 })
        .toContain('reconnecting')
        .catch(async (error: Error) => {
          // Seen 1 run in 6-7: the tile stayed "connected" for 30 s. What the pages did meanwhile, for the next look.
          const seen = await Promise.all([ada, bo].map(async (p) => ({ stats: await stats(p), sent: await recoveryRequests(p) })));
          throw new Error(`${error.message}\npages meanwhile: ${JSON.stringify(seen)}\nturnservers before the kill of ${pid}: ${JSON.stringify(before)}, now: ${JSON.stringify(turnservers())}`);
        });
      const stalled = await frames();
      await expect
        .poll(async () => (await frames()).every((n, i) => n > stalled[i]! + 10), { timeout: 60_000, message: 'frames advance again on both pages' })
        .toBe(true);
      for (const page of [ada, bo]) expect(Object.values(await stats(page))[0]?.localCandidateType).toBe('relay');
      await expect(ada.locator('[data-testid="tile"]:not(.self)')).toHaveAttribute('data-link', 'connected');
    },
    { query: `${LIGHT_VIDEO}&relay=1` },
  );
});

import { expect, test as base, type Page } from '@playwright/test';
import { closeAll, expectMediaFlowing, expectPath, joinAll, stats } from '../support/participants.js';
import { restartDuringCall } from '../support/restart.js';
import { ServerProcess } from '../../signaling/test-support/serverProcess.js';
import { chatLines, expectChat, openChat, peerIdOf, sendChat } from '../support/shareChat.js';

/**
 * The signaling server (with the SFU in its process) goes away mid-call and comes back on the same
 * address: every page gets its seat back under the same peer id and its media flows again. It runs as a
 * process of its own here, not the shared e2e server, so it can be killed.
 */
const test = base.extend<{ serverEnv: Record<string, string>; server: ServerProcess }>({
  serverEnv: [{}, { option: true }],
  server: async ({ serverEnv }, use, info) => {
    const server = await ServerProcess.start(serverEnv);
    await use(server);
    if (info.status !== info.expectedStatus) console.log(`server output:\n${server.output}`);
    await server.close();
  },
});

test('3-person mesh: a graceful restart (SIGTERM) keeps media flowing, chat sent meanwhile arrives, seats come back', async ({ browser, server }) => {
  test.setTimeout(150_000);
  const room = `restart-mesh-${Date.now()}`;
  const pages: Page[] = [];
  try {
    pages.push(...(await joinAll(browser, room, ['Ada', 'Bo', 'Cy'], { server: server.url })));
    await expectMediaFlowing(pages, 2);
    for (const page of pages) await openChat(page);
    const ada = await peerIdOf(pages[0]!);
    const times = await restartDuringCall(server, pages, 'mesh', 'SIGTERM', async () => {
      // The server said it was going away: the badge says so while the client retries.
      await expect(pages[1]!.getByTestId('connection-status')).toContainText('the server is restarting');
      // Peer-to-peer media and chat do not need the server.
      await expectMediaFlowing(pages, 2);
      await sendChat(pages[0]!, 'said while the server was down');
      await expectChat(pages[2]!, [[ada, 'said while the server was down']]);
    });
    console.log(`mesh restart: down ${times.downMs} ms, seats back ${times.seatedMs} ms, media ${times.mediaMs} ms after the server was up`);
    for (const page of pages) await expectChat(page, [[ada, 'said while the server was down']]);
    // Back on a server that knows the room: a message after the restart reaches everyone too.
    await sendChat(pages[1]!, 'after the restart');
    const bo = await peerIdOf(pages[1]!);
    for (const page of pages) await expectChat(page, [[ada, 'said while the server was down'], [bo, 'after the restart']]);
  } finally {
    await closeAll(pages);
  }
});

test.describe('on the SFU (rooms move there at 3)', () => {
  test.use({ serverEnv: { TOPOLOGY_SFU_FROM: '3' } });

  test('3-person SFU: killed (SIGKILL) and restarted, the room comes back on the SFU with media, and chat from the outage arrives', async ({ browser, server }) => {
    test.setTimeout(180_000);
    const room = `restart-sfu-${Date.now()}`;
    const pages: Page[] = [];
    try {
      pages.push(...(await joinAll(browser, room, ['Ada', 'Bo', 'Cy'], { server: server.url })));
      await expectPath(pages, 'sfu', 2);
      await expectMediaFlowing(pages, 2);
      for (const page of pages) await openChat(page);
      const ada = await peerIdOf(pages[0]!);
      const times = await restartDuringCall(server, pages, 'sfu', 'SIGKILL', async () => {
        // The SFU died with the process: chat has no path now, and is held until one opens.
        await sendChat(pages[0]!, 'typed during the outage');
      });
      console.log(`SFU restart: down ${times.downMs} ms, seats back ${times.seatedMs} ms, media ${times.mediaMs} ms after the server was up`);
      await expectPath(pages, 'sfu', 2);
      for (const page of pages) await expectChat(page, [[ada, 'typed during the outage']]);
      expect((await chatLines(pages[2]!)).length).toBe(1);
      expect(Object.keys(await stats(pages[0]!))).toHaveLength(2);
    } finally {
      await closeAll(pages);
    }
  });
});

import { expect, test, type Page } from '@playwright/test';
import { closeAll, expectMediaFlowing, expectPath, joinRoom, stats } from '../support/participants.js';
import { restartDuringCall } from '../support/restart.js';
import { ServerProcess } from '../support/serverProcess.js';
import { chatLines, expectChat, openChat, peerIdOf, sendChat } from '../support/shareChat.js';

/**
 * The signaling server (with the SFU in its process) goes away mid-call and comes back on the same
 * address: every page gets its seat back under the same peer id and its media flows again. It runs as a
 * process of its own here, not the shared e2e server, so it can be killed.
 */
let server: ServerProcess;
test.beforeEach(async () => {
  server = await ServerProcess.start();
});
test.afterEach(async ({ browserName: _ }, info) => {
  if (info.status !== info.expectedStatus) console.log(`server output:\n${server.output}`);
  await server.stop('SIGKILL');
});

test('3-person mesh: a graceful restart (SIGTERM) keeps media flowing, chat sent meanwhile arrives, seats come back', async ({ browser }) => {
  test.setTimeout(150_000);
  const room = `restart-mesh-${Date.now()}`;
  const pages: Page[] = [];
  try {
    for (const name of ['Ada', 'Bo', 'Cy']) pages.push(await joinRoom(browser, room, name, undefined, true, server.url));
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

test('5-person SFU: killed (SIGKILL) and restarted, the room comes back on the SFU with media, and chat from the outage arrives', async ({ browser }) => {
  test.setTimeout(240_000);
  const room = `restart-sfu-${Date.now()}`;
  const pages: Page[] = [];
  try {
    for (const name of ['Ada', 'Bo', 'Cy', 'Di', 'Ed']) pages.push(await joinRoom(browser, room, name, 'video=320x240&fps=10', true, server.url));
    await expectPath(pages, 'sfu', 4);
    await expectMediaFlowing(pages, 4);
    for (const page of pages) await openChat(page);
    const ada = await peerIdOf(pages[0]!);
    const times = await restartDuringCall(server, pages, 'sfu', 'SIGKILL', async () => {
      // The SFU died with the process: chat has no path now, and is held until one opens.
      await sendChat(pages[0]!, 'typed during the outage');
    });
    console.log(`SFU restart: down ${times.downMs} ms, seats back ${times.seatedMs} ms, media ${times.mediaMs} ms after the server was up`);
    await expectPath(pages, 'sfu', 4);
    for (const page of pages) await expectChat(page, [[ada, 'typed during the outage']]);
    expect((await chatLines(pages[4]!)).length).toBe(1);
    expect(Object.keys(await stats(pages[0]!))).toHaveLength(4);
  } finally {
    await closeAll(pages);
  }
});

import { expect, test, type Page } from '@playwright/test';
import { MAX_CHAT_CHARS } from '@confer/shared';
import { asOperator, closeAll, expectMediaFlowing, expectPath, joinAll, joinRoom, servers, stats } from '../support/participants.js';
import { chatLines, expectChat, expectShareShown, openChat, peerIdOf, sendChat } from '../support/shareChat.js';
import { expectSeamless, startTileMonitor, stopTileMonitor, switchesOf } from '../support/switching.js';

/**
 * On the product's defaults: screen shares over the mesh between two; a third joining while they share moves
 * the room to the SFU (TOPOLOGY_SFU_FROM_SHARING=3: a mesh sharer encodes the screen once per viewer) without a
 * blank tile, and back to the mesh once nobody shares; chat among three, history for a late joiner.
 */
test('screen shares over the mesh; a share in a room of 3 moves it to the SFU and back; chat, history for a late joiner', async ({ browser, request }) => {
  test.setTimeout(180_000);
  const room = `share-chat-${Date.now()}`;
  const pages: Page[] = [];
  try {
    pages.push(...(await joinAll(browser, room, ['Ada', 'Bo'])));
    const [ada, bo] = pages as [Page, Page];
    await expectMediaFlowing(pages, 1);
    const [adaId, boId] = [await peerIdOf(ada), await peerIdOf(bo)];

    // Ada presents: she sees that she does, Bo sees her screen in the spotlight; her camera stays on.
    await ada.getByRole('button', { name: 'Share screen' }).click();
    await expect(ada.getByTestId('presenting')).toContainText('You are presenting');
    await expectShareShown([bo], adaId);
    await expect(bo.getByRole('figure', { name: "Ada's screen" })).toBeVisible();
    await expectMediaFlowing(pages, 1);
    // Two at once, still over the mesh.
    await bo.getByRole('button', { name: 'Share screen' }).click();
    await expectShareShown([ada], boId);
    await expectPath(pages, 'mesh', 1);

    // Cy joins two presenters: the room moves to the SFU for the share; nobody's tile or screen blanks.
    await Promise.all(pages.map(startTileMonitor));
    const cy = await joinRoom(browser, room, 'Cy');
    pages.push(cy);
    await expectPath(pages, 'sfu', 2);
    await expectMediaFlowing(pages, 2);
    expectSeamless(await Promise.all([ada, bo].map(stopTileMonitor)));
    await expectShareShown([bo, cy], adaId);
    await expectShareShown([ada, cy], boId);
    await expect(cy.getByTestId('share-tile')).toHaveCount(2);
    await expect.poll(() => switchesOf(request, room), { timeout: 20_000 }).toEqual([{ to: 'sfu', reason: 'screen-share', unfinished: 0 }]);

    // Stopping removes the tile everywhere (the browser's own "stop sharing" is covered in MediaController's unit test);
    // with nobody sharing, the room goes back to the mesh after the hold time.
    await ada.getByRole('button', { name: 'Stop sharing' }).click();
    for (const page of [bo, cy]) await expect(page.locator(`[data-testid="share-tile"][data-peer-id="${adaId}"]`)).toHaveCount(0, { timeout: 5000 });
    await expect(ada.getByTestId('presenting')).toHaveCount(0);
    await bo.getByRole('button', { name: 'Stop sharing' }).click();
    for (const page of [ada, cy]) await expect(page.getByTestId('share-tile')).toHaveCount(0, { timeout: 5000 });
    await expectPath(pages, 'mesh', 2);
    await expectMediaFlowing(pages, 2);
    await expect.poll(() => switchesOf(request, room), { timeout: 20_000 }).toEqual([
      { to: 'sfu', reason: 'screen-share', unfinished: 0 },
      { to: 'mesh', reason: 'below-threshold', unfinished: 0 },
    ]);

    // Chat: Cy keeps the panel closed and sees an unread count.
    await openChat(ada);
    await openChat(bo);
    await sendChat(ada, 'hello from Ada, see https://example.com/docs.');
    await sendChat(bo, '<img src=x onerror="window.__xss=1">');
    const expected: [string, string][] = [
      [adaId, 'hello from Ada, see https://example.com/docs.'],
      [boId, '<img src=x onerror="window.__xss=1">'],
    ];
    await expectChat(ada, expected);
    await expectChat(bo, expected);
    await expect(cy.getByTestId('unread')).toHaveText('2');
    await openChat(cy);
    await expect(cy.getByTestId('unread')).toHaveCount(0);
    await expectChat(cy, expected);
    // Markup stays text; the link is a safe link.
    for (const page of pages) {
      await expect(page.locator('.chat img')).toHaveCount(0);
      expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
    }
    const link = cy.getByRole('link', { name: 'https://example.com/docs' });
    await expect(link).toHaveAttribute('href', 'https://example.com/docs');
    await expect(link).toHaveAttribute('rel', /noopener/);

    // Too long: refused with a message, nothing sent, the draft kept.
    await sendChat(cy, 'x'.repeat(MAX_CHAT_CHARS + 1));
    await expect(cy.getByRole('alert')).toContainText(`longer than ${MAX_CHAT_CHARS} characters`);
    await expect(cy.getByRole('textbox', { name: 'Message' })).toHaveValue('x'.repeat(MAX_CHAT_CHARS + 1));

    // A late joiner gets the history from the others over the new data channels.
    const di = await joinRoom(browser, room, 'Di');
    pages.push(di);
    await openChat(di);
    await expectChat(di, expected);
    expect(await chatLines(di)).toHaveLength(2);
  } finally {
    await closeAll(pages);
  }
});

test.describe('on a server that moves rooms to the SFU at 3', () => {
  test.use({ baseURL: servers.sfuAt3() });

  test('2 → 3: a screen share and chat carry over to the SFU; messages sent at every stage of the switch arrive once everywhere', async ({ browser, request }) => {
    test.setTimeout(180_000);
    const server = servers.sfuAt3();
    const room = `share-chat-sfu-${Date.now()}`;
    const pages: Page[] = [];
    try {
      pages.push(...(await joinAll(browser, room, ['Ada', 'Bo'], { server })));
      await expectMediaFlowing(pages, 1);
      const ids = await Promise.all(pages.map(peerIdOf));
      const [ada] = pages as [Page];
      const adaId = ids[0]!;
      await ada.getByRole('button', { name: 'Share screen' }).click();
      await expectShareShown(pages.slice(1), adaId);
      for (const page of pages) await openChat(page);

      // The 3rd joins. At each stage of the switch the two who were there send two messages each.
      await Promise.all(pages.map(startTileMonitor));
      const expected: [string, string][] = [];
      const old = pages.slice(0, 2);
      const send = async (stage: string) => {
        for (let round = 0; round < 2; round++) {
          await Promise.all(old.map((page, i) => sendChat(page, `${stage} ${round} from ${i}`)));
          for (let i = 0; i < 2; i++) expected.push([ids[i]!, `${stage} ${round} from ${i}`]);
        }
      };
      const paths = async () => (await Promise.all(old.map(async (p) => Object.values(await stats(p))))).flat().map((s) => s.path);
      await send('before');
      pages.push(await joinRoom(browser, room, 'Cy', { server }));
      await send('joined');
      for (const page of old) await expect(page.getByTestId('topology')).toHaveAttribute('data-topology', 'sfu', { timeout: 20_000 });
      await send('announced');
      await expect.poll(paths, { timeout: 30_000, message: 'a tile on the old pages shows media via the SFU' }).toContain('sfu');
      await send('moving');
      await expectPath(pages, 'sfu', 2);
      await send('moved');
      await expectMediaFlowing(pages, 2);
      // Nobody lost the share (or any tile's picture) during the switch; the newcomer sees it too, via the SFU.
      expectSeamless(await Promise.all(old.map(stopTileMonitor)));
      await expectShareShown(pages.slice(1), adaId);
      const sfu = async () =>
        (await (await request.get(`/api/rooms/${room}/sfu`, asOperator())).json()) as {
          producers: { producerId: string; source: string; layers: number }[];
          consumers: { producerId: string; spatialLayer: number | null }[];
          dataProducers: number;
          dataConsumers: number;
        };
      await expect.poll(async () => {
        const s = await sfu();
        const screen = s.producers.find((p) => p.source === 'screen');
        return [screen?.layers, s.consumers.filter((c) => c.producerId === screen?.producerId).length];
      }, { timeout: 20_000, message: 'one screen producer, a single stream of its own, consumed by the 2 others' }).toEqual([1, 2]);
      await expect.poll(async () => { const s = await sfu(); return [s.dataProducers, s.dataConsumers]; }, { timeout: 20_000 }).toEqual([3, 6]);

      // Every page (the newcomer through history) shows the 20 messages once, in order per sender.
      await openChat(pages[2]!);
      for (const page of pages) await expectChat(page, expected);
      // Chat now runs through the SFU: a message from the newcomer reaches everyone.
      await sendChat(pages[2]!, 'hello via the SFU');
      expected.push([await peerIdOf(pages[2]!), 'hello via the SFU']);
      for (const page of pages) await expectChat(page, expected);

      // Stopping the share closes its producer: the tile goes everywhere.
      await ada.getByRole('button', { name: 'Stop sharing' }).click();
      for (const page of pages.slice(1)) await expect(page.getByTestId('share-tile')).toHaveCount(0, { timeout: 10_000 });
      await expect.poll(async () => (await sfu()).producers.filter((p) => p.source === 'screen').length, { timeout: 10_000 }).toBe(0);
      expect(await chatLines(pages[2]!)).toHaveLength(expected.length);
    } finally {
      await closeAll(pages);
    }
  });
});

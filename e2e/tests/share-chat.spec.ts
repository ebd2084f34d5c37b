import { expect, test, type Page } from '@playwright/test';
import { MAX_CHAT_CHARS } from '@confer/shared';
import { closeAll, expectMediaFlowing, joinRoom } from '../support/participants.js';
import { chatLines, expectChat, expectShareShown, openChat, peerIdOf, sendChat } from '../support/shareChat.js';
import { expectSeamless, startTileMonitor, stopTileMonitor } from '../support/switching.js';

test('mesh: screen shares and chat between 3 people, history for a late joiner', async ({ browser }) => {
  test.setTimeout(150_000);
  const room = `share-chat-${Date.now()}`;
  const pages: Page[] = [];
  try {
    for (const name of ['Ada', 'Bo', 'Cy']) pages.push(await joinRoom(browser, room, name));
    const [ada, bo, cy] = pages as [Page, Page, Page];
    await expectMediaFlowing(pages, 2);
    const [adaId, boId] = [await peerIdOf(ada), await peerIdOf(bo)];

    // Ada presents: she sees that she does, the others see her screen in the spotlight; her camera stays on.
    await ada.getByRole('button', { name: 'Share screen' }).click();
    await expect(ada.getByTestId('presenting')).toContainText('You are presenting');
    await expectShareShown([bo, cy], adaId);
    await expect(bo.getByRole('figure', { name: "Ada's screen" })).toBeVisible();
    await expectMediaFlowing([bo, cy], 2);
    // Two at once.
    await bo.getByRole('button', { name: 'Share screen' }).click();
    await expectShareShown([ada, cy], boId);
    await expect(cy.getByTestId('share-tile')).toHaveCount(2);
    // Stopping removes the tile everywhere (the browser's own "stop sharing" is covered in MediaController's unit test).
    await ada.getByRole('button', { name: 'Stop sharing' }).click();
    for (const page of [bo, cy]) await expect(page.locator(`[data-testid="share-tile"][data-peer-id="${adaId}"]`)).toHaveCount(0, { timeout: 5000 });
    await expect(ada.getByTestId('presenting')).toHaveCount(0);
    await bo.getByRole('button', { name: 'Stop sharing' }).click();
    for (const page of [ada, cy]) await expect(page.getByTestId('share-tile')).toHaveCount(0, { timeout: 5000 });

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

test('4 → 5: a screen share and chat carry over to the SFU; 20 messages sent during the switch arrive once everywhere', async ({ browser, request }) => {
  test.setTimeout(240_000);
  const VIDEO = 'video=320x240&fps=10';
  const room = `share-chat-sfu-${Date.now()}`;
  const pages: Page[] = [];
  try {
    for (const name of ['Ada', 'Bo', 'Cy', 'Di']) pages.push(await joinRoom(browser, room, name, VIDEO));
    await expectMediaFlowing(pages, 3);
    const ids = await Promise.all(pages.map(peerIdOf));
    const [ada] = pages as [Page];
    const adaId = ids[0]!;
    await ada.getByRole('button', { name: 'Share screen' }).click();
    await expectShareShown(pages.slice(1), adaId);
    for (const page of pages) await openChat(page);

    // The 5th joins; while the room switches, each of the four sends 5 messages.
    await Promise.all(pages.map(startTileMonitor));
    pages.push(await joinRoom(browser, room, 'Ed', VIDEO));
    const expected: [string, string][] = [];
    for (let round = 0; round < 5; round++) {
      await Promise.all(pages.slice(0, 4).map((page, i) => sendChat(page, `switch message ${round} from ${i}`)));
      for (let i = 0; i < 4; i++) expected.push([ids[i]!, `switch message ${round} from ${i}`]);
      await ada.waitForTimeout(400);
    }
    for (const page of pages) await expect(page.getByTestId('topology')).toHaveAttribute('data-topology', 'sfu', { timeout: 20_000 });
    await expectMediaFlowing(pages, 4);
    // Nobody lost the share (or any tile's picture) during the switch; the newcomer sees it too, via the SFU.
    expectSeamless(await Promise.all(pages.slice(0, 4).map(stopTileMonitor)));
    await expectShareShown(pages.slice(1), adaId);
    const sfu = async () =>
      (await (await request.get(`/api/rooms/${room}/sfu`)).json()) as {
        producers: { producerId: string; source: string; layers: number }[];
        consumers: { producerId: string; spatialLayer: number | null }[];
        dataProducers: number;
        dataConsumers: number;
      };
    await expect.poll(async () => {
      const s = await sfu();
      const screen = s.producers.find((p) => p.source === 'screen');
      return [screen?.layers, s.consumers.filter((c) => c.producerId === screen?.producerId).length];
    }, { timeout: 20_000, message: 'one screen producer, a single stream of its own, consumed by the 4 others' }).toEqual([1, 4]);
    await expect.poll(async () => { const s = await sfu(); return [s.dataProducers, s.dataConsumers]; }, { timeout: 20_000 }).toEqual([5, 20]);

    // Every page (the newcomer through history) shows the 20 messages once, in order per sender.
    await openChat(pages[4]!);
    for (const page of pages) await expectChat(page, expected);
    // Chat now runs through the SFU: a message from the newcomer reaches everyone.
    await sendChat(pages[4]!, 'hello via the SFU');
    expected.push([ids[4] ?? (await peerIdOf(pages[4]!)), 'hello via the SFU']);
    for (const page of pages) await expectChat(page, expected);

    // Stopping the share closes its producer: the tile goes everywhere.
    await ada.getByRole('button', { name: 'Stop sharing' }).click();
    for (const page of pages.slice(1)) await expect(page.getByTestId('share-tile')).toHaveCount(0, { timeout: 10_000 });
    await expect.poll(async () => (await sfu()).producers.filter((p) => p.source === 'screen').length, { timeout: 10_000 }).toBe(0);
    expect(await chatLines(pages[4]!)).toHaveLength(expected.length);
  } finally {
    await closeAll(pages);
  }
});

import { expect, test, type APIRequestContext, type Page } from '@playwright/test';
import type { JoinResponse } from '@confer/shared';
import { asOperator, closeAll, expectMediaFlowing, expectPath, joinAll, joinRoom, LIGHT_VIDEO, moreAction, onEveryPage, servers, stats, type LinkStatsView } from '../support/participants.js';

/** The page's room client beyond what window.__confer types: its microphone track and its seat. */
const micEnabled = (page: Page) =>
  page.evaluate(() => (window.__confer.room as unknown as { devices: { tracks(): { audio: MediaStreamTrack | null } } }).devices.tracks().audio?.enabled ?? null);
const seatOf = (page: Page) => page.evaluate(() => (window.__confer.room as unknown as { session: { current: JoinResponse | null } }).session.current);
/** A tile by its name, shown or not (one off the grid's page is hidden, and so out of the accessibility tree). */
const tileOf = (page: Page, name: string) => page.locator(`[data-testid="tile"][aria-label="${name}"]`);
const participants = async (page: Page) => {
  const list = page.getByRole('complementary', { name: 'Participants' });
  if (!(await list.isVisible())) await page.getByRole('button', { name: 'Participants' }).click();
  return list;
};

test.describe('meeting controls', () => {
  test('a locked room admits through its host; hands, reactions, and the host mutes, removes and ends the meeting', async ({ browser }) => {
    test.setTimeout(120_000);
    const room = `controls-${Date.now()}`;
    const [ada, bo] = (await joinAll(browser, room, ['Ada', 'Bo'])) as [Page, Page];
    const pages = [ada, bo];
    try {
      await expectMediaFlowing(pages, 1);
      // The first one in is host: the others see it, and only the host has the host's buttons.
      await expect(tileOf(bo, 'Ada')).toContainText('host');
      await bo.getByRole('button', { name: 'More' }).click();
      await expect(bo.getByRole('group', { name: 'More actions' }).getByRole('button')).toHaveText(['Speaker view', 'Copy invite link', 'Stats', 'Hide self view', 'Light theme', 'Keyboard shortcuts']);
      await moreAction(ada, 'Lock room');
      await expect(bo.getByTestId('locked')).toBeVisible();

      // A newcomer waits; the host sees who, and lets them in: they then see everyone.
      const cy = await joinRoom(browser, room, 'Cy');
      pages.push(cy);
      await expect(cy.getByTestId('waiting-room')).toHaveText('Waiting for the host to let you in…');
      const knock = ada.getByTestId('knock');
      await expect(knock).toContainText('Cy wants to join');
      await ada.getByRole('button', { name: 'Admit Cy' }).click();
      await expectMediaFlowing(pages, 2);
      await expect(knock).toHaveCount(0);

      // A raised hand shows on every page; the host lowers it.
      await bo.getByRole('button', { name: 'Raise hand' }).click();
      await onEveryPage(pages, (page) => expect(tileOf(page, page === bo ? 'Bo (you)' : 'Bo').getByRole('img', { name: 'Hand raised' })).toBeVisible());
      await (await participants(ada)).getByRole('button', { name: 'Lower hand of Bo' }).click();
      await onEveryPage(pages, (page) => expect(page.locator('[data-testid="hand-indicator"]')).toHaveCount(0));
      await expect(bo.getByRole('button', { name: 'Raise hand' })).toBeVisible();

      // A reaction shows over the sender's tile on every page, its own included.
      await cy.getByRole('button', { name: 'Reactions' }).click();
      await cy.getByRole('button', { name: 'Celebrate' }).click();
      await onEveryPage(pages, (page) => expect(page.getByRole('img', { name: 'Cy reacts 🎉' })).toBeVisible());

      // The host mutes Bo: Bo's microphone track goes silent, every page shows Bo muted, and Bo may unmute.
      expect(await micEnabled(bo)).toBe(true);
      await (await participants(ada)).getByRole('button', { name: 'Mute Bo' }).click();
      await expect.poll(() => micEnabled(bo)).toBe(false);
      await expect(bo.getByTestId('notice')).toContainText('The host muted your microphone');
      await onEveryPage([ada, cy], (page) => expect(tileOf(page, 'Bo').getByRole('img', { name: 'Microphone muted' })).toBeVisible());
      await bo.getByRole('button', { name: 'Unmute' }).click();
      await expect.poll(() => micEnabled(bo)).toBe(true);
      await onEveryPage([ada, cy], (page) => expect(tileOf(page, 'Bo').getByRole('img', { name: 'Microphone muted' })).toHaveCount(0));

      // The host removes Cy: told why, gone from every tile grid, and its resume token no longer brings it back.
      const seat = await seatOf(cy);
      if (!seat) throw new Error('Cy has no seat');
      await (await participants(ada)).getByRole('button', { name: 'Remove Cy' }).click();
      await expect(cy.getByTestId('left-message')).toHaveText('The host removed you from the meeting.');
      await onEveryPage([ada, bo], (page) => expect(tileOf(page, 'Cy')).toHaveCount(0));
      const rejoin = await cy.evaluate(async ({ roomId, peerId, token }) => {
        const { signaling } = window.__confer;
        signaling.socket.connect();
        await new Promise((resolve) => signaling.socket.once('connect', () => resolve(null)));
        return signaling.join({ roomId, displayName: 'Cy', resume: { peerId, token } });
      }, { roomId: room, peerId: seat.peerId, token: seat.resumeToken });
      expect(rejoin).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });

      // The host ends the meeting for everyone.
      await moreAction(ada, 'End meeting for all');
      await onEveryPage([ada, bo], (page) => expect(page.getByTestId('left-message')).toHaveText('The host ended the meeting.'));
    } finally {
      await closeAll(pages);
    }
  });
});

interface SfuConsumer {
  /** The receiving peer. */
  peerId: string;
  kind: string;
  paused: boolean;
}
const consumersOf = async (request: APIRequestContext, room: string) => ((await (await request.get(`/api/rooms/${room}/sfu`, asOperator())).json()) as { consumers: SfuConsumer[] }).consumers;

test.describe('layouts on the SFU (a server that moves rooms there at 3)', () => {
  test.use({ baseURL: servers.sfuAt3() });

  test('a hand raised on the mesh stays up across the switch; speaker view puts the active speaker on the stage, and a paged grid stops the video of off-page tiles', async ({ browser, request }) => {
    test.setTimeout(120_000);
    const room = `layouts-${Date.now()}`;
    // Two tiles a page (ours and one other): Ada's second peer is off her first page.
    const server = servers.sfuAt3();
    const pages = [await joinRoom(browser, room, 'Ada', { server, query: `${LIGHT_VIDEO}&tiles=2` }), await joinRoom(browser, room, 'Bo', { server })];
    const [ada, bo] = pages;
    try {
      if (!ada || !bo) throw new Error('no page for Ada or Bo');
      // A hand raised on the mesh is still up after the switch to the SFU (hands are room state, not media).
      await expectPath(pages, 'mesh', 1);
      await bo.getByRole('button', { name: 'Raise hand' }).click();
      await expect(tileOf(ada, 'Bo').getByRole('img', { name: 'Hand raised' })).toBeVisible();
      pages.push(await joinRoom(browser, room, 'Cy', { server }));
      await expectPath(pages, 'sfu', 2);
      await onEveryPage([ada, pages[2]!], (page) => expect(tileOf(page, 'Bo').getByRole('img', { name: 'Hand raised' })).toBeVisible());
      await bo.getByRole('button', { name: 'Lower hand' }).click();
      await onEveryPage(pages, (page) => expect(page.locator('[data-testid="hand-indicator"]')).toHaveCount(0));
      await expectMediaFlowing(pages.slice(1), 2);

      // Ada's grid: page 1 shows Bo; Cy's tile is hidden and the SFU pauses its video to her, so no frames come.
      await expect(ada.getByTestId('page')).toHaveText('Page 1 of 2');
      await expect(tileOf(ada, 'Bo')).toBeVisible();
      await expect(tileOf(ada, 'Cy')).toBeHidden();
      const adaId = await ada.evaluate(() => window.__confer.room.peerId);
      const adaVideoPaused = async () => (await consumersOf(request, room)).filter((c) => c.peerId === adaId && c.kind === 'video').map((c) => c.paused).sort();
      await expect.poll(adaVideoPaused, { timeout: 15_000 }).toEqual([false, true]);
      const frames = async (name: string) => {
        const peerId = await tileOf(ada, name).getAttribute('data-peer-id');
        return ((await stats(ada)) as Record<string, LinkStatsView>)[peerId ?? '']?.framesDecoded ?? 0;
      };
      const cyBefore = await frames('Cy');
      const boBefore = await frames('Bo');
      await expect.poll(() => frames('Bo'), { timeout: 10_000 }).toBeGreaterThan(boBefore + 10);
      expect(await frames('Cy')).toBeLessThanOrEqual(cyBefore + 2);

      // The next page: Cy's video comes, Bo's stops.
      await ada.getByRole('button', { name: 'Next page' }).click();
      await expect(tileOf(ada, 'Cy')).toBeVisible();
      await expect(tileOf(ada, 'Bo')).toBeHidden();
      const cyShown = await frames('Cy');
      await expect.poll(() => frames('Cy'), { timeout: 15_000 }).toBeGreaterThan(cyShown + 10);

      // Speaker view: the SFU's active speaker (the fake microphones beep) takes the stage, larger than the strip.
      // On a page other than the speaker's own, one remote tile is marked as the speaker (the speaker's own page
      // marks its self tile, which speaker view never stages).
      const marked = (page: Page) => page.locator('[data-testid="tile"][data-active-speaker="true"]:not(.self)');
      const viewer = async () => {
        for (const page of pages.slice(1)) if ((await marked(page).count()) === 1) return page;
        return null;
      };
      await expect.poll(async () => (await viewer()) !== null, { timeout: 15_000 }).toBe(true);
      const page = (await viewer())!;
      await moreAction(page, 'Speaker view');
      await expect(page.getByTestId('grid')).toHaveAttribute('data-layout', 'speaker');
      const stage = page.locator('[data-testid="tile"][data-on-stage="true"]');
      await expect(stage).toHaveCount(1);
      await expect(stage).toHaveAttribute('data-active-speaker', 'true', { timeout: 15_000 });
      const area = async (locator: ReturnType<Page['locator']>) => {
        const box = await locator.boundingBox();
        return box ? box.width * box.height : 0;
      };
      const strip = page.locator('[data-testid="tile"][data-on-stage="false"]');
      await expect(strip).toHaveCount(2);
      for (const other of await strip.all()) expect(await area(stage)).toBeGreaterThan(2 * (await area(other)));
    } finally {
      await closeAll(pages);
    }
  });
});

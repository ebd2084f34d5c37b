import { expect, test, type Page, type TestInfo } from '@playwright/test';
import { callContext, closeAll, expectMediaFlowing, joinAll, joinRoom, moreAction, servers, LIGHT_VIDEO, VIEWPORT } from '../support/participants.js';

/** A screenshot kept in the test's output folder and attached to the report, to look at. */
async function screenshot(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  const path = testInfo.outputPath(`${name}.png`);
  await page.screenshot({ path });
  await testInfo.attach(name, { path, contentType: 'image/png' });
}

/** The toolbar is whole on screen, without scrolling. */
async function expectToolbarOnScreen(page: Page): Promise<void> {
  const box = await page.getByRole('navigation', { name: 'Call controls' }).boundingBox();
  const viewport = page.viewportSize();
  expect(box && viewport && box.y >= 0 && box.y + box.height <= viewport.height && box.x >= 0 && box.x + box.width <= viewport.width).toBe(true);
}

const LAPTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };
const SMALL = { width: 320, height: 240 };

test('a laptop and a phone in a 4-person call: the toolbar fits on screen; screenshots of lobby, room, speaker view, chat and phone', async ({ browser }, testInfo) => {
  test.setTimeout(120_000);
  const room = `ui-${Date.now()}`;
  // One large page, the others tiny (a 1280x800 page costs this machine a core of compositing on its own).
  const ada = await joinRoom(browser, room, 'Ada', { viewport: LAPTOP, join: false });
  const pages = [ada];
  try {
    await expect(ada.getByRole('button', { name: 'Join' })).toBeVisible();
    await screenshot(ada, testInfo, 'lobby');
    await ada.getByRole('button', { name: 'Join' }).click();
    pages.push(...(await joinAll(browser, room, ['Bo', 'Cy'], { query: LIGHT_VIDEO, viewport: SMALL })));
    pages.push(await joinRoom(browser, room, 'Di', { viewport: PHONE }));
    await expectMediaFlowing(pages, 3);
    for (const page of [ada, pages[3]!]) await expectToolbarOnScreen(page);
    await screenshot(ada, testInfo, 'room-4');
    await moreAction(ada, 'Speaker view');
    await expect(ada.getByTestId('grid')).toHaveAttribute('data-layout', 'speaker');
    await screenshot(ada, testInfo, 'speaker-view');
    await moreAction(ada, 'Speaker view');
    await ada.getByRole('button', { name: 'Chat' }).click();
    await ada.getByRole('textbox', { name: /message/i }).fill('Hello from the laptop');
    await ada.getByRole('textbox', { name: /message/i }).press('Enter');
    await expect(pages[3]!.getByRole('button', { name: 'Chat, 1 unread' })).toBeVisible();
    await expectToolbarOnScreen(ada);
    await screenshot(ada, testInfo, 'chat');
    await pages[3]!.getByRole('button', { name: /^Chat/ }).click();
    await expect(pages[3]!.getByText('Hello from the laptop')).toBeVisible();
    await expectToolbarOnScreen(pages[3]!);
    await screenshot(pages[3]!, testInfo, 'phone');
  } finally {
    await closeAll(pages);
  }
});

test('a German browser gets the German UI; the language is chosen in the lobby and a call works in it', async ({ browser }) => {
  const room = `sprache-${Date.now()}`;
  const ada = await (await callContext(browser, servers.default(), VIEWPORT, 'de-DE')).newPage();
  const pages = [ada];
  try {
    await ada.goto(`/r/${room}?${LIGHT_VIDEO}`);
    await expect(ada.locator('html')).toHaveAttribute('lang', 'de');
    await expect(ada.getByLabel('Sprache')).toHaveValue('de');
    await ada.getByLabel('Ihr Name').fill('Ada');
    await ada.getByRole('button', { name: 'Beitreten' }).click();
    // An English browser that picks German in the lobby.
    const bo = await joinRoom(browser, room, 'Bo', { join: false });
    pages.push(bo);
    await bo.getByLabel('Language').selectOption('de');
    await bo.getByRole('button', { name: 'Beitreten' }).click();
    await expectMediaFlowing(pages, 1);
    for (const page of pages) {
      await expect(page.getByTestId('participant-count')).toHaveText('2 im Anruf');
      const toolbar = page.getByRole('navigation', { name: 'Anrufsteuerung' });
      await expect(toolbar.getByRole('button')).toHaveText(['Stumm', 'Kamera', 'Bildschirm teilen', 'Hand heben', 'Reaktionen', 'Teilnehmende', 'Chat', 'Mehr', 'Verlassen']);
    }
    await bo.getByRole('button', { name: 'Stumm' }).click();
    await expect(ada.locator('[data-testid="tile"][aria-label="Bo"]').getByRole('img', { name: 'Mikrofon stumm' })).toBeVisible();
    await expect(bo.getByRole('button', { name: 'Ton an' })).toBeVisible();
  } finally {
    await closeAll(pages);
  }
});

import { expect, type Page } from '@playwright/test';

export const peerIdOf = (page: Page): Promise<string> => page.evaluate(() => window.__confer.room.peerId ?? '');

/** Frames presented so far on the peer's share tile and its picture width (0 when there is no tile). */
export function shareVideo(page: Page, sharerId: string): Promise<{ frames: number; width: number }> {
  return page.evaluate((id) => {
    const video = document.querySelector<HTMLVideoElement>(`[data-testid="share-tile"][data-peer-id="${id}"] video.front`);
    return { frames: video?.getVideoPlaybackQuality().totalVideoFrames ?? 0, width: video?.videoWidth ?? 0 };
  }, sharerId);
}

/**
 * Every viewer shows the sharer's screen in a share tile, decoding frames that keep advancing, at the
 * share's size (400x300 in these tests) rather than a camera's (at most 320x240).
 */
export async function expectShareShown(viewers: Page[], sharerId: string): Promise<void> {
  for (const page of viewers) {
    await expect(page.locator(`[data-testid="share-tile"][data-peer-id="${sharerId}"]`)).toBeVisible({ timeout: 20_000 });
    await expect.poll(async () => (await shareVideo(page, sharerId)).width, { timeout: 20_000, message: 'share picture width' }).toBeGreaterThan(320);
    const before = (await shareVideo(page, sharerId)).frames;
    await expect.poll(async () => (await shareVideo(page, sharerId)).frames, { timeout: 15_000, message: 'share frames advance' }).toBeGreaterThan(before + 3);
  }
}

export async function openChat(page: Page): Promise<void> {
  const button = page.getByRole('button', { name: /^Chat/ });
  if ((await button.getAttribute('aria-pressed')) !== 'true') await button.click();
  await expect(page.getByRole('complementary', { name: 'Chat' })).toBeVisible();
}

export async function sendChat(page: Page, text: string): Promise<void> {
  const box = page.getByRole('textbox', { name: 'Message' });
  await box.fill(text);
  await box.press('Enter');
}

/** The chat as a page shows it: [sender peer id, text] in display order. */
export const chatLines = (page: Page): Promise<[string, string][]> =>
  page.locator('[data-testid="chat-message"]').evaluateAll((items) => items.map((li) => [(li as HTMLElement).dataset.from ?? '', li.querySelector('.text')?.textContent ?? ''] as [string, string]));

/** Each expected message shows exactly once, and each sender's messages in the order sent. */
export async function expectChat(page: Page, expected: [string, string][]): Promise<void> {
  await expect
    .poll(async () => {
      const lines = await chatLines(page);
      return expected.filter(([from, text]) => lines.filter(([f, t]) => f === from && t === text).length === 1).length;
    }, { timeout: 20_000, message: 'every message arrived once' })
    .toBe(expected.length);
  const lines = await chatLines(page);
  expect(lines.length, 'no message shown twice').toBe(new Set(lines.map((l) => l.join('\n'))).size);
  for (const sender of new Set(expected.map(([from]) => from))) {
    const sent = expected.filter(([from]) => from === sender).map(([, text]) => text);
    expect(lines.filter(([from, text]) => from === sender && sent.includes(text)).map(([, text]) => text)).toEqual(sent);
  }
}

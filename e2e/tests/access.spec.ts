import { expect, test, type Page } from '@playwright/test';
import { signToken } from '@confer/signaling';
import { callContext, closeAll, expectMediaFlowing, joinRoom, LIGHT_VIDEO } from '../support/participants.js';
import { ServerProcess } from '../../signaling/test-support/serverProcess.js';

const joinError = (page: Page) => page.getByTestId('join-error');
/** What a join without a valid invitation shows (the server's own reason is for its log). */
const INVITATION_REFUSED = 'This meeting admits only with a valid invitation link; yours is missing, for another room, or expired.';

async function joinWithPassword(page: Page, password: string): Promise<void> {
  await page.getByLabel('Room password').fill(password);
  await page.getByRole('button', { name: 'Join' }).click();
}

test('a room created with a password admits only with it, saying why', async ({ browser }) => {
  const room = `locked-${Date.now()}`;
  const ada = await joinRoom(browser, room, 'Ada', { join: false });
  await joinWithPassword(ada, 'correct horse');
  const bo = await joinRoom(browser, room, 'Bo');
  try {
    await expect(joinError(bo)).toHaveText('This room is protected: enter its password.');
    await joinWithPassword(bo, 'battery staple');
    await expect(joinError(bo)).toHaveText('Wrong password for this room.');
    await joinWithPassword(bo, 'correct horse');
    await expectMediaFlowing([ada, bo], 1);
  } finally {
    await closeAll([ada, bo]);
  }
});

test('with JOIN_TOKENS_REQUIRED, a link needs a valid signed token; the token names the guest and leaves the address bar', async ({ browser }) => {
  const secret = 'e2e-join-token-secret-0123456789abcdef';
  const server = await ServerProcess.start({ JOIN_TOKEN_SECRET: secret, JOIN_TOKENS_REQUIRED: 'true' });
  const room = `embed-${Date.now()}`;
  const link = (name: string, exp: number) => `/r/${room}?${LIGHT_VIDEO}#token=${signToken(secret, { room, name, exp })}`;
  const now = Math.floor(Date.now() / 1000);
  const pages: Page[] = [];
  try {
    const open = async (path: string) => {
      const page = await (await callContext(browser, server.url)).newPage();
      pages.push(page);
      await page.goto(path);
      return page;
    };
    const bare = await open(`/r/${room}?${LIGHT_VIDEO}`);
    await bare.getByLabel('Your name').fill('Eve');
    await bare.getByRole('button', { name: 'Join' }).click();
    await expect(joinError(bare)).toHaveText(INVITATION_REFUSED);

    const late = await open(link('Late', now - 60));
    await late.getByRole('button', { name: 'Join' }).click();
    await expect(joinError(late)).toHaveText(INVITATION_REFUSED);

    const ada = await open(link('Ada Lovelace', now + 600));
    await expect(ada.getByLabel('Your name')).toHaveValue('Ada Lovelace');
    expect(new URL(ada.url()).hash).toBe('');
    await ada.getByRole('button', { name: 'Join' }).click();
    const bo = await open(link('Bo', now + 600));
    await bo.getByRole('button', { name: 'Join' }).click();
    await expectMediaFlowing([ada, bo], 1);
    await expect(bo.locator('[data-testid="tile"]:not(.self) [data-testid="tile-name"]')).toHaveText('Ada Lovelace');
  } finally {
    await closeAll(pages);
    await server.close();
  }
});

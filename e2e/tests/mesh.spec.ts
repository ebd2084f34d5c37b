import { expect, test, type Browser, type Page } from '@playwright/test';
import { closeAll, expectMediaFlowing, expectPath, joinAll, joinRoom, LIGHT_VIDEO, servers, stats, withTwoInCall } from '../support/participants.js';

const names = ['Ada', 'Bo', 'Cy', 'Di', 'Ed'];

for (const n of [2, 3, 4]) {
  test(`${n} participants see and hear each other over the mesh`, async ({ browser }) => {
    test.setTimeout(90_000);
    const room = `mesh-${n}-${Date.now()}`;
    const pages = await joinAll(browser, room, names.slice(0, n));
    try {
      await expectMediaFlowing(pages, n - 1);
      for (const [i, page] of pages.entries()) {
        const others = names.slice(0, n).filter((_, j) => j !== i);
        await expect(page.locator('[data-testid="tile"]:not(.self) [data-testid="tile-name"]')).toHaveText(others);
        await expect(page.locator('[data-testid="tile"][data-link="connected"]')).toHaveCount(n - 1);
        await expect(page.getByTestId('participant-count')).toHaveText(`${n} in call`);
      }
    } finally {
      await closeAll(pages);
    }
  });
}

test('relay-only: two participants connect through coturn', async ({ browser }) => {
  const room = `relay-${Date.now()}`;
  const pages = await joinAll(browser, room, ['Ada', 'Bo'], { query: `${LIGHT_VIDEO}&relay=1` });
  try {
    await expectMediaFlowing(pages, 1);
    for (const page of pages) {
      const [link] = Object.values(await stats(page));
      expect(link?.localCandidateType).toBe('relay');
      expect(link?.remoteCandidateType).toBe('relay');
    }
  } finally {
    await closeAll(pages);
  }
});

test('mute, camera off and leave reach the others within a second', async ({ browser }) => {
  await withTwoInCall(browser, 'presence', async (ada, bo) => {
    const adaOnBo = bo.locator('[data-testid="tile"]:not(.self)');

    await ada.getByRole('button', { name: 'Mute' }).click();
    await expect(ada.getByRole('button', { name: 'Unmute' })).toBeVisible();
    await expect(adaOnBo.getByTestId('muted-indicator')).toBeVisible({ timeout: 1000 });
    await ada.getByRole('button', { name: 'Unmute' }).click();
    await expect(adaOnBo.getByTestId('muted-indicator')).toBeHidden({ timeout: 1000 });

    await ada.getByRole('button', { name: 'Camera' }).click();
    await expect(ada.getByRole('button', { name: 'Camera' })).toHaveAttribute('aria-pressed', 'false');
    await expect(adaOnBo.getByTestId('camera-off-indicator')).toBeVisible({ timeout: 1000 });
    await expect(adaOnBo.getByTestId('tile-video')).toBeHidden();
    // Camera back on: the same connection carries the new track (replaceTrack), frames advance again.
    await ada.getByRole('button', { name: 'Camera' }).click();
    await expect(adaOnBo.getByTestId('camera-off-indicator')).toBeHidden({ timeout: 1000 });
    await expectMediaFlowing([bo], 1);

    await ada.getByRole('button', { name: 'Leave' }).click();
    await expect(ada.getByText('You left')).toBeVisible();
    await expect(adaOnBo).toHaveCount(0, { timeout: 1000 });
  });
});

/** Everyone opens the lobby first, then all click Join at once; every page ends up seeing every other exactly once. */
async function joinAtOnce(browser: Browser, room: string, who: string[], server: string): Promise<Page[]> {
  const pages = await Promise.all(who.map((name) => joinRoom(browser, room, name, { join: false, server })));
  const peers = who.length - 1;
  try {
    await Promise.all(pages.map((p) => p.getByRole('button', { name: 'Join' }).click()));
    for (const page of pages) {
      await expect(page.locator('[data-testid="tile"]:not(.self)')).toHaveCount(peers, { timeout: 20_000 });
      await expect(page.locator('[data-testid="tile"][data-link="connected"]')).toHaveCount(peers, { timeout: 30_000 });
    }
    for (const page of pages) {
      await expect.poll(async () => Object.values(await stats(page)).filter((s) => s.framesDecoded > 0).length, { timeout: 30_000 }).toBe(peers);
    }
  } catch (error) {
    await closeAll(pages);
    throw error;
  }
  return pages;
}

test('four people joining at the same moment all see each other exactly once, in a full mesh', async ({ browser }) => {
  test.setTimeout(90_000);
  const pages = await joinAtOnce(browser, `race-${Date.now()}`, names.slice(0, 4), servers.default());
  try {
    await expectPath(pages, 'mesh', 3);
  } finally {
    await closeAll(pages);
  }
});

test('three people joining at the same moment on a server that moves rooms to the SFU at 3: the switch happens mid-race', async ({ browser }) => {
  test.setTimeout(90_000);
  const pages = await joinAtOnce(browser, `race-sfu-${Date.now()}`, names.slice(0, 3), servers.sfuAt3());
  try {
    await expectPath(pages, 'sfu', 2);
  } finally {
    await closeAll(pages);
  }
});

test('switching the microphone in a call keeps audio flowing to the others', async ({ browser }) => {
  await withTwoInCall(browser, 'devices', async (ada, bo) => {
    await ada.locator('summary', { hasText: 'Devices' }).click();
    const picker = ada.getByLabel('Microphone');
    const options = await picker.locator('option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
    expect(options.length).toBeGreaterThan(1);
    await picker.selectOption(options[1]!);
    await expect(picker).toHaveValue(options[1]!);
    // Counted from after the switch, so packets from the old microphone do not count.
    const before = await stats(bo);
    const [id] = Object.keys(before);
    await expect
      .poll(async () => (await stats(bo))[id!]!.audioPacketsReceived - before[id!]!.audioPacketsReceived, { message: "audio packets from Ada's new microphone" })
      .toBeGreaterThan(20);
  });
});

/** What Ada's connection to a peer sends as her microphone: the track's id (outbound media-source stats) and whether it is a device. */
async function sentMicrophone(page: Page): Promise<{ sentId: string | undefined; trackId: string | undefined; filtered: boolean }> {
  return page.evaluate(async () => {
    const track = (window.__confer.room as unknown as { devices: { tracks(): { audio: MediaStreamTrack | null } } }).devices.tracks().audio;
    const [connection] = window.__confer.room.diagnostics.connections();
    const report = connection ? [...(await connection.getStats()).values()] : [];
    const source = report.find((s: { type: string; kind?: string }) => s.type === 'media-source' && s.kind === 'audio') as { trackIdentifier?: string } | undefined;
    // The RNNoise output is an audio graph's destination (Chromium labels its track so); a microphone's track has the device's label.
    return { sentId: source?.trackIdentifier, trackId: track?.id, filtered: track?.label === 'MediaStreamAudioDestinationNode' };
  });
}

/** Sound from `peerId` reaches `page` from now on: audio energy played out keeps growing, not just packets (silence has packets too). */
async function expectSound(page: Page, peerId: string, message: string): Promise<void> {
  const before = (await stats(page))[peerId]!;
  await expect
    .poll(async () => {
      const now = (await stats(page))[peerId]!;
      return now.audioPacketsReceived - before.audioPacketsReceived > 50 && now.audioEnergy > before.audioEnergy;
    }, { message, timeout: 15_000 })
    .toBe(true);
}

test('enhanced noise suppression on and off mid-call: RNNoise output is what is sent, and sound keeps reaching the other', async ({ browser }) => {
  await withTwoInCall(browser, 'noise', async (ada, bo) => {
    const [adaId] = Object.keys(await stats(bo));
    await ada.locator('summary', { hasText: 'Devices' }).click();
    const toggle = ada.getByLabel('Enhanced noise suppression');
    for (const on of [true, false]) {
      await toggle.setChecked(on);
      await expect.poll(() => sentMicrophone(ada), { message: `the sent microphone with RNNoise ${on ? 'on' : 'off'}` }).toEqual(expect.objectContaining({ filtered: on }));
      const sent = await sentMicrophone(ada);
      expect(sent.trackId).toBeTruthy();
      expect(sent.sentId).toBe(sent.trackId);
      await expectSound(bo, adaId!, `sound from Ada with RNNoise ${on ? 'on' : 'off'}`);
    }
    await expect(ada.getByTestId('filter-error-audio')).toHaveCount(0);
  });
});

test('a dropped signaling connection resumes its seat; the call goes on', async ({ browser }) => {
  await withTwoInCall(browser, 'resume', async (ada, bo) => {
    const boId = await ada.locator('[data-testid="tile"]:not(.self)').getAttribute('data-peer-id');
    await bo.evaluate(() => window.__confer.signaling.socket.io.engine.close());
    await expect(bo.getByTestId('connection-status')).toHaveAttribute('data-status', 'reconnecting');
    await expect(bo.getByTestId('connection-status')).toHaveAttribute('data-status', 'connected');
    // Same peer id on Ada's side (never left), and media still flows both ways.
    await expect(ada.locator('[data-testid="tile"]:not(.self)')).toHaveAttribute('data-peer-id', boId!);
    await expectMediaFlowing([ada, bo], 1);
  });
});

import { expect, test } from '@playwright/test';
import type { HealthReport } from '@confer/shared';

test('the landing page connects to the signaling server over Socket.IO', async ({ page }) => {
  await page.goto('/');
  const status = page.getByTestId('connection-status');
  await expect(status).toHaveAttribute('data-status', 'connected');
  await expect(status).toHaveText('connected');
  // The badge reflects a live socket, not a default: the transport really is open.
  expect(await page.evaluate(() => window.__confer.signaling.socket.connected)).toBe(true);
});

test('the page shows the lost connection and reconnects by itself', async ({ page }) => {
  await page.goto('/');
  const status = page.getByTestId('connection-status');
  await expect(status).toHaveAttribute('data-status', 'connected');
  // Kill the transport under the client, as a network drop would; the manager retries.
  await page.evaluate(() => window.__confer.signaling.socket.io.engine.close());
  await expect(status).toHaveAttribute('data-status', 'reconnecting');
  await expect(status).toHaveAttribute('data-status', 'connected');
});

test('GET /healthz reports the SFU workers and TURN', async ({ request }) => {
  const res = await request.get('/healthz');
  expect(res.status()).toBe(200);
  const report = (await res.json()) as HealthReport;
  expect(report.status).toBe('ok');
  expect(report.sfu.workers.length).toBeGreaterThan(0);
  expect(report.sfu.workers.every((w) => w.alive && w.pid > 0)).toBe(true);
  expect(report.turn).toMatchObject({ status: 'ok', mode: 'managed' });
});

test('creating a room from the landing page leads to its lobby with a shareable link', async ({ page }) => {
  await page.goto('/?video=320x240');
  await page.getByLabel('Room name').fill('Team Sync!');
  await expect(page.getByText(/Link: .*\/r\/team-sync/)).toBeVisible();
  await page.getByRole('button', { name: 'Go to room' }).click();
  await expect(page).toHaveURL(/\/r\/team-sync\?video=320x240$/);
  await expect(page.getByRole('heading', { name: 'Join team-sync' })).toBeVisible();
  // The fake camera shows in the preview before joining.
  await expect(page.getByTestId('preview')).toBeVisible();
  await expect.poll(() => page.getByTestId('preview').evaluate((v: HTMLVideoElement) => v.videoWidth)).toBeGreaterThan(0);
});

test('an invalid room link says why', async ({ page }) => {
  await page.goto('/r/no%20spaces%20please');
  await expect(page.getByTestId('room-error')).toContainText('“no spaces please” is not a valid room name');
});

test('the client bundle carries no TURN secret', async ({ request }) => {
  const html = await (await request.get('/')).text();
  const scripts = [...html.matchAll(/src="([^"]+\.js)"/g)].map((m) => m[1]!);
  expect(scripts.length).toBeGreaterThan(0);
  const secret = process.env.CONFER_E2E_TURN_SECRET ?? '';
  expect(secret.length).toBeGreaterThanOrEqual(16);
  for (const src of scripts) expect(await (await request.get(src)).text()).not.toContain(secret);
});

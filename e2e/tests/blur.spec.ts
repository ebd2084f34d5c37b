import { expect, test, type Page } from '@playwright/test';
import { closeAll, expectMediaFlowing, joinRoom, stats } from '../support/participants.js';
import { personCamera } from '../support/personCamera.js';

test.use(personCamera);

/** Regions of the 640x360 fixture: stripes left and right of the photo; the face. */
const REGIONS = { background: [[0, 0, 130, 360], [510, 0, 130, 360]], face: [[260, 40, 80, 80]] } as const;

interface Look {
  /** Mean luma step between neighbouring pixels in the stripes: high when sharp, near 0 when blurred. */
  backgroundSharpness: number;
  /** The face's luma, pixel by pixel (10x10 cells), to compare two looks. */
  face: number[];
  framesDecoded: number;
}

/** What Bo's tile shows of Ada now, drawn at the fixture's size. */
async function look(bo: Page): Promise<Look> {
  const framesDecoded = Object.values(await stats(bo))[0]?.framesDecoded ?? 0;
  const seen = await bo.locator('[data-testid="tile"]:not(.self) [data-testid="tile-video"]').evaluate((video: HTMLVideoElement, regions) => {
    const canvas = new OffscreenCanvas(640, 360);
    const g = canvas.getContext('2d', { willReadFrequently: true })!;
    g.drawImage(video, 0, 0, 640, 360);
    const luma = (x: number, y: number, w: number, h: number) => {
      const { data } = g.getImageData(x, y, w, h);
      return Array.from({ length: w * h }, (_, i) => 0.299 * data[i * 4]! + 0.587 * data[i * 4 + 1]! + 0.114 * data[i * 4 + 2]!);
    };
    let steps = 0;
    let count = 0;
    for (const [x, y, w, h] of regions.background) {
      const l = luma(x, y, w, h);
      for (let i = 0; i < l.length; i++) {
        if (i % w === 0) continue; // a row's first pixel has no left neighbour
        steps += Math.abs(l[i]! - l[i - 1]!);
        count++;
      }
    }
    const [fx, fy, fw, fh] = regions.face[0];
    const face = luma(fx, fy, fw, fh);
    const cells: number[] = [];
    for (let cy = 0; cy < fh; cy += 10) for (let cx = 0; cx < fw; cx += 10) {
      let sum = 0;
      for (let y = cy; y < cy + 10; y++) for (let x = cx; x < cx + 10; x++) sum += face[y * fw + x]!;
      cells.push(sum / 100);
    }
    return { backgroundSharpness: steps / count, face: cells };
  }, REGIONS);
  return { ...seen, framesDecoded };
}

const faceChange = (a: Look, b: Look) => a.face.reduce((n, v, i) => n + Math.abs(v - b.face[i]!), 0) / a.face.length;

test('background blur on and off mid-call: the other sees the background blurred and the face as it was, and frames keep coming', async ({ browser }) => {
  test.setTimeout(90_000);
  const room = `blur-${Date.now()}`;
  const query = 'video=640x360&fps=15&screen=400x300';
  const ada = await joinRoom(browser, room, 'Ada', { query });
  // Bo sends no camera: one page films the fixture, the other only watches.
  const bo = await joinRoom(browser, room, 'Bo', { query, join: false });
  const pages = [ada, bo];
  try {
    await bo.getByLabel('Camera on').setChecked(false);
    await bo.getByRole('button', { name: 'Join' }).click();
    await expect.poll(async () => (await look(bo)).framesDecoded, { message: "Ada's video reaches Bo" }).toBeGreaterThan(30);
    // The stripes arrive sharp once the sender has ramped up to the full size.
    await expect.poll(async () => (await look(bo)).backgroundSharpness, { message: 'the stripes arrive sharp', timeout: 30_000 }).toBeGreaterThan(40);
    const sharp = await look(bo);

    await ada.locator('summary', { hasText: 'Devices' }).click();
    const toggle = ada.getByLabel('Blur background');
    await toggle.setChecked(true);
    await expect.poll(async () => (await look(bo)).backgroundSharpness, { message: 'the stripes arrive blurred', timeout: 30_000 }).toBeLessThan(sharp.backgroundSharpness / 4);
    // The mask follows the person: give it a moment, then the face must be what it was.
    await expect.poll(async () => faceChange(sharp, await look(bo)), { message: 'the face is not blurred' }).toBeLessThan(12);
    const blurred = await look(bo);
    await expect.poll(async () => (await look(bo)).framesDecoded, { message: 'frames keep coming with blur on' }).toBeGreaterThan(blurred.framesDecoded + 30);
    await expect(ada.getByTestId('filter-error-video')).toHaveCount(0);

    await toggle.setChecked(false);
    await expect.poll(async () => (await look(bo)).backgroundSharpness, { message: 'the stripes arrive sharp again', timeout: 30_000 }).toBeGreaterThan(sharp.backgroundSharpness / 2);
    await expectMediaFlowing([bo], 1);
  } finally {
    await closeAll(pages);
  }
});

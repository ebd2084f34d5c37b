import type { BrowserContext } from '@playwright/test';

/**
 * How many fake cameras the browser has (e2e/chromium.ts). Chromium shares one capture device, and its pool
 * of 4 frame buffers, among every page that opens it: with 4-5 pages on one fake camera, each page's video
 * element and encoders holding a different frame emptied the pool, and every page's camera stopped for good
 * at once (an e2e run: a 4-person mesh where the newcomer never sent a frame). Real participants each
 * have a camera of their own; so does each page here.
 */
export const FAKE_CAMERAS = 9;
/** Chromium's second fake camera is a depth camera (Y16): a video element shows it, an encoder gets no frame. */
const DEPTH_CAMERA = 'fake_device_1';
let next = 0;

/**
 * The context's pages open camera `next` (round robin) whenever the app asks for "a camera" without naming
 * one; a camera the user picks (the Devices panel) is opened as asked.
 */
export async function giveOwnCamera(context: BrowserContext): Promise<void> {
  const index = next++ % (FAKE_CAMERAS - 1);
  await context.addInitScript(({ cameraIndex, depthCamera }: { cameraIndex: number; depthCamera: string }) => {
    const devices = navigator.mediaDevices as MediaDevices | undefined;
    if (!devices) return;
    const open = devices.getUserMedia.bind(devices);
    devices.getUserMedia = async (constraints?: MediaStreamConstraints) => {
      const video = constraints?.video;
      if (!video || (typeof video === 'object' && video.deviceId)) return open(constraints);
      const cameras = (await devices.enumerateDevices()).filter((d) => d.kind === 'videoinput' && d.deviceId && d.label !== depthCamera);
      const camera = cameras[cameraIndex % Math.max(cameras.length, 1)];
      if (!camera) return open(constraints);
      return open({ ...constraints, video: { ...(typeof video === 'object' ? video : {}), deviceId: { exact: camera.deviceId } } });
    };
  }, { cameraIndex: index, depthCamera: DEPTH_CAMERA });
}

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { FAKE_CAMERAS } from './support/cameras.js';

/** Debian's Chromium (Playwright cannot download its own browsers here); override with CHROMIUM_PATH. */
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** What Playwright starts: Chromium through a wrapper that keeps it from raising its thread priorities (see the script). */
export const chromiumLauncher = fileURLToPath(new URL('./chromium-unprivileged.sh', import.meta.url));
process.env.CONFER_CHROMIUM = chromiumPath;

/** Flags checked on this machine kind: see ../shared/notes/browser-testing.md. */
export const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // Without it no ICE candidate is gathered in an lo-only namespace and connections stay 'new'.
  '--allow-loopback-in-peer-connection',
  '--use-fake-ui-for-media-stream',
  // A camera per page (support/cameras.ts).
  `--use-fake-device-for-media-stream=device-count=${FAKE_CAMERAS}`,
  // Lets a small fake camera send all three simulcast layers.
  '--force-fieldtrials=WebRTC-LegacySimulcastLayerLimit/Disabled/',
];

export function assertChromium(): void {
  if (!existsSync(chromiumPath)) {
    throw new Error(`Chromium not found at ${chromiumPath}: run 'apt-get install chromium' (npm test does) or set CHROMIUM_PATH`);
  }
}

import { defineConfig } from '@playwright/test';
import { chromiumArgs, chromiumLauncher } from './chromium.js';

export default defineConfig({
  testDir: './tests',
  globalSetup: './globalSetup.ts',
  // Two cores: browsers and media compete for them, so tests run one at a time.
  workers: 1,
  fullyParallel: false,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  forbidOnly: Boolean(process.env.CI),
  // One retry on CI, only to tell a flaky test from a broken one in the report: a test that passes on its
  // retry still fails the run (a flaky test is a bug in the test or the product).
  retries: process.env.CI ? 1 : 0,
  failOnFlakyTests: true,
  // The CPU reporter prints each spec's load on the machine, to keep the heaviest within what two cores carry.
  reporter: [['list'], ['./support/cpuReporter.ts']],
  outputDir: '../test-results',
  use: {
    // Set by globalSetup, which starts the servers on free ports.
    baseURL: process.env.CONFER_E2E_URL,
    browserName: 'chromium',
    launchOptions: { executablePath: chromiumLauncher, args: chromiumArgs },
    permissions: ['camera', 'microphone'],
    // As small as participants' pages (support/participants.ts VIEWPORT): software compositing costs CPU per pixel.
    viewport: { width: 640, height: 360 },
    // The UI follows the browser's language: tests read English, whatever the machine's LANG.
    locale: 'en-US',
    trace: 'retain-on-failure',
  },
});

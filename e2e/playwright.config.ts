import { defineConfig } from '@playwright/test';
import { chromiumArgs, chromiumPath } from './chromium.js';

export default defineConfig({
  testDir: './tests',
  globalSetup: './globalSetup.ts',
  // Two cores: browsers and media compete for them, so tests run one at a time.
  workers: 1,
  fullyParallel: false,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  forbidOnly: Boolean(process.env.CI),
  // One retry on CI: a shared 2-core box can starve a browser for a moment; a retried pass is reported as flaky.
  retries: process.env.CI ? 1 : 0,
  reporter: [['list']],
  outputDir: '../test-results',
  use: {
    // Set by globalSetup, which starts the servers on free ports.
    baseURL: process.env.CONFER_E2E_URL,
    browserName: 'chromium',
    launchOptions: { executablePath: chromiumPath, args: chromiumArgs },
    permissions: ['camera', 'microphone'],
    trace: 'retain-on-failure',
  },
});

import { defineConfig } from '@playwright/test';
import base from './playwright.config.js';

/** Benchmarks: same servers and browser as e2e, but they print numbers instead of asserting. */
export default defineConfig({ ...base, testDir: './bench', testMatch: '**/*.bench.ts', reporter: [['list']] });

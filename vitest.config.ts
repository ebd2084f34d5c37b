import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'node',
          include: ['shared/src/**/*.test.ts', 'turn/src/**/*.test.ts', 'sfu/src/**/*.test.ts', 'signaling/src/**/*.test.ts', 'tests/**/*.test.ts'],
          environment: 'node',
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
      'client/vitest.config.ts',
    ],
  },
});

import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'client',
    root: import.meta.dirname,
    include: ['src/**/*.test.tsx', 'src/**/*.test.ts'],
    environment: 'jsdom',
    setupFiles: ['./src/test/setup.ts'],
  },
});

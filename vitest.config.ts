import { defineConfig } from 'vitest/config';

export default defineConfig({
  // package.json "imports" maps #platform to dist/; tests run the sources
  resolve: { alias: { '#platform': new URL('./src/platform/node.ts', import.meta.url).pathname } },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});

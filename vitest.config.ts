import { defineConfig } from 'vitest/config';

export default defineConfig({
  // action.yml imported as text, as esbuild's text loader does in scripts/build.mjs.
  plugins: [
    {
      name: 'yml-as-text',
      transform(code, id) {
        return id.endsWith('.yml')
          ? { code: `export default ${JSON.stringify(code)};`, map: null }
          : undefined;
      },
    },
  ],
  test: {
    include: ['__tests__/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});

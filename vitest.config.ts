import { defineConfig } from 'vitest/config';

/**
 * Suites that need no Linux-only server or tool (Debian's docker-registry, skopeo, htpasswd, kubectl,
 * openssl, system tar) and assume no POSIX file modes: CI runs them on Windows and macOS as well
 * (`vitest run --project portable`). Every other suite is in `linux`. `vitest run` runs both.
 */
const PORTABLE = [
  'action-yml',
  'address',
  'destinations-inputs',
  'documents',
  'errors',
  'paths',
  'plan',
  'reference-cases',
  'registry-units',
  'report',
  'requirements',
  'smoke',
].map((name) => `__tests__/${name}.test.ts`);

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    projects: [
      { extends: true, test: { name: 'portable', include: PORTABLE } },
      { extends: true, test: { name: 'linux', include: ['__tests__/**/*.test.ts'], exclude: PORTABLE } },
    ],
  },
});

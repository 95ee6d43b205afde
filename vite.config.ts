import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { configDefaults, defineConfig } from 'vitest/config';
import { integrationTestFiles } from './scripts/test-projects.ts';

const rendererRoot = fileURLToPath(new URL('./apps/desktop/src/renderer', import.meta.url));
const repoRoot = fileURLToPath(new URL('.', import.meta.url));
const testFiles = ['apps/*/src/**/*.test.{ts,tsx}', 'packages/*/src/**/*.test.ts'];
// Only Vitest reads the test files; `vite build` of the renderer does not depend on them.
const integrationTests = process.env.VITEST ? integrationTestFiles(repoRoot) : [];

/**
 * Builds the renderer (agent and supervisor pages) that the desktop loads and the backend serves
 * at /agent and /supervisor, and runs the tests of every workspace: the `unit` and `integration`
 * Vitest projects (scripts/test-projects.ts decides which file goes where).
 */
export default defineConfig({
  root: rendererRoot,
  base: './',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('./apps/desktop/dist/renderer', import.meta.url)),
    emptyOutDir: true,
    sourcemap: true,
    rollupOptions: {
      input: {
        agent: `${rendererRoot}/agent.html`,
        supervisor: `${rendererRoot}/supervisor.html`,
      },
    },
  },
  test: {
    root: repoRoot,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // `unit` is the quick loop; `integration` starts backends, PostgreSQL, SIPp and media workers.
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: [...testFiles, 'scripts/*.test.ts'],
          exclude: [...configDefaults.exclude, ...integrationTests],
        },
      },
      { extends: true, test: { name: 'integration', include: integrationTests } },
    ],
  },
});

import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

const rendererRoot = fileURLToPath(new URL('./apps/desktop/src/renderer', import.meta.url));

/**
 * Builds the renderer (agent and supervisor pages) that the desktop loads and the backend serves
 * at /agent and /supervisor, and runs the unit tests of every workspace.
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
    root: fileURLToPath(new URL('.', import.meta.url)),
    include: ['apps/*/src/**/*.test.{ts,tsx}', 'packages/*/src/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});

import { defineConfig } from '@playwright/test';
import base from './playwright.config.ts';

/**
 * Benchmarks in a real browser against a real backend (`npm run bench -- player-drift`): the same
 * backend, browser and display as the end-to-end tests, with room for long recordings. They
 * print figures and assert only that the figures could be taken.
 */
export default defineConfig({
  ...base,
  testDir: './bench',
  testMatch: '*.bench.spec.ts',
  timeout: 60 * 60_000,
  use: { ...base.use, trace: 'off', screenshot: 'off' },
});

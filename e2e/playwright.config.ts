import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defineConfig } from '@playwright/test';

// Chosen once in the runner process; workers inherit them through the environment.
process.env.VOX_E2E_PORT ??= String(20000 + Math.floor(Math.random() * 20000));
// The SIPREC recording server's SIP port (udp and tcp), for the spec that records a real RTP call.
process.env.VOX_E2E_SIP_PORT ??= String(Number(process.env.VOX_E2E_PORT) + 1);
if (!process.env.VOX_E2E_DATA_DIR) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vox-e2e-'));
  // The embedded PostgreSQL runs as the 'postgres' user when the tests run as root.
  fs.chmodSync(dir, 0o755);
  process.env.VOX_E2E_DATA_DIR = dir;
}
const port = Number(process.env.VOX_E2E_PORT);
const repoRoot = path.resolve(import.meta.dirname, '..');

/** Flags measured on these machines (shared ENVIRONMENT.md): real whole-screen capture under Xvfb. */
export const chromiumArgs = [
  '--auto-select-desktop-capture-source=Entire screen',
  '--enable-usermedia-screen-capturing',
  '--auto-accept-this-tab-capture',
  '--autoplay-policy=no-user-gesture-required',
  '--test-type',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export default defineConfig({
  testDir: './tests',
  outputDir: path.join(repoRoot, 'test-results'),
  // One screen, one backend: the tests share both, so they run one at a time.
  workers: 1,
  fullyParallel: false,
  timeout: 120_000,
  expect: { timeout: 15_000 },
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    headless: false,
    viewport: { width: 1100, height: 700 },
    launchOptions: {
      executablePath: process.env.VOX_CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: chromiumArgs,
    },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  webServer: {
    command: `node --import tsx ${path.join(repoRoot, 'apps/backend/src/main.ts')}`,
    url: `http://127.0.0.1:${port}/healthz`,
    cwd: repoRoot,
    timeout: 60_000,
    reuseExistingServer: false,
    stdout: 'ignore',
    stderr: 'pipe',
    gracefulShutdown: { signal: 'SIGINT', timeout: 15_000 },
    env: {
      VOX_PORT: String(port),
      VOX_HOST: '127.0.0.1',
      VOX_DATA_DIR: process.env.VOX_E2E_DATA_DIR,
      VOX_DEMO: '1',
      VOX_LOG_LEVEL: 'warn',
      VOX_SIP_PORT: process.env.VOX_E2E_SIP_PORT,
      VOX_RTP_PORTS: '45000-45999',
      // Recording-and-analytics mode, so the supervisor search's analytics filters (DTMF heard,
      // longest silence, overtalk) have figures to find.
      VOX_ANALYTICS: '1',
    },
  },
  globalTeardown: './global-teardown.ts',
});

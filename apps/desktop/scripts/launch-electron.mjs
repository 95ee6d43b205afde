// `npm start -w @vox/desktop`: builds the main process and the preload, then runs the agent
// desktop in Electron against the backend named by VOX_BACKEND_URL (the root `npm start` starts
// the backend first). Where Electron's binary is missing and cannot be downloaded, says why and
// exits with 3, which the root start script answers by printing the browser URLs.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const desktopDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const repoRoot = path.resolve(desktopDir, '..', '..');
const electronMissing = 3;
const installTimeoutMs = 5 * 60_000;

/** The Electron executable, found as node_modules/electron/index.js finds it, without throwing. */
function electronExecutable(electronDir) {
  const pathFile = path.join(electronDir, 'path.txt');
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  const relative = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : undefined;
  if (!relative && !override) return { missing: `${pathFile} does not exist (the binary was never installed)` };
  const executable = override ? path.join(override, relative || 'electron') : path.join(electronDir, 'dist', relative);
  if (!existsSync(executable)) return { missing: `${executable} does not exist` };
  return { executable };
}

/** Runs Electron's own install script once; returns why it failed, or undefined. */
function downloadElectron(electronDir) {
  console.log("Electron's binary is missing; downloading it with Electron's install script...");
  const result = spawnSync(process.execPath, [path.join(electronDir, 'install.js')], {
    cwd: electronDir,
    encoding: 'utf8',
    timeout: installTimeoutMs,
    env: { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '' },
  });
  if (result.error) return result.error.message;
  if (result.status === 0) return undefined;
  const output = `${result.stderr ?? ''}\n${result.stdout ?? ''}`.split('\n').map((line) => line.trim());
  const reason = output.find((line) => /error|fail|ENOTFOUND|ECONN|EAI_AGAIN|\b4\d\d\b|\b5\d\d\b/i.test(line));
  return `install.js exited with ${result.status ?? result.signal}: ${reason ?? output.find(Boolean) ?? 'no output'}`;
}

async function buildMainAndPreload() {
  const { createBuilder } = await import('vite');
  const builder = await createBuilder({ configFile: path.join(desktopDir, 'vite.main.config.ts'), logLevel: 'warn' });
  await builder.buildApp();
}

function ensureRenderer() {
  if (existsSync(path.join(desktopDir, 'dist', 'renderer', 'agent.html'))) return;
  console.log('Building the agent and supervisor pages (dist/renderer is missing)...');
  const result = spawnSync('npx', ['vite', 'build', '--logLevel', 'warn'], { cwd: repoRoot, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error('The renderer build failed; run `npm run build:renderer` at the repository root to see why.');
    process.exit(result.status ?? 1);
  }
}

console.log('Building the desktop main process and preload...');
await buildMainAndPreload();
ensureRenderer();
// The Electron end-to-end test launches the binary itself, with Playwright, after this build.
if (process.argv.includes('--build-only')) process.exit(0);

const require = createRequire(path.join(desktopDir, 'package.json'));
const electronDir = path.dirname(require.resolve('electron/package.json'));
let found = electronExecutable(electronDir);
if (!found.executable) {
  const failure = downloadElectron(electronDir);
  found = electronExecutable(electronDir);
  if (!found.executable) {
    console.error(
      [
        '',
        "Electron's binary could not be downloaded, so the agent desktop cannot run as an Electron app here.",
        `  reason: ${failure ?? found.missing}`,
        "  Electron's install script fetches the binary from GitHub (or from ELECTRON_MIRROR when set);",
        '  on a machine that can reach it, `node node_modules/electron/install.js` installs it. A binary',
        '  already on disk can be used with ELECTRON_OVERRIDE_DIST_PATH=<its folder>.',
      ].join('\n'),
    );
    process.exit(electronMissing);
  }
}

const args = [desktopDir];
if (process.platform === 'linux' && process.getuid?.() === 0) {
  // Chromium refuses to start as root with its OS sandbox on. Pages stay sandboxed by Electron
  // (no Node, context isolation); run the desktop as a normal user to keep the OS sandbox too.
  console.warn('Running as root: starting Electron with --no-sandbox (the OS-level Chromium sandbox is off).');
  args.push('--no-sandbox');
}

const env = { ...process.env };
// Set, it would make the binary a plain Node instead of the app.
delete env.ELECTRON_RUN_AS_NODE;
const electron = spawn(found.executable, args, { cwd: desktopDir, stdio: 'inherit', env });
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    if (electron.exitCode === null) electron.kill(signal);
  });
}
electron.on('error', (error) => {
  console.error(`Electron could not be started: ${error.message}`);
  process.exit(1);
});
electron.on('exit', (code, signal) => {
  if (signal) console.error(`Electron exited on ${signal}`);
  process.exit(code ?? 1);
});

// `npm run dist` (at the root, or in apps/desktop): builds the pages, the main process and the
// preload, then packages the agent desktop with electron-builder for this platform (Linux:
// AppImage and deb; Windows: NSIS; macOS: dmg), or for the targets given after `--`
// (`npm run dist -- --linux deb`). electron-builder also blows Electron's fuses as
// electron-builder.yml says (no ELECTRON_RUN_AS_NODE, NODE_OPTIONS or --inspect; the app only
// from its checked app.asar) before it signs the binary. electron-builder downloads Electron's
// release zip (and, for some targets, its own tools) from GitHub; where that is out of reach,
// this says so and how to get around it, instead of ending on a stack trace.
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const desktopDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const repoRoot = path.resolve(desktopDir, '..', '..');
const unreachable = 4;

function run(command, args, cwd) {
  const result = spawnSync(command, args, { cwd, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

console.log('Building the agent and supervisor pages...');
run('npx', ['vite', 'build', '--logLevel', 'warn'], repoRoot);
console.log('Building the desktop main process and preload...');
run('npx', ['vite', 'build', '--config', 'vite.main.config.ts', '--logLevel', 'warn'], desktopDir);

console.log('Packaging with electron-builder (output in apps/desktop/release)...');
const builder = spawn(
  'npx',
  ['electron-builder', '--config', 'electron-builder.yml', '--projectDir', repoRoot, ...process.argv.slice(2)],
  { cwd: repoRoot, stdio: ['inherit', 'pipe', 'pipe'] },
);
let output = '';
for (const stream of [builder.stdout, builder.stderr]) {
  stream.on('data', (data) => {
    output += data;
    (stream === builder.stdout ? process.stdout : process.stderr).write(data);
  });
}
builder.on('exit', (code) => {
  if (code === 0) {
    console.log('\nPackages are in apps/desktop/release.');
    process.exit(0);
  }
  const download =
    /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|getaddrinfo|cannot download|download failed|status code 40\d/i;
  if (download.test(output)) {
    console.error(
      [
        '',
        'Packaging needs files this machine cannot download: electron-builder fetches the Electron',
        'release zip for each target platform (and, for some targets, its own tools) from GitHub.',
        `  what failed: ${
          output
            .split('\n')
            .find((line) => download.test(line))
            ?.trim() ?? 'a download'
        }`,
        '  On a machine that reaches github.com, `npm run dist` works as it is. Otherwise point',
        '  ELECTRON_MIRROR at a mirror of the Electron releases, or put the zips in the electron',
        '  cache (ELECTRON_CACHE), or set `electronDist` in electron-builder.yml to an unpacked Electron.',
      ].join('\n'),
    );
    process.exit(unreachable);
  }
  process.exit(code ?? 1);
});

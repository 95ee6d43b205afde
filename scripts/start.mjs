// `npm start`: the backend with its embedded defaults and the demo tenant, then the agent desktop.
// Where Electron's binary is missing, says so and prints the browser URLs instead.
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const env = { VOX_DEMO: '1', VOX_DATA_DIR: path.join(root, '.vox-data'), ...process.env };
const port = env.VOX_PORT ?? '8080';
const backendUrl = `http://127.0.0.1:${port}`;
const electronMissing = 3;

function run(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

async function waitForHealth(backend) {
  for (let i = 0; i < 240; i++) {
    if (backend.exitCode !== null) throw new Error(`the backend exited with ${backend.exitCode} while starting`);
    try {
      if ((await fetch(`${backendUrl}/healthz`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`the backend did not answer ${backendUrl}/healthz within 60 s`);
}

console.log('Building the agent and supervisor pages...');
run('npx', ['vite', 'build', '--logLevel', 'warn']);

const backend = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'apps/backend/src/main.ts')], {
  cwd: root,
  stdio: 'inherit',
  env,
});
let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  // The backend finishes the recordings in progress and stops its database, then exits.
  backend.kill('SIGINT');
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
backend.on('exit', (code) => process.exit(code ?? 0));

try {
  await waitForHealth(backend);
} catch (error) {
  console.error(String(error instanceof Error ? error.message : error));
  stop();
}

const desktop = spawn('npm', ['run', '--silent', 'start', '--workspace', '@vox/desktop'], {
  cwd: root,
  stdio: 'inherit',
  env: { ...env, VOX_BACKEND_URL: backendUrl },
});
desktop.on('exit', (code) => {
  if (code === electronMissing) {
    console.log(
      [
        '',
        'The backend keeps running; use the agent desktop in a browser instead:',
        `  agent:      ${backendUrl}/agent       (agent1 / agent1-demo ... agent4 / agent4-demo)`,
        `  supervisor: ${backendUrl}/supervisor  (supervisor1 / supervisor1-demo, admin / admin-demo)`,
        'Press Ctrl-C to stop everything.',
      ].join('\n'),
    );
    return;
  }
  // The agent closed the desktop: stop the backend with it.
  stop();
});

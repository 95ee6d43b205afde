import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliPasswordFile } from '../test-support/cli-password-file.ts';
import { cleanEnv, runCli as run, voxCli, voxSimCli } from '../test-support/cli-run.ts';
import { VoxTestBackend } from '../test-support/vox-test-backend.ts';

let backend: VoxTestBackend;

beforeAll(async () => {
  backend = await VoxTestBackend.start();
});

afterAll(async () => {
  await backend?.stop();
});

describe('the CLIs take a password from a file or a prompt, never from their arguments', () => {
  it('refuse --password, and VOX_PASSWORD, with a usage error before anything is sent', async () => {
    for (const [cli, args] of [
      [voxCli, ['storage', 'status', '--url', backend.url, '--user', 'admin', '--password', 'admin-demo']],
      [voxCli, ['storage', 'status', '--url', backend.url, '--user', 'admin', '--password=admin-demo']],
      [voxSimCli, ['run', 'x.json', '--url', backend.url, '--user', 'admin', '--password', 'admin-demo']],
    ] as const) {
      expect(await run(cli, [...args])).toMatchObject({
        code: 2,
        stdout: '',
        stderr: expect.stringContaining('a password is never taken from the command line'),
      });
    }
    expect(
      await run(voxCli, ['storage', 'status', '--url', backend.url, '--user', 'admin'], { VOX_PASSWORD: 'admin-demo' }),
    ).toMatchObject({ code: 2, stderr: expect.stringContaining('--password-file FILE or VOX_PASSWORD_FILE') });
  });

  it('have no default user or password', async () => {
    const passwordFile = await cliPasswordFile(backend);
    expect(
      await run(voxCli, ['storage', 'status', '--url', backend.url, '--password-file', passwordFile]),
    ).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--user NAME (or VOX_USER) is required: there is no default user'),
    });
    expect(await run(voxCli, ['storage', 'status', '--url', backend.url, '--user', 'admin'])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('no password: give --password-file FILE (or VOX_PASSWORD_FILE)'),
    });
  });

  it('log in with --password-file or VOX_PASSWORD_FILE; a wrong password is the backend’s 401', async () => {
    const passwordFile = await cliPasswordFile(backend);
    expect(
      await run(voxCli, [
        'storage',
        'status',
        '--url',
        backend.url,
        '--user',
        'admin',
        '--password-file',
        passwordFile,
      ]),
    ).toEqual({ code: 0, stdout: 'storage: nothing waiting\n', stderr: '' });
    expect(
      await run(voxCli, ['storage', 'status'], {
        VOX_URL: backend.url,
        VOX_USER: 'admin',
        VOX_PASSWORD_FILE: passwordFile,
      }),
    ).toMatchObject({ code: 0, stdout: 'storage: nothing waiting\n' });
    const wrong = path.join(backend.dataDir, 'wrong.password');
    await fs.writeFile(wrong, 'not-the-password\n', { mode: 0o600 });
    expect(
      await run(voxCli, ['storage', 'status', '--url', backend.url, '--user', 'admin', '--password-file', wrong]),
    ).toMatchObject({ code: 1, stderr: expect.stringContaining('401 wrong username or password') });
  });

  it('ask for the password at a terminal, without echoing it', async () => {
    // `script` gives the CLI a pseudo-terminal, as an operator's shell would.
    const command = [process.execPath, voxCli, 'storage', 'status', '--url', backend.url, '--user', 'admin'].join(' ');
    const terminal = spawn('script', ['-qec', command, '/dev/null'], { env: cleanEnv() });
    let screen = '';
    const exited = new Promise<number | null>((resolve) => terminal.on('close', resolve));
    terminal.stdout.on('data', (chunk: Buffer) => {
      const before = screen;
      screen += chunk.toString();
      // Typed only once the prompt is up: before it, the terminal itself would echo.
      if (!before.includes('Password for admin') && screen.includes('Password for admin')) {
        terminal.stdin.write('admin-demo\r');
      }
    });
    expect(await exited).toBe(0);
    expect(screen).toContain(`Password for admin at ${backend.url}: `);
    expect(screen).toContain('storage: nothing waiting');
    expect(screen).not.toContain('admin-demo');
  });
});

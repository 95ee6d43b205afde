import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunningVox } from '../server.ts';

const backendDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * The backend as `npm run backend` runs it: its own process (main.ts), so a test can kill it with
 * SIGKILL the way a crash or the OOM killer would, and start it again on the same data directory.
 */
export class SpawnedBackend {
  private output = '';

  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
  ) {}

  /**
   * `preload`: a module imported before the backend (a test's fault injector). `tmpfsDataDirMb`:
   * VOX_DATA_DIR is a tmpfs of that size, mounted in a mount namespace of the backend's own (a user
   * namespace makes that possible without root); the test reaches it through `mountedDataDir`.
   */
  static async start(
    env: Record<string, string>,
    options: { preload?: string; timeoutMs?: number; tmpfsDataDirMb?: number } = {},
  ): Promise<SpawnedBackend> {
    const timeoutMs = options.timeoutMs ?? 90_000;
    const preload = options.preload ? ['--import', options.preload] : [];
    // tsx as a loader, not its CLI: the CLI runs the backend in a child a SIGKILL would not reach.
    const node = [process.execPath, '--import', 'tsx', ...preload, 'src/main.ts'];
    const [command, ...args] = options.tmpfsDataDirMb
      ? [
          'unshare',
          '--user',
          '--map-root-user',
          '--mount',
          '--propagation',
          'private',
          'sh',
          '-c',
          `mount -t tmpfs -o size=${options.tmpfsDataDirMb}m vox-test-disk "$VOX_DATA_DIR" && exec "$@"`,
          'sh',
          ...node,
        ]
      : node;
    const child = spawn(command!, args, {
      cwd: backendDir,
      env: { ...process.env, VOX_LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // A test process that ends (or dies) takes its backend with it, never leaving it running.
    const stopWithUs = () => child.kill('SIGKILL');
    process.once('exit', stopWithUs);
    child.once('exit', () => process.off('exit', stopWithUs));
    let output = '';
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`the backend did not start within ${timeoutMs} ms:\n${output.slice(-4000)}`));
      }, timeoutMs);
      const read = (chunk: Buffer) => {
        output += chunk.toString();
        const ready = /backend ready at (http:\/\/\S+)/.exec(output);
        if (ready) {
          clearTimeout(timer);
          resolve(ready[1]!);
        }
      };
      child.stdout!.on('data', read);
      child.stderr!.on('data', read);
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`the backend exited (${code ?? signal}) before it was ready:\n${output.slice(-4000)}`));
      });
    });
    const backend = new SpawnedBackend(child, url);
    backend.output = output;
    const keep = (chunk: Buffer) => {
      backend.output += chunk.toString();
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    return backend;
  }

  /** VOX_DATA_DIR as this process sees it (its own tmpfs, when it has one). */
  mountedDataDir(dataDir: string): string {
    return `/proc/${this.child.pid}/root${dataDir}`;
  }

  /** Everything the process printed so far (its log). */
  get log(): string {
    return this.output;
  }

  /** As a RunningVox, for VoxTestBackend's client; close() stops it as Ctrl-C would. */
  get running(): RunningVox {
    return {
      url: this.url,
      port: Number(new URL(this.url).port),
      databaseUrl: '',
      sipPort: undefined,
      crashMediaWorker: () => Promise.reject(new Error('a spawned backend has no handle on its media workers')),
      close: () => this.stop('SIGTERM'),
    };
  }

  /** Sends `signal` and waits for the process to end. */
  async stop(signal: NodeJS.Signals): Promise<void> {
    const exited = this.exited();
    this.child.kill(signal);
    await exited;
  }

  /** Sends `signal` (the process decides what it means). */
  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** Resolves with the exit code (or the signal) once the process has ended. */
  exited(): Promise<number | NodeJS.Signals> {
    const { exitCode, signalCode } = this.child;
    if (exitCode !== null || signalCode !== null) return Promise.resolve(exitCode ?? signalCode!);
    return new Promise((resolve) => this.child.once('exit', (code, signal) => resolve(code ?? signal!)));
  }
}

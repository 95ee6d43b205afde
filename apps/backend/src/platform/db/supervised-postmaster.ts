import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import type { Logger } from 'pino';
import { recordPostmasterOwner } from './orphaned-postmaster.ts';
import { errorMessage } from '@vox/shared';

export interface PostmasterLaunch {
  postgres: string;
  clusterDir: string;
  /** the port the pool connects to: every restart listens on it again */
  port: number;
  /** as root, the `postgres` user's ids */
  owner: { uid: number; gid: number } | undefined;
  /**
   * PostgreSQL's own lines go to it at debug level; what an operator should know (the server died,
   * is being started again, is back) at info and warn.
   */
  log: Logger;
}

/** Delays between restart attempts: short at first (a crash), then a steady 5 s (a lasting fault). */
const firstRetryMs = 250;
const maxRetryMs = 5000;

/**
 * The embedded cluster's postmaster, kept running: if it dies while Vox runs (killed, out of
 * memory, a crash), it is started again on the same port, so the connection pool finds it there
 * without being told. Requests fail with database_unavailable in between; PostgreSQL's crash
 * recovery replays the WAL, so every committed row is kept. Attempts go on until one succeeds
 * (a lingering old backend can keep the cluster's shared memory busy for a while).
 */
export class SupervisedPostmaster {
  private server: ChildProcess | undefined;
  private stopping = false;
  private restarting: Promise<void> | undefined;
  private cancelWait: (() => void) | undefined;
  private readonly killOnExit = () => this.server?.kill('SIGQUIT');

  private constructor(private readonly launch: PostmasterLaunch) {}

  static async start(launch: PostmasterLaunch): Promise<SupervisedPostmaster> {
    const postmaster = new SupervisedPostmaster(launch);
    postmaster.server = await postmaster.spawnReady();
    // If this process exits without stopping the server, do not leave it running.
    process.on('exit', postmaster.killOnExit);
    return postmaster;
  }

  /** Fast shutdown (open transactions roll back, a checkpoint is written); no restart after it. */
  async stop(): Promise<void> {
    this.stopping = true;
    process.off('exit', this.killOnExit);
    this.cancelWait?.();
    await this.restarting;
    const server = this.server;
    this.server = undefined;
    if (server) await stopServer(server);
  }

  private async spawnReady(): Promise<ChildProcess> {
    const { postgres, clusterDir, port, owner, log } = this.launch;
    await recordPostmasterOwner(path.dirname(clusterDir));
    const server = spawn(
      postgres,
      ['-D', clusterDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
      {
        ...(owner ?? {}),
        // Its own process group: a terminal's Ctrl-C reaches Vox, which stops the server last.
        detached: true,
        stdio: ['ignore', 'ignore', 'pipe'],
        env: { ...process.env, LC_MESSAGES: 'C' },
      },
    );
    await waitUntilReady(server, log);
    server.once('exit', (code, signal) => this.exited(server, code, signal));
    return server;
  }

  private exited(server: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.stopping || server !== this.server) return;
    this.server = undefined;
    this.launch.log.warn(
      `the embedded PostgreSQL (pid ${server.pid}) stopped unexpectedly (${signal ?? `exit code ${code}`}); ` +
        `starting it again on port ${this.launch.port}`,
    );
    this.restarting = this.restart().finally(() => {
      this.restarting = undefined;
    });
  }

  private async restart(): Promise<void> {
    const since = Date.now();
    for (let attempt = 1; ; attempt++) {
      await this.wait(Math.min(maxRetryMs, firstRetryMs * 2 ** (attempt - 1)));
      if (this.stopping) return;
      try {
        const server = await this.spawnReady();
        if (this.stopping) return await stopServer(server);
        this.server = server;
        this.launch.log.info(
          `the embedded PostgreSQL is back (pid ${server.pid}, after ${((Date.now() - since) / 1000).toFixed(1)} s, ` +
            `attempt ${attempt})`,
        );
        return;
      } catch (error) {
        const message = errorMessage(error);
        // Said at the first failure and then every tenth, not at each attempt of a long outage.
        if (attempt === 1 || attempt % 10 === 0) {
          this.launch.log.warn(`the embedded PostgreSQL could not start again yet (attempt ${attempt}): ${message}`);
        }
      }
    }
  }

  private wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.cancelWait = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}

async function stopServer(server: ChildProcess): Promise<void> {
  if (server.exitCode !== null || server.signalCode !== null) return;
  const exited = once(server, 'exit');
  server.kill('SIGINT'); // fast shutdown: roll back open transactions, checkpoint, exit
  await exited;
}

function waitUntilReady(server: ChildProcess, log: Logger): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    server.stderr?.setEncoding('utf8');
    server.stderr?.on('data', (text: string) => {
      output = (output + text).slice(-4000);
      for (const line of text.split('\n')) if (line.trim()) log.debug(line);
      if (text.includes('database system is ready to accept connections')) resolve();
    });
    server.once('exit', (code) =>
      reject(
        new Error(
          `embedded PostgreSQL exited with ${code} while starting: ${output.trim().split('\n').slice(-3).join(' | ')}`,
        ),
      ),
    );
    server.once('error', reject);
  });
}

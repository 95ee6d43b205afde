import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCallResponseSchema, loginResponseSchema, recordingListSchema } from '@vox/shared';

/**
 * `kill -9` of the backend, then a start on the same data directory, as an operator does it:
 * the backend runs as its own process (`node --import tsx src/main.ts`, what `npm start` and
 * `npm run backend` run), so SIGKILL gives it no chance to stop its embedded PostgreSQL.
 */
const repoRoot = path.resolve(import.meta.dirname, '../../../../..');
const mainScript = path.join(repoRoot, 'apps/backend/src/main.ts');

interface BackendProcess {
  child: ChildProcess;
  url: string;
  /** stdout and stderr so far */
  output(): string;
}

/** Starts a backend process on `dataDir`; resolves once it says it is ready, rejects if it exits first. */
function startBackend(dataDir: string): Promise<BackendProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', mainScript], {
    cwd: repoRoot,
    env: {
      ...process.env,
      VOX_DATA_DIR: dataDir,
      VOX_PORT: '0',
      VOX_SIP_PORT: 'off',
      VOX_DEMO: '1',
      VOX_LOG_LEVEL: 'info',
      VOX_PURGE_AT: 'off',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer) => {
    output += chunk.toString('utf8');
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) =>
      reject(Object.assign(new Error(`backend exited with ${code} while starting`), { output }));
    child.once('exit', onExit);
    child.stdout?.on('data', () => {
      const ready = /Vox Recorder backend ready at (http:\/\/\S+)/.exec(output);
      if (!ready) return;
      child.off('exit', onExit);
      resolve({ child, url: ready[1]!, output: () => output });
    });
  });
}

async function stopBackend(backend: BackendProcess, signal: NodeJS.Signals): Promise<number | null> {
  if (backend.child.exitCode !== null || backend.child.signalCode !== null) return backend.child.exitCode;
  const exited = once(backend.child, 'exit') as Promise<[number | null]>;
  backend.child.kill(signal);
  return (await exited)[0];
}

async function api(backend: BackendProcess, method: string, route: string, body?: unknown, token?: string) {
  const response = await fetch(`${backend.url}${route}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as unknown) : undefined };
}

async function adminToken(backend: BackendProcess): Promise<string> {
  const login = await api(backend, 'POST', '/api/v2/auth/login', { username: 'admin', password: 'admin-demo' });
  expect(login.status).toBe(200);
  return loginResponseSchema.parse(login.body).token;
}

/** The postmaster PID in the cluster's lock file, or undefined when no postmaster holds it. */
async function postmasterPid(clusterDir: string): Promise<number | undefined> {
  const text = await fs.readFile(path.join(clusterDir, 'postmaster.pid'), 'utf8').catch(() => undefined);
  return text ? Number(text.split('\n')[0]) : undefined;
}

/** A zombie (a dead postmaster that no process reaped) is not running. */
async function isRunning(pid: number): Promise<boolean> {
  const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  return stat !== undefined && !stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
}

/** Backend processes start in these tests, each loading its TypeScript and starting PostgreSQL. */
const processTestTimeoutMs = 180_000;

let dataDir: string;
const started: BackendProcess[] = [];

beforeAll(async () => {
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'vox-orphan-'));
  // As root the cluster is run by `postgres`: it must reach the directory to keep the cluster in it.
  await fs.chmod(dataDir, 0o755);
});

afterAll(async () => {
  for (const backend of started) await stopBackend(backend, 'SIGTERM');
  // Whatever a failed assertion left behind must not hold the cluster.
  const pid = await postmasterPid(path.join(dataDir, 'postgres', 'cluster'));
  if (pid && (await isRunning(pid))) process.kill(pid, 'SIGQUIT');
  await fs.rm(dataDir, { recursive: true, force: true });
});

describe('a backend killed with SIGKILL during recorded calls', () => {
  it(
    'leaves PostgreSQL running; the next start on the same data directory stops it, starts and has the data',
    async () => {
      const clusterDir = path.join(dataDir, 'postgres', 'cluster');
      const first = await startBackend(dataDir);
      started.push(first);
      const token = await adminToken(first);

      // A recording that is stored, and a call still being recorded when the backend dies.
      const call = async (ani: string, dn: string) => {
        const body = { ani, dnis: '8005550100', targetDn: dn, record: 'destination' };
        const created = await api(first, 'POST', '/api/v2/sim/calls', body, token);
        expect(created.status).toBe(201);
        const { connId } = createCallResponseSchema.parse(created.body);
        expect((await api(first, 'POST', `/api/v2/sim/calls/${connId}/answer`, { dn }, token)).status).toBe(200);
        return { connId, dn };
      };
      const stored = await call('5550901', '7001');
      await new Promise((resolve) => setTimeout(resolve, 1000));
      await api(first, 'POST', `/api/v2/sim/calls/${stored.connId}/release`, { dn: stored.dn }, token);
      for (;;) {
        const listed = await api(first, 'GET', `/api/v2/recordings?connId=${stored.connId}`, undefined, token);
        if (recordingListSchema.parse(listed.body).recordings.some((r) => r.mediaFiles.length > 0)) break;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      await call('5550902', '7002');

      const orphan = await postmasterPid(clusterDir);
      expect(orphan).toBeDefined();
      await stopBackend(first, 'SIGKILL');
      // What made the restart fail: the backend is gone, its PostgreSQL is not.
      expect(await isRunning(orphan!)).toBe(true);

      const second = await startBackend(dataDir);
      started.push(second);
      expect(second.output()).toContain(`the embedded PostgreSQL (pid ${orphan}) was left running by a backend`);
      expect(await isRunning(orphan!)).toBe(false);
      const listed = await api(
        second,
        'GET',
        `/api/v2/recordings?connId=${stored.connId}`,
        undefined,
        await adminToken(second),
      );
      expect(listed.status).toBe(200);
      const [recording] = recordingListSchema.parse(listed.body).recordings;
      expect(recording).toMatchObject({ connId: stored.connId, callerPhoneNumber: '5550901' });
      expect(recording!.mediaFiles).toHaveLength(1);

      // A clean stop leaves nothing running.
      const running = await postmasterPid(clusterDir);
      expect(running).not.toBe(orphan);
      expect(await stopBackend(second, 'SIGTERM')).toBe(0);
      expect(await isRunning(running!)).toBe(false);
    },
    processTestTimeoutMs,
  );

  it(
    'refuses to start on a data directory whose PostgreSQL another running backend uses, and leaves it alone',
    async () => {
      const running = await startBackend(dataDir);
      started.push(running);
      const refused = await startBackend(dataDir).then(
        (second) => {
          started.push(second);
          return 'started';
        },
        (error: { output: string }) => error.output,
      );
      expect(refused).toMatch(/belongs to a backend that is still running \(pid \d+\)/);
      // The first backend's database went on working.
      expect((await api(running, 'GET', '/api/v2/recordings', undefined, await adminToken(running))).status).toBe(200);
      expect(await stopBackend(running, 'SIGTERM')).toBe(0);
    },
    processTestTimeoutMs,
  );
});

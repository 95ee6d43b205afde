import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Recording, ServerToClientEvents } from '@vox/shared';
import { openDatabase, type Database } from './platform/db/database.ts';
import { NginxBalancer } from './test-support/nginx-balancer.ts';
import { until } from './test-support/polling.ts';
import { recordedScreen, uploadScreen } from './test-support/screen-upload-client.ts';
import { SpawnedBackend } from './test-support/spawned-backend.ts';
import { silentLogger } from './test-support/test-logger.ts';
import { VoxTestBackend } from './test-support/vox-test-backend.ts';

/**
 * Two backends on loopback, started as operators start them (their own processes), sharing one
 * PostgreSQL, one media folder (VOX_STORAGE_URL=file:///…), one screen-upload folder and the
 * tenant's keys, behind Debian's nginx running deploy/nginx/vox-cluster.conf.
 */
const killOnQuery = fileURLToPath(new URL('./test-support/kill-on-query.mjs', import.meta.url));

type EventSocket = Socket<ServerToClientEvents>;

let root: string;
let database: Database;
let balancer: NginxBalancer;
const backends: SpawnedBackend[] = [];
/** the telephony backend (the balancer sends it the SIP Server's routes), the other one, and the balancer */
let a: VoxTestBackend;
let b: VoxTestBackend;
let viaBalancer: VoxTestBackend;
let shared: Record<string, string>;

async function startBackend(name: string, options: { preload?: string; env?: Record<string, string> } = {}) {
  const dataDir = path.join(root, name);
  await fs.mkdir(dataDir, { mode: 0o755 });
  const backend = await SpawnedBackend.start(
    { ...shared, VOX_DATA_DIR: dataDir, ...options.env },
    options.preload ? { preload: options.preload } : {},
  );
  backends.push(backend);
  return { backend, vox: VoxTestBackend.attach(backend.running, dataDir) };
}

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'vox-two-backends-'));
  // The embedded database runs as the `postgres` user when tests run as root.
  await fs.chmod(root, 0o755);
  database = await openDatabase({ databaseUrl: undefined, dataDir: path.join(root, 'database'), log: silentLogger });
  await fs.mkdir(path.join(root, 'shared'));
  shared = {
    VOX_PORT: '0',
    VOX_SIP_PORT: 'off',
    VOX_DEMO: '1',
    VOX_DATABASE_URL: database.url,
    VOX_STORAGE_URL: `file://${path.join(root, 'shared', 'media')}`,
    VOX_SCREEN_UPLOAD_DIR: path.join(root, 'shared', 'screen-uploads'),
    VOX_KEYSTORE_FILE: path.join(root, 'shared', 'tenant-keys.json'),
    VOX_KEYSTORE_PASSPHRASE: 'two backends, one tenant',
    VOX_AUDIT_KEY_FILE: path.join(root, 'shared', 'audit-key'),
    VOX_TRUST_PROXY: '127.0.0.1',
  };
  a = (await startBackend('a')).vox;
  b = (await startBackend('b')).vox;
  balancer = await NginxBalancer.start([a.url, b.url]);
  viaBalancer = VoxTestBackend.attach({ ...a.vox, url: balancer.url }, a.dataDir);
}, 180_000);

afterAll(async () => {
  await balancer?.stop();
  for (const backend of backends) await backend.stop('SIGTERM').catch(() => {});
  await database?.close();
  await fs.rm(root, { recursive: true, force: true });
});

async function connect(url: string, token: string): Promise<{ socket: EventSocket; heard: string[] }> {
  const socket: EventSocket = io(url, { path: '/socket.io', auth: { token }, transports: ['websocket'] });
  const heard: string[] = [];
  socket.onAny((name: string) => heard.push(name));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  return { socket, heard };
}

/** The recording as `vox` reads it once it has a screen recording. */
function withScreen(vox: VoxTestBackend, recordingId: string, timeoutMs: number): Promise<Recording> {
  return until(
    `the screen of ${recordingId} muxed`,
    async () => {
      const found = await vox.recording(recordingId);
      return found.screenRecordings.length > 0 ? found : undefined;
    },
    timeoutMs,
  );
}

describe('two backends behind nginx', () => {
  it('answer any request through the balancer, with a session either of them issued', async () => {
    const token = await viaBalancer.token('supervisor1');
    const answeredBy = new Set<string>();
    for (let i = 0; i < 10; i++) {
      const response = await fetch(`${balancer.url}/api/v2/recordings`, {
        headers: { Authorization: `Bearer ${token}` },
      });
      expect(response.status).toBe(200);
      answeredBy.add(response.headers.get('x-vox-backend') ?? '');
    }
    expect([...answeredBy].sort()).toEqual([new URL(a.url).host, new URL(b.url).host].sort());
    // A session made on one backend is good on the other (sessions are in the database).
    const fromA = await a.token('admin');
    expect((await b.call('GET', '/api/v2/admin/jobs', undefined, fromA)).status).toBe(200);
  });

  it("carry a call handled by one to an agent's socket on the other, and play its recording from either", async () => {
    const agent = await connect(b.url, await b.token('agent1'));
    try {
      // The SIP Server's routes go to the telephony backend (a); agent1's socket is on b.
      const connId = await viaBalancer.recordedCall('5550601', '7001', 1500);
      await until('the call and its recording heard on b', async () =>
        ['EventRinging', 'EventEstablished', 'RecordingStarted', 'EventReleased', 'RecordingStored'].every((e) =>
          agent.heard.includes(e),
        )
          ? true
          : undefined,
      );
      const [recording] = await b.recordingsOf(connId);
      // Merged on whichever backend posted the metadata: the call's details came with it.
      expect(recording).toMatchObject({ callerPhoneNumber: '5550601', agentId: 'agent1', group: 'sales' });
      expect(recording!.parties.map((party) => party.dn)).toContain('7001');
      const media = recording!.mediaFiles[0]!;
      const fromA = await a.media(recording!.id, media.mediaId);
      expect(fromA.length).toBe(media.size);
      expect((await b.media(recording!.id, media.mediaId)).equals(fromA)).toBe(true);
    } finally {
      agent.socket.close();
    }
  });

  it('mux a screen uploaded through the balancer once, and tell the agent on either backend', async () => {
    const agentOnB = await connect(b.url, await b.token('agent1'));
    // Through nginx: the WebSocket upgrade passes, to whichever backend it picks.
    const agentViaBalancer = await connect(balancer.url, await viaBalancer.token('agent1'));
    try {
      const startedAt = new Date().toISOString();
      const connId = await viaBalancer.recordedCall('5550602', '7001', 2500);
      const [recording] = await viaBalancer.recordingsOf(connId);
      // The tus requests are spread over both backends; the upload folder is shared.
      const upload = await uploadScreen(viaBalancer, 'agent1', await recordedScreen(root, 2), { connId, startedAt });
      expect(upload).toMatchObject({ created: 201, patched: 204 });
      const muxed = await withScreen(a, recording!.id, 60_000);
      expect(muxed.screenRecordings).toHaveLength(1);
      await until('ScreenRecordingStored heard on b and through the balancer', async () =>
        agentOnB.heard.includes('ScreenRecordingStored') && agentViaBalancer.heard.includes('ScreenRecordingStored')
          ? true
          : undefined,
      );
      expect(agentViaBalancer.heard).toContain('RecordingStored');
      const rows = await database.pool.query(
        'SELECT count(*)::int AS n FROM screen_recordings WHERE recording_id = $1',
        [recording!.id],
      );
      expect(rows.rows[0]).toEqual({ n: 1 });
    } finally {
      agentOnB.socket.close();
      agentViaBalancer.socket.close();
    }
  }, 120_000);

  it('run the job of a backend killed in the middle of it on the other, once', async () => {
    // A third backend, killed (SIGKILL) the moment its mux stores its result: its mux job is left
    // running, and the others take it over once it has not been seen for 30 s.
    const { backend: doomed, vox: c } = await startBackend('c', {
      preload: killOnQuery,
      env: { VOX_TEST_KILL_ON_QUERY: "^UPDATE screen_uploads SET state = 'storing'" },
    });
    const startedAt = new Date().toISOString();
    const connId = await viaBalancer.recordedCall('5550603', '7001', 2500);
    const [recording] = await viaBalancer.recordingsOf(connId);
    // Uploaded to c itself: c queues the mux and its worker, told at once, takes it.
    await uploadScreen(c, 'agent1', await recordedScreen(root, 2), { connId, startedAt });
    expect(await doomed.exited()).toBe('SIGKILL');
    const muxed = await withScreen(b, recording!.id, 90_000);
    expect(muxed.screenRecordings).toHaveLength(1);
    const doomedNode = (await fs.readFile(path.join(c.dataDir, 'node-id'), 'utf8')).trim();
    const overview = await (await b.client('admin')).call('jobOverview');
    expect(overview.nodes.find((node) => node.nodeId === doomedNode)).toMatchObject({ alive: false, running: 0 });
    expect(overview.nodes.filter((node) => node.alive)).toHaveLength(2);
    const muxJobs = await database.pool.query<{ state: string; runs: number }>(
      "SELECT state, retry_count + 1 AS runs FROM vox_jobs.job WHERE name = 'mux-screen' AND singleton_key = $1",
      [connId],
    );
    // The one job: failed over once from the killed backend, then completed.
    expect(muxJobs.rows.filter((job) => job.state === 'completed')).toContainEqual({ state: 'completed', runs: 2 });
  }, 150_000);
});

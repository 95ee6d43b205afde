import fs from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiErrorSchema, type Readiness } from '@vox/shared';
import { placeSiprecCall } from '../../telephony/siprec-caller/siprec-caller.ts';
import { until } from '../../test-support/polling.ts';
import { VoxTestBackend } from '../../test-support/vox-test-backend.ts';

/**
 * The embedded PostgreSQL dies under a running backend (kill -9 of its postmaster) during a
 * recorded call. One of its old server processes is frozen meanwhile: it keeps the old cluster's
 * shared memory attached, which PostgreSQL refuses to start beside, so the outage lasts until the
 * test lets that process go, whatever the machine's speed.
 */
let vox: VoxTestBackend;
const logLines: string[] = [];
let frozenPid: number | undefined;

beforeAll(async () => {
  vox = await VoxTestBackend.start({ VOX_LOG_LEVEL: 'info' }, { logStream: { write: (line) => logLines.push(line) } });
});

afterAll(async () => {
  if (frozenPid) process.kill(frozenPid, 'SIGCONT');
  await vox?.stop();
});

/** Resolves once a log line matches, with that line. */
async function logged(pattern: RegExp): Promise<string> {
  for (;;) {
    const line = logLines.find((l) => pattern.test(l));
    if (line) return line;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** What PostgreSQL says of itself: its postmaster's PID and one of its server processes, held. */
async function serverProcesses(): Promise<{ postmaster: number; backend: number; client: pg.Client }> {
  const client = new pg.Client({ connectionString: vox.vox.databaseUrl });
  // The frozen process's connection breaks when it is let go; that is expected.
  client.on('error', () => undefined);
  await client.connect();
  const { rows } = await client.query<{ pid: number; dir: string }>(
    'SELECT pg_backend_pid() AS pid, current_setting($1) AS dir',
    ['data_directory'],
  );
  const lock = await fs.readFile(path.join(rows[0]!.dir, 'postmaster.pid'), 'utf8');
  return { postmaster: Number(lock.split('\n')[0]), backend: rows[0]!.pid, client };
}

describe('the embedded PostgreSQL killed while the backend runs', () => {
  it('gives 503 database_unavailable while down, is started again, and a recording made across it is listed', async () => {
    const token = await vox.token('admin');
    const before = await vox.recordedCall('5550801', '7002', 500);
    await vox.recordingsOf(before);

    const created = await vox.answeredCall('5550802', '7001');

    // A real call forked over SIPREC, whose SRC hangs up while the database is down: its files
    // are finished then, and its metadata must land once the database is back.
    const siprecCall = placeSiprecCall({
      to: { host: '127.0.0.1', port: vox.vox.sipPort! },
      transport: 'udp',
      seconds: 3,
      agentDn: '7002',
      customer: '5550803',
      codec: 'PCMU',
    });
    await new Promise((resolve) => setTimeout(resolve, 1000));

    const { postmaster, backend, client } = await serverProcesses();
    process.kill(backend, 'SIGSTOP');
    frozenPid = backend;
    const downAt = Date.now();
    process.kill(postmaster, 'SIGKILL');
    await logged(new RegExp(`embedded PostgreSQL \\(pid ${postmaster}\\) stopped unexpectedly \\(SIGKILL\\)`));
    // It tried at once, and could not: the frozen process holds the old shared memory.
    expect(await logged(/embedded PostgreSQL could not start again yet \(attempt 1\)/)).toMatch(/still in use/);

    const down = await fetch(`${vox.url}/api/v2/recordings`, { headers: { Authorization: `Bearer ${token}` } });
    expect(down.status).toBe(503);
    expect(down.headers.get('retry-after')).toBe('5');
    const refused = apiErrorSchema.parse(await down.json());
    expect(refused.error.code).toBe('database_unavailable');
    expect(refused.error.message).toMatch(/metadata database is unavailable/);
    const login = await vox.call('POST', '/api/v2/auth/login', { username: 'agent1', password: 'agent1-demo' });
    expect(login).toMatchObject({ status: 503, body: { error: { code: 'database_unavailable' } } });
    // An event connection opened now is told the same, not that its token is bad.
    const socket = io(vox.url, { path: '/socket.io', auth: { token }, transports: ['websocket'], reconnection: false });
    const handshake = await new Promise<Error>((resolve) => socket.once('connect_error', resolve));
    socket.close();
    expect(handshake.message).toMatch(/^database_unavailable: /);
    // Alive, so nothing restarts it (and ends the calls it records); not ready, naming the database.
    expect((await fetch(`${vox.url}/healthz`)).status).toBe(200);
    const readiness = await fetch(`${vox.url}/readyz`);
    expect(readiness.status).toBe(503);
    expect(((await readiness.json()) as Readiness).checks.database.ok).toBe(false);

    const hungUp = await siprecCall;
    expect(hungUp).toMatchObject({ status: 200, endedBy: 'time', byeStatus: 200 });

    // The old process notices its postmaster is gone and exits; the next attempt succeeds.
    process.kill(backend, 'SIGCONT');
    frozenPid = undefined;
    await client.end().catch(() => undefined);
    await logged(/the embedded PostgreSQL is back \(pid \d+, after [\d.]+ s, attempt \d+\)/);
    for (;;) {
      const answer = await vox.call('GET', '/api/v2/recordings', undefined, token);
      if (answer.status === 200) break;
      expect(answer).toMatchObject({ status: 503, body: { error: { code: 'database_unavailable' } } });
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const outageMs = Date.now() - downAt;

    await vox.callAction(created.connId, 'release', { dn: '7001' });
    const [across] = await vox.recordingsOf(created.connId);
    expect(across).toMatchObject({ connId: created.connId, callerPhoneNumber: '5550802' });
    // The call was recorded through the outage, not cut by it.
    expect(across!.mediaFiles[0]!.duration).toBeGreaterThanOrEqual(outageMs);
    // What was stored before the outage is still there (crash recovery kept every commit).
    expect(await vox.recordingsOf(before)).toHaveLength(1);
    // The SIPREC call that ended during the outage: stored from its journal once the database was back.
    const admin = await vox.client('admin');
    const siprec = await until('the SIPREC recording listed', async () => {
      const listed = await admin.call('listRecordings', { query: { callerPhoneNumber: '5550803' } });
      return listed.recordings.find((r) => r.mediaFiles.length > 0);
    });
    expect(siprec).toMatchObject({ origin: 'siprec', recordDN: '7002' });
    expect(siprec.mediaFiles[0]!.interrupted).toBeUndefined();
    expect(siprec.mediaFiles[0]!.duration).toBeGreaterThan(2500);
    // Logins work again.
    expect((await vox.login('agent1')).user.username).toBe('agent1');
  });
});

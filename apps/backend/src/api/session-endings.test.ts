import { createHash } from 'node:crypto';
import pg from 'pg';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loginResponseSchema, type ApiClient, type ServerToClientEvents, type TEvent } from '@vox/shared';
import { VoxTestBackend } from '../test-support/vox-test-backend.ts';

/** A session ends at logout, at expiry and when an admin changes the user; so do the sockets it opened. */
type EventSocket = Socket<ServerToClientEvents>;

async function connect(vox: VoxTestBackend, token: string): Promise<EventSocket> {
  const socket: EventSocket = io(vox.url, {
    path: '/socket.io',
    auth: { token },
    transports: ['websocket'],
    reconnection: false,
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  return socket;
}

/** Why the server closed the socket, or 'still open' after `withinMs`. */
function closing(socket: EventSocket, withinMs = 3000): Promise<string> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve('still open'), withinMs);
    socket.once('disconnect', (reason) => {
      clearTimeout(timer);
      resolve(reason);
    });
  });
}

/** The status a REST call with this token gets (an agent's own state: 200 for an agent, 403 for others). */
async function restStatus(vox: VoxTestBackend, token: string): Promise<number> {
  return (await vox.call('GET', '/api/v2/agents/me/state', undefined, token)).status;
}

async function logIn(vox: VoxTestBackend, username: string, password: string): Promise<string> {
  const { status, body } = await vox.call('POST', '/api/v2/auth/login', { username, password });
  if (status !== 200) throw new Error(`login of ${username} answered ${status}`);
  return loginResponseSchema.parse(body).token;
}

describe('a session ended by its user or an admin', () => {
  let vox: VoxTestBackend;
  let admin: ApiClient;
  const sockets: EventSocket[] = [];

  beforeAll(async () => {
    vox = await VoxTestBackend.start();
    admin = await vox.client('admin');
  });

  afterAll(async () => {
    for (const socket of sockets) socket.close();
    await vox?.stop();
  });

  /** A user of its own, so that ending its sessions disturbs no other test; logged in, socket open. */
  async function freshUser(
    username: string,
    user: { role: 'agent' | 'supervisor'; dn?: string; group: string },
  ): Promise<{ token: string; socket: EventSocket }> {
    const password = `${username}-password`;
    await admin.call('createUser', { body: { username, password, ...user } });
    const token = await logIn(vox, username, password);
    const socket = await connect(vox, token);
    sockets.push(socket);
    return { token, socket };
  }

  it('POST /auth/logout refuses the token from then on, on REST and socket.io, and is audited', async () => {
    const { token } = await vox.login('agent1');
    const socket = await connect(vox, token);
    sockets.push(socket);
    const ringing = new Promise<TEvent>((resolve) => socket.once('EventRinging', resolve));
    await admin.call('createCall', { body: { ani: '5550100', dnis: '8005550100', targetDn: '7001' } });
    expect((await ringing).dn).toBe('7001');

    const closed = closing(socket);
    const logout = await vox.call('POST', '/api/v2/auth/logout', undefined, token);
    expect(logout.status).toBe(204);
    expect(await closed).toBe('io server disconnect');
    expect(await restStatus(vox, token)).toBe(401);
    await expect(connect(vox, token)).rejects.toThrow(/unauthorized/);
    expect((await vox.call('POST', '/api/v2/auth/logout', undefined, token)).status).toBe(401);

    const { records } = await admin.call('listAudit', { query: { action: 'logout' } });
    expect(records.map((r) => r.actor)).toEqual(['agent1']);
  });

  it("a logout ends that token's session only, not the user's others", async () => {
    const kept = await vox.login('agent2');
    const keptSocket = await connect(vox, kept.token);
    sockets.push(keptSocket);
    const { token } = await vox.login('agent2');
    const stillOpen = closing(keptSocket, 1000);
    expect((await vox.call('POST', '/api/v2/auth/logout', undefined, token)).status).toBe(204);
    expect(await stillOpen).toBe('still open');
    expect(await restStatus(vox, kept.token)).toBe(200);
  });

  it("a password change by the admin closes the user's sockets", async () => {
    const { token, socket } = await freshUser('agent-password', { role: 'agent', dn: '7101', group: 'sales' });
    const closed = closing(socket);
    await admin.call('updateUser', { params: { username: 'agent-password' }, body: { password: 'another-password' } });
    expect(await closed).toBe('io server disconnect');
    expect(await restStatus(vox, token)).toBe(401);
  });

  it("a role change by the admin ends the user's sessions and closes its sockets; an unchanged role does not", async () => {
    const { token, socket } = await freshUser('agent-role', { role: 'agent', dn: '7102', group: 'sales' });
    const closed = closing(socket);
    // The admin form sends role, DN and group along with any change.
    await admin.call('updateUser', {
      params: { username: 'agent-role' },
      body: { role: 'agent', dn: '7102', group: 'sales', ownRecordings: true },
    });
    expect(await restStatus(vox, token)).toBe(200);
    expect(socket.connected).toBe(true);

    await admin.call('updateUser', { params: { username: 'agent-role' }, body: { role: 'supervisor' } });
    expect(await closed).toBe('io server disconnect');
    expect(await restStatus(vox, token)).toBe(401);
  });

  it("a DN change by the admin ends the user's sessions and closes its sockets", async () => {
    const { token, socket } = await freshUser('agent-dn', { role: 'agent', dn: '7103', group: 'sales' });
    const closed = closing(socket);
    await admin.call('updateUser', { params: { username: 'agent-dn' }, body: { dn: '7104' } });
    expect(await closed).toBe('io server disconnect');
    expect(await restStatus(vox, token)).toBe(401);
  });

  it("a group change by the admin closes a supervisor's sockets", async () => {
    const { token, socket } = await freshUser('supervisor-moved', { role: 'supervisor', group: 'sales' });
    const closed = closing(socket);
    await admin.call('updateUser', { params: { username: 'supervisor-moved' }, body: { group: 'support' } });
    expect(await closed).toBe('io server disconnect');
    expect(await restStatus(vox, token)).toBe(401);
  });
});

describe('an expired session', () => {
  const ttlMs = 1800;
  let vox: VoxTestBackend;
  let database: pg.Client;

  beforeAll(async () => {
    vox = await VoxTestBackend.start({ VOX_TOKEN_TTL_HOURS: String(ttlMs / 3_600_000) });
    database = new pg.Client({ connectionString: vox.vox.databaseUrl });
    await database.connect();
  });

  afterAll(async () => {
    await database?.end();
    await vox?.stop();
  });

  it('closes its sockets at the expiry', async () => {
    const { token } = await vox.login('agent3');
    const socket = await connect(vox, token);
    const loggedInAt = Date.now();
    try {
      expect(await closing(socket, ttlMs + 3000)).toBe('io server disconnect');
      expect(Date.now() - loggedInAt).toBeGreaterThan(ttlMs / 2);
      expect(await restStatus(vox, token)).toBe(401);
    } finally {
      socket.close();
    }
  });

  it('is purged from the database', async () => {
    const { token } = await vox.login('agent4');
    const tokenHash = createHash('sha256').update(token).digest('hex');
    const rows = async () =>
      (await database.query('SELECT 1 FROM sessions WHERE token_hash = $1', [tokenHash])).rowCount ?? 0;
    expect(await rows()).toBe(1);
    const deadline = Date.now() + ttlMs + 5000;
    while ((await rows()) > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await rows()).toBe(0);
  });
});

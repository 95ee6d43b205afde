import { io, type Socket } from 'socket.io-client';
import {
  callEventNames,
  loginResponseSchema,
  recordingEventNames,
  type ClientToServerEvents,
  type ServerToClientEvents,
} from '@vox/shared';
import type { VoxTestBackend } from '../../src/test-support/vox-test-backend.ts';
import type { CallEventLedger } from './call-event-ledger.ts';

/** An agent of the load run: its own user, DN, session and event socket, as a desktop has them. */
export interface LoadAgent {
  username: string;
  dn: string;
  token: string;
  socket: Socket<ServerToClientEvents, ClientToServerEvents>;
}

/** The load agents' group: no supervisor watches it, so no supervisor socket doubles the traffic. */
const group = 'load';

const agentName = (index: number) => `load-agent-${String(index + 1).padStart(4, '0')}`;
/** DNs 60001 and up, away from the demo tenant's 7001-7004. */
const agentDn = (index: number) => String(60_001 + index);
const passwordOf = (username: string) => `${username}-password`;

/** How often a socket dropped and came back, over all agents (each may have missed events). */
export const socketReconnects = { count: 0 };

/**
 * The desktop's socket (apps/desktop/src/renderer/backend/event-stream.ts): websocket only, the
 * token in the handshake. Each event of the call and recording families goes to the ledger.
 */
function connectAgentSocket(
  url: string,
  token: string,
  dn: string,
  ledger: CallEventLedger,
): Promise<LoadAgent['socket']> {
  const socket: LoadAgent['socket'] = io(url, {
    path: '/socket.io',
    auth: { token },
    transports: ['websocket'],
    reconnectionDelay: 500,
    reconnectionDelayMax: 5000,
  });
  for (const name of [...callEventNames, ...recordingEventNames]) {
    socket.on(name, (event: { connId: string; dn: string }) => ledger.record(event.connId, name, dn, event.dn));
  }
  socket.io.on('reconnect', () => socketReconnects.count++);
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (error) =>
      reject(new Error(`the socket of DN ${dn} did not connect: ${error.message}`)),
    );
  });
}

/**
 * Creates `count` agents through the admin REST API (each with a DN of its own, since a DN has
 * one call at a time), logs each in and opens its socket. Password hashing is deliberately slow
 * and runs one at a time in the backend: this takes about 0.1 s an agent.
 */
export async function createLoadAgents(
  vox: VoxTestBackend,
  count: number,
  ledger: CallEventLedger,
): Promise<LoadAgent[]> {
  const agents: LoadAgent[] = [];
  let next = 0;
  const admin = await vox.client('admin');
  const createOne = async () => {
    while (next < count) {
      const index = next++;
      const username = agentName(index);
      const dn = agentDn(index);
      await admin.call('createUser', { body: { username, password: passwordOf(username), role: 'agent', dn, group } });
      const login = await vox.call('POST', '/api/v2/auth/login', { username, password: passwordOf(username) });
      if (login.status !== 200)
        throw new Error(`login of ${username} answered ${login.status}: ${JSON.stringify(login.body)}`);
      const { token } = loginResponseSchema.parse(login.body);
      agents[index] = { username, dn, token, socket: await connectAgentSocket(vox.url, token, dn, ledger) };
    }
  };
  // A few at a time: the backend hashes one password at a time anyway.
  await Promise.all(Array.from({ length: 4 }, createOne));
  return agents;
}

import type http from 'node:http';
import { Server as SocketServer, type Socket } from 'socket.io';
import type { ClientToServerEvents, ServerToClientEvents, User } from '@vox/shared';
import { isDatabaseUnavailable } from '../platform/db/database-unavailable.ts';
import type { EndedSessions, EventBus } from '../platform/events/event-bus.ts';
import type { Authenticator } from './authentication.ts';

interface SocketData {
  user: User;
  tokenHash: string;
  expiresAt: Date;
  /** how many session ends had been announced when the handshake looked its session up */
  endingsBeforeLookup: number;
}

type VoxSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

const rooms = {
  dn: (dn: string) => `dn:${dn}`,
  group: (group: string) => `group:${group}`,
  admins: 'admins',
};

/** How long a dropped socket's state (its rooms, the events it misses) is kept for it to come back. */
const recoveryWindowMs = 2 * 60_000;

/** setTimeout's longest delay (about 24.8 days): a later expiry is waited for in steps. */
const longestTimerMs = 2 ** 31 - 1;

function authorizationOf(socket: VoxSocket): string | undefined {
  const token: unknown = socket.handshake.auth.token;
  return typeof token === 'string' ? `Bearer ${token}` : undefined;
}

/** A socket lives no longer than the session it was opened with. */
function closeAtExpiry(socket: VoxSocket): void {
  let timer: NodeJS.Timeout | undefined;
  const wait = () => {
    const remainingMs = socket.data.expiresAt.getTime() - Date.now();
    if (remainingMs <= 0) return void socket.disconnect(true);
    timer = setTimeout(wait, Math.min(remainingMs, longestTimerMs));
  };
  wait();
  socket.once('disconnect', () => clearTimeout(timer));
}

/**
 * socket.io: an agent receives the events of its DN, a supervisor those of its group, an admin
 * all of them. The domain publishes on the bus; this is the only place that knows about sockets.
 * A socket closes when its session ends: at expiry, at logout, or when an admin changes the
 * user's password, role, DN or group (the client must log in again).
 */
export function attachSocketGateway(server: http.Server, auth: Authenticator, bus: EventBus): SocketServer {
  const io = new SocketServer<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>(server, {
    path: '/socket.io',
    serveClient: false,
    // A connection that drops and is back within the window (Wi-Fi, a VPN, a proxy restart) is sent
    // the events it missed, in order and once each: a screen recorder then misses no pause. The
    // handshake still checks its session. After longer, the client's catch-up is what it has.
    connectionStateRecovery: { maxDisconnectionDuration: recoveryWindowMs, skipMiddlewares: false },
  });
  let endings = 0;
  /** the session ends of the last recovery window, numbered as `endings` counted them */
  const recentEndings: { number: number; at: number; ended: EndedSessions }[] = [];
  const endedFor = (ended: EndedSessions, { user, tokenHash }: SocketData) =>
    'tokenHash' in ended ? ended.tokenHash === tokenHash : ended.userId === user.id;
  // socket.io sends the missed events as it restores a socket, before the handshake runs: a session
  // that expired or ended while its socket was away gets none of them back.
  const adapter = io.of('/').adapter;
  const restoreSession = adapter.restoreSession.bind(adapter);
  adapter.restoreSession = async (pid, offset) => {
    const session = await restoreSession(pid, offset);
    const data = session?.data as SocketData | undefined;
    if (!session || !data) return session;
    const ended = recentEndings.some((e) => e.number > data.endingsBeforeLookup && endedFor(e.ended, data));
    return ended || data.expiresAt.getTime() <= Date.now() ? (null as unknown as typeof session) : session;
  };
  io.use((socket, next) => {
    const endingsBeforeLookup = endings;
    auth
      .sessionFromHeader(authorizationOf(socket))
      .then((session) => {
        if (!session) return next(new Error('unauthorized: log in and pass the token as auth.token'));
        socket.data = { ...session, endingsBeforeLookup };
        next();
      })
      .catch((error: unknown) =>
        // The client is told to come back, not that its token is bad (nor where the database is).
        next(
          isDatabaseUnavailable(error)
            ? new Error('database_unavailable: the metadata database is unavailable; connect again shortly')
            : (error as Error),
        ),
      );
  });
  io.on('connection', (socket) => {
    const user = socket.data.user;
    if (user.role === 'agent' && user.dn) void socket.join(rooms.dn(user.dn));
    if (user.role === 'supervisor' && user.group) void socket.join(rooms.group(user.group));
    if (user.role === 'admin') void socket.join(rooms.admins);
    closeAtExpiry(socket);
    // A session ended while the handshake looked it up was announced before this socket could hear
    // it: look again, now that any later end reaches the socket.
    if (socket.data.endingsBeforeLookup !== endings) {
      void auth
        .sessionFromHeader(authorizationOf(socket))
        .catch(() => undefined)
        .then((session) => {
          if (!session) socket.disconnect(true);
        });
    }
  });
  bus.on('sessionsEnded', (ended) => {
    endings += 1;
    const now = Date.now();
    while (recentEndings[0] && recentEndings[0].at < now - recoveryWindowMs) recentEndings.shift();
    recentEndings.push({ number: endings, at: now, ended });
    for (const socket of io.of('/').sockets.values()) {
      if (endedFor(ended, socket.data)) socket.disconnect(true);
    }
  });
  const audience = (dn: string, group: string | undefined) => {
    const target = [rooms.dn(dn), rooms.admins];
    if (group) target.push(rooms.group(group));
    return io.to(target);
  };
  bus.on('agentState', (event) =>
    io
      .to([rooms.dn(event.dn), rooms.admins])
      .emit(event.state === 'ready' ? 'EventAgentReady' : 'EventAgentNotReady', event),
  );
  bus.on('callEvent', (name, event) => io.to([rooms.dn(event.dn), rooms.admins]).emit(name, event));
  bus.on('recordingEvent', (name, event, group) => audience(event.dn, group).emit(name, event));
  bus.on('screenRecordingStored', (event, dn, group) => audience(dn, group).emit('ScreenRecordingStored', event));
  return io;
}

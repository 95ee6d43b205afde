import type http from 'node:http';
import { Server as SocketServer } from 'socket.io';
import type { ClientToServerEvents, ServerToClientEvents, User } from '@vox/shared';
import type { EventBus } from '../events/event-bus.ts';
import type { Authenticator } from './authentication.ts';

interface SocketData {
  user: User;
}

const rooms = {
  dn: (dn: string) => `dn:${dn}`,
  group: (group: string) => `group:${group}`,
  admins: 'admins',
};

/**
 * socket.io: an agent receives the events of its DN, a supervisor those of its group, an admin
 * all of them. The domain publishes on the bus; this is the only place that knows about sockets.
 */
export function attachSocketGateway(server: http.Server, auth: Authenticator, bus: EventBus): SocketServer {
  const io = new SocketServer<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>(server, {
    path: '/socket.io',
    serveClient: false,
  });
  io.use((socket, next) => {
    const token: unknown = socket.handshake.auth.token;
    auth
      .fromHeader(typeof token === 'string' ? `Bearer ${token}` : undefined)
      .then((user) => {
        if (!user) return next(new Error('unauthorized: log in and pass the token as auth.token'));
        socket.data.user = user;
        next();
      })
      .catch(next);
  });
  io.on('connection', (socket) => {
    const user = socket.data.user;
    if (user.role === 'agent' && user.dn) void socket.join(rooms.dn(user.dn));
    if (user.role === 'supervisor' && user.group) void socket.join(rooms.group(user.group));
    if (user.role === 'admin') void socket.join(rooms.admins);
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

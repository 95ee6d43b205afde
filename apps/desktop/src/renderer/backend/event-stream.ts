import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '@vox/shared';

export type EventSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** The socket.io connection that carries the T-Library and recording events for this user. */
export function connectEventStream(baseUrl: string, token: string): EventSocket {
  return io(baseUrl, {
    path: '/socket.io',
    auth: { token },
    transports: ['websocket'],
    reconnectionDelay: 500,
    reconnectionDelayMax: 5000,
  });
}

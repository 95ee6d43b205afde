import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '@vox/shared';

export type EventSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** How long to wait before asking again for a connection the backend refused (not the token). */
export const refusedHandshakeRetryMs = 3000;

/**
 * The socket.io connection that carries the T-Library and recording events for this user. It
 * reconnects by itself after a network failure (socket.io does); a handshake the backend refused
 * it asks for again too, after a pause (socket.io gives up on those), unless the refusal was for
 * the token: a backend whose database restarts refuses for a few seconds, a bad token for good.
 */
export function connectEventStream(baseUrl: string, token: string, retryMs = refusedHandshakeRetryMs): EventSocket {
  const socket: EventSocket = io(baseUrl, {
    path: '/socket.io',
    auth: { token },
    transports: ['websocket'],
    reconnectionDelay: 500,
    reconnectionDelayMax: 5000,
  });
  socket.on('connect_error', (error) => {
    if (socket.active || error.message.startsWith('unauthorized') || retrying.has(socket)) return;
    retrying.set(
      socket,
      setTimeout(() => {
        retrying.delete(socket);
        if (!socket.connected) socket.connect();
      }, retryMs),
    );
  });
  return socket;
}

/** Closes an event connection for good (a logout, a new login): no retry asks for it again. */
export function closeEventStream(socket: EventSocket): void {
  clearTimeout(retrying.get(socket));
  retrying.delete(socket);
  socket.disconnect();
}

/** The refused connections waiting to be asked for again. */
const retrying = new WeakMap<EventSocket, ReturnType<typeof setTimeout>>();

import { Server } from 'socket.io';
import { afterEach, describe, expect, it } from 'vitest';
import { closeEventStream, connectEventStream, type EventSocket } from './event-stream.ts';

/** A socket.io server on loopback whose handshakes are refused with `refusals`, in turn, then taken. */
async function refusingServer(
  refusals: string[],
): Promise<{ url: string; handshakes: () => number; close(): Promise<void> }> {
  // The test plays the backend: socket.io's own HTTP server, on a free loopback port.
  const io = new Server({ path: '/socket.io' });
  let handshakes = 0;
  io.use((_socket, next) => {
    const refusal = refusals[handshakes++];
    next(refusal ? new Error(refusal) : undefined);
  });
  io.listen(0);
  await new Promise<void>((resolve) => io.httpServer.once('listening', resolve));
  const { port } = io.httpServer.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    handshakes: () => handshakes,
    close: () => new Promise<void>((resolve) => void io.close(() => resolve())),
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const connected = (socket: EventSocket) => new Promise<void>((resolve) => socket.once('connect', () => resolve()));

describe('the event connection', () => {
  const cleanup: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  it('asks again for a handshake the backend refused while its database was down, and gets in', async () => {
    const server = await refusingServer(['database_unavailable: the metadata database is unavailable']);
    cleanup.push(() => server.close());
    const socket = connectEventStream(server.url, 'token', 100);
    cleanup.push(() => closeEventStream(socket));
    await connected(socket);
    expect(server.handshakes()).toBe(2);
  });

  it('does not ask again when the token was refused', async () => {
    const server = await refusingServer(['unauthorized: log in and pass the token as auth.token']);
    cleanup.push(() => server.close());
    const socket = connectEventStream(server.url, 'stale', 100);
    cleanup.push(() => closeEventStream(socket));
    await sleep(500);
    expect(server.handshakes()).toBe(1);
    expect(socket.connected).toBe(false);
  });

  it('does not ask again once the desktop closed it', async () => {
    const server = await refusingServer(['database_unavailable: the metadata database is unavailable']);
    cleanup.push(() => server.close());
    const socket = connectEventStream(server.url, 'token', 200);
    await new Promise((resolve) => socket.once('connect_error', resolve));
    closeEventStream(socket);
    await sleep(500);
    expect(server.handshakes()).toBe(1);
  });
});

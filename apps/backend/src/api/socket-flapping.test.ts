import net from 'node:net';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { callSnapshotSchema, type ServerToClientEvents } from '@vox/shared';
import { VoxTestBackend } from '../test-support/vox-test-backend.ts';

/**
 * An agent desktop's event connection that keeps dropping during a recorded call, as a flaky
 * Wi-Fi or VPN does it: a TCP relay between the desktop and the backend cuts every connection and
 * refuses new ones until it is "back". The recording starts, pauses, resumes and stops while the
 * agent is cut off; the screen recorder must still hear each of those, once, in order.
 */
type EventSocket = Socket<ServerToClientEvents>;

/** A TCP relay to the backend whose network can be cut and brought back. */
class FlakyNetwork {
  private readonly connections = new Set<net.Socket>();
  private down = false;

  private constructor(
    private readonly server: net.Server,
    readonly port: number,
  ) {}

  static async start(target: URL): Promise<FlakyNetwork> {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const network = new FlakyNetwork(server, (server.address() as net.AddressInfo).port);
    server.on('connection', (client) => network.relay(client, target));
    return network;
  }

  /** Every connection is cut, and none gets through until `comeBack()`. */
  cut(): void {
    this.down = true;
    for (const connection of this.connections) connection.destroy();
  }

  comeBack(): void {
    this.down = false;
  }

  async stop(): Promise<void> {
    this.cut();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private relay(client: net.Socket, target: URL): void {
    if (this.down) return void client.destroy();
    const backend = net.connect(Number(target.port), target.hostname);
    for (const [from, to] of [
      [client, backend],
      [backend, client],
    ] as const) {
      this.connections.add(from);
      from.pipe(to);
      from.on('error', () => to.destroy());
      from.on('close', () => {
        this.connections.delete(from);
        to.destroy();
      });
    }
  }
}

let vox: VoxTestBackend;
let network: FlakyNetwork;
const sockets: EventSocket[] = [];

beforeAll(async () => {
  vox = await VoxTestBackend.start();
  network = await FlakyNetwork.start(new URL(vox.url));
});

afterAll(async () => {
  for (const socket of sockets) socket.close();
  await network?.stop();
  await vox?.stop();
});

/** A socket with the agent desktop's options (renderer/backend/event-stream.ts), through `port`. */
function desktopSocket(port: number, token: string): EventSocket {
  const socket: EventSocket = io(`http://127.0.0.1:${port}`, {
    path: '/socket.io',
    auth: { token },
    transports: ['websocket'],
    reconnectionDelay: 500,
    reconnectionDelayMax: 5000,
  });
  sockets.push(socket);
  return socket;
}

/** An admin's socket straight to the backend: it hears every event, so we know one has been sent. */
async function witness(): Promise<{ heard: (name: string, connId: string) => Promise<void> }> {
  const socket = desktopSocket(Number(new URL(vox.url).port), await vox.token('admin'));
  const heard: string[] = [];
  socket.onAny((name: string, event: { connId?: string }) => heard.push(`${name} ${event.connId}`));
  await nextConnect(socket);
  return {
    async heard(name, connId) {
      while (!heard.includes(`${name} ${connId}`)) await new Promise((resolve) => setTimeout(resolve, 20));
    },
  };
}

function nextConnect(socket: EventSocket): Promise<void> {
  return new Promise((resolve) => socket.once('connect', () => resolve()));
}

function disconnected(socket: EventSocket): Promise<void> {
  return socket.disconnected ? Promise.resolve() : new Promise((resolve) => socket.once('disconnect', () => resolve()));
}

const recordingEvents = [
  'RecordingStarted',
  'RecordingPaused',
  'RecordingResumed',
  'RecordingStopped',
  'RecordingStored',
] as const;

describe("an agent's event connection dropping again and again during a recorded call", () => {
  it('delivers every recording event of the call once, in order, and catch-up agrees with them', async () => {
    const agentToken = await vox.token('agent1');
    const agent = desktopSocket(network.port, agentToken);
    await nextConnect(agent);
    const seen: string[] = [];
    let connId = '';
    agent.onAny((name: string, event: { connId?: string }) => {
      if ((recordingEvents as readonly string[]).includes(name) && event.connId === connId) seen.push(name);
    });
    const admin = await witness();

    // The desktop hears its phone ring before the first drop (the event may come before the answer to the POST).
    const rang = new Promise<void>((resolve) => agent.once('EventRinging', () => resolve()));
    const adminApi = await vox.client('admin');
    const created = await adminApi.call('createCall', {
      body: { ani: '5550701', dnis: '8005550100', targetDn: '7001', record: 'destination' },
    });
    connId = created.connId;
    await rang;

    /** Cuts the agent off, does `what` while it is away, lets it back and waits for it to reconnect. */
    const whileCutOff = async (what: () => Promise<unknown>, sent: (typeof recordingEvents)[number]) => {
      network.cut();
      await disconnected(agent);
      await what();
      await admin.heard(sent, connId);
      const reconnected = nextConnect(agent);
      network.comeBack();
      await reconnected;
    };
    const privateService = (privateMsgId: number) =>
      vox.call('POST', '/api/v2/sim/private-service', { privateMsgId, thisDn: '7001', connId }, agentToken);
    /** The desktop's catch-up: the call as the SIP Server has it now. */
    const caughtUp = async () => {
      const answer = await vox.call('GET', '/api/v2/sim/calls?dn=7001', undefined, agentToken);
      const { calls } = z.object({ calls: callSnapshotSchema.array() }).parse(answer.body);
      return calls.find((c) => c.connId === connId)?.recording.state ?? 'gone';
    };

    await whileCutOff(() => vox.callAction(connId, 'answer', { dn: '7001' }), 'RecordingStarted');
    expect(await caughtUp()).toBe('recording');
    await whileCutOff(() => privateService(3015), 'RecordingPaused');
    expect(await caughtUp()).toBe('paused');
    await whileCutOff(() => privateService(3016), 'RecordingResumed');
    expect(await caughtUp()).toBe('recording');
    await whileCutOff(() => vox.callAction(connId, 'release', { dn: '7001' }), 'RecordingStopped');
    expect(await caughtUp()).toBe('gone');
    await whileCutOff(() => vox.recordingsOf(connId), 'RecordingStored');

    expect(seen).toEqual([...recordingEvents]);
  });
});

describe('an agent whose session ends while its event connection is down', () => {
  it('gets none of the events it missed when it comes back: its handshake is refused', async () => {
    const agent = desktopSocket(network.port, await vox.token('agent2'));
    await nextConnect(agent);
    const admin = await witness();
    const rang = new Promise<void>((resolve) => agent.once('EventRinging', () => resolve()));
    const adminApi = await vox.client('admin');
    const { connId } = await adminApi.call('createCall', {
      body: { ani: '5550702', dnis: '8005550100', targetDn: '7002', record: 'destination' },
    });
    await rang;

    network.cut();
    await disconnected(agent);
    // What reaches the desktop's connection from now on, before socket.io-client hands anything out.
    const onTheWire: string[] = [];
    agent.io.on('open', () => agent.io.engine.on('packet', (packet) => onTheWire.push(String(packet.data ?? ''))));
    await adminApi.call('updateUser', { params: { username: 'agent2' }, body: { password: 'agent2-moved-elsewhere' } });
    await vox.callAction(connId, 'answer', { dn: '7002' });
    await admin.heard('RecordingStarted', connId);

    const refused = new Promise<Error>((resolve) => agent.once('connect_error', resolve));
    network.comeBack();
    expect((await refused).message).toMatch(/unauthorized/);
    agent.close();
    expect(onTheWire.filter((data) => data.includes(connId))).toEqual([]);
    await vox.callAction(connId, 'release', { dn: '7002' });
  });
});

import dgram from 'node:dgram';
import net from 'node:net';
import { formatSip, type SipMessage } from '../sip/sip-message.ts';
import { parseSipWire, SipStreamFramer } from '../siprec/sip-wire.ts';

// The SRC is a client, so it talks to one peer over one UDP socket or TCP connection.

export interface SipConnection {
  readonly transport: 'UDP' | 'TCP';
  readonly reliable: boolean;
  readonly local: { address: string; port: number };
  send(message: SipMessage): void;
  close(): void;
}

export interface Peer {
  address: string;
  port: number;
  family: 4 | 6;
}

/** `[::1]` for SIP URIs and Via; SDP writes IPv6 addresses bare. */
export function sipHost(address: string): string {
  return address.includes(':') ? `[${address}]` : address;
}

/** The local address the operating system routes towards the peer from. */
async function localAddressTowards(peer: Peer): Promise<string> {
  const probe = dgram.createSocket(peer.family === 6 ? 'udp6' : 'udp4');
  try {
    await new Promise<void>((resolve, reject) => {
      probe.once('error', reject);
      probe.connect(peer.port, peer.address, resolve);
    });
    return probe.address().address;
  } finally {
    probe.close();
  }
}

export async function openUdp(peer: Peer, onMessage: (message: SipMessage) => void): Promise<SipConnection> {
  const socket = dgram.createSocket(peer.family === 6 ? 'udp6' : 'udp4');
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, () => resolve());
  });
  socket.on('error', () => undefined); // a datagram that cannot be sent is a lost one: timers retransmit
  socket.on('message', (datagram) => {
    try {
      onMessage(parseSipWire(datagram));
    } catch {
      // not SIP: ignored, as a UA ignores garbage on its port
    }
  });
  const local = { address: await localAddressTowards(peer), port: socket.address().port };
  // A datagram handed to send() is dropped when the socket closes before it went out: the last
  // ACK or BYE answer of a call would be lost, so closing waits for the sends in flight.
  let inFlight = 0;
  let closing = false;
  const sent = () => {
    if (--inFlight === 0 && closing) socket.close();
  };
  return {
    transport: 'UDP',
    reliable: false,
    local,
    send: (message) => {
      if (closing) return;
      inFlight++;
      socket.send(formatSip(message), peer.port, peer.address, sent);
    },
    close: () => {
      closing = true;
      if (inFlight === 0) socket.close();
    },
  };
}

async function connectTcp(peer: Peer): Promise<net.Socket> {
  const socket = net.connect({ host: peer.address, port: peer.port });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new Error(`cannot connect to ${sipHost(peer.address)}:${peer.port} over TCP: ${error.code ?? error.message}`),
      ),
    );
    socket.once('connect', resolve);
  });
  socket.setNoDelay(true);
  return socket;
}

export async function openTcp(peer: Peer, onMessage: (message: SipMessage) => void): Promise<SipConnection> {
  let socket = await connectTcp(peer);
  const attach = (s: net.Socket) => {
    const framer = new SipStreamFramer();
    s.on('error', () => undefined); // a broken connection shows as the next request going unanswered
    s.on('data', (chunk) => {
      for (const bytes of framer.push(chunk)) {
        try {
          onMessage(parseSipWire(bytes));
        } catch {
          // not SIP: skipped
        }
      }
    });
  };
  attach(socket);
  const local = { address: socket.localAddress ?? '127.0.0.1', port: socket.localPort ?? 0 };
  let closed = false;
  return {
    transport: 'TCP',
    reliable: true,
    local,
    send: (message) => {
      if (!socket.destroyed && !socket.writableEnded) {
        socket.write(formatSip(message));
        return;
      }
      // The SRS closed the connection mid-call: a request opens a new one (RFC 3261 section 18.1.1).
      void connectTcp(peer).then(
        (fresh) => {
          if (closed) return void fresh.destroy();
          socket = fresh;
          attach(fresh);
          fresh.write(formatSip(message));
        },
        () => undefined,
      );
    },
    close: () => {
      closed = true;
      // Once the last request or answer is flushed; the SRS may keep its side open.
      socket.end(() => socket.destroy());
    },
  };
}

import dgram from 'node:dgram';
import net from 'node:net';
import type { Logger } from 'pino';
import type { SipMessage } from '../sip/sip-message.ts';
import { parseSipWire, SipStreamFramer, SipWireError } from './sip-wire.ts';

export type SipTransportName = 'udp' | 'tcp';

/** Where a message came from; answers go back the same way (the TCP connection, or the UDP source). */
export interface SipPeer {
  transport: SipTransportName;
  address: string;
  port: number;
  send(text: string): void;
}

export interface SipInbound {
  message: SipMessage;
  peer: SipPeer;
}

/** A TCP message larger than this is not SIP signalling: the connection is closed. */
const maxTcpMessageBytes = 256 * 1024;

/**
 * SIP over UDP and TCP on one port (RFC 3261 section 18): a datagram is one message; a TCP stream
 * is cut into messages by their Content-Length. Answers go where the request came from: the same
 * TCP connection, or the UDP source address and port (as `rport` asks, and NAT needs).
 */
export class SipTransport {
  private readonly connections = new Set<net.Socket>();

  private constructor(
    private readonly udp: dgram.Socket,
    private readonly tcp: net.Server,
    readonly host: string,
    readonly port: number,
    private readonly onMessage: (inbound: SipInbound) => void,
    private readonly log: Logger,
  ) {
    udp.on('message', (datagram, source) => {
      const peer: SipPeer = {
        transport: 'udp',
        address: source.address,
        port: source.port,
        send: (text) => udp.send(text, source.port, source.address),
      };
      this.receive(datagram, peer);
    });
    udp.on('error', (error) => log.error({ err: error }, 'SIP over UDP: socket error'));
    tcp.on('connection', (socket) => this.accept(socket));
  }

  /** Listens on `port` (0: a free port, the same for UDP and TCP). */
  static async listen(
    host: string,
    port: number,
    onMessage: (inbound: SipInbound) => void,
    log: Logger,
  ): Promise<SipTransport> {
    for (let attempt = 0; ; attempt++) {
      const udp = dgram.createSocket({ type: net.isIPv6(host) ? 'udp6' : 'udp4', recvBufferSize: 1 << 20 });
      await new Promise<void>((resolve, reject) => {
        udp.once('error', reject);
        udp.bind({ port, address: host, exclusive: true }, () => {
          udp.removeListener('error', reject);
          resolve();
        });
      });
      const boundPort = udp.address().port;
      const tcp = net.createServer();
      try {
        await new Promise<void>((resolve, reject) => {
          tcp.once('error', reject);
          tcp.listen({ port: boundPort, host }, () => {
            tcp.removeListener('error', reject);
            resolve();
          });
        });
      } catch (error) {
        udp.close();
        // A free UDP port may be taken for TCP: with port 0, try another.
        if (port === 0 && attempt < 5) continue;
        throw error;
      }
      return new SipTransport(udp, tcp, host, boundPort, onMessage, log);
    }
  }

  async close(): Promise<void> {
    for (const socket of this.connections) socket.destroy();
    await Promise.all([
      new Promise<void>((resolve) => this.udp.close(() => resolve())),
      new Promise<void>((resolve) => this.tcp.close(() => resolve())),
    ]);
  }

  private receive(bytes: Buffer, peer: SipPeer): void {
    // Keep-alives (RFC 5626: CRLF) are not messages.
    if (bytes.toString('latin1').trim().length === 0) return;
    let message: SipMessage;
    try {
      message = parseSipWire(bytes);
    } catch (error) {
      if (error instanceof SipWireError) {
        this.log.warn(`SIP from ${peer.transport}:${peer.address}:${peer.port} dropped: ${error.message}`);
        return;
      }
      throw error;
    }
    try {
      this.onMessage({ message, peer });
    } catch (error) {
      // One bad message never takes the recorder down.
      this.log.error({ err: error }, `SIP ${message.startLine} from ${peer.address}:${peer.port} failed`);
    }
  }

  private accept(socket: net.Socket): void {
    this.connections.add(socket);
    socket.setNoDelay(true);
    const peer: SipPeer = {
      transport: 'tcp',
      address: socket.remoteAddress ?? '',
      port: socket.remotePort ?? 0,
      send: (text) => {
        if (!socket.destroyed) socket.write(text);
      },
    };
    const framer = new SipStreamFramer(() => peer.send('\r\n'));
    socket.on('data', (chunk: Buffer) => {
      for (const message of framer.push(chunk)) this.receive(message, peer);
      if (framer.pendingBytes > maxTcpMessageBytes) {
        this.log.warn(`SIP over TCP from ${peer.address}:${peer.port}: no message end in 256 KiB, connection closed`);
        socket.destroy();
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => this.connections.delete(socket));
  }
}

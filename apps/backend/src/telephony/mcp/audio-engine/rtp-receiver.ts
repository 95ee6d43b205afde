import dgram from 'node:dgram';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { errorMessage } from '@vox/shared';
import { RtpPacketBatchWriter } from './rtp-packet-batch.ts';
import type { FromRtpReceiver, FromRtpReceiverToWorker, ToRtpReceiver } from './rtp-receiver-protocol.ts';

/** Senders told apart per stream; a stream flooded by more goes on under the last number. */
const maxSenders = 255;

/** Where a media worker's datagrams go, and the batch gathering for it. */
interface WorkerInbox {
  post(message: FromRtpReceiverToWorker, transfer?: ArrayBuffer[]): void;
  close(): void;
  batch: RtpPacketBatchWriter;
}

interface OpenCapture {
  worker: number;
  sockets: dgram.Socket[];
  /** per stream: "address:port" to the number the worker knows the sender by */
  senders: Array<Map<string, number>>;
  lastDatagramAt: number;
}

/**
 * The RTP receiver (one thread for all calls): binds each capture's sockets, stamps every
 * datagram the moment it is read, and hands them to the capture's media worker in a batch every
 * `flushMs`. It decodes nothing, so it is never busy for long and the stamps stay true while the
 * media workers encode.
 */
export class RtpReceiver {
  private readonly inboxes = new Map<number, WorkerInbox>();
  private readonly captures = new Map<number, OpenCapture>();
  private readonly flushTimer: NodeJS.Timeout;
  private readonly loadTimer: NodeJS.Timeout;

  constructor(
    private readonly send: (message: FromRtpReceiver) => void,
    flushMs = 10,
  ) {
    this.flushTimer = setInterval(() => this.flushAll(), flushMs);
    this.loadTimer = setInterval(() => this.reportLoad(), 1000);
  }

  handle(message: ToRtpReceiver): void {
    switch (message.type) {
      case 'attach': {
        const { port } = message;
        this.inboxes.set(message.worker, {
          post: (m, transfer) => port.postMessage(m, transfer),
          close: () => port.close(),
          batch: new RtpPacketBatchWriter(),
        });
        return;
      }
      case 'detach':
        this.inboxes.get(message.worker)?.close();
        this.inboxes.delete(message.worker);
        return;
      case 'open':
        this.open(message.id, message.worker, message.streams);
        return;
      case 'close':
        this.close(message.id);
        return;
      case 'exit':
        this.exit();
        return;
    }
  }

  private open(id: number, worker: number, streams: Array<{ host: string; port: number }>): void {
    const capture: OpenCapture = { worker, sockets: [], senders: streams.map(() => new Map()), lastDatagramAt: 0 };
    this.captures.set(id, capture);
    const bound = streams.map(({ host, port }, stream) => {
      // A larger receive buffer rides out a moment the thread is not scheduled without dropping.
      const socket = dgram.createSocket({ type: net.isIPv6(host) ? 'udp6' : 'udp4', recvBufferSize: 1 << 18 });
      capture.sockets.push(socket);
      socket.on('message', (datagram, source) => this.receive(id, capture, stream, datagram, source));
      return bindRtpSocket(socket, host, port);
    });
    Promise.all(bound).then(
      () => {
        if (this.captures.get(id) === capture) this.send({ type: 'bound', id });
      },
      (error: unknown) => {
        if (this.captures.get(id) !== capture) return;
        this.close(id);
        this.send({ type: 'failed', id, message: errorMessage(error) });
      },
    );
  }

  private receive(id: number, capture: OpenCapture, stream: number, datagram: Buffer, source: dgram.RemoteInfo): void {
    const arrivedAt = performance.timeOrigin + performance.now();
    const inbox = this.inboxes.get(capture.worker);
    if (!inbox) return;
    capture.lastDatagramAt = arrivedAt;
    const senders = capture.senders[stream]!;
    const key = `${source.address}:${source.port}`;
    let sender = senders.get(key);
    if (sender === undefined) {
      sender = Math.min(senders.size, maxSenders);
      if (senders.size < maxSenders) {
        senders.set(key, sender);
        // Posted now, ahead of the batch that carries the datagram: the worker knows it first.
        inbox.post({ type: 'sender', id, stream, sender, address: source.address, port: source.port });
      }
    }
    inbox.batch.add(id, stream, sender, arrivedAt, datagram);
  }

  private close(id: number): void {
    const capture = this.captures.get(id);
    if (!capture) return;
    this.captures.delete(id);
    for (const socket of capture.sockets) {
      try {
        socket.close();
      } catch {
        // not bound yet, or closed already
      }
    }
    const inbox = this.inboxes.get(capture.worker);
    if (!inbox) return;
    this.flush(inbox);
    inbox.post({ type: 'closed', id });
  }

  private flushAll(): void {
    for (const inbox of this.inboxes.values()) this.flush(inbox);
  }

  private flush(inbox: WorkerInbox): void {
    if (inbox.batch.count === 0) return;
    const batch = inbox.batch.take();
    inbox.post({ type: 'datagrams', batch }, [batch]);
  }

  private reportLoad(): void {
    const lastDatagrams: Array<[number, number]> = [];
    for (const [id, capture] of this.captures) {
      if (capture.lastDatagramAt > 0) lastDatagrams.push([id, capture.lastDatagramAt]);
    }
    this.send({ type: 'load', lastDatagrams });
  }

  private exit(): void {
    clearInterval(this.flushTimer);
    clearInterval(this.loadTimer);
    for (const id of [...this.captures.keys()]) this.close(id);
    for (const inbox of this.inboxes.values()) inbox.close();
    this.inboxes.clear();
  }
}

function bindRtpSocket(socket: dgram.Socket, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind({ port, address: host, exclusive: true }, () => {
      socket.removeListener('error', reject);
      // A datagram error later (ICMP unreachable and the like) is not a reason to stop recording.
      socket.on('error', () => undefined);
      resolve();
    });
  });
}

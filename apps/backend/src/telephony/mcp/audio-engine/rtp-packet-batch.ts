/**
 * The datagrams the RTP receiver thread hands a media worker, many in one transferred buffer:
 * per datagram a 16-byte record head (capture id, stream index, sender index, length, arrival
 * time) and then its bytes. One message per batch instead of one per datagram keeps the cost of
 * crossing threads small at 20 000 datagrams a second.
 */
const headBytes = 16;

/** One datagram as the receiver stamped it. */
export interface BatchedDatagram {
  captureId: number;
  /** the stream's index in the capture's `rtp` list */
  stream: number;
  /** the sender, numbered per stream in the order they were first heard (see `RtpSenderNotice`) */
  sender: number;
  /** epoch ms when the receiver read it off the socket */
  arrivedAt: number;
  /** a view into the batch: no copy */
  bytes: Uint8Array;
}

export class RtpPacketBatchWriter {
  private buffer: ArrayBuffer;
  private view: DataView;
  private bytes: Uint8Array;
  private used = 0;
  count = 0;

  constructor(private readonly initialBytes = 1 << 16) {
    this.buffer = new ArrayBuffer(initialBytes);
    this.view = new DataView(this.buffer);
    this.bytes = new Uint8Array(this.buffer);
  }

  add(captureId: number, stream: number, sender: number, arrivedAt: number, datagram: Uint8Array): void {
    // A datagram's length fits the 16 bits UDP gives it; the stream and sender indexes fit 8.
    this.reserve(headBytes + datagram.length);
    const at = this.used;
    this.view.setUint32(at, captureId);
    this.view.setUint8(at + 4, stream);
    this.view.setUint8(at + 5, sender);
    this.view.setUint16(at + 6, datagram.length);
    this.view.setFloat64(at + 8, arrivedAt);
    this.bytes.set(datagram, at + headBytes);
    this.used += headBytes + datagram.length;
    this.count++;
  }

  /** The batch so far, cut to its size (to transfer); the writer starts over. */
  take(): ArrayBuffer {
    const full = this.buffer.slice(0, this.used);
    this.used = 0;
    this.count = 0;
    return full;
  }

  private reserve(bytes: number): void {
    if (this.used + bytes <= this.buffer.byteLength) return;
    const grown = new ArrayBuffer(Math.max(this.initialBytes, 2 * (this.used + bytes)));
    new Uint8Array(grown).set(this.bytes.subarray(0, this.used));
    this.buffer = grown;
    this.view = new DataView(grown);
    this.bytes = new Uint8Array(grown);
  }
}

/** Calls `visit` for each datagram of a batch, in the order they arrived. */
export function readRtpPacketBatch(batch: ArrayBuffer, visit: (datagram: BatchedDatagram) => void): void {
  const view = new DataView(batch);
  const bytes = new Uint8Array(batch);
  for (let at = 0; at + headBytes <= batch.byteLength;) {
    const length = view.getUint16(at + 6);
    visit({
      captureId: view.getUint32(at),
      stream: view.getUint8(at + 4),
      sender: view.getUint8(at + 5),
      arrivedAt: view.getFloat64(at + 8),
      bytes: bytes.subarray(at + headBytes, at + headBytes + length),
    });
    at += headBytes + length;
  }
}

import { describe, expect, it } from 'vitest';
import { RtpPacketBatchWriter, readRtpPacketBatch, type BatchedDatagram } from './rtp-packet-batch.ts';

describe('RTP packet batches', () => {
  it('carry each datagram with its capture, stream, sender and arrival time, in order, across growth', () => {
    const writer = new RtpPacketBatchWriter(64);
    const sent = Array.from({ length: 40 }, (_, i) => ({
      captureId: 1000 + (i % 3),
      stream: i % 2,
      sender: i % 5,
      arrivedAt: 1_800_000_000_000.25 + i * 20,
      bytes: Uint8Array.from({ length: 12 + i }, (_, j) => (i + j) & 0xff),
    }));
    for (const d of sent) writer.add(d.captureId, d.stream, d.sender, d.arrivedAt, d.bytes);
    expect(writer.count).toBe(40);
    const read: BatchedDatagram[] = [];
    readRtpPacketBatch(writer.take(), (d) => read.push({ ...d, bytes: d.bytes.slice() }));
    expect(read).toEqual(sent);
    expect(writer.count).toBe(0);
    const next: BatchedDatagram[] = [];
    writer.add(7, 0, 0, 1, Uint8Array.of(1, 2, 3));
    readRtpPacketBatch(writer.take(), (d) => next.push(d));
    expect(next.map((d) => [d.captureId, [...d.bytes]])).toEqual([[7, [1, 2, 3]]]);
  });
});

/** The fields of an RTP packet (RFC 3550 section 5.1) that a recorder needs. */
export interface RtpPacket {
  payloadType: number;
  marker: boolean;
  sequence: number;
  timestamp: number;
  ssrc: number;
  /** a view into the datagram: no copy */
  payload: Uint8Array;
}

/**
 * Reads an RTP packet, skipping CSRCs, the header extension and padding. Anything that is not
 * RTP version 2 or is cut short gives undefined: a recorder drops such a datagram, never throws.
 * RTCP multiplexed on the RTP port (RFC 5761: payload types 72-76 with the marker) is not RTP.
 */
export function parseRtpPacket(datagram: Uint8Array): RtpPacket | undefined {
  if (datagram.length < 12) return undefined;
  const first = datagram[0]!;
  if (first >> 6 !== 2) return undefined;
  const second = datagram[1]!;
  const payloadType = second & 0x7f;
  const marker = (second & 0x80) !== 0;
  if (payloadType >= 72 && payloadType <= 76) return undefined;
  let offset = 12 + 4 * (first & 0x0f);
  if ((first & 0x10) !== 0) {
    if (datagram.length < offset + 4) return undefined;
    const words = (datagram[offset + 2]! << 8) | datagram[offset + 3]!;
    offset += 4 + 4 * words;
  }
  let end = datagram.length;
  if ((first & 0x20) !== 0) {
    const padding = datagram[end - 1]!;
    if (padding === 0) return undefined;
    end -= padding;
  }
  if (end < offset) return undefined;
  return {
    payloadType,
    marker,
    sequence: (datagram[2]! << 8) | datagram[3]!,
    timestamp: ((datagram[4]! << 24) | (datagram[5]! << 16) | (datagram[6]! << 8) | datagram[7]!) >>> 0,
    ssrc: ((datagram[8]! << 24) | (datagram[9]! << 16) | (datagram[10]! << 8) | datagram[11]!) >>> 0,
    payload: datagram.subarray(offset, end),
  };
}

/** Writes an RTP header (no CSRC, no extension) before `payload`: for senders and tests. */
export function rtpDatagram(packet: Omit<RtpPacket, 'payload'>, payload: Uint8Array): Buffer {
  const datagram = Buffer.alloc(12 + payload.length);
  datagram[0] = 0x80;
  datagram[1] = (packet.marker ? 0x80 : 0) | (packet.payloadType & 0x7f);
  datagram.writeUInt16BE(packet.sequence & 0xffff, 2);
  datagram.writeUInt32BE(packet.timestamp >>> 0, 4);
  datagram.writeUInt32BE(packet.ssrc >>> 0, 8);
  datagram.set(payload, 12);
  return datagram;
}

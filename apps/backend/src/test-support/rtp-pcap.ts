import { aLawEncode, muLawEncode } from '../platform/media/rtp/g711.ts';

/**
 * Captures (libpcap files) of RTP made from known audio, for SIPp's `play_pcap_audio` to replay at
 * a recording server: what the server records can then be compared with what went in.
 */
export interface PcapRtpStream {
  /** 8 kHz mono PCM (ignored for G.722) */
  audio: Int16Array;
  codec: 'PCMU' | 'PCMA' | 'G722';
  /** G.722 only: the encoded stream (ffmpeg's), one byte per tick of its 8000 Hz RTP clock */
  g722?: Uint8Array;
  /**
   * SIPp sends the packets of the lowest destination port in the capture to the answer's first
   * media port, and the others to that port plus their offset: 6000 and 6002 reach P and P+2.
   */
  dstPort: number;
  srcPort?: number;
  ssrc?: number;
  /** 20 by default; 10..60 */
  ptimeMs?: number;
  /** to test wrap-around, e.g. 65530 */
  firstSequence?: number;
  /** to test wrap-around, e.g. 0xFFFFFF00 */
  firstTimestamp?: number;
  /** when this stream's first packet goes, in ms from the start of the capture */
  startMs?: number;
  /**
   * RFC 4733 events, `atMs` from the stream's first packet. Each digit takes the packet slots it
   * spans (no audio goes in them), reports its growing duration in each, and ends with three end
   * packets of the same timestamp, the last two in the slots after it (next to the audio again).
   */
  digits?: Array<{ digit: string; atMs: number; durationMs: number; /** 101 by default */ payloadType?: number }>;
}

const sampleRate = 8000;
const payloadTypes = { PCMU: 0, PCMA: 8, G722: 9 } as const;
const encoders = { PCMU: muLawEncode, PCMA: aLawEncode } as const;
/** RFC 4733 section 3.2: the DTMF events. */
const dtmfEvents = '0123456789*#ABCD';
/** -10 dBm0, the level telephones send DTMF at (the field holds it negated). */
const eventVolume = 10;
/** An arbitrary fixed epoch (2026-01-01T00:00:00Z), so the same streams give the same bytes. */
const captureEpochSeconds = 1_767_225_600;

const ethernetBytes = 14;
const ipv4Bytes = 20;
const udpBytes = 8;
const rtpHeaderBytes = 12;

interface PlannedPacket {
  timeUs: number;
  stream: number;
  /** order of creation within the stream, to keep packets of one instant in sending order */
  order: number;
  srcPort: number;
  dstPort: number;
  rtp: Buffer;
}

/** One capture holding the RTP of all the streams, interleaved in time order. */
export function rtpPcap(streams: PcapRtpStream[]): Buffer {
  const packets = streams.flatMap((stream, index) => streamPackets(stream, index));
  packets.sort((a, b) => a.timeUs - b.timeUs || a.stream - b.stream || a.order - b.order);
  const records = packets.map((packet, index) => pcapRecord(packet, index));
  return Buffer.concat([pcapGlobalHeader(), ...records]);
}

/** A UDP packet of a capture, as SIPp will replay it: its time, ports and RTP bytes. */
export interface PcapUdpPacket {
  /** µs from the capture's first packet */
  timeUs: number;
  srcPort: number;
  dstPort: number;
  /** the UDP payload: the RTP packet */
  rtp: Buffer;
}

/**
 * The UDP packets of a libpcap capture of Ethernet/IPv4 frames (what `rtpPcap` writes, and most
 * captures of calls): what a server should receive when SIPp replays it.
 */
export function readPcapUdp(pcap: Buffer): PcapUdpPacket[] {
  if (pcap.length < 24) throw new Error('not a pcap: too short');
  const magic = pcap.readUInt32LE(0);
  const littleEndian = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  if (!littleEndian && pcap.readUInt32BE(0) !== 0xa1b2c3d4 && pcap.readUInt32BE(0) !== 0xa1b23c4d) {
    throw new Error('not a pcap: bad magic');
  }
  const nanoseconds = (littleEndian ? magic : pcap.readUInt32BE(0)) === 0xa1b23c4d;
  const u32 = (offset: number): number => (littleEndian ? pcap.readUInt32LE(offset) : pcap.readUInt32BE(offset));
  if (u32(20) !== 1) throw new Error(`pcap link type ${u32(20)} is not Ethernet`);
  const packets: PcapUdpPacket[] = [];
  let firstUs: number | undefined;
  for (let offset = 24; offset + 16 <= pcap.length;) {
    const timeUs = u32(offset) * 1_000_000 + (nanoseconds ? Math.floor(u32(offset + 4) / 1000) : u32(offset + 4));
    const length = u32(offset + 8);
    const frame = pcap.subarray(offset + 16, offset + 16 + length);
    offset += 16 + length;
    if (frame.length < ethernetBytes + ipv4Bytes + udpBytes || frame.readUInt16BE(12) !== 0x0800) continue;
    const ip = frame.subarray(ethernetBytes);
    const headerBytes = (ip[0]! & 0x0f) * 4;
    if (ip[0]! >> 4 !== 4 || ip[9] !== 17) continue;
    const udp = ip.subarray(headerBytes, ip.readUInt16BE(2));
    firstUs ??= timeUs;
    packets.push({
      timeUs: timeUs - firstUs,
      srcPort: udp.readUInt16BE(0),
      dstPort: udp.readUInt16BE(2),
      rtp: Buffer.from(udp.subarray(udpBytes, udp.readUInt16BE(4))),
    });
  }
  return packets;
}

/** A sine tone, `amplitude` a fraction of full scale. */
export function tone(frequencyHz: number, ms: number, amplitude = 0.3, rate = sampleRate): Int16Array {
  const samples = new Int16Array(Math.round((ms * rate) / 1000));
  const w = (2 * Math.PI * frequencyHz) / rate;
  for (let n = 0; n < samples.length; n++) samples[n] = Math.round(amplitude * 32767 * Math.sin(w * n));
  return samples;
}

function streamPackets(stream: PcapRtpStream, index: number): PlannedPacket[] {
  const ptimeMs = stream.ptimeMs ?? 20;
  if (!Number.isInteger(ptimeMs) || ptimeMs < 10 || ptimeMs > 60) throw new Error(`ptime ${ptimeMs} ms is not 10..60`);
  const samplesPerPacket = (sampleRate * ptimeMs) / 1000;
  const payloadType = payloadTypes[stream.codec];
  const g722 = stream.codec === 'G722' ? stream.g722 : undefined;
  if (stream.codec === 'G722' && !g722) throw new Error('a G.722 stream needs its encoded bytes');
  const encode = stream.codec === 'G722' ? () => 0 : encoders[stream.codec];
  const ssrc = (stream.ssrc ?? 0x5a000001 + index) >>> 0;
  const srcPort = stream.srcPort ?? 40000 + 2 * index;
  const startUs = Math.round((stream.startMs ?? 0) * 1000);
  let sequence = (stream.firstSequence ?? 1) & 0xffff;
  const firstTimestamp = stream.firstTimestamp ?? 0;
  const slotTimestamp = (slot: number): number => (firstTimestamp + slot * samplesPerPacket) >>> 0;

  // What goes in each packet slot: events of a digit first, then audio unless a digit sounds.
  const events = new Map<number, Buffer[]>();
  const silenced = new Set<number>();
  let lastDigitSlot = -1;
  const digits = [...(stream.digits ?? [])].sort((a, b) => a.atMs - b.atMs);
  for (const { digit, atMs, durationMs, payloadType: eventType = 101 } of digits) {
    const event = dtmfEvents.indexOf(digit.toUpperCase());
    if (digit.length !== 1 || event < 0) throw new Error(`not a DTMF digit: ${digit}`);
    const first = Math.round(atMs / ptimeMs);
    const slots = Math.max(1, Math.round(durationMs / ptimeMs));
    if (first <= lastDigitSlot) throw new Error(`digit ${digit} at ${atMs} ms overlaps the one before`);
    lastDigitSlot = first + slots + 1;
    const timestamp = slotTimestamp(first);
    const endDuration = slots * samplesPerPacket;
    if (endDuration > 0xffff) throw new Error(`digit ${digit} is too long for one RFC 4733 event`);
    const add = (slot: number, packet: Buffer): void => {
      events.set(slot, [...(events.get(slot) ?? []), packet]);
    };
    for (let k = 0; k < slots; k++) {
      silenced.add(first + k);
      const end = k === slots - 1;
      const duration = end ? endDuration : (k + 1) * samplesPerPacket;
      add(first + k, rtpEvent(eventType, k === 0, timestamp, ssrc, event, end, duration));
    }
    add(first + slots, rtpEvent(eventType, false, timestamp, ssrc, event, true, endDuration));
    add(first + slots + 1, rtpEvent(eventType, false, timestamp, ssrc, event, true, endDuration));
  }

  const audioSlots = Math.ceil((g722 ?? stream.audio).length / samplesPerPacket);
  const lastSlot = Math.max(audioSlots - 1, lastDigitSlot);
  const packets: PlannedPacket[] = [];
  let firstPacket = true;
  for (let slot = 0; slot <= lastSlot; slot++) {
    const timeUs = startUs + slot * ptimeMs * 1000;
    const push = (rtp: Buffer): void => {
      rtp.writeUInt16BE(sequence, 2);
      sequence = (sequence + 1) & 0xffff;
      if (firstPacket) rtp[1] = (rtp[1] ?? 0) | 0x80; // the marker starts the stream's first talkspurt
      firstPacket = false;
      packets.push({ timeUs, stream: index, order: packets.length, srcPort, dstPort: stream.dstPort, rtp });
    };
    for (const event of events.get(slot) ?? []) push(event);
    if (slot < audioSlots && !silenced.has(slot)) {
      const payload = Buffer.alloc(samplesPerPacket);
      if (g722) payload.set(g722.subarray(slot * samplesPerPacket, (slot + 1) * samplesPerPacket));
      else
        for (let i = 0; i < samplesPerPacket; i++) payload[i] = encode(stream.audio[slot * samplesPerPacket + i] ?? 0);
      push(Buffer.concat([rtpHeader(payloadType, false, slotTimestamp(slot), ssrc), payload]));
    }
  }
  return packets;
}

/** RTP version 2, no padding, extension or CSRCs; the sequence number is filled in when sent. */
function rtpHeader(payloadType: number, marker: boolean, timestamp: number, ssrc: number): Buffer {
  const header = Buffer.alloc(rtpHeaderBytes);
  header[0] = 0x80;
  header[1] = (marker ? 0x80 : 0) | (payloadType & 0x7f);
  header.writeUInt32BE(timestamp >>> 0, 4);
  header.writeUInt32BE(ssrc >>> 0, 8);
  return header;
}

function rtpEvent(
  payloadType: number,
  marker: boolean,
  timestamp: number,
  ssrc: number,
  event: number,
  end: boolean,
  duration: number,
): Buffer {
  const payload = Buffer.alloc(4);
  payload[0] = event;
  payload[1] = (end ? 0x80 : 0) | eventVolume;
  payload.writeUInt16BE(duration, 2);
  return Buffer.concat([rtpHeader(payloadType, marker, timestamp, ssrc), payload]);
}

function pcapGlobalHeader(): Buffer {
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0); // microsecond timestamps, little-endian
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeInt32LE(0, 8); // UTC
  header.writeUInt32LE(0, 12);
  header.writeUInt32LE(65535, 16); // snapshot length
  header.writeUInt32LE(1, 20); // LINKTYPE_ETHERNET
  return header;
}

function pcapRecord(packet: PlannedPacket, index: number): Buffer {
  const frame = ethernetFrame(packet, index);
  const header = Buffer.alloc(16);
  const timeUs = captureEpochSeconds * 1_000_000 + packet.timeUs;
  header.writeUInt32LE(Math.floor(timeUs / 1_000_000), 0);
  header.writeUInt32LE(timeUs % 1_000_000, 4);
  header.writeUInt32LE(frame.length, 8); // captured whole: SIPp refuses truncated packets
  header.writeUInt32LE(frame.length, 12);
  return Buffer.concat([header, frame]);
}

/** Ethernet II, IPv4 from 192.0.2.1 to 192.0.2.2 (documentation addresses: SIPp replaces them). */
function ethernetFrame(packet: PlannedPacket, index: number): Buffer {
  const udpLength = udpBytes + packet.rtp.length;
  const frame = Buffer.alloc(ethernetBytes + ipv4Bytes + udpLength);
  Buffer.from([2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1]).copy(frame, 0);
  frame.writeUInt16BE(0x0800, 12);

  const ip = frame.subarray(ethernetBytes, ethernetBytes + ipv4Bytes);
  ip[0] = 0x45; // version 4, 5 words of header
  ip.writeUInt16BE(ipv4Bytes + udpLength, 2);
  ip.writeUInt16BE(index & 0xffff, 4);
  ip.writeUInt16BE(0x4000, 6); // don't fragment
  ip[8] = 64;
  ip[9] = 17; // UDP
  Buffer.from([192, 0, 2, 1, 192, 0, 2, 2]).copy(ip, 12);
  ip.writeUInt16BE(ipv4Checksum(ip), 10);

  const udp = frame.subarray(ethernetBytes + ipv4Bytes);
  udp.writeUInt16BE(packet.srcPort, 0);
  udp.writeUInt16BE(packet.dstPort, 2);
  udp.writeUInt16BE(udpLength, 4);
  // UDP checksum 0: none (RFC 768); SIPp computes its own when it replays.
  packet.rtp.copy(udp, udpBytes);
  return frame;
}

/** RFC 791: the one's complement of the one's complement sum of the header's 16-bit words. */
function ipv4Checksum(header: Buffer): number {
  let sum = 0;
  for (let i = 0; i < header.length; i += 2) sum += header.readUInt16BE(i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

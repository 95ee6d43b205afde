import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aLawDecodeTable, aLawEncode, muLawDecodeTable, muLawEncode } from '../platform/media/rtp/g711.ts';
import { readPcapUdp, rtpPcap, tone } from './rtp-pcap.ts';
import type { PcapRtpStream } from './rtp-pcap.ts';

const run = promisify(execFile);

const fields = [
  'frame.time_relative',
  'frame.len',
  'frame.cap_len',
  'ip.len',
  'ip.checksum.status',
  'udp.srcport',
  'udp.dstport',
  'udp.length',
  'udp.checksum',
  'rtp.version',
  'rtp.marker',
  'rtp.p_type',
  'rtp.seq',
  'rtp.timestamp',
  'rtp.ssrc',
  'rtpevent.event_id',
  'rtpevent.end_of_event',
  'rtpevent.volume',
  'rtpevent.duration',
] as const;

type Field = (typeof fields)[number];
type Row = Record<Field, string>;

let dir: string;
let files = 0;

/** The capture as tshark (Wireshark's dissectors, an independent reader) sees it. */
async function tshark(pcap: Buffer, ports: number[]): Promise<Row[]> {
  const file = path.join(dir, `${files++}.pcap`);
  await fs.writeFile(file, pcap);
  const { stdout } = await run('tshark', [
    '-r',
    file,
    '-o',
    'ip.check_checksum:TRUE',
    ...ports.flatMap((port) => ['-d', `udp.port==${port},rtp`]),
    '-T',
    'fields',
    '-E',
    'separator=/t',
    '-E',
    'occurrence=f',
    ...fields.flatMap((field) => ['-e', field]),
  ]);
  return stdout
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => {
      const values = line.split('\t');
      return Object.fromEntries(fields.map((field, i) => [field, values[i] ?? ''])) as Row;
    });
}

const timeMs = (row: Row): number => Math.round(Number(row['frame.time_relative']) * 1e6) / 1000;
const number = (value: string): number => Number(value);
/** tshark prints booleans as 1/0 or True/False, depending on its version. */
const flag = (value: string): boolean => value === '1' || value === 'True';

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'vox-rtp-pcap-'));
});

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('rtpPcap', () => {
  it('writes Ethernet/IPv4/UDP/RTP frames that tshark reads whole, with good IPv4 checksums and lengths', async () => {
    const rows = await tshark(
      rtpPcap([{ audio: tone(440, 200), codec: 'PCMU', dstPort: 6000, srcPort: 41000 }]),
      [6000],
    );
    expect(rows).toHaveLength(10);
    for (const row of rows) {
      expect(row['frame.cap_len']).toBe(row['frame.len']);
      expect(number(row['frame.len'])).toBe(14 + 20 + 8 + 12 + 160);
      expect(number(row['ip.len'])).toBe(20 + 8 + 12 + 160);
      expect(number(row['udp.length'])).toBe(8 + 12 + 160);
      expect(row['ip.checksum.status']).toBe('1'); // good
      expect(number(row['udp.checksum'])).toBe(0);
      expect([row['udp.srcport'], row['udp.dstport']]).toEqual(['41000', '6000']);
      expect(row['rtp.version']).toBe('2');
    }
  });

  it('sends a packet per ptime with the codec, consecutive sequence numbers and timestamps, marker on the first', async () => {
    const variants = [
      { codec: 'PCMU', ptimeMs: 20, payloadType: '0', dstPort: 6000, ssrc: 0xdeadbeef },
      { codec: 'PCMA', ptimeMs: 10, payloadType: '8', dstPort: 6002, ssrc: 0x00000001 },
      { codec: 'PCMA', ptimeMs: 30, payloadType: '8', dstPort: 6004, ssrc: 0x12345678 },
      { codec: 'PCMU', ptimeMs: 60, payloadType: '0', dstPort: 6006, ssrc: 0xfffffffe },
    ] as const;
    const pcap = rtpPcap(
      variants.map(({ codec, ptimeMs, dstPort, ssrc }) => ({
        audio: tone(1000, 1200),
        codec,
        dstPort,
        ptimeMs,
        ssrc,
        firstSequence: 100,
      })),
    );
    const rows = await tshark(
      pcap,
      variants.map((variant) => variant.dstPort),
    );
    for (const { codec, ptimeMs, payloadType, dstPort, ssrc } of variants) {
      const stream = rows.filter((row) => number(row['udp.dstport']) === dstPort);
      const samples = 8 * ptimeMs;
      expect(stream, `${codec} ${ptimeMs} ms`).toHaveLength(1200 / ptimeMs);
      stream.forEach((row, i) => {
        expect(timeMs(row)).toBe(i * ptimeMs);
        expect(number(row['udp.length'])).toBe(8 + 12 + samples);
        expect(row['rtp.p_type']).toBe(payloadType);
        expect(number(row['rtp.seq'])).toBe(100 + i);
        expect(number(row['rtp.timestamp'])).toBe(i * samples);
        expect(number(row['rtp.ssrc'])).toBe(ssrc);
        expect(flag(row['rtp.marker'])).toBe(i === 0);
      });
    }
  });

  it('wraps sequence numbers and timestamps around', async () => {
    const rows = await tshark(
      rtpPcap([
        { audio: tone(440, 200), codec: 'PCMU', dstPort: 6000, firstSequence: 65533, firstTimestamp: 0xffffff00 },
      ]),
      [6000],
    );
    expect(rows.map((row) => number(row['rtp.seq']))).toEqual([65533, 65534, 65535, 0, 1, 2, 3, 4, 5, 6]);
    expect(rows.map((row) => number(row['rtp.timestamp'])).slice(0, 4)).toEqual([
      0xffffff00,
      0xffffffa0,
      (0xffffff00 + 320) % 2 ** 32,
      (0xffffff00 + 480) % 2 ** 32,
    ]);
  });

  it('interleaves the streams in time order, each on its own grid and ports', async () => {
    const rows = await tshark(
      rtpPcap([
        { audio: tone(440, 100), codec: 'PCMU', dstPort: 6000 },
        { audio: tone(880, 90), codec: 'PCMA', dstPort: 6002, startMs: 5, ptimeMs: 30 },
      ]),
      [6000, 6002],
    );
    expect(rows.map((row) => `${timeMs(row)}:${row['udp.dstport']}`)).toEqual([
      '0:6000',
      '5:6002',
      '20:6000',
      '35:6002',
      '40:6000',
      '60:6000',
      '65:6002',
      '80:6000',
    ]);
    const ssrcs = new Set(rows.map((row) => `${row['udp.dstport']} ${row['rtp.ssrc']}`));
    expect(ssrcs.size).toBe(2);
  });

  it('replaces the audio with RFC 4733 events while a digit sounds, ending with three end packets', async () => {
    const rows = await tshark(
      rtpPcap([
        {
          audio: tone(440, 500),
          codec: 'PCMU',
          dstPort: 6000,
          firstSequence: 10,
          firstTimestamp: 1000,
          digits: [
            { digit: '#', atMs: 100, durationMs: 80 },
            { digit: '9', atMs: 300, durationMs: 40, payloadType: 96 },
          ],
        },
      ]),
      [6000],
    );
    const packets = rows.map((row) => ({
      ms: timeMs(row),
      type: number(row['rtp.p_type']),
      seq: number(row['rtp.seq']),
      timestamp: number(row['rtp.timestamp']),
      marker: flag(row['rtp.marker']),
    }));
    // Sequence numbers run on through the events.
    expect(packets.map((p) => p.seq)).toEqual(packets.map((_, i) => 10 + i));
    // No audio while a digit sounds (100..180 ms and 300..340 ms); it resumes on its own timeline.
    const audio = packets.filter((p) => p.type === 0);
    expect(audio.map((p) => p.ms)).toEqual([
      0, 20, 40, 60, 80, 180, 200, 220, 240, 260, 280, 340, 360, 380, 400, 420, 440, 460, 480,
    ]);
    audio.forEach((p) => expect(p.timestamp).toBe(1000 + p.ms * 8));

    const pound = rows.filter((row) => row['rtp.p_type'] === '101');
    expect(pound.map((row) => timeMs(row))).toEqual([100, 120, 140, 160, 180, 200]);
    expect(pound.map((row) => row['rtpevent.event_id'])).toEqual(Array(6).fill('11'));
    expect(pound.map((row) => number(row['rtpevent.duration']))).toEqual([160, 320, 480, 640, 640, 640]);
    expect(pound.map((row) => flag(row['rtpevent.end_of_event']))).toEqual([false, false, false, true, true, true]);
    expect(new Set(pound.map((row) => number(row['rtp.timestamp'])))).toEqual(new Set([1000 + 800]));
    expect(pound.map((row) => flag(row['rtp.marker']))).toEqual([true, false, false, false, false, false]);
    expect(pound.every((row) => row['rtpevent.volume'] === '10')).toBe(true);

    // tshark decodes events on 101 only: payload type 96 is checked from the packets.
    const nine = packets.filter((p) => p.type === 96);
    expect(nine.map((p) => p.ms)).toEqual([300, 320, 340, 360]);
    expect(nine.every((p) => p.timestamp === 1000 + 300 * 8)).toBe(true);
    const ninePayloads = readPcapUdp(
      rtpPcap([
        {
          audio: tone(440, 500),
          codec: 'PCMU',
          dstPort: 6000,
          digits: [{ digit: '9', atMs: 300, durationMs: 40, payloadType: 96 }],
        },
      ]),
    )
      .filter((packet) => (packet.rtp[1]! & 0x7f) === 96)
      .map((packet) => packet.rtp.subarray(12).toString('hex'));
    expect(ninePayloads).toEqual(['090a00a0', '098a0140', '098a0140', '098a0140']);
  });

  it('carries the audio G.711-coded, the last packet padded with silence', () => {
    for (const [codec, encode, table] of [
      ['PCMU', muLawEncode, muLawDecodeTable],
      ['PCMA', aLawEncode, aLawDecodeTable],
    ] as const) {
      const audio = tone(300, 1010, 0.5);
      const packets = readPcapUdp(rtpPcap([{ audio, codec, dstPort: 6000 }]));
      expect(packets).toHaveLength(51);
      const payload = Buffer.concat(packets.map((packet) => packet.rtp.subarray(12)));
      expect(payload.length).toBe(51 * 160);
      const decoded = Int16Array.from(payload, (byte) => table[byte]!);
      for (let i = 0; i < audio.length; i++) {
        if (decoded[i] !== table[encode(audio[i]!)]) throw new Error(`${codec} sample ${i} differs`);
      }
      expect(new Set(payload.subarray(audio.length))).toEqual(new Set([encode(0)]));
    }
  });

  it('is read back by readPcapUdp as tshark reads it', async () => {
    const streams: PcapRtpStream[] = [
      { audio: tone(440, 300), codec: 'PCMU', dstPort: 6000, digits: [{ digit: '1', atMs: 100, durationMs: 60 }] },
      { audio: tone(880, 300), codec: 'PCMA', dstPort: 6002, startMs: 7, srcPort: 30000 },
    ];
    const pcap = rtpPcap(streams);
    const rows = await tshark(pcap, [6000, 6002]);
    const packets = readPcapUdp(pcap);
    expect(
      packets.map((p) => [p.timeUs / 1000, p.srcPort, p.dstPort, p.rtp.readUInt16BE(2), p.rtp.readUInt32BE(4)]),
    ).toEqual(
      rows.map((row) => [
        timeMs(row),
        number(row['udp.srcport']),
        number(row['udp.dstport']),
        number(row['rtp.seq']),
        number(row['rtp.timestamp']),
      ]),
    );
  });

  it('refuses what it cannot send', () => {
    const audio = tone(440, 100);
    expect(() => rtpPcap([{ audio, codec: 'PCMU', dstPort: 6000, ptimeMs: 5 }])).toThrow(/ptime/);
    expect(() => rtpPcap([{ audio, codec: 'PCMU', dstPort: 6000, ptimeMs: 80 }])).toThrow(/ptime/);
    expect(() =>
      rtpPcap([{ audio, codec: 'PCMU', dstPort: 6000, digits: [{ digit: 'x', atMs: 0, durationMs: 40 }] }]),
    ).toThrow(/DTMF/);
    expect(() =>
      rtpPcap([
        {
          audio,
          codec: 'PCMU',
          dstPort: 6000,
          digits: [
            { digit: '1', atMs: 0, durationMs: 40 },
            { digit: '2', atMs: 40, durationMs: 40 },
          ],
        },
      ]),
    ).toThrow(/overlaps/);
  });
});

describe('tone', () => {
  it('is a sine of the frequency, length and level asked for', () => {
    const samples = tone(1000, 250, 0.5);
    expect(samples).toHaveLength(2000);
    let crossings = 0;
    for (let i = 1; i < samples.length; i++) if (samples[i - 1]! < 0 !== samples[i]! < 0) crossings++;
    expect(Math.abs(crossings - 500)).toBeLessThanOrEqual(2); // two a cycle, 250 cycles
    expect(Math.max(...samples)).toBeGreaterThan(0.49 * 32767);
    expect(Math.max(...samples)).toBeLessThanOrEqual(Math.round(0.5 * 32767));
    expect(tone(440, 100, 0.3, 16000)).toHaveLength(1600);
  });
});

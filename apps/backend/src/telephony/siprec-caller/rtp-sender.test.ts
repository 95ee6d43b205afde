import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { aLawEncode, muLawEncode } from '../../platform/media/rtp/g711.ts';
import { parseRtpPacket, type RtpPacket } from '../../platform/media/rtp/rtp-packet.ts';
import { RtpSender, type G711Codec, type RtpStreamPlan } from './rtp-sender.ts';

interface SentPacket extends RtpPacket {
  at: number;
}

function parse(datagram: Buffer, at: number): SentPacket {
  return { ...parseRtpPacket(datagram)!, at };
}

/** A sender whose streams' packets are collected with the time they were handed over. */
function capture(plans: Array<Omit<RtpStreamPlan, 'transmit'>>, maxCatchUpPackets?: number) {
  const sent: SentPacket[][] = plans.map(() => []);
  let startedAt = 0;
  const sender = new RtpSender({
    maxCatchUpPackets,
    streams: plans.map((plan, i) => ({
      ...plan,
      transmit: (packet) => sent[i]!.push(parse(packet, performance.now() - startedAt)),
    })),
  });
  const start = () => {
    startedAt = performance.now();
    sender.start();
  };
  return { sender, sent, start, elapsed: () => performance.now() - startedAt };
}

/**
 * How late each packet went out against its place on the 20 ms grid, in ms. On a loaded machine
 * the process is sometimes not scheduled for a while, so single packets may be later than 30 ms;
 * drift would make the lateness grow over the run instead.
 */
function expectOnTheClock(lateness: number[]): void {
  expect(Math.min(...lateness)).toBeGreaterThanOrEqual(-1);
  expect(lateness.filter((l) => l < 30).length).toBeGreaterThanOrEqual(Math.ceil(lateness.length * 0.95));
  expect(Math.max(...lateness)).toBeLessThan(80);
  const lastQuarter = lateness.slice(-Math.ceil(lateness.length / 4)).sort((a, b) => a - b);
  expect(lastQuarter[Math.floor(lastQuarter.length / 2)]).toBeLessThan(10);
}

function busyWait(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

/** Distance forward from a to b in a counter of `bits` bits. */
function forward(a: number, b: number, bits: 16 | 32): number {
  return bits === 16 ? (b - a) & 0xffff : (b - a) >>> 0;
}

const ramp = Int16Array.from({ length: 400 }, (_, i) => (i - 200) * 100);

function plan(codec: G711Codec = 'PCMU', digits?: RtpStreamPlan['digits']): Omit<RtpStreamPlan, 'transmit'> {
  return { codec, audio: ramp, digits };
}

describe('RtpSender', () => {
  it('sends a packet per stream every 20 ms on the clock, with no drift, in order, carrying the audio', async () => {
    const { sender, sent, start, elapsed } = capture([plan('PCMU'), plan('PCMA')]);
    start();
    await sleep(1000);
    const stoppedAt = elapsed();
    sender.stop();
    const [pcmu, pcma] = sent as [SentPacket[], SentPacket[]];
    // Every packet due by then (the one due last may still have been waiting for its timer).
    expect(pcmu.length).toBeGreaterThanOrEqual(Math.floor(stoppedAt / 20));
    expect(pcmu.length).toBeLessThanOrEqual(Math.floor(stoppedAt / 20) + 1);
    expect(pcma.length).toBe(pcmu.length);
    expect(pcmu[0]!.ssrc).not.toBe(pcma[0]!.ssrc);
    for (const [stream, encode] of [
      [pcmu, muLawEncode],
      [pcma, aLawEncode],
    ] as const) {
      // Never early, and packet N stays near N * 20 ms however late single timers fire.
      expectOnTheClock(stream.map((p, n) => p.at - n * 20));
      stream.forEach((p, n) => {
        expect(p.marker).toBe(n === 0);
        expect(p.ssrc).toBe(stream[0]!.ssrc);
        expect(forward(stream[0]!.sequence, p.sequence, 16)).toBe(n);
        expect(forward(stream[0]!.timestamp, p.timestamp, 32)).toBe(n * 160);
        expect(p.payload.length).toBe(160);
        // The audio runs on in a loop: packet 2 holds samples 320..399, then 0..79 again.
        const expected = Array.from({ length: 160 }, (_, i) => encode(ramp[(n * 160 + i) % ramp.length]!));
        expect([...p.payload]).toEqual(expected);
      });
    }
    expect(pcmu.map((p) => p.payloadType)).toEqual(pcmu.map(() => 0));
    expect(pcma.map((p) => p.payloadType)).toEqual(pcma.map(() => 8));
  });

  it('catches up after the event loop was held up, then goes on on the original grid', async () => {
    const { sender, sent, start, elapsed } = capture([plan()]);
    start();
    await sleep(200);
    busyWait(110);
    const stallEnd = elapsed();
    await sleep(300);
    sender.stop();
    const packets = sent[0]!;
    expect(sender.droppedTicks).toBe(0);
    // The packets that fell due during the stall went out late rather than not at all...
    const firstAfter = packets.find((p) => p.at >= stallEnd)!;
    expect(firstAfter.at - packets.indexOf(firstAfter) * 20).toBeGreaterThan(60);
    packets.forEach((p, n) => {
      expect(forward(packets[0]!.timestamp, p.timestamp, 32)).toBe(n * 160);
      // ...but none went out before its time: the catching up sends only what is due...
      expect(p.at).toBeGreaterThanOrEqual(n * 20 - 1);
      // ...and then the packets are back on the grid.
      if (p.at >= stallEnd + 30) expect(p.at - n * 20).toBeLessThan(30);
    });
  });

  it('drops what is overdue beyond the catch-up limit, keeping the timestamps on the clock', async () => {
    const { sender, sent, start } = capture([plan()], 3);
    start();
    await sleep(100);
    busyWait(200);
    await sleep(100);
    sender.stop();
    const packets = sent[0]!;
    expect(sender.droppedTicks).toBeGreaterThanOrEqual(6);
    const gaps = packets.slice(1).map((p, i) => forward(packets[i]!.timestamp, p.timestamp, 32));
    // One gap as long as the dropped packets, then 160 per packet again.
    expect(gaps.filter((g) => g !== 160)).toEqual([(sender.droppedTicks + 1) * 160]);
    for (const p of packets) {
      const clockMs = (forward(packets[0]!.timestamp, p.timestamp, 32) / 160) * 20;
      // Never early, and never later than the three packets the limit lets through.
      expect(p.at - clockMs).toBeGreaterThanOrEqual(-1);
      expect(p.at - clockMs).toBeLessThan(80);
    }
    expect(packets.slice(1).every((p, i) => forward(packets[i]!.sequence, p.sequence, 16) === 1)).toBe(true);
  });

  it('sends RFC 4733 events instead of the audio while a key is held, with three end packets', async () => {
    const { sender, sent, start } = capture([plan('PCMU', { keys: '1#', startMs: 100, payloadType: 101 }), plan()]);
    start();
    await sleep(500);
    sender.stop();
    const [customer, agent] = sent as [SentPacket[], SentPacket[]];
    const base = customer[0]!.timestamp;
    const events = customer.filter((p) => p.payloadType === 101);
    const summarize = (p: SentPacket) => ({
      tick: forward(base, p.timestamp, 32) / 160,
      marker: p.marker,
      code: p.payload[0],
      end: (p.payload[1]! & 0x80) !== 0,
      volume: p.payload[1]! & 0x3f,
      duration: (p.payload[2]! << 8) | p.payload[3]!,
    });
    const key = (tick: number, code: number) => [
      ...[160, 320, 480, 640].map((duration, i) => ({ tick, marker: i === 0, code, end: false, volume: 10, duration })),
      ...[0, 1, 2].map(() => ({ tick, marker: false, code, end: true, volume: 10, duration: 800 })),
    ];
    // "1" held from 100 ms for 100 ms, then 100 ms of audio, then "#".
    expect(events.map(summarize)).toEqual([...key(5, 1), ...key(15, 11)]);
    // The events are paced like the audio; only the end packets go out back to back.
    expect(events[0]!.at).toBeGreaterThanOrEqual(99);
    expect(events[0]!.at).toBeLessThan(130);
    expect(events[6]!.at - events[0]!.at).toBeGreaterThan(70);
    // Sequence numbers run on across audio and events; the audio skips the ticks of the keys.
    expect(customer.slice(1).every((p, i) => forward(customer[i]!.sequence, p.sequence, 16) === 1)).toBe(true);
    const audioTicks = customer.filter((p) => p.payloadType === 0).map((p) => forward(base, p.timestamp, 32) / 160);
    expect(audioTicks.slice(0, 12)).toEqual([0, 1, 2, 3, 4, 10, 11, 12, 13, 14, 20, 21]);
    expect(agent.every((p) => p.payloadType === 0)).toBe(true);
  });

  it('sends nothing while paused; after resuming, the clock has run on and the marker is set', async () => {
    const { sender, sent, start, elapsed } = capture([plan(), plan()]);
    start();
    await sleep(200);
    sender.pause();
    const pausedAt = elapsed();
    await sleep(200);
    const resumedAt = elapsed();
    sender.resume();
    await sleep(200);
    sender.stop();
    for (const packets of sent) {
      expect(packets.filter((p) => p.at > pausedAt && p.at < resumedAt)).toEqual([]);
      const first = packets.findIndex((p) => p.at >= resumedAt);
      const [before, after] = [packets[first - 1]!, packets[first]!];
      expect(after.marker).toBe(true);
      expect(packets.filter((p) => p.marker)).toHaveLength(2);
      expect(forward(before.sequence, after.sequence, 16)).toBe(1);
      // The timestamp jumps by the pause, so it still says when the audio was sent.
      expect(forward(before.timestamp, after.timestamp, 32)).toBeGreaterThan(8 * 180);
      for (const p of packets) {
        const clockMs = (forward(packets[0]!.timestamp, p.timestamp, 32) / 160) * 20;
        expect(Math.abs(p.at - clockMs)).toBeLessThan(30);
      }
    }
  });

  it('refuses a key that is not DTMF', () => {
    expect(() => capture([plan('PCMU', { keys: '12x', startMs: 0, payloadType: 101 })])).toThrow('not a DTMF key: X');
  });

  it('sends nothing on a disabled stream, and silence for a stream without audio', async () => {
    const { sender, sent, start } = capture([{ codec: 'PCMA', audio: new Int16Array(0) }, plan()]);
    sender.setStreamEnabled(1, false);
    start();
    await sleep(100);
    sender.stop();
    expect(sent[0]!.length).toBeGreaterThanOrEqual(5);
    expect(sent[0]!.every((p) => p.payload.every((byte) => byte === aLawEncode(0)))).toBe(true);
    expect(sent[1]).toEqual([]);
    expect(sender.packetsSent).toEqual([sent[0]!.length, 0]);
  });
});

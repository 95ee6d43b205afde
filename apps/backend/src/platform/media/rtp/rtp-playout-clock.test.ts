import { describe, expect, it } from 'vitest';
import { RtpPlayoutClock } from './rtp-playout-clock.ts';

/** 20 ms packets of 160 ticks at 8 kHz, arriving `delay(i)` ms after they were sent. */
function stream(count: number, first: { sequence: number; timestamp: number }, delay: (i: number) => number = () => 0) {
  return Array.from({ length: count }, (_, i) => ({
    sequence: (first.sequence + i) & 0xffff,
    timestamp: (first.timestamp + 160 * i) >>> 0,
    arrivalMs: 1000 + 20 * i + delay(i),
  }));
}

describe('RtpPlayoutClock', () => {
  it('places packets by timestamp across sequence and timestamp wrap-around', () => {
    const clock = new RtpPlayoutClock(8000);
    const placed = stream(100, { sequence: 65_500, timestamp: 0xffff_f000 }).map((p) =>
      clock.place(7, p.sequence, p.timestamp, p.arrivalMs),
    );
    expect(placed).toEqual(Array.from({ length: 100 }, (_, i) => 1000 + 20 * i));
    expect(clock.stats).toMatchObject({ packets: 100, lost: 0, duplicates: 0, reanchors: 0 });
  });

  it('puts late and reordered packets where their timestamps say, anchored on the earliest arrival', () => {
    const clock = new RtpPlayoutClock(8000);
    // The first packet is 30 ms late; later ones arrive with jitter of up to 40 ms, two swapped.
    const packets = stream(50, { sequence: 1, timestamp: 0 }, (i) => (i === 0 ? 30 : (i * 7) % 41));
    [packets[10], packets[11]] = [packets[11]!, packets[10]!];
    const placed = new Map(packets.map((p) => [p.sequence, clock.place(1, p.sequence, p.timestamp, p.arrivalMs)]));
    // Once a packet came on time (i = 41: 7 * 41 % 41 = 0), the timeline is the senders' clock.
    expect(placed.get(45)).toBe(1000 + 20 * 44);
    expect(placed.get(12)! - placed.get(11)!).toBe(20);
    expect(clock.stats.lost).toBe(0);
  });

  it('drops duplicates, counts losses, and starts over on a new SSRC', () => {
    const clock = new RtpPlayoutClock(8000);
    const packets = stream(10, { sequence: 100, timestamp: 5000 }).filter((_, i) => i !== 4);
    for (const p of packets) clock.place(1, p.sequence, p.timestamp, p.arrivalMs);
    expect(clock.place(1, packets[2]!.sequence, packets[2]!.timestamp, packets[2]!.arrivalMs + 5)).toBeUndefined();
    expect(clock.stats).toMatchObject({ duplicates: 1, lost: 1 });
    // Another source takes over with numbers of its own: placed by its arrival.
    expect(clock.place(2, 9, 777_777, 1500)).toBe(1500);
    expect(clock.place(2, 10, 777_777 + 160, 1520)).toBe(1520);
    expect(clock.stats.ssrcChanges).toBe(1);
  });

  it('keeps the timeline through silence suppression (timestamps jump with the time that passed)', () => {
    const clock = new RtpPlayoutClock(8000);
    for (const p of stream(10, { sequence: 1, timestamp: 0 })) clock.place(1, p.sequence, p.timestamp, p.arrivalMs);
    // 1.5 s without packets, then the next talkspurt: its timestamp says so too.
    expect(clock.place(1, 11, 1600 + 12_000, 1000 + 200 + 1500)).toBe(2700);
    expect(clock.stats.reanchors).toBe(0);
  });

  it('moves the timeline when timestamps stop matching the wall clock (a pause with frozen timestamps)', () => {
    const clock = new RtpPlayoutClock(8000);
    for (const p of stream(10, { sequence: 1, timestamp: 0 })) clock.place(1, p.sequence, p.timestamp, p.arrivalMs);
    // Two seconds of nothing, then the timestamps go on as if no time had passed.
    expect(clock.place(1, 11, 1600, 1000 + 200 + 2000)).toBe(3200);
    expect(clock.stats.reanchors).toBe(1);
  });

  it('does not take a worker busy for seconds (every arrival stamped 150 ms late) for a slow sender', () => {
    const clock = new RtpPlayoutClock(8000);
    const placements: number[] = [];
    for (let i = 0; i < 400; i++) {
      // On time for 2 s, then 4 s during which each packet is seen 150 ms after it came, then on time.
      const late = i >= 100 && i < 300 ? 150 : 0;
      placements.push(clock.place(1, i, 160 * i, 1000 + 20 * i + late)! - (1000 + 20 * i));
    }
    // Where each packet was placed against where it was sent: a few ms off at most, never 150.
    expect(Math.max(...placements.map(Math.abs))).toBeLessThanOrEqual(10);
    expect(clock.stats.reanchors).toBe(0);
  });

  it('follows a sender whose clock runs slow, staying within the drift tolerance', () => {
    const clock = new RtpPlayoutClock(8000);
    // 0.1% slow: after 60 s its timestamps are 60 ms behind our clock.
    let worst = 0;
    for (let i = 0; i < 3000; i++) {
      const arrival = 1000 + 20 * i * 1.001;
      const placed = clock.place(1, i & 0xffff, 160 * i, arrival)!;
      worst = Math.max(worst, Math.abs(arrival - placed));
    }
    expect(worst).toBeLessThanOrEqual(20);
    expect(clock.stats.maxPlacementMs).toBe(worst);
  });
});

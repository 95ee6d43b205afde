import { describe, expect, it } from 'vitest';
import { SampleTimeline, TimelineReader } from './sample-timeline.ts';

const ramp = (from: number, count: number) => Int16Array.from({ length: count }, (_, i) => (from + i) * 100);

describe('SampleTimeline', () => {
  it('keeps samples where they were placed, silence where nothing came, and refuses what it cannot hold', () => {
    const timeline = new SampleTimeline(8000, 1);
    expect(timeline.write(160, ramp(1, 160), 160)).toBe(true);
    expect(timeline.at(159)).toBe(0);
    expect(timeline.at(160)).toBeCloseTo(100 / 32768);
    expect(timeline.at(319)).toBeCloseTo(16_000 / 32768);
    timeline.release(320);
    // Rendered already: a packet for it is late. Beyond the ring: too early.
    expect(timeline.write(0, ramp(1, 160), 160)).toBe(false);
    expect(timeline.write(320 + 8000, ramp(1, 160), 160)).toBe(false);
    expect({ late: timeline.late, tooEarly: timeline.tooEarly }).toEqual({ late: 1, tooEarly: 1 });
    // The released slots were cleared before the ring came round to them again.
    expect(timeline.at(160 + 8000)).toBe(0);
  });

  it('decodes G.711 bytes straight into the ring', () => {
    const timeline = new SampleTimeline(8000, 1);
    const table = Int16Array.from({ length: 256 }, (_, i) => i - 128);
    timeline.writeDecoded(10, Uint8Array.from([0, 128, 255]), table);
    expect([timeline.at(10), timeline.at(11), timeline.at(12)].map((v) => Math.round(v * 32768))).toEqual([
      -128, 0, 127,
    ]);
  });
});

describe('TimelineReader', () => {
  const timeline = new SampleTimeline(8000, 1);
  timeline.write(0, ramp(0, 800), 800);

  it('reads at the timeline rate as it is', () => {
    const out = new Float32Array(4);
    new TimelineReader(timeline, 8000).render(out, 0, 4);
    expect(Array.from(out, (v) => Math.round(v * 32768))).toEqual([0, 100, 200, 300]);
  });

  it('interpolates up to 16 kHz and keeps the timing', () => {
    const reader = new TimelineReader(timeline, 16000);
    const out = new Float32Array(6);
    reader.render(out, 0, 6);
    expect(Array.from(out, (v) => Math.round(v * 32768))).toEqual([0, 50, 100, 150, 200, 250]);
    expect(reader.position).toBe(2);
  });

  it('halves 16 kHz through a low-pass', () => {
    const wide = new SampleTimeline(16000, 1);
    wide.write(0, ramp(0, 100), 100);
    const out = new Float32Array(3);
    new TimelineReader(wide, 8000).render(out, 0, 3);
    // [1 2 1] / 4 around samples 0, 2 and 4 of a ramp: the ramp itself (the first has no left neighbour).
    expect(Array.from(out, (v) => Math.round(v * 32768))).toEqual([25, 200, 400]);
  });
});

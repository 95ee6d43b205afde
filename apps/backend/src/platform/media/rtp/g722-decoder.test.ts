import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFfmpeg } from '../ffmpeg.ts';
import { G722Decoder } from './g722-decoder.ts';

const rate = 16000;
/** 20 ms of G.722: 160 octets, 320 samples. */
const packetOctets = 160;

function tone(frequency: number, seconds: number, amplitude = 12000): Int16Array {
  return Int16Array.from({ length: seconds * rate }, (_, n) =>
    Math.round(amplitude * Math.sin((2 * Math.PI * frequency * n) / rate)),
  );
}

/** A linear sweep across the whole band, 50 Hz to 7.95 kHz. */
function chirp(seconds: number): Int16Array {
  const from = 50;
  const to = 7950;
  const length = seconds * rate;
  return Int16Array.from({ length }, (_, n) => {
    const t = n / rate;
    return Math.round(10000 * Math.sin(2 * Math.PI * (from * t + ((to - from) * t * t) / (2 * seconds))));
  });
}

function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/**
 * Voiced syllables: a gliding pitch with its harmonics shaped by two formants, switched on and off
 * four times a second, over a little noise (breath, fricatives).
 */
function speechLike(seconds: number, seed: number): Int16Array {
  const next = random(seed);
  let phase = 0;
  return Int16Array.from({ length: seconds * rate }, (_, n) => {
    const t = n / rate;
    const pitch = 120 + 60 * Math.sin(2 * Math.PI * 0.7 * t);
    phase += (2 * Math.PI * pitch) / rate;
    let voiced = 0;
    for (let h = 1; h * pitch < 7000; h++) {
      const f = h * pitch;
      const formants = Math.exp(-(((f - 700) / 300) ** 2)) + 0.5 * Math.exp(-(((f - 2200) / 500) ** 2)) + 0.02;
      voiced += formants * Math.sin(h * phase);
    }
    const syllable = Math.max(0, Math.sin(2 * Math.PI * 4 * t));
    return Math.round(1500 * syllable * voiced + 400 * (next() - 0.5));
  });
}

/** Full-scale noise: the loudest audio an encoder can be given. */
function fullScaleNoise(seconds: number, seed: number): Int16Array {
  const next = random(seed);
  return Int16Array.from({ length: seconds * rate }, () => (next() < 0.5 ? -32768 : 32767) * next());
}

/** Power at `frequency` (Goertzel) as a fraction of the block's power: 1 for a pure tone on a bin. */
function toneFraction(samples: Int16Array, start: number, length: number, frequency: number): number {
  const coefficient = 2 * Math.cos((2 * Math.PI * frequency) / rate);
  let s1 = 0;
  let s2 = 0;
  let energy = 0;
  for (let i = start; i < start + length; i++) {
    const x = samples[i]!;
    energy += x * x;
    const s0 = x + coefficient * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  const power = s1 * s1 + s2 * s2 - coefficient * s1 * s2;
  return (2 * power) / (length * energy);
}

function decodeInPackets(payload: Uint8Array, octetsPerPacket: number, decoder = new G722Decoder()): Int16Array {
  const out = new Int16Array(payload.length * 2);
  for (let at = 0; at < payload.length; at += octetsPerPacket) {
    const packet = payload.subarray(at, Math.min(at + octetsPerPacket, payload.length));
    expect(decoder.decode(packet, out, at * 2)).toBe(packet.length * 2);
  }
  return out;
}

function firstDifference(a: Int16Array, b: Int16Array): string {
  const index = a.findIndex((value, i) => value !== b[i]);
  return index < 0 ? 'none' : `sample ${index}: ${a[index]} vs ${b[index]}`;
}

/** What ffmpeg made of a stream: its G.722 payload and its own decode of it. */
interface Reference {
  payload: Uint8Array;
  decoded: Int16Array;
}

/** Audio that ffmpeg encodes. */
const signals: Record<string, Int16Array> = {
  'a 440 Hz tone': tone(440, 2),
  'a 1 kHz tone': tone(1000, 2),
  'a 5.5 kHz tone': tone(5500, 2),
  'a chirp': chirp(3),
  'speech-like audio': speechLike(4, 11),
  'full-scale noise': fullScaleNoise(2, 5),
};

/**
 * Streams no encoder would send (a corrupt or misdetected payload): they drive the predictors and
 * scale factors into the limits and saturations that encoded audio never reaches.
 */
function randomOctets(length: number, seed: number, alphabet?: number[], longestRun = 1): Uint8Array {
  const next = random(seed);
  const octets = new Uint8Array(length);
  for (let at = 0; at < length;) {
    const pick = Math.floor(next() * 256);
    const octet = alphabet ? alphabet[pick % alphabet.length]! : pick;
    const run = 1 + Math.floor(next() * next() * longestRun);
    octets.fill(octet, at, at + run);
    at += run;
  }
  return octets;
}
// The outermost levels of both bands, positive and negative, and the innermost.
const extremeOctets = [0x04, 0x20, 0x00, 0x24, 0x84, 0xa0, 0x3d, 0xff];
const payloads: Record<string, Uint8Array> = {
  'random octets': randomOctets(32000, 3),
  'octets of extreme levels': randomOctets(32000, 4, extremeOctets),
  // Runs of one level push the zero predictor's sum past 16 bits and the poles to their limits.
  'runs of extreme levels': randomOctets(32000, 7, extremeOctets, 200),
};

const references = new Map<string, Reference>();
let dir: string;

async function decodeWithFfmpeg(g722: string, index: number): Promise<Int16Array> {
  const decoded = path.join(dir, `${index}.decoded.raw`);
  await runFfmpeg(['-y', '-f', 'g722', '-i', g722, '-c:a', 'pcm_s16le', '-f', 's16le', decoded]);
  return new Int16Array(new Uint8Array(await fs.readFile(decoded)).buffer);
}

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'vox-g722-'));
  const fromAudio = Object.entries(signals).map(async ([name, input], index) => {
    const pcm = path.join(dir, `${index}.raw`);
    const g722 = path.join(dir, `${index}.g722`);
    await fs.writeFile(pcm, new Uint8Array(input.buffer));
    await runFfmpeg(['-y', '-f', 's16le', '-ar', `${rate}`, '-ac', '1', '-i', pcm, '-c:a', 'g722', '-f', 'g722', g722]);
    const payload = new Uint8Array(await fs.readFile(g722));
    references.set(name, { payload, decoded: await decodeWithFfmpeg(g722, index) });
  });
  const fromOctets = Object.entries(payloads).map(async ([name, payload], i) => {
    const index = 100 + i;
    const g722 = path.join(dir, `${index}.g722`);
    await fs.writeFile(g722, payload);
    references.set(name, { payload, decoded: await decodeWithFfmpeg(g722, index) });
  });
  await Promise.all([...fromAudio, ...fromOctets]);
});

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

function reference(name: string): Reference {
  const found = references.get(name);
  if (!found) throw new Error(`no reference for ${name}`);
  return found;
}

/** Signal-to-noise ratio (dB) of `decoded` against `input` delayed by `delay` samples. */
function snrDb(decoded: Int16Array, input: Int16Array, delay: number, start: number, length: number): number {
  let signal = 0;
  let noise = 0;
  for (let i = start; i < start + length; i++) {
    const x = input[i - delay]!;
    signal += x * x;
    noise += (decoded[i]! - x) ** 2;
  }
  return 10 * Math.log10(signal / noise);
}

/** A transmit and a receive QMF of 24 taps each delay the audio by 22 samples in all. */
const codecDelay = 22;

describe('G722Decoder against ffmpeg', () => {
  it.each([...Object.keys(signals), ...Object.keys(payloads)])(
    'decodes %s in 20 ms packets sample for sample as ffmpeg does',
    (name) => {
      const { payload, decoded } = reference(name);
      expect(decoded.length).toBe(payload.length * 2);
      expect(firstDifference(decodeInPackets(payload, packetOctets), decoded)).toBe('none');
    },
  );
});

describe('G722Decoder output against the encoded audio', () => {
  it.each([
    ['a 440 Hz tone', 440, 50],
    ['a 1 kHz tone', 1000, 40],
    // The upper band's 2-bit ADPCM is coarse.
    ['a 5.5 kHz tone', 5500, 20],
  ] as const)('puts the energy of %s at its frequency and at its level', (name, frequency, minimumSnrDb) => {
    const ours = decodeInPackets(reference(name).payload, packetOctets);
    // One second once the predictors have settled: 1 Hz bins, every tone on one.
    const start = rate / 2;
    expect(toneFraction(ours, start, rate, frequency)).toBeGreaterThan(0.99);
    expect(snrDb(ours, signals[name]!, codecDelay, start, rate)).toBeGreaterThan(minimumSnrDb);
  });

  it('keeps the 5.5 kHz tone, which only the upper sub-band carries, out of its 2.5 kHz mirror image', () => {
    // A wrong receive QMF (taps or sample order) leaves the sub-band aliases uncancelled at 8 kHz - f.
    const ours = decodeInPackets(reference('a 5.5 kHz tone').payload, packetOctets);
    expect(toneFraction(ours, rate / 2, rate, 2500)).toBeLessThan(1e-4);
  });

  it('follows the chirp: each 50 ms carries the sweep frequency of its moment', () => {
    const ours = decodeInPackets(reference('a chirp').payload, packetOctets);
    const seconds = signals['a chirp']!.length / rate;
    const window = rate / 20;
    for (let start = rate / 4; start + window < ours.length; start += rate / 4) {
      const t = (start - codecDelay + window / 2) / rate;
      const frequency = 50 + ((7950 - 50) * t) / seconds;
      if (frequency > 7500) break; // the QMFs roll off towards 8 kHz
      // The sweep moves 130 Hz within a window: take the band 40 Hz either side of its centre.
      const inBand = [-40, -20, 0, 20, 40].reduce(
        (sum, df) => sum + toneFraction(ours, start, window, frequency + df),
        0,
      );
      expect(inBand, `at ${Math.round(frequency)} Hz`).toBeGreaterThan(0.8);
    }
  });

  it('reproduces speech-like audio, delayed by the QMFs', () => {
    const ours = decodeInPackets(reference('speech-like audio').payload, packetOctets);
    const input = signals['speech-like audio']!;
    // 26.6 dB measured: G.722's 2-bit upper band is coarse on the harmonics and the breath noise.
    expect(snrDb(ours, input, codecDelay, rate / 2, input.length - rate)).toBeGreaterThan(20);
    expect(snrDb(ours, input, codecDelay - 1, rate / 2, input.length - rate)).toBeLessThan(15);
  });
});

describe('G722Decoder state', () => {
  it('carries the ADPCM and QMF state across payloads: 1-octet payloads decode as one payload', () => {
    const { payload } = reference('speech-like audio');
    const whole = decodeInPackets(payload, payload.length);
    expect(firstDifference(decodeInPackets(payload, 1), whole)).toBe('none');
    expect(firstDifference(decodeInPackets(payload, 37), whole)).toBe('none');
    // A new decoder decodes a later packet differently, so the equality above means something.
    expect(firstDifference(decodeInPackets(payload.subarray(8000), packetOctets), whole.subarray(16000))).not.toBe(
      'none',
    );
  });

  it('reset() forgets the previous stream: the next one decodes as with a new decoder', () => {
    const speech = reference('speech-like audio').payload;
    const fresh = decodeInPackets(speech, packetOctets);
    const decoder = new G722Decoder();
    decodeInPackets(reference('a 1 kHz tone').payload, packetOctets, decoder);
    expect(firstDifference(decodeInPackets(speech, packetOctets, decoder), fresh)).not.toBe('none');
    decodeInPackets(reference('runs of extreme levels').payload, packetOctets, decoder);
    decoder.reset();
    expect(firstDifference(decodeInPackets(speech, packetOctets, decoder), fresh)).toBe('none');
  });

  it('writes 2 samples per octet at the offset and nothing else; refuses an output too small', () => {
    const decoder = new G722Decoder();
    const out = new Int16Array(400).fill(1234);
    const packet = reference('a 1 kHz tone').payload.subarray(4000, 4000 + packetOctets);
    expect(decoder.decode(packet, out, 50)).toBe(320);
    expect(out.subarray(0, 50).every((x) => x === 1234)).toBe(true);
    expect(out.subarray(370).every((x) => x === 1234)).toBe(true);
    const alone = new Int16Array(320);
    new G722Decoder().decode(packet, alone);
    expect(out.subarray(50, 370)).toEqual(alone);
    expect(() => decoder.decode(packet, out, 81)).toThrow(RangeError);
    expect(decoder.decode(new Uint8Array(0), out)).toBe(0);
  });
});

import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { mixToMono, parseWav, readTelephoneWav, resample, toTelephoneAudio } from './wav-file.ts';

interface WavShape {
  rate: number;
  channels: number;
  samples: Int16Array;
  bits?: number;
  formatTag?: number;
  extensible?: boolean;
  chunksBefore?: Array<[string, Buffer]>;
  dataSize?: number;
}

function chunk(id: string, body: Buffer, declared = body.length): Buffer {
  const header = Buffer.alloc(8);
  header.write(id, 0, 'ascii');
  header.writeUInt32LE(declared, 4);
  return Buffer.concat([header, body, Buffer.alloc(body.length % 2)]);
}

function wavBytes(shape: WavShape): Buffer {
  const bits = shape.bits ?? 16;
  const fmt = Buffer.alloc(shape.extensible ? 40 : 16);
  fmt.writeUInt16LE(shape.extensible ? 0xfffe : (shape.formatTag ?? 1), 0);
  fmt.writeUInt16LE(shape.channels, 2);
  fmt.writeUInt32LE(shape.rate, 4);
  fmt.writeUInt32LE((shape.rate * shape.channels * bits) / 8, 8);
  fmt.writeUInt16LE((shape.channels * bits) / 8, 12);
  fmt.writeUInt16LE(bits, 14);
  if (shape.extensible) {
    fmt.writeUInt16LE(22, 16);
    fmt.writeUInt16LE(bits, 18);
    fmt.writeUInt16LE(shape.formatTag ?? 1, 24);
  }
  const data = Buffer.from(shape.samples.buffer, shape.samples.byteOffset, shape.samples.byteLength);
  const body = Buffer.concat([
    Buffer.from('WAVE'),
    ...(shape.chunksBefore ?? []).map(([id, b]) => chunk(id, b)),
    chunk('fmt ', fmt),
    chunk('data', data, shape.dataSize),
  ]);
  return chunk('RIFF', body);
}

function tone(frequency: number, rate: number, seconds: number, amplitude: number): Float32Array {
  const out = new Float32Array(Math.round(rate * seconds));
  for (let i = 0; i < out.length; i++) out[i] = amplitude * Math.sin((2 * Math.PI * frequency * i) / rate);
  return out;
}

function rms(samples: ArrayLike<number>, from = 0, to = samples.length): number {
  let sum = 0;
  for (let i = from; i < to; i++) sum += samples[i]! ** 2;
  return Math.sqrt(sum / (to - from));
}

/** The amplitude of one frequency in the samples (a single DFT bin). */
function amplitudeAt(samples: ArrayLike<number>, frequency: number, rate: number, from: number, to: number): number {
  let re = 0;
  let im = 0;
  for (let i = from; i < to; i++) {
    re += samples[i]! * Math.cos((2 * Math.PI * frequency * i) / rate);
    im += samples[i]! * Math.sin((2 * Math.PI * frequency * i) / rate);
  }
  return (2 * Math.hypot(re, im)) / (to - from);
}

describe('parseWav', () => {
  it('reads 16-bit PCM frames, skipping other chunks and their pad bytes', () => {
    const samples = Int16Array.from([1, -1, 32767, -32768, 300, -300]);
    const audio = parseWav(
      wavBytes({ rate: 44100, channels: 2, samples, chunksBefore: [['LIST', Buffer.from('odd')]] }),
    );
    expect(audio).toMatchObject({ sampleRate: 44100, channels: 2 });
    expect([...audio.samples]).toEqual([...samples]);
  });

  it('reads WAVE_FORMAT_EXTENSIBLE PCM and a data size left open by a streaming writer', () => {
    const samples = Int16Array.from([10, 20, 30, 40]);
    const audio = parseWav(wavBytes({ rate: 16000, channels: 1, samples, extensible: true, dataSize: 0xffffffff }));
    expect(audio).toMatchObject({ sampleRate: 16000, channels: 1 });
    expect([...audio.samples]).toEqual([10, 20, 30, 40]);
  });

  it('refuses what is not 16-bit PCM WAV, saying so', () => {
    const samples = Int16Array.from([0, 0]);
    expect(() => parseWav(wavBytes({ rate: 8000, channels: 1, samples, bits: 8 }))).toThrow(/8-bit PCM.*16-bit/);
    expect(() => parseWav(wavBytes({ rate: 8000, channels: 1, samples, bits: 32, formatTag: 3 }))).toThrow(/format 3/);
    expect(() =>
      parseWav(wavBytes({ rate: 8000, channels: 1, samples, extensible: true, formatTag: 3, bits: 32 })),
    ).toThrow(/format 3/);
    expect(() => parseWav(Buffer.from('ID3 not a wav file at all'))).toThrow(/not a RIFF\/WAVE/);
  });
});

describe('toTelephoneAudio', () => {
  it('mixes the channels down by averaging them', () => {
    const stereo = Int16Array.from([1000, -1000, 400, 0, -8000, -2000]);
    expect([...mixToMono({ sampleRate: 8000, channels: 2, samples: stereo })]).toEqual([0, 200, -5000]);
  });

  it('turns 44.1 kHz stereo speech-band audio into 8 kHz mono at the same pitch and level', () => {
    const left = tone(1000, 44100, 1, 10000);
    const stereo = new Int16Array(left.length * 2);
    left.forEach((s, i) => stereo.set([Math.round(s), Math.round(s)], 2 * i));
    const out = toTelephoneAudio({ sampleRate: 44100, channels: 2, samples: stereo });
    expect(out.length).toBe(8000);
    // Away from the edges, the tone is a 1 kHz tone of the same amplitude.
    expect(amplitudeAt(out, 1000, 8000, 400, 7600)).toBeGreaterThan(9800);
    expect(amplitudeAt(out, 1000, 8000, 400, 7600)).toBeLessThan(10200);
    expect(rms(out, 400, 7600)).toBeCloseTo(10000 / Math.SQRT2, -2);
  });

  it('filters out what 8 kHz cannot carry instead of folding it back as an alias', () => {
    // 6 kHz at 48 kHz would alias to 2 kHz at 8 kHz without the low-pass.
    const out = resample(tone(6000, 48000, 0.5, 10000), 48000, 8000);
    expect(out.length).toBe(4000);
    expect(rms(out, 200, 3800)).toBeLessThan(50);
    // While 3 kHz, inside the telephone band, passes.
    expect(rms(resample(tone(3000, 48000, 0.5, 10000), 48000, 8000), 200, 3800)).toBeGreaterThan(6900);
  });

  it('raises a lower rate to 8 kHz too', () => {
    const out = resample(tone(500, 4000, 0.5, 10000), 4000, 8000);
    expect(out.length).toBe(4000);
    expect(amplitudeAt(out, 500, 8000, 200, 3800)).toBeGreaterThan(9800);
  });
});

describe('readTelephoneWav', () => {
  it('reads a file as 8 kHz mono and names the file when it cannot', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'wav-file-'));
    try {
      const good = path.join(dir, 'good.wav');
      const samples = Int16Array.from(tone(400, 16000, 0.25, 5000), Math.round);
      await fs.writeFile(good, wavBytes({ rate: 16000, channels: 1, samples }));
      expect((await readTelephoneWav(good)).length).toBe(2000);
      const bad = path.join(dir, 'bad.wav');
      await fs.writeFile(bad, 'hello');
      await expect(readTelephoneWav(bad)).rejects.toThrow(`${bad}: not a RIFF/WAVE file`);
      await expect(readTelephoneWav(path.join(dir, 'missing.wav'))).rejects.toThrow(/cannot read .*missing\.wav/);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});

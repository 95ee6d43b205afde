import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runFfmpeg } from '../ffmpeg.ts';
import { aLawDecodeTable, aLawEncode, muLawDecodeTable, muLawEncode } from './g711.ts';

const laws = [
  {
    name: 'mu-law',
    ffmpegFormat: 'mulaw',
    encode: muLawEncode,
    table: muLawDecodeTable,
    zeros: [0x7f, 0xff],
    extremes: [0x00, 0x80],
  },
  {
    name: 'A-law',
    ffmpegFormat: 'alaw',
    encode: aLawEncode,
    table: aLawDecodeTable,
    zeros: [],
    extremes: [0x2a, 0xaa],
  },
] as const;

/** Every byte 0..255 decoded by ffmpeg's own G.711 decoder, as a second opinion on the tables. */
async function ffmpegDecodeAllBytes(format: string): Promise<Int16Array> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'vox-g711-'));
  try {
    const input = path.join(dir, 'codes.raw');
    const output = path.join(dir, 'pcm.raw');
    await fs.writeFile(input, Buffer.from(Array.from({ length: 256 }, (_, byte) => byte)));
    await runFfmpeg(['-f', format, '-ar', '8000', '-ac', '1', '-i', input, '-f', 's16le', '-y', output]);
    const pcm = await fs.readFile(output);
    return new Int16Array(pcm.buffer.slice(pcm.byteOffset, pcm.byteOffset + pcm.byteLength));
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

describe('G.711 decode tables', () => {
  it('hold the values of the ITU-T tables for known codes', () => {
    expect([0x00, 0x0f, 0x7e, 0x7f, 0x80, 0xfe, 0xff].map((c) => muLawDecodeTable[c])).toEqual([
      -32124, -16764, -8, 0, 32124, 8, 0,
    ]);
    expect([0x00, 0x2a, 0x55, 0x80, 0xaa, 0xd5].map((c) => aLawDecodeTable[c])).toEqual([
      -5504, -32256, -8, 5504, 32256, 8,
    ]);
  });

  for (const law of laws) {
    it(`${law.name}: agree with ffmpeg's decoder on all 256 codes`, async () => {
      expect(Array.from(law.table)).toEqual(Array.from(await ffmpegDecodeAllBytes(law.ffmpegFormat)));
    });
  }
});

describe('G.711 encoders', () => {
  it('code silence and full scale as the standard does', () => {
    expect(muLawEncode(0)).toBe(0xff);
    expect(muLawEncode(32767)).toBe(0x80);
    expect(muLawEncode(-32768)).toBe(0x00);
    expect(aLawEncode(0)).toBe(0xd5);
    expect(aLawEncode(-1)).toBe(0x55);
    expect(aLawEncode(32767)).toBe(0xaa);
    expect(aLawEncode(-32768)).toBe(0x2a);
  });

  it('round, clip and ignore what is not a sample', () => {
    expect(muLawEncode(1000.4)).toBe(muLawEncode(1000));
    expect(muLawEncode(1e9)).toBe(muLawEncode(32767));
    expect(aLawEncode(-1e9)).toBe(aLawEncode(-32768));
    expect(aLawEncode(Number.NaN)).toBe(aLawEncode(0));
  });

  for (const law of laws) {
    it(`${law.name}: encoding a decoded value gives its code back (bar the duplicate zero)`, () => {
      for (let code = 0; code < 256; code++) {
        const expected = code === 0x7f && law.name === 'mu-law' ? 0xff : code;
        expect(law.encode(law.table[code]!), `code ${code}`).toBe(expected);
      }
    });

    it(`${law.name}: every 16-bit sample lands in one interval, decoded at its middle`, () => {
      // G.711 decodes a code to the middle of its decision interval. On 16-bit integers with
      // negatives taken as the one's complement (ITU-T G.191) the intervals are symmetric about
      // -0.5, so every middle sits half a unit below the decoded value, on both signs.
      const first = new Map<number, number>();
      const last = new Map<number, number>();
      const faults: string[] = [];
      let previousLevel = -Infinity;
      for (let x = -32768; x <= 32767; x++) {
        const code = law.encode(x);
        const level = law.table[code]!;
        if (level < previousLevel) faults.push(`${x} decodes below ${x - 1}`);
        if (last.has(code) && last.get(code) !== x - 1) faults.push(`code ${code} is split at ${x}`);
        previousLevel = level;
        if (!first.has(code)) first.set(code, x);
        last.set(code, x);
      }
      expect(faults.slice(0, 5)).toEqual([]);
      expect(first.size).toBe(256);
      for (const [code, from] of first) {
        if ((law.zeros as readonly number[]).includes(code) || (law.extremes as readonly number[]).includes(code))
          continue;
        const middle = (from + last.get(code)!) / 2;
        expect(middle - law.table[code]!, `code ${code}`).toBe(-0.5);
      }
    });
  }

  it('keep a tone recognisable: about 38 dB signal to noise at -10 dBFS', () => {
    for (const law of laws) {
      let signal = 0;
      let noise = 0;
      for (let n = 0; n < 8000; n++) {
        const x = Math.round(10362 * Math.sin((2 * Math.PI * 1004 * n) / 8000));
        const y = law.table[law.encode(x)]!;
        signal += x * x;
        noise += (y - x) * (y - x);
      }
      expect(10 * Math.log10(signal / noise), law.name).toBeGreaterThan(35);
    }
  });
});

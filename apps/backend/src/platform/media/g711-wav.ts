import { muLawEncode } from './rtp/g711.ts';

/**
 * WAV G.711 mu-law (8 kHz, 8 bits per sample; stereo with the agent left and the customer right,
 * as speech analytics tells the speakers apart by channel), the analytics format: RIFF with a
 * `fmt ` chunk of format tag 7, a `fact` chunk and `data`. The sizes are patched in at the end.
 */
export const wavHeaderBytes = 58;

export function wavHeader(dataBytes: number, sampleRate = 8000, channels = 2): Buffer {
  const header = Buffer.alloc(wavHeaderBytes);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(wavHeaderBytes - 8 + dataBytes, 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(18, 16);
  header.writeUInt16LE(7, 20); // WAVE_FORMAT_MULAW
  header.writeUInt16LE(channels, 22);
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * channels, 28); // bytes per second: one byte per sample
  header.writeUInt16LE(channels, 32);
  header.writeUInt16LE(8, 34);
  header.writeUInt16LE(0, 36); // no extra format bytes
  header.write('fact', 38, 'ascii');
  header.writeUInt32LE(4, 42);
  header.writeUInt32LE(dataBytes / channels, 46); // sample frames
  header.write('data', 50, 'ascii');
  header.writeUInt32LE(dataBytes, 54);
  return header;
}

/**
 * The header a WAV starts with while it is being written: sizes at their maximum, which readers
 * take as "up to the end of the file", so a file whose writer died still plays.
 */
export function provisionalWavHeader(sampleRate = 8000, channels = 2): Buffer {
  const header = wavHeader(0, sampleRate, channels);
  header.writeUInt32LE(0xffffffff, 4);
  header.writeUInt32LE(0xffffffff, 46);
  header.writeUInt32LE(0xffffffff - (wavHeaderBytes - 8), 54);
  return header;
}

/** Interleaves the two channels' first `frames` samples (-1..1) as mu-law bytes. */
export function muLawEncodeStereo(left: Float32Array, right: Float32Array, frames: number): Buffer {
  const out = Buffer.allocUnsafe(frames * 2);
  for (let i = 0; i < frames; i++) {
    out[2 * i] = muLawEncode((left[i] ?? 0) * 32767);
    out[2 * i + 1] = muLawEncode((right[i] ?? 0) * 32767);
  }
  return out;
}

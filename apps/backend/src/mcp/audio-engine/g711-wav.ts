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

const bias = 0x84;
const clip = 32635;

/** ITU-T G.711 mu-law of one sample (-1..1). */
export function muLaw(sample: number): number {
  let pcm = Math.round(Math.max(-1, Math.min(1, sample)) * 32767);
  const sign = pcm < 0 ? 0x80 : 0;
  if (sign) pcm = -pcm;
  if (pcm > clip) pcm = clip;
  pcm += bias;
  let exponent = 7;
  for (let mask = 0x4000; (pcm & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  const mantissa = (pcm >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

/** Interleaves the two channels' first `frames` samples as mu-law bytes. */
export function muLawEncodeStereo(left: Float32Array, right: Float32Array, frames: number): Buffer {
  const out = Buffer.allocUnsafe(frames * 2);
  for (let i = 0; i < frames; i++) {
    out[2 * i] = muLaw(left[i] ?? 0);
    out[2 * i + 1] = muLaw(right[i] ?? 0);
  }
  return out;
}

/** ITU-T G.711 mu-law byte back to a sample (-1..1). */
export function muLawDecode(byte: number): number {
  const value = ~byte & 0xff;
  const exponent = (value >> 4) & 0x07;
  const magnitude = ((((value & 0x0f) << 3) + bias) << exponent) - bias;
  return (value & 0x80 ? -magnitude : magnitude) / 32768;
}

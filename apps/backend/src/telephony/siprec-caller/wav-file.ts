import fs from 'node:fs/promises';
import { errorMessage } from '@vox/shared';

/** 16-bit PCM as read from a WAV file: frames of `channels` interleaved samples. */
export interface PcmAudio {
  sampleRate: number;
  channels: number;
  samples: Int16Array;
}

/** The sample rate of G.711 telephone audio. */
export const telephoneSampleRate = 8000;

const waveFormatPcm = 1;
const waveFormatExtensible = 0xfffe;

/**
 * Reads a RIFF/WAVE file of 16-bit PCM (plain or WAVE_FORMAT_EXTENSIBLE), any rate and channel
 * count. Chunks before, between and after `fmt ` and `data` are skipped. A `data` size larger than
 * the file (or 0xFFFFFFFF, as streaming writers leave it) means "up to the end of the file".
 */
export function parseWav(bytes: Uint8Array): PcmAudio {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const ascii = (offset: number): string =>
    String.fromCharCode(...bytes.subarray(offset, Math.min(offset + 4, bytes.length)));
  if (bytes.length < 12 || ascii(0) !== 'RIFF' || ascii(8) !== 'WAVE') {
    throw new Error(ascii(0) === 'RF64' ? 'RF64 WAV files are not supported' : 'not a RIFF/WAVE file');
  }
  let format: { tag: number; channels: number; sampleRate: number; blockAlign: number; bits: number } | undefined;
  let data: Uint8Array | undefined;
  for (let offset = 12; offset + 8 <= bytes.length;) {
    const id = ascii(offset);
    const declared = view.getUint32(offset + 4, true);
    const start = offset + 8;
    const size = Math.min(declared, bytes.length - start);
    if (id === 'fmt ') {
      if (size < 16) throw new Error('WAV fmt chunk too short');
      let tag = view.getUint16(start, true);
      // WAVE_FORMAT_EXTENSIBLE names the real format in the first two bytes of its sub-format GUID.
      if (tag === waveFormatExtensible && size >= 26) tag = view.getUint16(start + 24, true);
      format = {
        tag,
        channels: view.getUint16(start + 2, true),
        sampleRate: view.getUint32(start + 4, true),
        blockAlign: view.getUint16(start + 12, true),
        bits: view.getUint16(start + 14, true),
      };
    } else if (id === 'data') {
      data = bytes.subarray(start, start + size);
    }
    // Chunks are padded to an even size.
    offset = start + size + (size % 2);
  }
  if (!format) throw new Error('WAV file without a fmt chunk');
  if (!data) throw new Error('WAV file without a data chunk');
  if (format.tag !== waveFormatPcm || format.bits !== 16) {
    const kind = format.tag === waveFormatPcm ? `${format.bits}-bit PCM` : `format ${format.tag}`;
    throw new Error(`WAV ${kind} is not supported: 16-bit PCM only (sox in.wav -b 16 -e signed out.wav)`);
  }
  if (format.channels < 1 || format.sampleRate < 1) throw new Error('WAV fmt chunk without channels or rate');
  const blockAlign = Math.max(format.blockAlign, 2 * format.channels);
  const frames = Math.floor(data.length / blockAlign);
  const samples = new Int16Array(frames * format.channels);
  const dataView = new DataView(data.buffer, data.byteOffset, data.byteLength);
  for (let frame = 0; frame < frames; frame++) {
    for (let channel = 0; channel < format.channels; channel++) {
      samples[frame * format.channels + channel] = dataView.getInt16(frame * blockAlign + channel * 2, true);
    }
  }
  return { sampleRate: format.sampleRate, channels: format.channels, samples };
}

/** The channels averaged into one. */
export function mixToMono(audio: PcmAudio): Float32Array {
  const frames = Math.floor(audio.samples.length / audio.channels);
  const mono = new Float32Array(frames);
  for (let frame = 0; frame < frames; frame++) {
    let sum = 0;
    for (let channel = 0; channel < audio.channels; channel++) sum += audio.samples[frame * audio.channels + channel]!;
    mono[frame] = sum / audio.channels;
  }
  return mono;
}

/** Zero crossings of the sinc on each side: the filter's length, traded against its steepness. */
const zeroCrossings = 12;
/** Kernel table entries per input sample; between them the kernel is interpolated linearly. */
const tableResolution = 64;

function sinc(x: number): number {
  return x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
}

/**
 * Band-limited resampling with a Blackman-windowed sinc. When lowering the rate, the cutoff sits
 * below the new Nyquist frequency (at 46% of the new rate) so that what the new rate cannot carry
 * is filtered out instead of folding back as aliases: 48 kHz music does not whistle at 8 kHz.
 */
export function resample(samples: Float32Array, fromRate: number, toRate: number): Float32Array {
  if (fromRate === toRate) return Float32Array.from(samples);
  const ratio = toRate / fromRate;
  const cutoff = 0.46 * Math.min(1, ratio); // cycles per input sample
  const halfWidth = zeroCrossings / (2 * cutoff); // input samples on each side
  const table = new Float32Array(Math.ceil(halfWidth * tableResolution) + 2);
  for (let i = 0; i < table.length; i++) {
    const x = i / tableResolution;
    const position = Math.min(1, x / halfWidth);
    const window = 0.42 + 0.5 * Math.cos(Math.PI * position) + 0.08 * Math.cos(2 * Math.PI * position);
    table[i] = sinc(2 * cutoff * x) * window;
  }
  const kernel = (distance: number): number => {
    const at = Math.abs(distance) * tableResolution;
    const index = Math.floor(at);
    if (index >= table.length - 1) return 0;
    return table[index]! + (table[index + 1]! - table[index]!) * (at - index);
  };
  const length = Math.floor((samples.length * toRate) / fromRate);
  const out = new Float32Array(length);
  for (let n = 0; n < length; n++) {
    const center = n / ratio;
    const first = Math.max(0, Math.ceil(center - halfWidth));
    const last = Math.min(samples.length - 1, Math.floor(center + halfWidth));
    let sum = 0;
    let weights = 0;
    for (let k = first; k <= last; k++) {
      const weight = kernel(center - k);
      sum += samples[k]! * weight;
      weights += weight;
    }
    // Dividing by the weights gives unity gain at DC, also at the edges where the kernel is cut.
    out[n] = weights === 0 ? 0 : sum / weights;
  }
  return out;
}

function toInt16(samples: Float32Array): Int16Array {
  const out = new Int16Array(samples.length);
  for (let i = 0; i < samples.length; i++) out[i] = Math.max(-32768, Math.min(32767, Math.round(samples[i]!)));
  return out;
}

/** The audio as one 8 kHz channel, ready for G.711. */
export function toTelephoneAudio(audio: PcmAudio): Int16Array {
  return toInt16(resample(mixToMono(audio), audio.sampleRate, telephoneSampleRate));
}

/** Reads a 16-bit PCM WAV file as 8 kHz mono; errors name the file. */
export async function readTelephoneWav(file: string): Promise<Int16Array> {
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(file);
  } catch (error) {
    throw new Error(`cannot read ${file}: ${errorMessage(error)}`);
  }
  try {
    return toTelephoneAudio(parseWav(bytes));
  } catch (error) {
    throw new Error(`${file}: ${errorMessage(error)}`);
  }
}

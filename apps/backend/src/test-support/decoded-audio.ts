import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runFfmpeg } from '../platform/media/ffmpeg.ts';

/** A media file decoded by ffmpeg to 16-bit PCM, for checks of what a listener would hear. */
export class DecodedAudio {
  private constructor(
    readonly samples: Int16Array,
    readonly sampleRate: number,
    readonly channels: number,
  ) {}

  static async fromBytes(bytes: Buffer, extension: string, sampleRate = 8000, channels = 1): Promise<DecodedAudio> {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'vox-decode-'));
    try {
      const input = path.join(dir, `input.${extension}`);
      const raw = path.join(dir, 'output.raw');
      await fs.writeFile(input, bytes);
      await runFfmpeg(['-i', input, '-f', 's16le', '-ac', String(channels), '-ar', String(sampleRate), '-y', raw]);
      const pcm = await fs.readFile(raw);
      return new DecodedAudio(new Int16Array(pcm.buffer, pcm.byteOffset, pcm.byteLength / 2), sampleRate, channels);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  }

  get durationMs(): number {
    return (this.samples.length / this.channels / this.sampleRate) * 1000;
  }

  /** RMS level (0..1) of one channel over [fromMs, toMs). */
  rms(channel: number, fromMs: number, toMs: number): number {
    const from = Math.max(0, Math.floor((fromMs * this.sampleRate) / 1000));
    const to = Math.min(this.samples.length / this.channels, Math.floor((toMs * this.sampleRate) / 1000));
    let sum = 0;
    for (let frame = from; frame < to; frame++) {
      const sample = (this.samples[frame * this.channels + channel] ?? 0) / 32768;
      sum += sample * sample;
    }
    return Math.sqrt(sum / Math.max(1, to - from));
  }

  /** One channel as floats (-1..1), for detectors. */
  channel(channel: number): Float32Array {
    const frames = this.samples.length / this.channels;
    const out = new Float32Array(frames);
    for (let i = 0; i < frames; i++) out[i] = (this.samples[i * this.channels + channel] ?? 0) / 32768;
    return out;
  }
}

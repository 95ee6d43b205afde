import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { once } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import { FfmpegError, ffmpegPath } from '../media/ffmpeg.ts';
import type { RecordingProfile } from './recording-profile.ts';

/**
 * Encodes interleaved PCM to an MP3 file with ffmpeg's LAME, fed through stdin as the call runs.
 * One ffmpeg process per recording: simple and exact, and the next step is an in-process encoder
 * for high concurrency.
 */
export class Mp3FileEncoder {
  private readonly child: ChildProcessByStdio<Writable, null, Readable>;
  private stderr = '';
  private readonly exited: Promise<number | null>;

  constructor(
    readonly outputPath: string,
    readonly profile: RecordingProfile,
  ) {
    this.child = spawn(
      ffmpegPath,
      [
        '-hide_banner',
        '-loglevel',
        'error',
        '-f',
        's16le',
        '-ar',
        String(profile.sampleRate),
        '-ac',
        String(profile.channels),
        '-i',
        'pipe:0',
        '-c:a',
        'libmp3lame',
        '-b:a',
        `${profile.bitrateKbps}k`,
        // Without an explicit output rate ffmpeg may pick 44.1 kHz, where 16 kbit/s becomes 32.
        '-ar',
        String(profile.sampleRate),
        '-ac',
        String(profile.channels),
        '-f',
        'mp3',
        '-y',
        outputPath,
      ],
      { stdio: ['pipe', 'ignore', 'pipe'] },
    );
    this.child.stderr.setEncoding('utf8');
    this.child.stderr.on('data', (text: string) => (this.stderr = (this.stderr + text).slice(-8000)));
    // An early ffmpeg exit surfaces in finish(); an EPIPE on stdin must not crash the process.
    this.child.stdin.on('error', () => undefined);
    this.exited = once(this.child, 'close').then(([code]) => code as number | null);
  }

  /** Takes float samples (-1..1), interleaved by channel. */
  write(samples: Float32Array): void {
    const pcm = Buffer.allocUnsafe(samples.length * 2);
    for (let i = 0; i < samples.length; i++) {
      const s = Math.max(-1, Math.min(1, samples[i] ?? 0));
      pcm.writeInt16LE(Math.round(s * 32767), i * 2);
    }
    this.child.stdin.write(pcm);
  }

  async finish(): Promise<void> {
    this.child.stdin.end();
    const code = await this.exited;
    if (code !== 0) throw new FfmpegError(`MP3 encoder exited with ${code}: ${this.stderr.trim()}`, this.stderr);
  }

  abort(): void {
    this.child.kill('SIGKILL');
  }
}

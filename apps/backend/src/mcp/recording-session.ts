import type { Pause } from '@vox/shared';
import { Conversation } from './conversation.ts';
import { Mp3FileEncoder } from './mp3-encoder.ts';
import type { RecordingProfile } from './recording-profile.ts';

export interface CapturedMedia {
  path: string;
  startTime: Date;
  stopTime: Date;
  durationMs: number;
  pauses: Pause[];
}

/**
 * One MSML `<record>` running on an MCP: captures the parties' audio in real time and encodes it.
 * A paused stretch is written as silence, so the file keeps the call's timeline and the screen
 * recording lines up with it.
 */
export class RecordingSession {
  private readonly conversation: Conversation;
  private readonly encoder: Mp3FileEncoder;
  private framesWritten = 0;
  private pausedAtFrame: number | undefined;
  private readonly pauses: Pause[] = [];
  private stopped = false;

  constructor(
    readonly outputPath: string,
    readonly profile: RecordingProfile,
    readonly startTime: Date,
    seed: number,
  ) {
    this.conversation = new Conversation(profile.sampleRate, profile.channels as 1 | 2, seed);
    this.encoder = new Mp3FileEncoder(outputPath, profile);
  }

  get paused(): boolean {
    return this.pausedAtFrame !== undefined;
  }

  /** Captures everything due up to `now`. Called by the MCP's media clock. */
  pump(now: number): void {
    if (this.stopped) return;
    const due = Math.floor(((now - this.startTime.getTime()) * this.profile.sampleRate) / 1000);
    const frames = due - this.framesWritten;
    if (frames <= 0) return;
    const samples = new Float32Array(frames * this.profile.channels);
    // Time passes in the conversation while paused too: the parties keep talking unheard.
    this.conversation.render(samples, frames);
    if (this.paused) samples.fill(0);
    this.encoder.write(samples);
    this.framesWritten = due;
  }

  pause(now: number): void {
    if (this.paused || this.stopped) return;
    this.pump(now);
    this.pausedAtFrame = this.framesWritten;
  }

  resume(now: number): void {
    if (this.pausedAtFrame === undefined || this.stopped) return;
    this.pump(now);
    this.pauses.push({
      offset: this.framesToMs(this.pausedAtFrame),
      duration: this.framesToMs(this.framesWritten - this.pausedAtFrame),
    });
    this.pausedAtFrame = undefined;
  }

  async stop(now: number): Promise<CapturedMedia> {
    if (this.paused) this.resume(now);
    this.pump(now);
    this.stopped = true;
    await this.encoder.finish();
    const durationMs = this.framesToMs(this.framesWritten);
    return {
      path: this.outputPath,
      startTime: this.startTime,
      stopTime: new Date(this.startTime.getTime() + durationMs),
      durationMs,
      pauses: this.pauses,
    };
  }

  abort(): void {
    this.stopped = true;
    this.encoder.abort();
  }

  private framesToMs(frames: number): number {
    return Math.round((frames * 1000) / this.profile.sampleRate);
  }
}

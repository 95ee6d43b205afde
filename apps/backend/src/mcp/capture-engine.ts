import type { Pause } from '@vox/shared';

/** The files an MCP can write for a recording (GIR: MP3 for playback, WAV G.711 for analytics). */
export type MediaFormat = 'mp3-8k-mono' | 'mp3-16k-stereo' | 'mp3-32k-stereo' | 'wav-g711-ulaw';

export interface CaptureOutput {
  format: MediaFormat;
  path: string;
  /** encrypt the file as it is written, for this tenant key (see crypto/media-cipher.ts) */
  encryption?: { keyId: string; publicKey: string };
}

export interface CaptureOptions {
  /** epoch ms: the timeline origin of the files */
  startTime: number;
  /** voices differ per call and per party, the same for the same seed */
  seed: number;
  outputs: CaptureOutput[];
}

export interface CapturedMedia {
  startTime: Date;
  stopTime: Date;
  durationMs: number;
  pauses: Pause[];
  outputs: Array<{ format: MediaFormat; path: string; size: number }>;
}

/** One recording's capture: the parties' audio, encoded to every output as the call runs. */
export interface CaptureHandle {
  pause(at: number): void;
  resume(at: number): void;
  keyDigits(side: 'agent' | 'customer', digits: string, at: number): void;
  stop(at: number): Promise<CapturedMedia>;
}

/** Where an MCP's captures run. */
export interface CaptureEngine {
  start(options: CaptureOptions): CaptureHandle;
  close(): Promise<void>;
}

import type { Pause } from '@vox/shared';
import type { RtpStreamStats } from './rtp/rtp-playout-clock.ts';

/** The files an MCP can write for a recording (GIR: MP3 for playback, WAV G.711 for analytics). */
export type MediaFormat = 'mp3-8k-mono' | 'mp3-16k-stereo' | 'mp3-32k-stereo' | 'wav-g711-ulaw';

/** The formats' rates (GIR: MP3 8 kbit/s mono, 16 or 32 kbit/s stereo; WAV G.711 for analytics). */
export const mediaFormats: Record<MediaFormat, { sampleRate: number; channels: 1 | 2; bitrateKbps: number }> = {
  'mp3-8k-mono': { sampleRate: 8000, channels: 1, bitrateKbps: 8 },
  'mp3-16k-stereo': { sampleRate: 16000, channels: 2, bitrateKbps: 16 },
  // LAME needs 22.05 kHz or more for 32 kbit/s stereo to be what it says.
  'mp3-32k-stereo': { sampleRate: 22050, channels: 2, bitrateKbps: 32 },
  'wav-g711-ulaw': { sampleRate: 8000, channels: 2, bitrateKbps: 128 },
};

export interface CaptureOutput {
  format: MediaFormat;
  path: string;
  /** encrypt the file as it is written, for this tenant key (see crypto/media-cipher.ts) */
  encryption?: { keyId: string; publicKey: string };
}

export type CallSide = 'agent' | 'customer';

/** A stream of a real call forked to Vox (SIPREC): where it arrives and how it is coded. */
export interface RtpStreamSpec {
  side: CallSide;
  host: string;
  port: number;
  codec: 'PCMU' | 'PCMA' | 'G722';
  payloadType: number;
  /** RFC 4733 telephone-event payload type, when offered */
  telephoneEvent: number | undefined;
}

/** What a received stream looked like, kept with the recording. */
export interface RtpStreamReport extends RtpStreamStats {
  side: CallSide;
  port: number;
  codec: RtpStreamSpec['codec'];
  /** the sender latched on (address:port) */
  source?: string;
  /** times another sender took over after the first went quiet */
  relatches: number;
  /** packets that came after their audio was encoded */
  late: number;
  /** packets thrown away: from another sender, of a codec not negotiated, not RTP */
  dropped: number;
}

export interface CaptureOptions {
  /** epoch ms: the timeline origin of the files */
  startTime: number;
  /** voices differ per call and per party, the same for the same seed */
  seed: number;
  outputs: CaptureOutput[];
  /** a real call: the parties' audio comes from these RTP streams instead of generated voices */
  rtp?: RtpStreamSpec[];
}

export interface CapturedMedia {
  startTime: Date;
  stopTime: Date;
  durationMs: number;
  pauses: Pause[];
  outputs: Array<{ format: MediaFormat; path: string; size: number }>;
  /** for an RTP capture, what each stream brought */
  rtp?: RtpStreamReport[];
}

/** One recording's capture: the parties' audio, encoded to every output as the call runs. */
export interface CaptureHandle {
  pause(at: number): void;
  resume(at: number): void;
  keyDigits(side: CallSide, digits: string, at: number): void;
  stop(at: number): Promise<CapturedMedia>;
  /** Called once if the capture fails while it runs (its worker died), before anyone stops it. */
  onFailure?(listener: (error: Error) => void): void;
}

/** What an RTP capture reports while it runs. */
export interface RtpCaptureListener {
  /** an RFC 4733 digit began, `atMs` after the capture's start */
  digit(side: CallSide, digit: string, atMs: number): void;
}

/** An RTP capture: its sockets are bound once `bound` resolves (it rejects when a port is taken). */
export interface RtpCaptureHandle extends CaptureHandle {
  bound: Promise<void>;
  /** epoch ms of the last RTP packet (the start while none has come), as of the last second */
  lastPacketAt(): number;
}

/** Where an MCP's captures run. */
export interface CaptureEngine {
  start(options: CaptureOptions): CaptureHandle;
  /** A capture of a real call's RTP streams (`options.rtp`). */
  startRtp(options: CaptureOptions & { rtp: RtpStreamSpec[] }, listener: RtpCaptureListener): RtpCaptureHandle;
  close(): Promise<void>;
}

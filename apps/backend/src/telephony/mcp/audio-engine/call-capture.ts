import fs from 'node:fs';
import type { Pause } from '@vox/shared';
import type { WasmMediaEncoder } from 'wasm-media-encoders';
import { ChunkEncryptor, resealFile } from '../../../recording/crypto/media-cipher.ts';
import {
  mediaFormats,
  type CaptureOptions,
  type CaptureOutput as CaptureOutputSpec,
  type MediaFormat,
  type RtpStreamReport,
} from '../../../platform/media/capture-engine.ts';
import { Conversation } from '../conversation.ts';
import type { SpokenPhrases } from './espeak-phrases.ts';
import { dtmfGapMs, dtmfToneMs, renderDtmfTone } from '../../../platform/media/dtmf.ts';
import {
  muLawEncodeStereo,
  provisionalWavHeader,
  wavHeader,
  wavHeaderBytes,
} from '../../../platform/media/g711-wav.ts';
import type { RtpCallAudio } from './rtp-call-audio.ts';

/**
 * LAME's delay: a decoder plays the input's first sample 576 + 529 samples late. Without a gapless
 * header (this encoder writes none) that would shift every pause and tone in the played file, so
 * an MP3 output is fed the call's audio that far ahead instead (see CaptureOutput.lead).
 */
const lameDelayFrames = 576 + 529;

export type Mp3EncoderFactory = () => Promise<WasmMediaEncoder<'audio/mpeg'>>;

interface ScheduledTone {
  side: 'agent' | 'customer';
  digit: string;
  startMs: number;
}

/**
 * Writes a file as it grows, in writes of about a second of audio, not one per 20 ms block, and
 * encrypted before it reaches the disk when a tenant key is given. Every encrypted chunk is sealed
 * as soon as it is full, so a backend that dies leaves a file whose whole chunks can be recovered.
 */
class GrowingFile {
  private readonly fd: number;
  private readonly encryptor: ChunkEncryptor | undefined;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** plaintext bytes written */
  bytes = 0;

  constructor(
    readonly path: string,
    private readonly flushBytes: number,
    private readonly encryption: CaptureOutputSpec['encryption'],
    /** what the file starts with until `close` knows better (a WAV header with unknown sizes) */
    provisionalHead?: Buffer,
  ) {
    this.fd = fs.openSync(path, 'w');
    this.encryptor = encryption ? new ChunkEncryptor(encryption.keyId, encryption.publicKey) : undefined;
    if (this.encryptor) fs.writeSync(this.fd, this.encryptor.header);
    if (provisionalHead) this.append(provisionalHead);
  }

  append(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    // The encoder's output is a view into its memory, reused by the next call: copy it.
    this.pending.push(Buffer.from(chunk));
    this.pendingBytes += chunk.length;
    this.bytes += chunk.length;
    if (this.pendingBytes >= this.flushBytes) this.flush();
  }

  flush(): void {
    if (this.pendingBytes === 0) return;
    const plaintext = Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    if (!this.encryptor) {
      fs.writeSync(this.fd, plaintext);
      return;
    }
    for (const sealed of this.encryptor.push(plaintext)) fs.writeSync(this.fd, sealed);
  }

  /** Finishes the file; `head` replaces its first bytes (a header known only now). */
  close(head?: Buffer): void {
    try {
      this.flush();
      if (this.encryptor) fs.writeSync(this.fd, this.encryptor.finish());
      else if (head) fs.writeSync(this.fd, head, 0, head.length, 0);
    } finally {
      fs.closeSync(this.fd);
    }
    if (this.encryptor && head) this.rewriteHead(head);
  }

  /**
   * The first chunk is sealed already: writing it again under the same key and nonce would break
   * AES-GCM, so the file is sealed anew under a fresh key with the right head (a few hundred
   * kilobytes a minute of WAV, once, at the end).
   */
  private rewriteHead(head: Buffer): void {
    const encryptor = this.encryptor!;
    const { keyId, publicKey } = this.encryption!;
    const decryptor = encryptor.decryptorFor(fs.statSync(this.path).size);
    const rewritten = `${this.path}.head`;
    resealFile(this.path, rewritten, decryptor, new ChunkEncryptor(keyId, publicKey), (plaintext, index) => {
      if (index === 0) head.copy(plaintext, 0, 0, Math.min(head.length, plaintext.length));
    });
    fs.renameSync(rewritten, this.path);
  }

  /** Closes without finishing (the capture is thrown away). */
  discard(): void {
    fs.closeSync(this.fd);
  }
}

/** Where an output's audio comes from: generated voices, or a real call's RTP streams. */
interface PartyAudio {
  render(agent: Float32Array, customer: Float32Array, offset: number, frames: number): void;
}

/** One output file of a capture: its own audio source at its own rate, its encoder, its file. */
class CaptureOutput {
  readonly format: MediaFormat;
  readonly sampleRate: number;
  readonly channels: 1 | 2;
  readonly file: GrowingFile;
  readonly conversation: PartyAudio;
  readonly agent: Float32Array;
  readonly customer: Float32Array;
  encoder: WasmMediaEncoder<'audio/mpeg'> | undefined;
  /**
   * How far ahead of the file's timeline the input runs: input frame j carries the call's audio
   * of timeline frame j + lead, so after the decoder's delay it plays at its own time. The call's
   * first `lead` frames fall inside the delay and are not in the file.
   */
  readonly lead: number;
  /** input frames fed to the encoder so far */
  framesWritten = 0;
  leadSkipped = false;

  constructor(
    { format, path, encryption }: CaptureOutputSpec,
    seed: number,
    phrases: SpokenPhrases | undefined,
    rtpAudio: RtpCallAudio | undefined,
    /** the call's audio is 8 kHz telephony (G.711 streams): the MP3 keeps that rate */
    narrowband: boolean,
  ) {
    const spec = mediaFormats[format];
    this.format = format;
    // Upsampling 8 kHz audio adds no sound, only samples for LAME to analyse: twice the CPU for
    // the same bit rate. MPEG-2.5 at 8 kHz carries 16 and 32 kbit/s stereo as they are.
    this.sampleRate = narrowband && format !== 'wav-g711-ulaw' ? 8000 : spec.sampleRate;
    this.channels = spec.channels;
    const wav = format === 'wav-g711-ulaw';
    this.file = new GrowingFile(
      path,
      Math.max(1024, (spec.bitrateKbps * 1000) / 8),
      encryption,
      wav ? provisionalWavHeader(spec.sampleRate, spec.channels) : undefined,
    );
    this.lead = wav ? 0 : lameDelayFrames;
    this.conversation = rtpAudio
      ? rtpAudio.partyAudio(this.sampleRate)
      : new Conversation(this.sampleRate, seed, phrases);
    const blockFrames = Math.ceil((this.sampleRate * CallCapture.maxBlockMs) / 1000) + 2;
    this.agent = new Float32Array(blockFrames);
    this.customer = this.channels === 2 ? new Float32Array(blockFrames) : this.agent;
  }

  frameAt(msFromStart: number): number {
    return Math.max(0, Math.round((msFromStart * this.sampleRate) / 1000));
  }
}

/**
 * One recording's capture, inside a media worker: renders the parties' audio up to a given time,
 * applies pauses (digital silence, keeping the timeline) and DTMF tones at the exact frames their
 * requests name, encodes each block and appends it to the output files as the call runs.
 */
export class CallCapture {
  /** the most audio rendered in one go: longer stretches (after a stall) are done in pieces */
  static readonly maxBlockMs = 500;

  private readonly outputs: CaptureOutput[];
  /** pause intervals in ms from the start; the last one is open while paused */
  private readonly pauseSpans: Array<{ from: number; to: number | undefined }> = [];
  private readonly tones: ScheduledTone[] = [];
  private readonly toneFree = { agent: 0, customer: 0 };
  /** ms from the start rendered so far; requests for earlier times take effect here */
  private renderedMs = 0;
  private encodersReady = false;
  /** resolves once every encoder is set up; nothing is rendered before */
  readonly ready: Promise<void>;

  constructor(
    readonly options: CaptureOptions,
    createMp3Encoder: Mp3EncoderFactory,
    phrases?: SpokenPhrases,
    /** a real call's streams, when the audio is not generated */
    readonly rtpAudio?: RtpCallAudio,
    /** how far behind real time the worker renders this capture */
    readonly renderDelayMs = 100,
  ) {
    const narrowband = options.rtp !== undefined && options.rtp.every((stream) => stream.codec !== 'G722');
    this.outputs = options.outputs.map((o) => new CaptureOutput(o, options.seed, phrases, rtpAudio, narrowband));
    this.ready = Promise.all(
      this.outputs
        .filter((o) => o.format !== 'wav-g711-ulaw')
        .map(async (output) => {
          const encoder = await createMp3Encoder();
          const spec = mediaFormats[output.format];
          encoder.configure({
            sampleRate: output.sampleRate,
            channels: spec.channels,
            bitrate: spec.bitrateKbps as 8 | 16 | 32,
            outputSampleRate: output.sampleRate as 8000 | 16000 | 22050,
          });
          output.encoder = encoder;
        }),
    ).then(() => {
      this.encodersReady = true;
    });
  }

  /** Epoch ms up to which the audio is rendered. */
  get renderedUntil(): number {
    return this.options.startTime + this.renderedMs;
  }

  get paused(): boolean {
    const last = this.pauseSpans.at(-1);
    return last !== undefined && last.to === undefined;
  }

  pause(at: number): void {
    if (this.paused) return;
    this.pauseSpans.push({ from: this.effectiveMs(at), to: undefined });
  }

  resume(at: number): void {
    const last = this.pauseSpans.at(-1);
    if (!last || last.to !== undefined) return;
    last.to = Math.max(last.from, this.effectiveMs(at));
  }

  /** Each digit: a 100 ms tone, then 100 ms before the next; after any digits still sounding. */
  keyDigits(side: 'agent' | 'customer', digits: string, at: number): void {
    let start = Math.max(this.effectiveMs(at), this.toneFree[side]);
    for (const digit of digits) {
      this.tones.push({ side, digit, startMs: start });
      start += dtmfToneMs + dtmfGapMs;
    }
    this.toneFree[side] = start;
  }

  /** Renders, encodes and writes everything due up to the epoch time `until`. */
  renderUntil(until: number): void {
    if (!this.encodersReady) return;
    const targetMs = until - this.options.startTime;
    while (this.renderedMs < targetMs) {
      const stepMs = Math.min(targetMs, this.renderedMs + CallCapture.maxBlockMs);
      for (const output of this.outputs) this.renderOutput(output, output.frameAt(stepMs));
      this.renderedMs = stepMs;
    }
    this.dropPlayedTones();
    this.rtpAudio?.release();
  }

  /** Renders up to `at`, finishes every file, and says what was captured. */
  finish(at: number): {
    durationMs: number;
    pauses: Pause[];
    outputs: Array<{ format: MediaFormat; path: string; size: number }>;
    rtp?: RtpStreamReport[];
  } {
    if (!this.encodersReady) throw new Error('the capture stopped before its encoders were ready');
    const endMs = this.effectiveMs(at);
    this.renderUntil(this.options.startTime + endMs);
    this.resume(this.options.startTime + endMs);
    const rtp = this.rtpAudio?.report();
    this.rtpAudio?.close();
    const outputs = this.outputs.map((output) => {
      if (output.encoder) {
        output.file.append(output.encoder.finalize());
        output.file.close();
      } else {
        output.file.close(wavHeader(output.file.bytes - wavHeaderBytes, output.sampleRate, output.channels));
      }
      return { format: output.format, path: output.file.path, size: output.file.bytes };
    });
    const pauses = this.pauseSpans
      .map((p) => ({ offset: Math.round(p.from), duration: Math.round((p.to ?? endMs) - p.from) }))
      .filter((p) => p.duration > 0);
    return { durationMs: Math.round(endMs), pauses, outputs, ...(rtp ? { rtp } : {}) };
  }

  /** Closes the files without finishing them (the capture is thrown away). */
  discard(): void {
    this.rtpAudio?.close();
    for (const output of this.outputs) output.file.discard();
  }

  private effectiveMs(at: number): number {
    return Math.max(this.renderedMs, at - this.options.startTime);
  }

  /** Feeds the output up to timeline frame `toFrame` (input runs `lead` frames ahead of it). */
  private renderOutput(output: CaptureOutput, toFrame: number): void {
    if (!output.leadSkipped) this.skipLead(output);
    const inputFrom = output.framesWritten;
    const frames = toFrame - output.lead - inputFrom;
    if (frames <= 0) return;
    // The timeline frame this block's audio belongs to: tones and pauses are placed by it.
    const from = inputFrom + output.lead;
    output.conversation.render(output.agent, output.customer, 0, frames);
    this.overlayTones(output, from, frames);
    this.mutePauses(output, from, frames);
    if (output.encoder) {
      const channels =
        output.channels === 2
          ? [output.agent.subarray(0, frames), output.customer.subarray(0, frames)]
          : [output.agent.subarray(0, frames)];
      output.file.append(output.encoder.encode(channels));
    } else {
      output.file.append(muLawEncodeStereo(output.agent, output.customer, frames));
    }
    output.framesWritten = inputFrom + frames;
  }

  /** Moves the output's conversation past the call's first `lead` frames, which the file cannot hold. */
  private skipLead(output: CaptureOutput): void {
    output.leadSkipped = true;
    for (let skipped = 0; skipped < output.lead;) {
      const n = Math.min(output.lead - skipped, output.agent.length);
      output.conversation.render(output.agent, output.customer, 0, n);
      skipped += n;
    }
  }

  private overlayTones(output: CaptureOutput, from: number, frames: number): void {
    const toneFrames = output.frameAt(dtmfToneMs);
    for (const tone of this.tones) {
      const start = output.frameAt(tone.startMs);
      const lo = Math.max(start, from);
      const hi = Math.min(start + toneFrames, from + frames);
      if (hi <= lo) continue;
      // A party keying digits is not talking meanwhile: the tone replaces its voice.
      const target = tone.side === 'agent' ? output.agent : output.customer;
      renderDtmfTone(tone.digit, output.sampleRate, target, lo - from, hi - lo, lo - start);
    }
  }

  private mutePauses(output: CaptureOutput, from: number, frames: number): void {
    for (const span of this.pauseSpans) {
      const lo = Math.max(output.frameAt(span.from), from);
      const hi = Math.min(span.to === undefined ? Infinity : output.frameAt(span.to), from + frames);
      if (hi <= lo) continue;
      output.agent.fill(0, lo - from, hi - from);
      if (output.customer !== output.agent) output.customer.fill(0, lo - from, hi - from);
    }
  }

  private dropPlayedTones(): void {
    const before = this.renderedMs - dtmfToneMs;
    for (let i = this.tones.length - 1; i >= 0; i--) {
      if (this.tones[i]!.startMs < before) this.tones.splice(i, 1);
    }
  }
}

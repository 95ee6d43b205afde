import type { Readable } from 'node:stream';
import { DtmfDetector } from '../../platform/media/dtmf.ts';
import { muLawDecodeTable } from '../../platform/media/rtp/g711.ts';
import { wavHeaderBytes } from '../../platform/media/g711-wav.ts';

/** What the analytics step measures in a recording (GIR: SpeechMiner's Interaction Receiver). */
export interface SpeechFigures {
  agentTalkMs: number;
  customerTalkMs: number;
  /** both parties silent */
  silenceMs: number;
  /** both parties talking at once */
  overtalkMs: number;
  longestSilenceMs: number;
  /** DTMF digits heard in the recording: card numbers may have been captured (a PCI leak) */
  dtmfDigits: number;
}

const frameMs = 20;
/** A 20 ms frame with an RMS above this (about -40 dBFS) is speech. */
const talkRms = 0.01;
/**
 * Gaps shorter than this inside someone's speech (between words) still count as talk, as a
 * listener hears them; without it pauses between syllables would count as silence.
 */
const hangoverFrames = 10;

/** One channel's voice activity, frame by frame, as its audio streams in. */
class ChannelActivity {
  readonly frames: boolean[] = [];
  readonly dtmf: DtmfDetector;
  digits = 0;
  private readonly frameSize: number;
  private sum = 0;
  private count = 0;

  constructor(sampleRate: number) {
    this.frameSize = Math.round((sampleRate * frameMs) / 1000);
    this.dtmf = new DtmfDetector(sampleRate);
  }

  push(samples: Float32Array): void {
    for (const sample of samples) {
      this.sum += sample * sample;
      if (++this.count === this.frameSize) {
        this.frames.push(Math.sqrt(this.sum / this.frameSize) > talkRms);
        this.sum = 0;
        this.count = 0;
      }
    }
    this.digits += this.dtmf.push(samples).length;
  }

  /** Talk frames with the short gaps between words filled in. */
  talking(): boolean[] {
    const filled = [...this.frames];
    let lastTalk = -Infinity;
    for (let i = 0; i < this.frames.length; i++) {
      if (!this.frames[i]) continue;
      if (i - lastTalk > 1 && i - lastTalk <= hangoverFrames) filled.fill(true, lastTalk + 1, i);
      lastTalk = i;
    }
    return filled;
  }
}

/**
 * Talk, silence, overtalk and DTMF in a two-channel recording (agent, customer), fed in pieces:
 * it keeps one flag per 20 ms frame, never the audio, so an hour costs kilobytes.
 */
export class SpeechAnalyser {
  private readonly agent: ChannelActivity;
  private readonly customer: ChannelActivity;

  constructor(sampleRate: number) {
    this.agent = new ChannelActivity(sampleRate);
    this.customer = new ChannelActivity(sampleRate);
  }

  push(agent: Float32Array, customer: Float32Array): void {
    this.agent.push(agent);
    this.customer.push(customer);
  }

  finish(): SpeechFigures {
    const a = this.agent.talking();
    const c = this.customer.talking();
    const frames = Math.min(a.length, c.length);
    let agentTalk = 0;
    let customerTalk = 0;
    let silence = 0;
    let overtalk = 0;
    let run = 0;
    let longest = 0;
    for (let i = 0; i < frames; i++) {
      if (a[i]) agentTalk++;
      if (c[i]) customerTalk++;
      if (a[i] && c[i]) overtalk++;
      if (!a[i] && !c[i]) {
        silence++;
        run++;
        longest = Math.max(longest, run);
      } else run = 0;
    }
    return {
      agentTalkMs: agentTalk * frameMs,
      customerTalkMs: customerTalk * frameMs,
      silenceMs: silence * frameMs,
      overtalkMs: overtalk * frameMs,
      longestSilenceMs: longest * frameMs,
      dtmfDigits: this.agent.digits + this.customer.digits,
    };
  }
}

export function analyseChannels(agent: Float32Array, customer: Float32Array, sampleRate: number): SpeechFigures {
  const analyser = new SpeechAnalyser(sampleRate);
  analyser.push(agent, customer);
  return analyser.finish();
}

/**
 * Analyses the analytics WAV (G.711 mu-law, 8 kHz, agent left, customer right) as it streams:
 * the header first, then each piece of interleaved bytes.
 */
export async function analyseAnalyticsWav(wav: Readable): Promise<SpeechFigures> {
  let analyser: SpeechAnalyser | undefined;
  let pending: Buffer = Buffer.alloc(0);
  for await (const piece of wav) {
    pending = pending.length === 0 ? (piece as Buffer) : Buffer.concat([pending, piece as Buffer]);
    if (!analyser) {
      if (pending.length < wavHeaderBytes) continue;
      if (
        pending.toString('ascii', 0, 4) !== 'RIFF' ||
        pending.readUInt16LE(20) !== 7 ||
        pending.readUInt16LE(22) !== 2
      ) {
        throw new Error('not a stereo G.711 mu-law WAV');
      }
      analyser = new SpeechAnalyser(pending.readUInt32LE(24));
      pending = pending.subarray(wavHeaderBytes);
    }
    const frames = Math.floor(pending.length / 2);
    const agent = new Float32Array(frames);
    const customer = new Float32Array(frames);
    for (let i = 0; i < frames; i++) {
      agent[i] = muLawDecodeTable[pending[2 * i]!]! / 32768;
      customer[i] = muLawDecodeTable[pending[2 * i + 1]!]! / 32768;
    }
    analyser.push(agent, customer);
    pending = pending.subarray(frames * 2);
  }
  if (!analyser) throw new Error('not a stereo G.711 mu-law WAV');
  return analyser.finish();
}

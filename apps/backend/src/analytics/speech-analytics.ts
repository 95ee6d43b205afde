import { detectDtmf } from '../mcp/audio-engine/dtmf.ts';
import { muLawDecode, wavHeaderBytes } from '../mcp/audio-engine/g711-wav.ts';

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

/** Per 20 ms frame: whether the channel is talking, with short gaps between words filled in. */
function talking(channel: Float32Array, sampleRate: number): boolean[] {
  const size = Math.round((sampleRate * frameMs) / 1000);
  const frames: boolean[] = [];
  for (let start = 0; start + size <= channel.length; start += size) {
    let sum = 0;
    for (let i = start; i < start + size; i++) sum += channel[i]! * channel[i]!;
    frames.push(Math.sqrt(sum / size) > talkRms);
  }
  const filled = [...frames];
  // Fill a gap when speech resumes within the hangover.
  let lastTalk = -Infinity;
  for (let i = 0; i < frames.length; i++) {
    if (!frames[i]) continue;
    if (i - lastTalk > 1 && i - lastTalk <= hangoverFrames) filled.fill(true, lastTalk + 1, i);
    lastTalk = i;
  }
  return filled;
}

/** Talk, silence, overtalk and DTMF in a two-channel recording (agent, customer). */
export function analyseChannels(agent: Float32Array, customer: Float32Array, sampleRate: number): SpeechFigures {
  const a = talking(agent, sampleRate);
  const c = talking(customer, sampleRate);
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
    dtmfDigits: detectDtmf(agent, sampleRate).length + detectDtmf(customer, sampleRate).length,
  };
}

/** The analytics WAV (G.711 mu-law, 8 kHz, agent left, customer right) as two float channels. */
export function decodeAnalyticsWav(wav: Buffer): { agent: Float32Array; customer: Float32Array; sampleRate: number } {
  if (wav.toString('ascii', 0, 4) !== 'RIFF' || wav.readUInt16LE(20) !== 7 || wav.readUInt16LE(22) !== 2) {
    throw new Error('not a stereo G.711 mu-law WAV');
  }
  const sampleRate = wav.readUInt32LE(24);
  const data = wav.subarray(wavHeaderBytes);
  const frames = Math.floor(data.length / 2);
  const agent = new Float32Array(frames);
  const customer = new Float32Array(frames);
  for (let i = 0; i < frames; i++) {
    agent[i] = muLawDecode(data[2 * i]!);
    customer[i] = muLawDecode(data[2 * i + 1]!);
  }
  return { agent, customer, sampleRate };
}

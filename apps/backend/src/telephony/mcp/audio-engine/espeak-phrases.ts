import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

/** Phrases spoken by espeak-ng, as float samples: what the parties of a simulated call say. */
export interface SpokenPhrases {
  sampleRate: number;
  agent: Float32Array[];
  customer: Float32Array[];
}

const agentLines = [
  'Thank you for calling, my name is Sam, how can I help you today?',
  'Let me look into that for you, one moment please.',
  'I can see the order on your account.',
  'Could you confirm the postcode for me, please?',
  'I have updated that for you now.',
  'Is there anything else I can help you with?',
];
const customerLines = [
  'Hi, I am calling about my last bill.',
  'Yes, it was placed on Monday morning.',
  'I was charged twice for the same thing.',
  'Sure, it is the one ending in four two.',
  'Okay, that sounds good, thank you.',
  'No, that is all, thanks for your help.',
];

/** espeak-ng writes a 44-byte WAV header (sizes unknown when streaming), then 16-bit mono PCM. */
function toSamples(wav: Buffer): { samples: Float32Array; sampleRate: number } {
  const sampleRate = wav.readUInt32LE(24);
  const pcm = wav.subarray(44);
  const samples = new Float32Array(Math.floor(pcm.length / 2));
  for (let i = 0; i < samples.length; i++) samples[i] = pcm.readInt16LE(i * 2) / 32768;
  return { samples, sampleRate };
}

/**
 * Speaks the call's lines with espeak-ng, a male voice for the agent and a female one for the
 * customer, when espeak-ng is installed; undefined otherwise (the generator's own voices speak).
 */
export async function speakPhrases(): Promise<SpokenPhrases | undefined> {
  const run = promisify(execFile);
  const speak = async (voice: string, line: string) =>
    toSamples((await run('espeak-ng', ['-v', voice, '-s', '165', '--stdout', line], { encoding: 'buffer' })).stdout);
  try {
    const agent = await Promise.all(agentLines.map((line) => speak('en-us+m3', line)));
    const customer = await Promise.all(customerLines.map((line) => speak('en+f3', line)));
    return {
      sampleRate: agent[0]!.sampleRate,
      agent: agent.map((p) => p.samples),
      customer: customer.map((p) => p.samples),
    };
  } catch {
    return undefined;
  }
}

import type { SpokenPhrases } from './audio-engine/espeak-phrases.ts';
import { seededRandom } from '../../platform/media/seeded-random.ts';
import { PartyVoice } from './party-voice.ts';
import { PhraseVoice } from './phrase-voice.ts';

/**
 * The audio of a two-party call: agent and customer take turns (1 to 4 s each, with short gaps),
 * the way a conversation sounds on a recorder. Renders planar frames: with two channels the agent
 * is on the left and the customer on the right; with one, both are mixed. The same seed gives the
 * same conversation at any sample rate, so an MP3 and a WAV of one call say the same thing.
 */
export class Conversation {
  private readonly agent: PartyVoice;
  private readonly customer: PartyVoice;
  /** espeak-ng's phrases, when it is installed: spoken instead of the generated voices */
  private readonly agentPhrases: PhraseVoice | undefined;
  private readonly customerPhrases: PhraseVoice | undefined;
  private readonly random: () => number;
  private speaker: 'agent' | 'customer' | 'none' = 'agent';
  private turnLeft: number;

  constructor(
    private readonly sampleRate: number,
    seed: number,
    phrases?: SpokenPhrases,
  ) {
    this.random = seededRandom(seed ^ 0x5bd1e995);
    this.agent = new PartyVoice({ sampleRate, seed: seed + 1, pitchHz: 190 + 30 * this.random() });
    this.customer = new PartyVoice({ sampleRate, seed: seed + 2, pitchHz: 105 + 25 * this.random() });
    if (phrases) {
      this.agentPhrases = new PhraseVoice(phrases.agent, phrases.sampleRate, sampleRate, seededRandom(seed + 3));
      this.customerPhrases = new PhraseVoice(phrases.customer, phrases.sampleRate, sampleRate, seededRandom(seed + 4));
    }
    this.turnLeft = this.turnLength();
  }

  /** Whether the parties speak espeak-ng's phrases rather than the generated voices. */
  get speaksPhrases(): boolean {
    return this.agentPhrases !== undefined;
  }

  private voiceOf(party: 'agent' | 'customer'): { speak(out: Float32Array, offset: number, count: number): void } {
    const phrases = party === 'agent' ? this.agentPhrases : this.customerPhrases;
    if (phrases) return phrases;
    const voice = party === 'agent' ? this.agent : this.customer;
    return { speak: (out, offset, count) => voice.speak(out, offset, count, 1, 0.5) };
  }

  /**
   * Fills `frames` samples from `offset` of `agentOut` and `customerOut`; when both are the same
   * array (mono), the speaking party is written into it.
   */
  render(agentOut: Float32Array, customerOut: Float32Array, offset: number, frames: number): void {
    let done = 0;
    while (done < frames) {
      const n = Math.min(frames - done, this.turnLeft);
      const at = offset + done;
      if (agentOut === customerOut) {
        if (this.speaker === 'none') agentOut.fill(0, at, at + n);
        else this.voiceOf(this.speaker).speak(agentOut, at, n);
      } else {
        if (this.speaker === 'agent') this.voiceOf('agent').speak(agentOut, at, n);
        else agentOut.fill(0, at, at + n);
        if (this.speaker === 'customer') this.voiceOf('customer').speak(customerOut, at, n);
        else customerOut.fill(0, at, at + n);
      }
      done += n;
      this.turnLeft -= n;
      if (this.turnLeft === 0) this.nextTurn();
    }
  }

  private nextTurn(): void {
    if (this.speaker === 'none') {
      this.speaker = this.random() < 0.5 ? 'agent' : 'customer';
    } else {
      this.speaker = 'none';
    }
    this.turnLeft = this.turnLength();
  }

  private turnLength(): number {
    // A spoken phrase is a turn: it ends when the phrase does.
    const phrases =
      this.speaker === 'agent' ? this.agentPhrases : this.speaker === 'customer' ? this.customerPhrases : undefined;
    if (phrases) return phrases.startTurn();
    const seconds = this.speaker === 'none' ? 0.2 + 0.5 * this.random() : 1 + 3 * this.random();
    return Math.max(1, Math.round(seconds * this.sampleRate));
  }
}
